/**
 * `npm start`: the product on its embedded default. Starts the lab (a real PostgreSQL with the
 * Immuta-like fixture, playing Redshift, and protocol servers over it), writes a demo workspace
 * whose connections point at it, and opens a real VS Code with the extension loaded: desktop
 * `code` when it is on PATH, otherwise VS Code's server build in a browser. Runs until Ctrl+C.
 *
 * Every way out stops all it started (scripts/teardown.ts): Ctrl+C, SIGTERM, SIGHUP, the
 * process that started it going away, a stage failing midway, an uncaught error. It then exits
 * 0 after a signal and 1 after a failure or when something could not be stopped. Killed outright
 * (SIGKILL), its watchdogs stop VS Code's server (scripts/watchdog.ts) and the lab PostgreSQL.
 *
 * Options: `--browser` (the server build even when `code` is installed), `--workspace <dir>`
 * (where to write the demo workspace; default .cache/demo-workspace). BROWSER: see
 * scripts/open-browser.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_DATABRICKS_TOKEN, DEMO_PASSWORDS, writeDemoWorkspace } from '../test/lab/demo-workspace';
import { startDatabricksLab } from '../test/lab/databricks-server';
import { startImmutaLab } from '../test/lab/immuta-server';
import { startTdsLab } from '../test/lab/tds-server';
import { makeTlsFiles } from '../test/lab/tls';
import { leaveSignalsToCaller, startLabPostgres } from '../test/lab/postgres';
import { startSnowflakeLab } from '../test/lab/snowflake-server';
import { startTrinoLab } from '../test/lab/trino-server';
import { ensureVsCodeServer, type VsCodeVersion } from '../test/vscode-host/install';
import { startServer } from '../test/vscode-host/server';
import { chooseBrowser, openInBrowser } from './open-browser';
import { Teardown, TeardownStarted } from './teardown';
import { watchOverGroup } from './watchdog';

const REPO = path.resolve(__dirname, '../..');
const DEFAULT_WORKSPACE = path.join(REPO, '.cache', 'demo-workspace');
const VERSION: VsCodeVersion = '1.139.1';

interface Options {
  readonly desktop: boolean;
  readonly workspace: string;
}

/** The command line; anything unknown is refused before anything starts. */
function parseArguments(args: readonly string[]): Options {
  let browser = false;
  let workspace = DEFAULT_WORKSPACE;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--browser') {
      browser = true;
    } else if (arg === '--workspace' && args[index + 1] !== undefined) {
      workspace = path.resolve(args[++index]);
    } else if (arg.startsWith('--workspace=') && arg.length > '--workspace='.length) {
      workspace = path.resolve(arg.slice('--workspace='.length));
    } else {
      throw new Error(`unknown option "${arg}". Options: --browser, --workspace <dir>`);
    }
  }
  return { desktop: !browser && onPath('code'), workspace };
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const out = (text: string) => process.stdout.write(text);

