/**
 * The UI end-to-end tier: for each VS Code version, starts the lab and VS Code's server with the
 * demo workspace and the extension loaded, opens the workbench in Chromium, and runs the flows in
 * test/ui/*.test.js against it through Playwright. Screenshots of every step go to
 * test-results/ui/<version>/ (git-ignored). Writes `{passed, failed, ...}` to TEST_STATS_FILE.
 *
 * Builds nothing: dist/ and out/ must exist. UI_TEST_VERSIONS limits the versions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import { startDatabricksLab, type DatabricksLab } from '../lab/databricks-server';
import { startImmutaLab, type ImmutaLab } from '../lab/immuta-server';
import { writeBlockFiles } from './block-files';
import { DEMO_DATABRICKS_TOKEN, DEMO_PASSWORDS, writeDemoWorkspace } from '../lab/demo-workspace';
import { startLabPostgres, type LabPostgres } from '../lab/postgres';
import { startSnowflakeLab, type SnowflakeLab } from '../lab/snowflake-server';
import { startTdsLab, type TdsLab } from '../lab/tds-server';
import { makeTlsFiles } from '../lab/tls';
import { startTrinoLab, type TrinoLab } from '../lab/trino-server';
import type { TierStats } from '../support/tier-stats';
import { launchBrowser, ensureChromium, type Browser } from '../vscode-host/browser';
import { seconds } from '../vscode-host/child';
import { ensureVsCodeServer, HarnessSetupError, VSCODE_VERSIONS, type VsCodeVersion } from '../vscode-host/install';
import { guardedEnv, isolatedDirs, startServer, type RunningServer } from '../vscode-host/server';
import { notRun } from './scenario';
import { setUiContext, ui } from './ui-context';
import { Workbench } from './workbench';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FLOWS = path.join(ROOT, 'out', 'test', 'ui');
const SCREENSHOTS = path.join(ROOT, 'test-results', 'ui');

interface VersionResult {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
}

function log(line: string): void {
  console.log(line);
}

function versions(): VsCodeVersion[] {
  const wanted = (process.env.UI_TEST_VERSIONS ?? '').split(',').map((value) => value.trim()).filter((value) => value !== '');
  return wanted.length === 0 ? [...VSCODE_VERSIONS] : (wanted.filter((value) => VSCODE_VERSIONS.includes(value as VsCodeVersion)) as VsCodeVersion[]);
}

function runFlows(version: string): Promise<VersionResult> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  // In name order, but the walkthrough first (it opened on the extension's first activation, and
  // its steps are done for the first time there) and the secrets search last (it searches what
  // every other flow wrote).
  const last = (name: string) => (name === 'walkthrough.test.js' ? -1 : name === 'secrets.test.js' ? 1 : 0);
  const files = fs.readdirSync(FLOWS).filter((name) => name.endsWith('.test.js'));
  for (const file of files.sort((a, b) => last(a) - last(b) || a.localeCompare(b))) {
    mocha.addFile(path.join(FLOWS, file));
  }
  mocha.suite.title = `VS Code ${version}`;
  // A regular expression over "scenario step" titles, e.g. `Policy checks|results in the bottom panel`.
  if (process.env.UI_TEST_GREP) mocha.grep(new RegExp(process.env.UI_TEST_GREP));
  // A failed step leaves a picture of the screen behind, for whoever reads the failure.
  mocha.suite.afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await ui().workbench.screenshot(`FAILED-${(this.currentTest.title ?? 'test').replace(/[^\w]+/g, '-').slice(0, 60)}`).catch(() => undefined);
      // The panel's toolbars carry the title of the view they belong to: what a results wait looked for is named there.
      const toolbars = await ui()
        .workbench.page.locator('.part.panel .title-actions .actions-container')
        .evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('aria-label') ?? '(no label)'}${(node as unknown as { offsetParent: unknown }).offsetParent === null ? ' (hidden)' : ''}`))
        .catch(() => []);
      log(`[${version}] after the failure, the panel's toolbars: ${JSON.stringify(toolbars)}`);
    }
  });
  notRun.length = 0;
  return new Promise((resolve) => {
    const runner = mocha.run(() => {
      mocha.unloadFiles();
      // Steps after a failed step of their scenario did not run: say so, and why, in one place.
      for (const { scenario, step, after } of notRun) {
        log(`[${version}] not run: "${step}" (scenario "${scenario}" stopped at the failed step "${after}")`);
      }
      resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, pending: runner.stats?.pending ?? 0 });
    });
  });
}

/**
 * After a failure, keeps what the extension and VS Code logged (the server's folders are removed
 * at the end of the run) beside the screenshots, for whoever reads the failure.
 */
