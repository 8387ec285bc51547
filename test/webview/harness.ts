/**
 * The built webviews (dist/webview) in Debian's Chromium: a loopback HTTP server serves the
 * results page from `resultsHtml` (at /) and the comparison page from `comparisonHtml` (at
 * /comparison), each with its CSP both in the page and as a response header, an init
 * script stands in for VS Code's `acquireVsCodeApi` (posts go to a Node-side FakeHost, or ComparisonHost), and every
 * CSP violation and dialog is recorded so tests can insist there were none.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { comparisonHtml, contentSecurityPolicy, makeNonce, resultsHtml } from '../../src/results/webview-html';
import { isolatedDirs } from '../vscode-host/server';
import { ensureChromium, launchBrowser, type Browser } from '../vscode-host/browser';
import { ComparisonHost } from './comparison-host';
import { FakeHost } from './fake-host';
import { THEMES, type ThemeName } from './themes';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'dist/webview');
export const SCREENSHOTS = path.join(ROOT, 'test-results/webview');

/** Runs in the page before its own script: the VS Code API stand-in and the recorders. */
const INIT_SCRIPT = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample });
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    let state;
    return {
      postMessage: (message) => { window.__webviewPost(message); },
      getState: () => state,
      setState: (next) => { state = next; },
    };
  };
