/**
 * `npm start` for real, in environments people have: BROWSER=none, a BROWSER that does not
 * exist, a workspace path that cannot be written, Ctrl+C while it starts and while it runs.
 * Each run starts the real lab and VS Code's server build; what it started is read from /proc
 * (see process-tree.ts), and after it ends nothing of it may be left: no process, no port.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { ensureChromium, launchBrowser } from '../vscode-host/browser';
import { ensureVsCodeServer } from '../vscode-host/install';
import { isolatedDirs } from '../vscode-host/server';
import { DemoRun } from './demo-run';
import { processTree } from './process-tree';

const RUNNING = /Press Ctrl\+C to stop\.\n/;
const ALL_STOPPED = /everything that npm start started has stopped\.\n/;
/** What a run that got as far as the lab stops, last started first. */
const LAB_STOPPED = 'lab Immuta API, lab Databricks server, lab TDS server, temporary TLS files, lab Snowflake server, lab Trino server, lab PostgreSQL';

function log(line: string): void {
  console.log(`      ${line}`);
}

function getText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    request.once('error', reject);
  });
}

/** The address printed for VS Code, and the lab PostgreSQL's port. */
function printedAddresses(run: DemoRun): { url: URL; pgPort: number } {
  const url = /Open VS Code: (\S+)/.exec(run.text());
  const pg = /Lab PostgreSQL: 127\.0\.0\.1:(\d+), database lab/.exec(run.text());
  assert.ok(url && pg, `the running demo printed no VS Code address or PostgreSQL port:\n${run.text()}`);
  return { url: new URL(url[1]), pgPort: Number(pg[1]) };
}

/** VS Code's server answers GET /version on the printed origin with its commit. */
async function assertVsCodeAnswers(url: URL): Promise<void> {
  const version = await getText(`${url.origin}/version`);
  assert.equal(version.status, 200, `GET ${url.origin}/version answered ${version.status}: ${version.body}`);
  assert.match(version.body.trim(), /^[0-9a-f]{40}$/);
}

