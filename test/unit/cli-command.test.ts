import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type CheckCommandOptions } from '../../src/cli/args';
import { exitCodeOf, runCheckCommand, type CheckEngine } from '../../src/cli/check-command';
import { CliError } from '../../src/cli/errors';
import type { CheckSuite } from '../../src/checks/check-runner';
import type { CaseResult, CheckDefinition, CheckDiagnostic, CheckFile } from '../../src/checks/types';
import { silentLogger } from '../../src/common/logger';
import { CLI_PATH, runCli } from '../support/run-cli';

const SECRET = 'Kn0wn-Secret-7f3a9c';
const range: CheckDefinition['range'] = { start: { offset: 0, line: 0, character: 0 }, end: { offset: 8, line: 0, character: 8 } };

/** A stand-in parser: `-- @connection X` on the first line, one check per `-- @check NAME [as A, B]` line, `-- @bad` a diagnostic. */
function fakeParse(text: string): CheckFile {
  const lines = text.split('\n');
  const checks: CheckDefinition[] = [];
  const diagnostics: CheckDiagnostic[] = [];
  lines.forEach((line, index) => {
    const check = /^-- @check (\S+)(?: as (.+))?$/.exec(line);
    if (check) checks.push({ name: check[1], line: index, identities: check[2] ? check[2].split(', ') : ['yourself'], expectations: [], statement: { text: 'SELECT 1', range }, range });
    if (line.startsWith('-- @bad')) diagnostics.push({ line: index, startColumn: 3, endColumn: 7, message: 'Unknown annotation @bad.', severity: 'error' });
    if (line.startsWith('-- @odd')) diagnostics.push({ line: index, startColumn: 3, endColumn: 7, message: 'Odd but allowed.', severity: 'warning' });
  });
  return { checks, diagnostics };
}

function fakeConnection(text: string): { name: string; line: number } | undefined {
  const name = /^-- @connection (.+)$/m.exec(text)?.[1];
  return name === undefined ? undefined : { name, line: 0 };
}

interface Recorded {
  suites: readonly CheckSuite[];
}

/** A runner that opens each case's worksheet (so the secret reaches the driver) and judges it by the identity's name. */
function fakeRunner(recorded: Recorded, options: { open?: boolean } = {}): CheckEngine['runChecks'] {
  return async (suites, env, run) => {
    recorded.suites = suites;
    const results: CaseResult[] = [];
    let sessions = 0;
    for (const suite of suites) {
      for (const check of suite.parsed.checks) {
        for (const identity of check.identities) {
          let verdict: CaseResult['verdict'] = identity.startsWith('fail') ? 'failed' : 'passed';
          let error: string | undefined;
          if (options.open === true) {
            const worksheet = env.open(suite.profile);
            sessions++;
            try {
              await worksheet.impersonate(identity);
            } catch (caught) {
              verdict = 'error';
              error = caught instanceof Error ? caught.message : String(caught);
            } finally {
              await env.close(worksheet);
            }
          }
          const result: CaseResult = {
            file: suite.file,
            check,
            identity,
            verdict,
            outcomes: verdict === 'failed' ? [{ expectation: { kind: 'rows', operator: '>', count: 0, line: 1, source: 'rows > 0' }, passed: false, message: 'no rows', expected: '> 0', actual: '0' }] : [],
            ...(error !== undefined ? { error } : {}),
            durationMs: 5,
          };
          run.onCaseResult?.(result);
          results.push(result);
        }
      }
    }
    const count = (verdict: CaseResult['verdict']) => results.filter((result) => result.verdict === verdict).length;
    return { results, passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), sessionsOpened: sessions, durationMs: 10 };
  };
}

const lab = { name: 'Lab Redshift (governor)', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'governor', tls: { mode: 'disable' } };
const other = { ...lab, name: 'other' };