function keepLogs(serverRoot: string, screenshots: string): void {
  const target = path.join(screenshots, 'logs');
  fs.mkdirSync(target, { recursive: true });
  for (const name of fs.readdirSync(serverRoot, { recursive: true }) as string[]) {
    if (!name.endsWith('.log')) continue;
    const file = path.join(serverRoot, name);
    if (fs.statSync(file).isFile()) fs.copyFileSync(file, path.join(target, name.replace(/[\\/]/g, '__')));
  }
  log(`logs of the failed run kept in ${path.relative(ROOT, target)}`);
}

async function runVersion(version: VsCodeVersion, guardLog: string): Promise<VersionResult> {
  const started = Date.now();
  const installed = await ensureVsCodeServer(version, log);
  await ensureChromium(log);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-tier-'));
  let lab: LabPostgres | undefined;
  let trino: TrinoLab | undefined;
  let snowflake: SnowflakeLab | undefined;
  let tds: TdsLab | undefined;
  let databricks: DatabricksLab | undefined;
  let immuta: ImmutaLab | undefined;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    lab = await startLabPostgres({ loginPasswords: DEMO_PASSWORDS });
    trino = await startTrinoLab(lab);
    snowflake = await startSnowflakeLab(lab);
    const tls = await makeTlsFiles(fs.mkdtempSync(path.join(scratch, 'tds-tls-')), { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    tds = await startTdsLab(lab, { tls: { key: fs.readFileSync(tls.keyFile, 'utf8'), cert: fs.readFileSync(tls.certFile, 'utf8') } });
    databricks = await startDatabricksLab(lab, { tokens: { governor: DEMO_DATABRICKS_TOKEN } });
    immuta = await startImmutaLab(lab);
    const workspace = path.join(scratch, 'demo');
    await writeDemoWorkspace(workspace, lab, {
      trinoUrl: trino.url,
      snowflake: { accessUrl: snowflake.accessUrl, account: snowflake.account },
      synapse: { port: tds.port, caPem: tls.caPem },
      databricks: { port: databricks.port, httpPath: databricks.httpPath, caPem: databricks.caPem },
      immutaUrl: immuta.url,
    });
    await writeBlockFiles(workspace);
    // The walkthrough opens on the extension's first activation (walkthrough.test.ts, the first
    // flow, closes it); when UI_TEST_GREP leaves that flow out, nothing would close it.
    const grep = process.env.UI_TEST_GREP;
    const walkthroughRuns = grep === undefined || grep === '' || new RegExp(grep).test('Get Started walkthrough the walkthrough a new user meets');
    server = await startServer({ server: installed, env: guardedEnv(guardLog), log, settings: { 'immutaWorksheets.walkthrough.openOnFirstActivation': walkthroughRuns } });
    const browserEnv = { ...process.env, ...isolatedDirs(path.join(scratch, 'browser')) };
    delete browserEnv.NODE_OPTIONS;
    browser = await launchBrowser(path.join(scratch, 'chromium-profile'), browserEnv, log);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]]);
    await page.goto(`${server.origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const screenshots = path.join(SCREENSHOTS, version);
    fs.rmSync(screenshots, { recursive: true, force: true });
    const workbench = new Workbench(page, screenshots);
    await workbench.waitForWorkbench();
    log(`[${version}] workbench ready after ${seconds(Date.now() - started)}; screenshots in ${path.relative(ROOT, screenshots)}`);
    setUiContext({ version, workbench, lab, serverRoot: server.root, workspace, tds, immuta, snowflake });
    const result = await runFlows(version);
    if (result.failed > 0) keepLogs(server.root, screenshots);
    if (browser.blocked.length > 0) {
      log(`[${version}] the workbench tried to reach outside hosts (blocked): ${[...new Set(browser.blocked)].join(', ')}`);
      return { ...result, failed: result.failed + 1 };
    }
    return result;
  } finally {
    setUiContext(undefined);
    await browser?.close();
    await server?.stop();
    await trino?.close();
    await snowflake?.close();
    await tds?.close();
    await databricks?.close();
    await immuta?.close();
    await lab?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    log(`[${version}] UI tier took ${seconds(Date.now() - started)}`);
  }
}

async function main(): Promise<void> {
  const statsFile = process.env.TEST_STATS_FILE;
  const guardLog = process.env.NETWORK_GUARD_LOG ?? path.join(os.tmpdir(), `ui-guard-${process.pid}.jsonl`);
  const total = { passed: 0, failed: 0, pending: 0 };
  for (const version of versions()) {
    try {
      const result = await runVersion(version, guardLog);
      total.passed += result.passed;
      total.failed += result.failed;
      total.pending += result.pending;
    } catch (error) {
      total.failed++;
      const message = error instanceof HarnessSetupError ? `VS Code cannot run here: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`[${version}] UI tier failed: ${message}`);
    }
  }
  const stats: TierStats = { ...total, guardViolations: 0 };
  if (statsFile) {
    fs.writeFileSync(statsFile, JSON.stringify(stats));
  }
  console.log(`UI tier: ${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

void main();
