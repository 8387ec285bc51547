/**
 * `npm start`: the product on its embedded default. Starts the lab (a real PostgreSQL with the
 * Immuta-like fixture, playing Redshift), writes a demo workspace whose connections point at it,
 * and opens a real VS Code with the extension loaded: desktop `code` when it is on PATH,
 * otherwise VS Code's server build in a browser. Runs until Ctrl+C, then stops all it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_DATABRICKS_TOKEN, DEMO_PASSWORDS, writeDemoWorkspace } from '../test/lab/demo-workspace';
import { startDatabricksLab, type DatabricksLab } from '../test/lab/databricks-server';
import { startImmutaLab, type ImmutaLab } from '../test/lab/immuta-server';
import { startTdsLab, type TdsLab } from '../test/lab/tds-server';
import { makeTlsFiles } from '../test/lab/tls';
import { startLabPostgres, type LabPostgres } from '../test/lab/postgres';
import { startSnowflakeLab, type SnowflakeLab } from '../test/lab/snowflake-server';
import { startTrinoLab, type TrinoLab } from '../test/lab/trino-server';
import { ensureVsCodeServer, type VsCodeVersion } from '../test/vscode-host/install';
import { startServer, type RunningServer } from '../test/vscode-host/server';

const REPO = path.resolve(__dirname, '../..');
const WORKSPACE = path.join(REPO, '.cache', 'demo-workspace');
const VERSION: VsCodeVersion = '1.139.1';

const stages: { name: string; ms: number }[] = [];

async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`▸ ${name}…\n`);
  const result = await work();
  const ms = Date.now() - started;
  stages.push({ name, ms });
  process.stdout.write(`  done in ${(ms / 1000).toFixed(1)} s\n`);
  return result;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function openInBrowser(url: string): void {
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.env.BROWSER);
  const opener = process.env.BROWSER ?? (onPath('xdg-open') ? 'xdg-open' : undefined);
  if (!hasDisplay || !opener) {
    process.stdout.write('  (no desktop browser here: open the address above yourself)\n');
    return;
  }
  // The browser is the user's, not ours: it is not stopped on Ctrl+C.
  spawn(opener, [url], { detached: true, stdio: 'ignore' }).unref();
}

async function main(): Promise<void> {
  const useDesktop = onPath('code') && !process.argv.includes('--browser');
  let lab: LabPostgres | undefined;
  let trino: TrinoLab | undefined;
  let snowflake: SnowflakeLab | undefined;
  let tds: TdsLab | undefined;
  let databricks: DatabricksLab | undefined;
  let immuta: ImmutaLab | undefined;
  let tlsDir: string | undefined;
  let server: RunningServer | undefined;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\n▸ Stopping…\n');
    await server?.stop().catch((error: unknown) => process.stderr.write(`  VS Code server: ${String(error)}\n`));
    await trino?.close().catch((error: unknown) => process.stderr.write(`  Trino lab: ${String(error)}\n`));
    await snowflake?.close().catch((error: unknown) => process.stderr.write(`  Snowflake lab: ${String(error)}\n`));
    await tds?.close().catch((error: unknown) => process.stderr.write(`  TDS lab: ${String(error)}\n`));
    await databricks?.close().catch((error: unknown) => process.stderr.write(`  Databricks lab: ${String(error)}\n`));
    await immuta?.close().catch((error: unknown) => process.stderr.write(`  Immuta API lab: ${String(error)}\n`));
    await lab?.stop().catch((error: unknown) => process.stderr.write(`  lab: ${String(error)}\n`));
    if (tlsDir !== undefined) fs.rmSync(tlsDir, { recursive: true, force: true });
    process.exit(code);
  };
  // The lab's own signal hook may end the process first; either way this is the last word.
  process.on('exit', () => {
    if (stopping) process.stdout.write('  everything that npm start started has stopped.\n');
  });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // If whoever started us is gone (npm exiting on a signal it did not pass on), stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 1000).unref();

  try {
    lab = await stage('Starting the lab PostgreSQL (plays Amazon Redshift, with the Immuta-like fixture)', () =>
      startLabPostgres({ loginPasswords: DEMO_PASSWORDS }),
    );
    const running = lab;
    const trinoLab = await stage('Starting the lab Trino server (Trino client protocol over the lab PostgreSQL)', () => startTrinoLab(running));
    trino = trinoLab;
    const snowflakeLab = await stage('Starting the lab Snowflake server (Snowflake REST protocol over the lab PostgreSQL)', () => startSnowflakeLab(running));
    snowflake = snowflakeLab;
    tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'immuta-demo-tls-'));
    const tdsTls = await makeTlsFiles(tlsDir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    const tdsLab = await stage('Starting the lab TDS server (plays Azure Synapse, TLS inside TDS)', () =>
      startTdsLab(running, { tls: { key: fs.readFileSync(tdsTls.keyFile, 'utf8'), cert: fs.readFileSync(tdsTls.certFile, 'utf8') } }),
    );
    tds = tdsLab;
    const databricksLab = await stage('Starting the lab Databricks server (Thrift over HTTPS)', () => startDatabricksLab(running, { tokens: { governor: DEMO_DATABRICKS_TOKEN } }));
    databricks = databricksLab;
    const immutaLab = await stage('Starting the lab Immuta API (users, permissions and projects of the same fixture)', () => startImmutaLab(running));
    immuta = immutaLab;
    const profiles = await stage(`Writing the demo workspace (${path.relative(REPO, WORKSPACE)})`, () =>
      writeDemoWorkspace(WORKSPACE, running, {
        trinoUrl: trinoLab.url,
        snowflake: { accessUrl: snowflakeLab.accessUrl, account: snowflakeLab.account },
        synapse: { port: tdsLab.port, caPem: tdsTls.caPem },
        databricks: { port: databricksLab.port, httpPath: databricksLab.httpPath, caPem: databricksLab.caPem },
        immutaUrl: immutaLab.url,
      }),
    );

    let url: string | undefined;
    if (useDesktop) {
      await stage('Opening desktop VS Code with the extension loaded', async () => {
        const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${REPO}`, WORKSPACE], { stdio: 'inherit' });
        await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      });
    } else {
      const installed = await stage(`Checking VS Code ${VERSION} (server build; installed into .cache/ on first use)`, () =>
        ensureVsCodeServer(VERSION, (line) => process.stdout.write(`  ${line}\n`)),
      );
      const token = randomBytes(16).toString('hex');
      server = await stage('Starting VS Code on 127.0.0.1', () =>
        startServer({ server: installed, log: (line) => process.stdout.write(`  ${line}\n`), connectionToken: token }),
      );
      const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${REPO}`]]);
      url = `${server.origin}/?tkn=${token}&folder=${encodeURIComponent(WORKSPACE)}&payload=${encodeURIComponent(payload)}`;
    }

    process.stdout.write('\nImmuta Worksheets is running.\n');
    if (url) {
      process.stdout.write(`\n  Open VS Code: ${url}\n\n`);
      openInBrowser(url);
    }
    process.stdout.write(`  Demo file: ${path.join(WORKSPACE, 'redshift-demo.sql')}\n  Connections (the extension asks for the password once and keeps it in secret storage):\n`);
    for (const profile of profiles) {
      process.stdout.write(`    ${profile.name.padEnd(40)} login ${profile.login.padEnd(9)} password ${profile.password.padEnd(22)} ${profile.note}\n`);
    }
    process.stdout.write(`  Lab PostgreSQL: 127.0.0.1:${running.port}, database ${running.database}\n`);
    process.stdout.write(`  Lab Trino: ${trinoLab.url}   Lab Snowflake: ${snowflakeLab.accessUrl} (account ${snowflakeLab.account})\n`);
    process.stdout.write(
      `  Lab Immuta API: ${immutaLab.url} (already in the workspace settings). Run "Immuta: Set Immuta API Key" with ${immutaLab.keys.governor}\n` +
        '    to search users in the impersonation picker and see project warnings (bob@example.com works in project Fraud Analytics).\n',
    );
    process.stdout.write(`\n  Stage times: ${stages.map((entry) => `${entry.name.split(' (')[0]} ${(entry.ms / 1000).toFixed(1)} s`).join('; ')}\n`);
    process.stdout.write('\nPress Ctrl+C to stop.\n');
    fs.writeFileSync(path.join(REPO, '.cache', 'demo-url.txt'), `${url ?? 'desktop'}\n`);
  } catch (error) {
    process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop(1);
  }
}

void main();