describe('CLI check command', () => {
  let root: string;
  let out: string;
  let err: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };

  function options(argv: string[]): CheckCommandOptions {
    const command = parseArgs(['check', ...argv]);
    if (command.kind !== 'check') throw new Error('not a check command');
    return command.options;
  }

  function run(argv: string[], engine: Partial<CheckEngine>, env: NodeJS.ProcessEnv = { IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR: 'x', IMMUTA_WORKSHEETS_SECRET_OTHER: 'y' }): Promise<number> {
    return runCheckCommand(options(argv), {
      cwd: root,
      env,
      out: (text) => (out += text),
      err: (text) => (err += text),
      color: false,
      prompt: undefined,
      platformsFolder: path.join(root, 'platforms'),
      signal: new AbortController().signal,
      logger: silentLogger,
      engine: { looksLikeCheckFile: (text) => text.includes('-- @check'), checkFileConnection: fakeConnection, parseCheckFile: fakeParse, ...engine },
    });
  }

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-command-'));
    out = '';
    err = '';
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives each file its @connection, else --connection, else the only profile', async () => {
    write('conn.json', JSON.stringify([lab, other]));
    write('checks/a.sql', '-- @connection other\n-- @check a');
    write('checks/b.sql', '-- @check b');
    const recorded: Recorded = { suites: [] };
    const code = await run(['checks', '--connections', 'conn.json', '--connection', 'Lab Redshift (governor)'], { runChecks: fakeRunner(recorded) });
    assert.equal(code, 0);
    assert.deepEqual(
      recorded.suites.map((suite) => [suite.file, suite.profile.name]),
      [
        [path.join('checks', 'a.sql'), 'other'],
        [path.join('checks', 'b.sql'), 'Lab Redshift (governor)'],
      ],
    );
    write('only.json', JSON.stringify([lab]));
    assert.equal(await run(['checks/b.sql', '--connections', 'only.json'], { runChecks: fakeRunner(recorded) }), 0);
    assert.equal(recorded.suites[0].profile.name, lab.name);
  });

  it('runs nothing when a file has no connection, an unknown one, or an error diagnostic', async () => {
    write('conn.json', JSON.stringify([lab, other]));
    write('a.sql', '-- @check a');
    write('b.sql', '-- @connection nope\n-- @check b');
    write('c.sql', '-- @connection other\n-- @check c\n-- @bad thing\n-- @odd');
    let ran = false;
    const runChecks: CheckEngine['runChecks'] = () => {
      ran = true;
      throw new Error('must not run');
    };
    await assert.rejects(run(['a.sql', 'b.sql', 'c.sql', '--connections', 'conn.json'], { runChecks }), (error: unknown) => {
      assert.ok(error instanceof CliError && error.exitCode === 2);
      const lines = error.message.split('\n');
      assert.match(lines[0], /^a\.sql: no connection: write -- @connection <name> in the file or pass --connection <name> \(connections in .*conn\.json: "Lab Redshift \(governor\)", "other"\)\.$/);
      assert.match(lines[1], /^b\.sql: the connection "nope" is not in .*conn\.json/);
      assert.equal(lines[2], 'c.sql:3:4: Unknown annotation @bad.');
      assert.equal(lines[3], 'Nothing was run.');
      return true;
    });
    assert.equal(ran, false);
    assert.equal(err, 'c.sql:4:4: warning: Odd but allowed.\n');
  });

  it('exits 1 when a case failed, 2 when one could not be judged, and writes the JUnit file', async () => {
    write('conn.json', JSON.stringify([lab]));
    write('a.sql', '-- @check a as bob, fail-alice');
    const recorded: Recorded = { suites: [] };
    assert.equal(await run(['a.sql', '--connections', 'conn.json', '--junit', 'reports/junit.xml'], { runChecks: fakeRunner(recorded) }), 1);
    assert.match(out, /✔ a \(as bob\)/);
    assert.match(out, /✘ a \(as fail-alice\)[^\n]*\n {4}@expect rows > 0: no rows/);
    assert.match(out, /1 passed, 1 failed, 0 errors \(0 sessions opened/);
    const xml = fs.readFileSync(path.join(root, 'reports', 'junit.xml'), 'utf8');
    assert.match(xml, /<testcase classname="a\.sql" name="a \(as fail-alice\)" time="0\.005">/);
    assert.equal(exitCodeOf({ results: [], passed: 0, failed: 0, errors: 0, skipped: 0, sessionsOpened: 0, durationMs: 0 }, false), 2, 'nothing ran');
    assert.equal(exitCodeOf({ results: [], passed: 3, failed: 1, errors: 1, skipped: 0, sessionsOpened: 0, durationMs: 0 }, false), 2, 'an error outweighs a failure');
    assert.equal(exitCodeOf({ results: [], passed: 3, failed: 0, errors: 0, skipped: 1, sessionsOpened: 0, durationMs: 0 }, false), 2, 'a skipped case is not a pass');
    assert.equal(exitCodeOf({ results: [], passed: 3, failed: 0, errors: 0, skipped: 0, sessionsOpened: 0, durationMs: 0 }, true), 2, 'interrupted');
    assert.equal(exitCodeOf({ results: [], passed: 3, failed: 0, errors: 0, skipped: 0, sessionsOpened: 0, durationMs: 0 }, false), 0);
  });

  it('stops before connecting when a connection has no secret, naming the variable to set', async () => {
    write('conn.json', JSON.stringify([lab]));
    write('a.sql', '-- @check a');
    await assert.rejects(
      run(['a.sql', '--connections', 'conn.json'], { runChecks: fakeRunner({ suites: [] }) }, {}),
      /No secret for connection "Lab Redshift \(governor\)": set IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR \(its password\) or IMMUTA_WORKSHEETS_SECRET\./,
    );
  });

  it('hands the secret to the driver and to nothing else: not stdout, stderr, the JUnit file or any file', async () => {
    // A platform module standing in for dist/platforms/redshift.js: it keeps the secret it is
    // given and refuses the login, as a server would.
    const errors = require.resolve('../../src/platforms/errors');
    write(
      'platforms/redshift.js',
      `const { PlatformError } = require(${JSON.stringify(errors)});
       exports.driver = {
         platform: 'redshift', displayName: 'Fake Redshift', sqlDialect: 'postgres',
         impersonationUnsupported: () => undefined,
         validateUserName: () => undefined,
         classifyStatement: () => ({ kind: 'ordinary' }),
         open: async (profile, secret) => { globalThis.cliTestSecrets = [...(globalThis.cliTestSecrets ?? []), secret]; throw new PlatformError('authentication', 'password authentication failed for user "governor"'); },
       };`,
    );
    write('conn.json', JSON.stringify([lab]));
    write('a.sql', '-- @check a as bob');
    const store = globalThis as { cliTestSecrets?: unknown[] };
    store.cliTestSecrets = [];
    let logged = '';
    const logger = { debug: (m: string) => (logged += m), info: (m: string) => (logged += m), warn: (m: string) => (logged += m), error: (m: string) => (logged += m) };
    const code = await runCheckCommand(options(['a.sql', '--connections', 'conn.json', '--junit', 'junit.xml']), {
      cwd: root,
      env: { IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR: SECRET },
      out: (text) => (out += text),
      err: (text) => (err += text),
      color: false,
      prompt: undefined,
      platformsFolder: path.join(root, 'platforms'),
      signal: new AbortController().signal,
      logger,
      engine: { looksLikeCheckFile: () => true, checkFileConnection: fakeConnection, parseCheckFile: fakeParse, runChecks: fakeRunner({ suites: [] }, { open: true }) },
    });
    assert.equal(code, 2);
    assert.deepEqual(store.cliTestSecrets, [{ password: SECRET }], 'the driver got the secret from the variable');
    assert.match(out, /! a \(as bob\)[^\n]*\n {4}password authentication failed/);
    for (const [where, text] of [
      ['stdout', out],
      ['stderr', err],
      ['log', logged],
    ]) {
      assert.ok(!text.includes(SECRET), `the secret is in ${where}`);
    }
    const files = fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    assert.ok(files.some((entry) => entry.name === 'junit.xml'));
    for (const entry of files) {
      assert.ok(!fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8').includes(SECRET), `the secret is in ${entry.name}`);
    }
  });
});