/** The lab PostgreSQL takes the printed demo login and answers as it. */
async function assertPostgresAnswers(port: number): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, database: 'lab', user: 'governor', password: DEMO_PASSWORDS.governor });
  await client.connect();
  try {
    const result = await client.query<{ user: string }>('SELECT current_user AS user');
    assert.equal(result.rows[0].user, 'governor');
  } finally {
    await client.end();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

describe('npm start', function () {
  let scratch: string;
  let runs: DemoRun[] = [];

  before(async function () {
    // A fresh machine installs VS Code's server build (about 2 minutes) and Chromium first.
    this.timeout(30 * 60_000);
    await ensureVsCodeServer('1.139.1', log);
    await ensureChromium(log);
  });

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-test-'));
  });

  afterEach(async () => {
    for (const run of runs) {
      await run.forceStop();
    }
    runs = [];
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A run of the compiled demo (what `npm start` runs after building) with a workspace of its own. */
  function startDemo(env: Record<string, string>, workspace = path.join(scratch, 'workspace')): DemoRun {
    const run = new DemoRun(process.execPath, ['out/scripts/start-demo.js', '--browser', '--workspace', workspace], env);
    runs.push(run);
    return run;
  }

  it('through npm: serves VS Code and the lab with BROWSER=none, and Ctrl+C with a workbench open leaves nothing running', async function () {
    this.timeout(180_000);
    const run = new DemoRun('npm', ['start', '--', '--browser', '--workspace', path.join(scratch, 'workspace')], { BROWSER: 'none' });
    runs.push(run);
    await run.waitFor(RUNNING, 120_000);
    const upMs = Date.now() - run.startedAt;
    assert.match(run.text(), /\(not opening a browser: BROWSER=none\. Open the address above yourself\.\)/);
    const { url, pgPort } = printedAddresses(run);
    await assertVsCodeAnswers(url);
    await assertPostgresAnswers(pgPort);

    // A person opens the address: the workbench loads the extension in an extension host.
    const browserRoot = path.join(scratch, 'browser');
    const browser = await launchBrowser(path.join(browserRoot, 'profile'), { ...process.env, ...isolatedDirs(browserRoot) }, log);
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await page.goto(url.href);
      const deadline = Date.now() + 60_000;
      while (!processTree(run.pid).some((seen) => /--type=extensionHost/.test(seen.command))) {
        assert.ok(Date.now() < deadline, `no extension host within 60 s of opening ${url.origin}; processes: ${processTree(run.pid).map((seen) => seen.command).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      run.sampler.sample();
      const ports = run.sampler.ports();
      assert.ok(ports.has(pgPort) && ports.has(Number(url.port)), `the runs' listening ports ${[...ports.keys()].join(', ')} lack PostgreSQL ${pgPort} or VS Code ${url.port}`);

      const interrupted = Date.now();
      run.interrupt();
      const exit = await run.waitForExit(60_000);
      const stopMs = Date.now() - interrupted;
      // npm waits for its script, then ends itself by the same signal, as interrupted programs do.
      assert.ok(exit.signal === 'SIGINT' || exit.code === 0 || exit.code === 130, `npm ended with ${JSON.stringify(exit)}:\n${run.text()}`);
      assert.match(run.text(), new RegExp(`stopped: VS Code server, ${LAB_STOPPED}\\n`));
      assert.match(run.text(), ALL_STOPPED);
      await run.waitUntilNothingLeft(10_000);
      log(`npm start (build included) up in ${seconds(upMs)}; Ctrl+C to exit ${seconds(stopMs)}; ${run.sampler.processes().length} processes and ${ports.size} ports seen, none left`);
    } finally {
      await browser.close();
    }
  });

  it('keeps running when BROWSER cannot be started, and says to open the address by hand', async function () {
    this.timeout(120_000);
    const run = startDemo({ BROWSER: '/nonexistent/browser' });
    await run.waitFor(RUNNING, 90_000);
    const upMs = Date.now() - run.startedAt;
    await run.waitFor(/\(could not open a browser \(BROWSER command "\/nonexistent\/browser" could not start \(ENOENT\)\)\. Open the address above yourself\.\)/, 10_000);
    // Still serving after the failed browser: VS Code and the lab answer.
    const { url, pgPort } = printedAddresses(run);
    await assertVsCodeAnswers(url);
    await assertPostgresAnswers(pgPort);
    const interrupted = Date.now();
    run.interrupt();
    assert.deepEqual(await run.waitForExit(60_000), { code: 0, signal: null }, run.text());
    assert.match(run.text(), ALL_STOPPED);
    await run.waitUntilNothingLeft(10_000);
    log(`up in ${seconds(upMs)}; Ctrl+C to exit ${seconds(Date.now() - interrupted)}`);
  });

  it('stops the lab it started when a stage fails (the workspace cannot be written), and exits 1 saying why', async function () {
    this.timeout(120_000);
    const notAFolder = path.join(scratch, 'a-file');
    fs.writeFileSync(notAFolder, 'not a folder\n');
    const run = startDemo({ BROWSER: 'none' }, path.join(notAFolder, 'workspace'));
    const exit = await run.waitForExit(90_000);
    assert.deepEqual(exit, { code: 1, signal: null }, run.text());
    assert.match(run.text(), /npm start failed: ENOTDIR: not a directory/);
    assert.doesNotMatch(run.text(), /Immuta Worksheets is running/);
    assert.match(run.text(), new RegExp(`stopped: ${LAB_STOPPED}\\n`));
    assert.match(run.text(), ALL_STOPPED);
    // The test saw the run's PostgreSQL (the lab servers inside the process may come and go
    // between two samples): there was something to stop.
    assert.ok(run.sampler.processes().some((seen) => /postgres -D/.test(seen.command)), 'the run never had a PostgreSQL: nothing was tested');
    await run.waitUntilNothingLeft(10_000);
    log(`failed and stopped everything in ${seconds(Date.now() - run.startedAt)}`);
  });

  it('an unexpected error (its output closed, as by `| head`) stops what it started and exits 1', async function () {
    this.timeout(120_000);
    const run = startDemo({ BROWSER: 'none' });
    await run.waitFor(/▸ Starting the lab PostgreSQL/, 30_000);
    run.closeOutput();
    const exit = await run.waitForExit(60_000);
    assert.deepEqual(exit, { code: 1, signal: null }, run.text());
    assert.match(run.text(), /npm start failed: unexpected error: Error: write EPIPE/);
    assert.ok(run.sampler.processes().some((seen) => /postgres -D/.test(seen.command)), 'the run never had a PostgreSQL: nothing was tested');
    await run.waitUntilNothingLeft(10_000);
    log(`EPIPE; everything stopped ${seconds(Date.now() - run.startedAt)} after the start`);
  });

  it('killed outright (SIGKILL), leaves neither VS Code nor the lab running, nor their folders', async function () {
    this.timeout(120_000);
    const run = startDemo({ BROWSER: 'none' });
    await run.waitFor(RUNNING, 90_000);
    run.sampler.sample();
    const commands = run.sampler.processes().map((seen) => seen.command);
    const serverData = commands.map((command) => /server-main\.js .*--server-data-dir (\S+)/.exec(command)?.[1]).find((dir) => dir !== undefined);
    const pgData = commands.map((command) => /postgres -D (\S+)/.exec(command)?.[1]).find((dir) => dir !== undefined);
    assert.ok(serverData && pgData, `no VS Code server or PostgreSQL among:\n${commands.join('\n')}`);
    const folders = [path.dirname(serverData), pgData];
    assert.ok(folders.every((folder) => fs.existsSync(folder)));
    const killed = Date.now();
    // What the OOM killer does: no exit hook of npm start runs. Its watchdogs stop the rest.
    process.kill(run.pid, 'SIGKILL');
    await run.waitForExit(10_000);
    await run.waitUntilNothingLeft(20_000);
    const deadline = Date.now() + 10_000;
    while (folders.some((folder) => fs.existsSync(folder))) {
      assert.ok(Date.now() < deadline, `still there 10 s after everything stopped: ${folders.filter((folder) => fs.existsSync(folder)).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log(`everything gone ${seconds(Date.now() - killed)} after SIGKILL`);
  });

  it('stops everything when the process that started it is killed (npm or the wrapper gone)', async function () {
    this.timeout(120_000);
    // A parent that is killed outright, as npm may be, leaving the demo to notice it is orphaned.
    const workspace = path.join(scratch, 'workspace');
    const run = new DemoRun('/bin/sh', ['-c', `"${process.execPath}" out/scripts/start-demo.js --browser --workspace "${workspace}" & wait`], { BROWSER: 'none' });
    runs.push(run);
    await run.waitFor(RUNNING, 90_000);
    const killed = Date.now();
    process.kill(run.pid, 'SIGKILL');
    await run.waitForExit(60_000);
    assert.match(run.text(), /npm start: the process that started it \(pid \d+\) is gone; stopping\./);
    assert.match(run.text(), new RegExp(`stopped: VS Code server, ${LAB_STOPPED}\\n`));
    assert.match(run.text(), ALL_STOPPED);
    await run.waitUntilNothingLeft(10_000);
    log(`orphaned; everything stopped ${seconds(Date.now() - killed)} after its parent was killed`);
  });

  it('Ctrl+C while VS Code is starting stops it (or the start it cut short) with the lab, leaving nothing', async function () {
    this.timeout(120_000);
    const run = startDemo({ BROWSER: 'none' });
    // VS Code's server runs in a session of its own: Ctrl+C does not reach it, npm start must stop it.
    await run.waitFor(/▸ Starting VS Code on 127\.0\.0\.1…\n/, 60_000);
    run.interrupt();
    assert.deepEqual(await run.waitForExit(60_000), { code: 0, signal: null }, run.text());
    assert.doesNotMatch(run.text(), /Immuta Worksheets is running/);
    // Either the server came up and was stopped with the lab (it may live too briefly for the
    // sampler to see: what it left is found by the marker), or the Ctrl+C reached it in the instant
    // between its fork and its own session (setsid), so it never came up: then that is said, and the
    // lab was stopped. Nothing may be left either way (checked below).
    const text = run.text();
    const serverStopped = new RegExp(`stopped: VS Code server, ${LAB_STOPPED}\\n`).test(text);
    const serverInterrupted = /a step under way was cut short by the stop: VS Code server exited \(SIGINT\)/.test(text) && new RegExp(`stopped: ${LAB_STOPPED}\\n`).test(text);
    assert.ok(serverStopped || serverInterrupted, `neither stopped nor interrupted as it started:\n${text}`);
    assert.match(run.text(), ALL_STOPPED);
    await run.waitUntilNothingLeft(10_000);
    log(`interrupted while VS Code was starting; exited after ${seconds(Date.now() - run.startedAt)}`);
  });

  it('Ctrl+C while the lab PostgreSQL is starting: stops it, starts nothing else, and leaves the shared template alone', async function () {
    this.timeout(120_000);
    const templates = () => new Map(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('immuta-lab-pg-template-')).map((name) => [name, fs.statSync(path.join(os.tmpdir(), name)).ino]));
    const before = templates();
    const run = startDemo({ BROWSER: 'none' });
    // Ctrl+C reaches the postmaster too; as soon as it exists, it is likely still starting.
    const deadline = Date.now() + 30_000;
    while (!processTree(run.pid).some((seen) => /postgres -D/.test(seen.command))) {
      assert.ok(Date.now() < deadline, `no PostgreSQL within 30 s; output:\n${run.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    run.interrupt();
    const exit = await run.waitForExit(60_000);
    assert.deepEqual(exit, { code: 0, signal: null }, run.text());
    assert.doesNotMatch(run.text(), /Starting the lab Trino|Immuta Worksheets is running|npm start failed/);
    assert.match(run.text(), ALL_STOPPED);
    await run.waitUntilNothingLeft(10_000);
    // The interrupted start was not retried: the template every lab copies (other runs too) was not rebuilt.
    for (const [name, inode] of before) {
      assert.equal(templates().get(name), inode, `${name} was replaced`);
    }
    log(`interrupted while starting; exited after ${seconds(Date.now() - run.startedAt)}`);
  });
});
