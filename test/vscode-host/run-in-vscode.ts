/**
 * Runs an extension test suite (the standard contract: a module exporting `run()`) inside a real
 * VS Code extension host.
 *
 * - host 'server' (the default, offline): VS Code's server build from npm `code-server`, its web
 *   workbench opened in Debian's Chromium; the workbench starts the suite in the real Node
 *   extension host and reports the exit code through `window.codeAutomationExit`.
 * - host 'electron': `@vscode/test-electron` with a desktop VS Code, only when one is there
 *   without downloading (env VSCODE_EXECUTABLE) or when the user asked for the download
 *   (VSCODE_TEST_DOWNLOAD=1). Never chosen otherwise: the download is a connection to the
 *   internet.
 *
 * Either way the suite writes its results to the JSON file named by env EDITOR_TEST_RESULTS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Log, onExitCleanUp, seconds } from './child';
import { ensureChromium, launchBrowser } from './browser';
import { ensureVsCodeServer, HarnessSetupError, type VsCodeVersion } from './install';
import { isolatedDirs, type RunningServer, startServer } from './server';

export type EditorHost = 'server' | 'electron';

export interface RunOptions {
  readonly version: VsCodeVersion;
  readonly extensionDevelopmentPath: string;
  /** The compiled suite entry (exports `run()`), absolute. */
  readonly extensionTestsPath: string;
  /** Folder to open; a fresh empty one under the run's temp dir when omitted. */
  readonly workspaceFolder?: string;
  /** Extra environment for the extension host. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log: Log;
  /** For the whole run once the server is up (default 120 s). */
  readonly timeoutMs?: number;
  readonly host?: EditorHost;
  /** User settings for the server host, over server.ts's DEFAULT_SETTINGS. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Server host only: see StartServerOptions.workspaceTrust. */
  readonly workspaceTrust?: 'disabled' | 'enforced';
}

/** Milliseconds; the phases after navigation are measured from the start of the page load. */
export interface RunTimings {
  install: number;
  serverUp: number;
  browserLaunch: number;
  workbenchVisible: number;
  /** When the suite's run() was called. */
  suiteStarted?: number;
  /** When a test saw the extension active (the suite marks it). */
  extensionActive?: number;
  /** Mocha's own run. */
  testRun?: number;
  exit: number;
  total: number;
}

export interface RunResult {
  readonly version: string;
  readonly host: EditorHost;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly failures: string[];
  readonly timings: RunTimings;
  /** Whether the network guard was loaded in the extension host. */
  readonly extensionHostGuarded: boolean;
  /** Whether it was already there through NODE_OPTIONS (1.139 strips those; the suite loads it). */
  readonly guardPreloaded: boolean;
  /** Connections the guard refused in the extension host (the guard log counts them). */
  readonly guardViolations: readonly string[];
}

/** What the suite (test/editor/suite/index.ts) writes to EDITOR_TEST_RESULTS. */
export interface SuiteResults {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly failures: readonly { readonly title: string; readonly error: string }[];
  /** Epoch milliseconds of named moments (runStarted, extensionActive, …). */
  readonly marks?: Readonly<Record<string, number>>;
  readonly mochaMs?: number;
  readonly networkGuard?: boolean;
  readonly guardPreloaded?: boolean;
  readonly guardViolations?: readonly string[];
}

/** The host to use: 'electron' only when a desktop VS Code needs no unasked-for download. */
export function chooseHost(env: NodeJS.ProcessEnv = process.env): EditorHost {
  if (env.EDITOR_TEST_HOST === 'server' || env.EDITOR_TEST_HOST === 'electron') {
    return env.EDITOR_TEST_HOST;
  }
  return env.VSCODE_EXECUTABLE || env.VSCODE_TEST_DOWNLOAD === '1' ? 'electron' : 'server';
}

function readResults(file: string): SuiteResults | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
  } catch {
    return undefined;
  }
}

function remoteUri(origin: string, file: string): string {
  return `vscode-remote://${new URL(origin).host}${path.resolve(file)}`;
}

/** Text of the arguments the workbench hands to codeAutomationLog. */
function logText(args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  return list.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
}

