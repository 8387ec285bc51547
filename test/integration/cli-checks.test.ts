/**
 * The command-line runner end to end, as CI runs it: `node dist/cli.js check` in a fresh process
 * with only the environment a pipeline gives it, against the lab PostgreSQL (the Redshift path),
 * on the demo workspace's checks. Its JUnit report is read by junitparser (Debian's
 * python3-junitparser), a reader CI tools use, not by our own code; the exit codes are 0 / 1 / 2;
 * and the password is in no output and no file.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serializeSnapshots } from '../../src/checks/snapshots';
import { CHECKS_DEMO, CHECKS_DEMO_SNAPSHOT } from '../lab/demo-checks';
import { runCli } from '../support/run-cli';
import { lab } from './shared-lab';

const SECRET_VARIABLE = 'IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR';
const PROBE = { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' };

interface JunitCase {
  readonly suite: string;
  readonly name: string;
  readonly result: 'passed' | 'failure' | 'error' | 'skipped';
  readonly message: string;
}

/** The report as junitparser reads it: one entry per test case. */
function readJunit(file: string): JunitCase[] {
  const script = [
    'import json, sys',
    'from junitparser import JUnitXml, Failure, Error, Skipped',
    'xml = JUnitXml.fromfile(sys.argv[1])',
    'out = []',
    'for suite in xml:',
    '    for case in suite:',
    '        kinds = [r for r in case.result]',
    "        kind = 'passed' if not kinds else ('failure' if isinstance(kinds[0], Failure) else 'error' if isinstance(kinds[0], Error) else 'skipped')",
    "        out.append({'suite': suite.name, 'name': case.name, 'result': kind, 'message': (kinds[0].message or '') if kinds else ''})",
    'print(json.dumps(out))',
  ].join('\n');
  const read = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  assert.equal(read.status, 0, `junitparser could not read ${file}: ${read.stderr}`);
  return JSON.parse(read.stdout) as JunitCase[];
}

