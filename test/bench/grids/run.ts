/**
 * Results-grid candidates compared in Debian's Chromium: each page is bundled with esbuild,
 * served from 127.0.0.1, and run in a fresh browser (fresh profile, nothing but loopback).
 * Standalone: `npx tsc -p tsconfig.json && node out/test/bench/grids/run.js [candidate…]`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS as LOOPBACK_CHROMIUM_ARGS, isLoopbackUrl } from '../../vscode-host/browser';
import type { GridBenchResult } from './result';

const ROOT = path.resolve(__dirname, '../../../..');
const PAGES = path.join(ROOT, 'test', 'bench', 'grids', 'pages');
const SLICK_CSS = path.join(ROOT, 'node_modules', 'slickgrid', 'dist', 'styles', 'css');

export interface Candidate {
  readonly name: string;
  /** The page's entry in pages/, without `.ts`. */
  readonly entry: string;
  /** The grid's own CSS files, inlined into the page. */
  readonly css: readonly string[];
}

export const CANDIDATES: readonly Candidate[] = [
  { name: 'slickgrid 5.20.2', entry: 'slickgrid', css: [path.join(SLICK_CSS, 'slick.grid.css'), path.join(SLICK_CSS, 'slick-alpine-theme.css')] },
  { name: '@tanstack/virtual-core 3.19.11', entry: 'tanstack', css: [path.join(PAGES, 'tanstack.css')] },
  { name: 'ag-grid-community 36.2.0', entry: 'aggrid', css: [] },
];

export interface FrameMode {
  readonly name: string;
  readonly args: readonly string[];
}

export const FRAME_MODES: readonly FrameMode[] = [
  { name: 'vsync', args: [] },
  { name: 'no vsync', args: ['--disable-gpu-vsync', '--disable-frame-rate-limit'] },
];

/** The harness's loopback-only Chromium flags, plus what the heap figure needs. */
const CHROMIUM_ARGS = [
  ...LOOPBACK_CHROMIUM_ARGS,
  // For the heap figure: gc() before reading, and usedJSHeapSize unrounded.
  '--js-flags=--expose-gc',
  '--enable-precise-memory-info',
];

export interface CandidateRun {
  readonly candidate: string;
  readonly mode: string;
  readonly jsKB: number;
  readonly cssKB: number;
  readonly result: GridBenchResult;
}

interface Bundle {
  readonly candidate: Candidate;
  readonly jsKB: number;
  readonly cssKB: number;
}

/** Bundles one page (minified IIFE) and writes its HTML, with all CSS inlined, into `dir`. */
async function bundlePage(candidate: Candidate, dir: string): Promise<Bundle> {
  const { build } = await import('esbuild');
  const js = path.join(dir, `${candidate.entry}.js`);
  await build({
    entryPoints: [path.join(PAGES, `${candidate.entry}.ts`)],
    outfile: js,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  const ownCss = candidate.css.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
  const css = `${fs.readFileSync(path.join(PAGES, 'page.css'), 'utf8')}\n${ownCss}`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${candidate.entry}</title><style>${css}</style></head><body><div id="grid"></div><script src="${candidate.entry}.js"></script></body></html>`;
  fs.writeFileSync(path.join(dir, `${candidate.entry}.html`), html);
  return { candidate, jsKB: fs.statSync(js).size / 1024, cssKB: Buffer.byteLength(ownCss) / 1024 };
}

/** Serves the files of `dir` (flat names only) on a random loopback port. */
async function serve(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '/').split('?')[0]).slice(1);
    const file = path.join(dir, name);
    if (!/^[a-z]+\.(html|js)$/.test(name) || !fs.existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Where to save a screenshot of each page's last rows (set GRIDS_BENCH_SHOTS to a folder). */
const SHOTS = process.env.GRIDS_BENCH_SHOTS;

/** One candidate in a fresh Chromium (own profile, own renderer, so heap figures do not mix). */
async function runPage(url: string, mode: FrameMode, tmp: string, log: (line: string) => void): Promise<GridBenchResult> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...mode.args],
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
    viewport: { width: 1400, height: 900 },
  });
  try {
    await context.route('**/*', async (route) => {
      const target = route.request().url();
      if (isLoopbackUrl(target)) return route.continue();
      log(`blocked a request to ${target}`);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`console ${message.type()}: ${message.text()}`);
    });
    await page.goto(url);
    const result = (await page.evaluate('window.benchmark()')) as GridBenchResult;
    if (SHOTS !== undefined) {
      await page.evaluate('window.showLastRows()');
      const name = `${path.basename(new URL(url).pathname, '.html')}-${mode.name.replace(/\W+/g, '-')}.png`;
      await page.screenshot({ path: path.resolve(SHOTS, name) });
    }
    return result;
  } finally {
    await context.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Bundles and runs every candidate (or those whose name contains one of `only`) in both frame modes. */
export async function runGridBench(only: readonly string[] = [], log: (line: string) => void = () => undefined): Promise<CandidateRun[]> {
  const chosen = CANDIDATES.filter((candidate) => only.length === 0 || only.some((word) => candidate.name.includes(word)));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grids-bench-'));
  const runs: CandidateRun[] = [];
  try {
    const bundles: Bundle[] = [];
    for (const candidate of chosen) bundles.push(await bundlePage(candidate, tmp));
    const server = await serve(tmp);
    try {
      for (const mode of FRAME_MODES) {
        for (const { candidate, jsKB, cssKB } of bundles) {
          log(`${candidate.name} (${mode.name})…`);
          const result = await runPage(`${server.origin}/${candidate.entry}.html`, mode, tmp, (line) => log(`  ${candidate.entry}: ${line}`));
          runs.push({ candidate: candidate.name, mode: mode.name, jsKB, cssKB, result });
        }
      }
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return runs;
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** The comparison table, one line per candidate and frame mode. */
export function formatTable(runs: readonly CandidateRun[]): string {
  const header = ['candidate', 'frames', 'bundle KB js+css', 'firstPaint ms', 'append 1M ms', 'frame ms med/p95', 'work ms med/p95', 'blank steps', 'scroll height px', 'DOM rows min/max', 'last row', 'sort ms', 'heap MB (data)'];
  const rows = runs.map(({ candidate, mode, jsKB, cssKB, result: r }) => [
    candidate,
    mode,
    `${jsKB.toFixed(0)}+${cssKB.toFixed(0)}`,
    ms(r.firstPaintMs),
    ms(r.appendMs),
    `${ms(r.frameMedianMs)}/${ms(r.frameP95Ms)}`,
    `${ms(r.workMedianMs)}/${ms(r.workP95Ms)}`,
    `${r.blankSteps}/${r.scrollSteps}`,
    `${(r.scrollHeightPx / 1e6).toFixed(1)}M`,
    `${r.domRowsMin}/${r.domRowsMax}`,
    r.lastRowReached ? 'yes' : 'NO',
    ms(r.sortMs),
    `${r.heapLoadedMB.toFixed(0)} (${r.heapDataMB.toFixed(0)})`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column].length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const runs = await runGridBench(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${formatTable(runs)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`grids bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