describe('dist/cli.js', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-process-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is an executable script with its #! line, without vscode or any database driver inside', () => {
    const text = fs.readFileSync(CLI_PATH, 'utf8');
    assert.ok(text.startsWith('#!/usr/bin/env node\n'), 'starts with the #! line');
    assert.notEqual(fs.statSync(CLI_PATH).mode & 0o111, 0, 'executable');
    assert.ok(!text.includes('require("vscode")'), 'does not require vscode');
    for (const marker of ['pg-protocol', 'BackendKeyData', 'snowflake-sdk', 'trino-client', 'tedious', '@databricks/sql']) {
      assert.ok(!text.includes(marker), `dist/cli.js contains ${marker}: drivers load from dist/platforms/ when a check needs one`);
    }
  });

  it('is the package\'s bin, and the VSIX keeps it', () => {
    const root = path.resolve(__dirname, '../../..');
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    assert.deepEqual(manifest.bin, { 'immuta-worksheets': 'dist/cli.js' });
    assert.equal(path.resolve(root, manifest.bin['immuta-worksheets']), CLI_PATH);
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').map((line) => line.trim());
    assert.ok(ignore.includes('!dist/**'), '.vscodeignore keeps dist/ (and so dist/cli.js) in the VSIX');
  });

  it('prints its usage and version with exit 0, and refuses a bad option with exit 2 and a message on stderr', async () => {
    const help = await runCli(['--help'], { cwd: root });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: immuta-worksheets check <files or folders…>/);
    assert.match(help.stdout, /IMMUTA_WORKSHEETS_SECRET_<CONNECTION NAME>/);
    const version = await runCli(['--version'], { cwd: root });
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const bad = await runCli(['check', 'x.sql', '--password', 'hunter2'], { cwd: root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^immuta-worksheets: Unknown option --password\.\nRun "immuta-worksheets --help" for the options\.\n$/);
  });

  it('exits 2 when a folder holds no check file, or no connections file is found', async () => {
    fs.mkdirSync(path.join(root, 'empty'));
    const none = await runCli(['check', 'empty'], { cwd: root });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No check files in empty/);
    const missing = await runCli(['check', 'nowhere.sql'], { cwd: root });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere\.sql: no such file or folder/);
  });
});