describe('The policy-check CLI on the lab PostgreSQL', function () {
  let folder: string;
  let password: string;

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'iw-cli-'));
    const server = lab();
    password = server.logins.governor.password;
    await fs.writeFile(path.join(folder, 'checks.sql'), CHECKS_DEMO);
    const { name, identity, entry } = CHECKS_DEMO_SNAPSHOT;
    await fs.writeFile(path.join(folder, 'checks.snapshots.json'), serializeSnapshots(new Map([[name, new Map([[identity, entry]])]])));
    const connections = [
      {
        name: 'Lab Redshift (governor)',
        platform: 'redshift',
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.logins.governor.user,
        tls: { mode: 'disable' },
        effectProbe: PROBE,
      },
    ];
    await fs.writeFile(path.join(folder, 'immuta-worksheets.connections.json'), JSON.stringify(connections, null, 2));
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  /** Every file the run left in the folder, as text, to look for the password in. */
  async function folderText(): Promise<string> {
    const names = await fs.readdir(folder);
    return (await Promise.all(names.map((name) => fs.readFile(path.join(folder, name), 'utf8')))).join('\n');
  }

  it('passes the demo checks: exit 0, a JUnit report junitparser reads, and the password nowhere', async () => {
    const run = await runCli(['check', '.', '--junit', 'report.xml'], { cwd: folder, env: { [SECRET_VARIABLE]: password } });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const cases = readJunit(path.join(folder, 'report.xml'));
    assert.ok(cases.length >= 15, `${cases.length} cases`);
    assert.deepEqual(cases.filter((entry) => entry.result !== 'passed'), []);
    assert.ok(cases.some((entry) => entry.name === 'Customers: SSNs are masked outside pii_readers (as alice@example.com)'), JSON.stringify(cases.map((entry) => entry.name)));
    assert.match(run.stdout, new RegExp(`${cases.length} passed, 0 failed, 0 errors`));
    assert.ok(!`${run.stdout}${run.stderr}${await folderText()}`.includes(password), 'the password is in no output and no file');
  });

  it('a broken policy: exit 1, and the report names exactly the failing cases with their reason', async () => {
    await lab().adminQuery("UPDATE immuta.users SET groups = groups || '{pii_readers}' WHERE name = 'alice@example.com'");
    try {
      const run = await runCli(['check', 'checks.sql', '--junit', 'report.xml', '--quiet'], { cwd: folder, env: { [SECRET_VARIABLE]: password } });
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      const failed = readJunit(path.join(folder, 'report.xml')).filter((entry) => entry.result !== 'passed');
      assert.deepEqual(
        failed.map((entry) => `${entry.result}: ${entry.name}`).sort(),
        [
          'failure: Customers: SSNs are masked outside pii_readers (as alice@example.com)',
          'failure: The first US customers, as alice sees them (stored snapshot) (as alice@example.com)',
          "failure: Users with the same attributes see the same customers (as o'brien)",
        ],
      );
      assert.match(failed.find((entry) => entry.name.startsWith('Customers: SSNs'))?.message ?? '', /ssn/);
      assert.ok(!`${run.stdout}${run.stderr}${await folderText()}`.includes(password));
    } finally {
      await lab().adminQuery("UPDATE immuta.users SET groups = array_remove(groups, 'pii_readers') WHERE name = 'alice@example.com'");
    }
  });

  it('exit 2 when the secret is missing, when impersonation cannot be verified, and for a bad check file', async () => {
    const missing = await runCli(['check', '.'], { cwd: folder });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr + missing.stdout, new RegExp(SECRET_VARIABLE));

    // Without the effect probe a Redshift impersonation is only applied: every impersonated case is an error.
    const connections = JSON.parse(await fs.readFile(path.join(folder, 'immuta-worksheets.connections.json'), 'utf8')) as Record<string, unknown>[];
    delete connections[0].effectProbe;
    await fs.writeFile(path.join(folder, 'immuta-worksheets.connections.json'), JSON.stringify(connections));
    const unverified = await runCli(['check', '.', '--junit', 'report.xml'], { cwd: folder, env: { [SECRET_VARIABLE]: password } });
    assert.equal(unverified.code, 2, unverified.stdout);
    const cases = readJunit(path.join(folder, 'report.xml'));
    const impersonated = cases.filter((entry) => !entry.name.endsWith('(as yourself)'));
    assert.ok(impersonated.length > 0);
    assert.deepEqual([...new Set(impersonated.map((entry) => entry.result))], ['error']);
    assert.match(impersonated[0].message, /only applied/);
    assert.deepEqual([...new Set(cases.filter((entry) => entry.name.endsWith('(as yourself)')).map((entry) => entry.result))], ['passed']);

    await fs.writeFile(path.join(folder, 'checks.sql'), `${CHECKS_DEMO}\n-- @check broken\n-- @expect rows >> 2\nSELECT 1;\n`);
    const bad = await runCli(['check', '.'], { cwd: folder, env: { [SECRET_VARIABLE]: password } });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout + bad.stderr, /checks\.sql:\d+:\d+: .*rows/);
  });

  it('Ctrl-C while a statement runs at the server cancels it, closes the sessions and exits non-zero', async () => {
    const marker = `cli-interrupt-${Date.now()}`;
    await fs.writeFile(path.join(folder, 'checks.sql'), `-- @connection Lab Redshift (governor)\n-- @check slow\n-- @as bob@example.com\n-- @expect some rows\nSELECT '${marker}' AS marker, pg_sleep(30) FROM sales.customers LIMIT 1;\n`);
    const running = () => lab().adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%pg_sleep%`]);
    let seen: { pid: number }[] = [];
    const run = await runCli(['check', '.'], {
      cwd: folder,
      env: { [SECRET_VARIABLE]: password },
      onStarted: (child) => {
        void (async () => {
          const deadline = Date.now() + 20_000;
          while ((seen = await running()).length === 0) {
            if (Date.now() > deadline) return;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          child.kill('SIGINT');
        })();
      },
    });
    assert.equal(seen.length, 1, 'the statement was seen running at the server before Ctrl-C');
    assert.notEqual(run.code, 0);
    const gone = Date.now() + 10_000;
    let left: unknown[] = [];
    while ((left = await lab().adminQuery('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [seen.map((row) => row.pid)])).length > 0) {
      if (Date.now() > gone) throw new Error(`the check session is still open at the server: ${JSON.stringify(left)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