export async function runExtensionTests(options: RunOptions): Promise<RunResult> {
  const host = options.host ?? chooseHost();
  return host === 'electron' ? runWithTestElectron(options) : runInServer(options);
}

async function runInServer(options: RunOptions): Promise<RunResult> {
  const { version, log } = options;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = Date.now();
  const timings: RunTimings = { install: 0, serverUp: 0, browserLaunch: 0, workbenchVisible: 0, exit: 0, total: 0 };

  const installed = await ensureVsCodeServer(version, log);
  await ensureChromium(log);
  timings.install = Date.now() - started;

  const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-results-'));
  const forgetResultsDir = onExitCleanUp(() => fs.rmSync(resultsDir, { recursive: true, force: true }));
  const resultsFile = path.join(resultsDir, 'results.json');
  let server: RunningServer | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  const automationLog: string[] = [];
  try {
    server = await startServer({ server: installed, env: { ...options.env, EDITOR_TEST_RESULTS: resultsFile }, settings: options.settings, workspaceTrust: options.workspaceTrust, log });
    timings.serverUp = server.startMs;
    log(`[${version}] server up on ${server.origin} in ${seconds(server.startMs)} (commit ${server.commit.slice(0, 10)})`);

    const workspace = options.workspaceFolder ?? path.join(server.root, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });

    const browserStarted = Date.now();
    const browserEnv = { ...process.env, ...isolatedDirs(path.join(server.root, 'browser')) };
    delete browserEnv.NODE_OPTIONS;
    const browser = await launchBrowser(path.join(server.root, 'chromium-profile'), browserEnv, log);
    closeBrowser = browser.close;
    timings.browserLaunch = Date.now() - browserStarted;

    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    let exitCode: number | undefined;
    let onExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (onExit = resolve));
    let navigated = Date.now();
    const since = () => seconds(Date.now() - navigated);
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const line = `${since()} ${String(type)}: ${logText(args)}`;
      automationLog.push(line);
      if (process.env.EDITOR_TEST_VERBOSE === '1') {
        log(`[${version}] ${line}`);
      }
    });
    if (process.env.EDITOR_TEST_VERBOSE === '1') {
      page.on('console', (message) => log(`[${version}] ${since()} console.${message.type()}: ${message.text()}`));
    }
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      exitCode = typeof code === 'number' ? code : Number(code);
      onExit(exitCode);
    });
    page.on('pageerror', (error) => automationLog.push(`${since()} pageerror: ${error.message}`));

    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remoteUri(server.origin, options.extensionDevelopmentPath)],
      ['extensionTestsPath', remoteUri(server.origin, options.extensionTestsPath)],
    ]);
    const url = `${server.origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
    navigated = Date.now();
    const deadline = navigated + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `VS Code ${version}: the test run did not finish within ${timeoutMs / 1000} s ` +
                `(workbench visible: ${timings.workbenchVisible > 0 ? 'yes' : 'no'}; results file: ${fs.existsSync(resultsFile) ? 'written' : 'not written'}).\n` +
                `Last workbench log lines:\n${automationLog.slice(-15).map((line) => `    ${line}`).join('\n') || '    (none)'}\n` +
                `Last server output:\n${server?.output().split('\n').slice(-15).map((line) => `    ${line}`).join('\n') || '    (none)'}`,
            ),
          ),
        timeoutMs,
      );
    });
    timeout.catch(() => undefined); // handled by whichever race is waiting when it fires
    try {
      await Promise.race([page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs }), timeout]);
      await Promise.race([
        page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) }),
        exited,
        timeout,
      ]);
      timings.workbenchVisible = Date.now() - navigated;
      log(`[${version}] workbench visible after ${seconds(timings.workbenchVisible)}`);
      await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    timings.exit = Date.now() - navigated;

    const results = readResults(resultsFile);
    const failures: string[] = [];
    if (!results) {
      throw new Error(
        `VS Code ${version}: the suite exited with code ${exitCode} without writing ${resultsFile}.\n` +
          `Last workbench log lines:\n${automationLog.slice(-25).map((line) => `    ${line}`).join('\n') || '    (none)'}`,
      );
    }
    failures.push(...results.failures.map((failure) => `${failure.title}: ${failure.error}`));
    let failed = results.failed;
    if (exitCode !== 0 && failed === 0) {
      failures.push(`the extension test run exited with code ${exitCode} although no test failed`);
      failed++;
    }
    if (browser.blocked.length > 0) {
      failures.push(`the workbench tried to reach outside hosts (blocked): ${[...new Set(browser.blocked)].join(', ')}`);
      failed++;
    }
    const marks = results.marks ?? {};
    if (marks.runStarted) {
      timings.suiteStarted = marks.runStarted - navigated;
    }
    if (marks.extensionActive) {
      timings.extensionActive = marks.extensionActive - navigated;
    }
    timings.testRun = results.mochaMs;
    return {
      version,
      host: 'server',
      passed: results.passed,
      failed,
      pending: results.pending,
      failures,
      timings,
      extensionHostGuarded: results.networkGuard === true,
      guardPreloaded: results.guardPreloaded === true,
      guardViolations: results.guardViolations ?? [],
    };
  } finally {
    if (closeBrowser) {
      await closeBrowser();
    }
    if (server) {
      await server.stop();
    }
    fs.rmSync(resultsDir, { recursive: true, force: true });
    forgetResultsDir();
    timings.total = Date.now() - started;
  }
}

/**
 * `@vscode/test-electron` with a desktop VS Code: VSCODE_EXECUTABLE, or a download the user asked
 * for with VSCODE_TEST_DOWNLOAD=1 (of `options.version`).
 */
async function runWithTestElectron(options: RunOptions): Promise<RunResult> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable && process.env.VSCODE_TEST_DOWNLOAD !== '1') {
    throw new HarnessSetupError('The electron host needs VSCODE_EXECUTABLE (a desktop VS Code) or VSCODE_TEST_DOWNLOAD=1 (allows downloading one).');
  }
  if (executable && !fs.existsSync(executable)) {
    throw new HarnessSetupError(`VSCODE_EXECUTABLE=${executable} does not exist.`);
  }
  const started = Date.now();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-electron-'));
  const forgetRoot = onExitCleanUp(() => fs.rmSync(root, { recursive: true, force: true }));
  const resultsFile = path.join(root, 'results.json');
  const workspace = options.workspaceFolder ?? path.join(root, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  try {
    // Loaded only here: nothing else in the harness may reach the download code.
    const { runTests } = (await import('@vscode/test-electron')) as typeof import('@vscode/test-electron');
    let exitCode = 0;
    try {
      exitCode = await runTests({
        ...(executable ? { vscodeExecutablePath: executable } : { version: options.version }),
        extensionDevelopmentPath: options.extensionDevelopmentPath,
        extensionTestsPath: options.extensionTestsPath,
        extensionTestsEnv: { ...options.env, ...isolatedDirs(path.join(root, 'dirs')), EDITOR_TEST_RESULTS: resultsFile } as Record<string, string>,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--user-data-dir', path.join(root, 'user-data'),
          '--extensions-dir', path.join(root, 'extensions'),
        ],
      });
    } catch (error) {
      exitCode = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      options.log(`[electron] ${(error as Error).message}`);
    }
    const results = readResults(resultsFile);
    if (!results) {
      throw new Error(`VS Code (electron) exited with code ${exitCode} without writing ${resultsFile}.`);
    }
    const failures = results.failures.map((failure) => `${failure.title}: ${failure.error}`);
    let failed = results.failed;
    if (exitCode !== 0 && failed === 0) {
      failures.push(`the extension test run exited with code ${exitCode} although no test failed`);
      failed++;
    }
    const total = Date.now() - started;
    return {
      version: executable ? `desktop (${executable})` : options.version,
      host: 'electron',
      passed: results.passed,
      failed,
      pending: results.pending,
      failures,
      timings: { install: 0, serverUp: 0, browserLaunch: 0, workbenchVisible: 0, testRun: results.mochaMs, exit: total, total },
      extensionHostGuarded: results.networkGuard === true,
      guardPreloaded: results.guardPreloaded === true,
      guardViolations: results.guardViolations ?? [],
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    forgetRoot();
  }
}