`;

interface PageStyle {
  setProperty(name: string, value: string): void;
}
interface PageDocument {
  body: { classList: { add(name: string): void; remove(...names: string[]): void } };
  documentElement: { style: PageStyle; removeAttribute(name: string): void };
}

/** Runs in the page: VS Code's theme class on <body> and its variables on <html> (CSSOM, allowed by the CSP). */
function applyTheme(theme: { bodyClass: string; variables: Readonly<Record<string, string>> }): void {
  const document = (globalThis as unknown as { document: PageDocument }).document;
  document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
  document.body.classList.add(theme.bodyClass);
  // The previous theme's variables go: a theme does not define every one the last one did.
  document.documentElement.removeAttribute('style');
  for (const [name, value] of Object.entries(theme.variables)) document.documentElement.style.setProperty(name, value);
}

export interface CspViolation {
  readonly directive: string;
  readonly blocked: string;
  readonly sample: string;
}

export interface ViewPage<Host> {
  readonly page: Page;
  readonly host: Host;
  /** Messages of every dialog (alert, confirm, prompt) the page opened. */
  readonly dialogs: string[];
  /** Uncaught errors in the page. */
  readonly pageErrors: string[];
  cspViolations(): Promise<CspViolation[]>;
  theme(name: ThemeName): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export type ResultsPage = ViewPage<FakeHost>;
export type ComparisonView = ViewPage<ComparisonHost>;

/** What the page reports into, for the test that currently uses it. */
interface PageSession<Host> {
  readonly host: Host & { receive(message: unknown): void };
  readonly dialogs: string[];
  readonly pageErrors: string[];
}

export class Harness {
  private page: Page | undefined;
  private session: PageSession<unknown> | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
    private readonly browser: Browser,
    private readonly scratch: string,
  ) {}

  static async start(): Promise<Harness> {
    for (const file of ['results.js', 'results.css', 'comparison.js', 'comparison.css']) {
      if (!fs.existsSync(path.join(BUNDLE, file))) {
        throw new Error(`dist/webview/${file} is missing: build first with \`node scripts/build.mjs\` (npm test does)`);
      }
    }
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', (request, response) => serve(origin, request, response));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'webview-tier-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ...isolatedDirs(path.join(scratch, 'browser')), LANG: 'en_US.UTF-8', LANGUAGE: 'en_US', TZ: 'UTC' };
    delete env.NODE_OPTIONS;
    try {
      // A fresh machine gets Debian's Chromium here (as root), as the editor and UI tiers do.
      await ensureChromium((line) => console.log(line));
      const browser = await launchBrowser(path.join(scratch, 'profile'), env, () => undefined, ['--lang=en-US']);
      return new Harness(server, origin, browser, scratch);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /**
   * The results view freshly loaded (a new document, so nothing carries over from the last
   * test) with its `ready` received. One tab serves every test: loading a page into it is
   * much cheaper than opening a tab.
   */
  async open(viewport = { width: 1200, height: 760 }): Promise<ResultsPage> {
    return this.load('/', (page) => new FakeHost(page), (host) => host.waitFor('ready'), viewport);
  }

  /** The comparison page (Compare as…) freshly loaded, with its `ready` received, and no report yet. */
  async openComparison(viewport = { width: 1200, height: 760 }): Promise<ComparisonView> {
    return this.load('/comparison', (page) => new ComparisonHost(page), (host) => host.waitFor('ready'), viewport);
  }

  private async load<Host extends { receive(message: unknown): void }>(
    route: string,
    makeHost: (page: Page) => Host,
    ready: (host: Host) => Promise<unknown>,
    viewport: { width: number; height: number },
  ): Promise<ViewPage<Host>> {
    const page = this.page ?? (await this.newPage());
    await page.setViewportSize(viewport);
    const session: PageSession<Host> = { host: makeHost(page), dialogs: [], pageErrors: [] };
    this.session = session;
    await page.goto(`${this.origin}${route}`);
    await ready(session.host);
    return {
      page,
      ...session,
      cspViolations: () => page.evaluate<CspViolation[]>('window.__cspViolations'),
      theme: async (name) => {
        await page.evaluate(applyTheme, { bodyClass: THEMES[name].bodyClass, variables: THEMES[name].variables });
      },
      screenshot: async (name) => {
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        const file = path.join(SCREENSHOTS, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      close: async () => {
        if (this.session === session) this.session = undefined;
        await page.goto('about:blank');
      },
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  private async newPage(): Promise<Page> {
    const page = this.browser.context.pages()[0] ?? (await this.browser.context.newPage());
    page.on('dialog', (dialog) => {
      this.session?.dialogs.push(dialog.message());
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (error) => this.session?.pageErrors.push(error.message));
    await page.exposeBinding('__webviewPost', (_source, message: unknown) => this.session?.host.receive(message));
    await page.addInitScript(INIT_SCRIPT);
    this.page = page;
    return page;
  }
}

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

function serve(origin: string, request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', origin);
  if (url.pathname === '/') {
    const nonce = makeNonce();
    const html = resultsHtml({ cspSource: origin, nonce, scriptUri: `${origin}/results.js`, styleUri: `${origin}/results.css`, title: 'Results' });
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy(origin, nonce), 'Cache-Control': 'no-store' });
    response.end(html);
    return;
  }
  if (url.pathname === '/comparison') {
    const nonce = makeNonce();
    const html = comparisonHtml({ cspSource: origin, nonce, scriptUri: `${origin}/comparison.js`, styleUri: `${origin}/comparison.css`, title: 'Compare' });
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy(origin, nonce), 'Cache-Control': 'no-store' });
    response.end(html);
    return;
  }
  const name = path.basename(url.pathname);
  const file = path.join(BUNDLE, name);
  const type = TYPES[path.extname(name)];
  if (!/^(results|comparison)\.(js|css|js\.map)$/.test(name) || type === undefined || !fs.existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(fs.readFileSync(file));
}

/**
 * One Chromium for a suite: started before its first test (on a fresh machine this installs
 * Debian's Chromium first), closed after its last. Returns the harness, for the suite's hooks.
 */
export function suiteHarness(): () => Harness {
  let harness: Harness | undefined;
  before(async function () {
    this.timeout(600_000);
    harness = await Harness.start();
  });
  after(async function () {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the harness has not started');
    return harness;
  };
}

/**
 * Closes a test's page and asserts what every webview test asserts of it afterwards: no CSP
 * violation, no dialog, no uncaught error, and the host saw only protocol messages (`protocol`
 * says which).
 */
export async function closeCleanly(view: ViewPage<{ readonly violations: readonly string[] }>, protocol: string): Promise<void> {
  const csp = await view.cspViolations();
  const { dialogs, pageErrors } = view;
  const hostViolations = [...view.host.violations];
  await view.close();
  assert.deepEqual(csp, [], 'no CSP violations');
  assert.deepEqual(dialogs, [], 'no dialogs');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
  assert.deepEqual(hostViolations, [], protocol);
}