async function run(options: Options, teardown: Teardown): Promise<void> {
  const stages: { name: string; ms: number }[] = [];
  /** One step, timed; refuses to begin or to go on once npm start is stopping. */
  const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    if (teardown.begun) {
      throw new TeardownStarted(name);
    }
    const started = Date.now();
    out(`▸ ${name}…\n`);
    const result = await work();
    if (teardown.begun) {
      throw new TeardownStarted(name);
    }
    const ms = Date.now() - started;
    stages.push({ name, ms });
    out(`  done in ${(ms / 1000).toFixed(1)} s\n`);
    return result;
  };
  const { workspace } = options;

  const lab = await stage('Starting the lab PostgreSQL (plays Amazon Redshift, with the Immuta-like fixture)', () =>
    teardown.start('lab PostgreSQL', () => startLabPostgres({ loginPasswords: DEMO_PASSWORDS, signal: teardown.signal }), (running) => running.stop()),
  );
  const trino = await stage('Starting the lab Trino server (Trino client protocol over the lab PostgreSQL)', () =>
    teardown.start('lab Trino server', () => startTrinoLab(lab), (server) => server.close()),
  );
  const snowflake = await stage('Starting the lab Snowflake server (Snowflake REST protocol over the lab PostgreSQL)', () =>
    teardown.start('lab Snowflake server', () => startSnowflakeLab(lab), (server) => server.close()),
  );
  const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'immuta-demo-tls-'));
  teardown.add('temporary TLS files', () => fs.rmSync(tlsDir, { recursive: true, force: true }));
  const tdsTls = await makeTlsFiles(tlsDir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
  const tdsPem = { key: fs.readFileSync(tdsTls.keyFile, 'utf8'), cert: fs.readFileSync(tdsTls.certFile, 'utf8') };
  // Only the text is needed from here on: no key file lingers, even if this process is killed outright.
  fs.rmSync(tlsDir, { recursive: true, force: true });
  const tds = await stage('Starting the lab TDS server (plays Azure Synapse, TLS inside TDS)', () =>
    teardown.start('lab TDS server', () => startTdsLab(lab, { tls: tdsPem }), (server) => server.close()),
  );
  const databricks = await stage('Starting the lab Databricks server (Thrift over HTTPS)', () =>
    teardown.start('lab Databricks server', () => startDatabricksLab(lab, { tokens: { governor: DEMO_DATABRICKS_TOKEN } }), (server) => server.close()),
  );
  const immuta = await stage('Starting the lab Immuta API (users, permissions and projects of the same fixture)', () =>
    teardown.start('lab Immuta API', () => startImmutaLab(lab), (server) => server.close()),
  );
  const shownWorkspace = path.relative(REPO, workspace).startsWith('..') ? workspace : path.relative(REPO, workspace);
  const profiles = await stage(`Writing the demo workspace (${shownWorkspace})`, () =>
    writeDemoWorkspace(workspace, lab, {
      trinoUrl: trino.url,
      snowflake: { accessUrl: snowflake.accessUrl, account: snowflake.account },
      synapse: { port: tds.port, caPem: tdsTls.caPem },
      databricks: { port: databricks.port, httpPath: databricks.httpPath, caPem: databricks.caPem },
      immutaUrl: immuta.url,
    }),
  );

  let url: string | undefined;
  if (options.desktop) {
    await stage('Opening desktop VS Code with the extension loaded', () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${REPO}`, workspace], { stdio: 'inherit' });
        child.once('error', (error) => reject(new Error(`could not start code: ${error.message}`)));
        child.once('exit', () => resolve());
      }),
    );
  } else {
    const installed = await stage(`Checking VS Code ${VERSION} (server build; installed into .cache/ on first use)`, () =>
      ensureVsCodeServer(VERSION, (line) => out(`  ${line}\n`)),
    );
    const token = randomBytes(16).toString('hex');
    const { server } = await stage('Starting VS Code on 127.0.0.1', () =>
      teardown.start(
        'VS Code server',
        async () => {
          const running = await startServer({
            server: installed,
            log: (line) => out(`  ${line}\n`),
            connectionToken: token,
            // A new user meets the Get Started walkthrough on the extension's first activation.
            settings: { 'immutaWorksheets.walkthrough.openOnFirstActivation': true },
          });
          // It runs in a session of its own: should this process be killed outright, the watchdog stops it.
          try {
            return { server: running, watchdog: watchOverGroup(running.pid, running.root) };
          } catch (error) {
            await running.stop();
            throw error;
          }
        },
        async ({ server: running, watchdog }) => {
          await watchdog.stop();
          await running.stop();
        },
      ),
    );
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${REPO}`]]);
    url = `${server.origin}/?tkn=${token}&folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
  }

  // Where the running demo is, for scripts and people who lost the terminal (default workspace only).
  if (workspace === DEFAULT_WORKSPACE) {
    const urlFile = path.join(REPO, '.cache', 'demo-url.txt');
    fs.writeFileSync(urlFile, `${url ?? 'desktop'}\n`);
    teardown.add('.cache/demo-url.txt', () => fs.rmSync(urlFile, { force: true }));
  }

  out('\nImmuta Worksheets is running.\n');
  if (url) {
    out(`\n  Open VS Code: ${url}\n\n`);
    openInBrowser(url, chooseBrowser(process.env), (line) => out(`  (${line})\n`), () => !teardown.begun);
  }
  out(`  Demo file: ${path.join(workspace, 'redshift-demo.sql')}\n  Connections (the extension asks for the password once and keeps it in secret storage):\n`);
  for (const profile of profiles) {
    out(`    ${profile.name.padEnd(40)} login ${profile.login.padEnd(9)} password ${profile.password.padEnd(22)} ${profile.note}\n`);
  }
  out(`  Lab PostgreSQL: 127.0.0.1:${lab.port}, database ${lab.database}\n`);
  out(`  Lab Trino: ${trino.url}   Lab Snowflake: ${snowflake.accessUrl} (account ${snowflake.account})\n`);
  out(
    `  Lab Immuta API: ${immuta.url} (already in the workspace settings). Run "Immuta: Set Immuta API Key" with ${immuta.keys.governor}\n` +
      '    to search users in the impersonation picker and see project warnings (bob@example.com works in project Fraud Analytics).\n',
  );
  out(`\n  Stage times: ${stages.map((entry) => `${entry.name.split(' (')[0]} ${(entry.ms / 1000).toFixed(1)} s`).join('; ')}\n`);
  out('\nPress Ctrl+C to stop.\n');
}

function main(): void {
  let options: Options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`npm start: ${describe(error)}\n`);
    process.exit(2);
  }
  const teardown = new Teardown();

  let reportedWhileStopping = false;
  /** Stops everything (once; later calls are ignored), says how that went, and exits. */
  const shutdown = (code: number, why?: string) => {
    if (teardown.begun) {
      // An error while stopping is shown once (a closed stderr would make each report another error).
      if (why !== undefined && !reportedWhileStopping) {
        reportedWhileStopping = true;
        process.stderr.write(`\n(while stopping) ${why}\n`);
      }
      return;
    }
    if (why !== undefined) {
      process.stderr.write(`\n${why}\n`);
    }
    out('\n▸ Stopping…\n');
    void teardown.run().then((report) => {
      try {
        if (report.stopped.length > 0) {
          out(`  stopped: ${report.stopped.join(', ')}\n`);
        }
        if (report.failures.length === 0) {
          out('  everything that npm start started has stopped.\n');
        } else {
          process.stderr.write(`  could not stop everything:\n${report.failures.map((failure) => `    ${failure}\n`).join('')}`);
        }
      } finally {
        process.exit(report.failures.length > 0 ? Math.max(code, 1) : code);
      }
    });
  };

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => shutdown(0));
  }
  process.on('uncaughtException', (error) => shutdown(1, `npm start failed: unexpected error: ${error.stack ?? describe(error)}`));
  process.on('unhandledRejection', (reason) => shutdown(1, `npm start failed: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
  // The last word, should anything end the process before the teardown did its work.
  process.on('exit', () => {
    const left = teardown.pending();
    if (!teardown.done && left.length > 0) {
      process.stderr.write(`npm start exited before stopping: ${left.join(', ')}\n`);
    }
  });
  // If whoever started us is gone (npm exiting on a signal it did not pass on), stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      shutdown(1, `npm start: the process that started it (pid ${parent}) is gone; stopping.`);
    }
  }, 1000).unref();

  void (async () => {
    try {
      // From here on, SIGINT and friends are only ours: the lab's own hooks would exit mid-teardown.
      await leaveSignalsToCaller();
      await run(options, teardown);
    } catch (error) {
      // A stage that fails once the teardown has begun was most likely interrupted by it; what it
      // said is still worth a line (a start that failed on its own is not an interruption).
      if (error instanceof TeardownStarted) return;
      if (teardown.begun) process.stderr.write(`  (a step under way was cut short by the stop: ${describe(error)})\n`);
      else shutdown(1, `npm start failed: ${describe(error)}`);
    }
  })();
}

main();
