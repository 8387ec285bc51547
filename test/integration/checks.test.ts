/**
 * Policy checks on the lab's PostgreSQL (the Redshift path): the demo workspace's checks.sql
 * passes against the fixture's policies; each policy broken in the lab (as its superuser, then
 * restored) fails exactly the checks that guard it; an identity that cannot be verified is an
 * error, and nothing of it ran as yourself (the lab's query log says who read what).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCheckFile } from '../../src/checks/check-file';
import { runChecks, type CheckRunOptions, type CheckSuite } from '../../src/checks/check-runner';
import { serializeSnapshots, snapshotPathFor } from '../../src/checks/snapshots';
import type { CaseResult, CheckRunSummary } from '../../src/checks/types';
import type { RedshiftProfile } from '../../src/platforms/types';
import { CHECKS_DEMO, CHECKS_DEMO_SNAPSHOT } from '../lab/demo-checks';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile } from './worksheet-harness';

const PROBE = { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' };

function demoProfile(overrides: Partial<RedshiftProfile> = {}): RedshiftProfile {
  return redshiftProfile('governor', { name: 'Lab Redshift (governor)', effectProbe: PROBE, ...overrides });
}

const OPTIONS: CheckRunOptions = { concurrency: 4, rowLimit: 10_000, minimumAssurance: 'read-back', updateSnapshots: false };

/** `check name · identity` of every case whose verdict is `verdict`, sorted. */
function casesWith(summary: CheckRunSummary, verdict: CaseResult['verdict']): string[] {
  return summary.results
    .filter((result) => result.verdict === verdict)
    .map((result) => `${result.check.name} · ${result.identity}`)
    .sort();
}

function explain(summary: CheckRunSummary): string {
  return summary.results
    .filter((result) => result.verdict !== 'passed')
    .map((result) => `${result.verdict}: ${result.check.name} · ${result.identity}: ${result.error ?? result.outcomes.filter((o) => !o.passed).map((o) => o.message).join('; ')}`)
    .join('\n');
}

describe('Policy checks on the lab PostgreSQL', function () {
  const current = harnessPerTest();
  let folder: string;

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'iw-checks-'));
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  /** The demo's check file and snapshot, written to a folder of this test. */
  async function demoSuite(text = CHECKS_DEMO, profile = demoProfile()): Promise<CheckSuite> {
    const file = path.join(folder, 'checks.sql');
    await fs.writeFile(file, text);
    const { name, identity, entry } = CHECKS_DEMO_SNAPSHOT;
    await fs.writeFile(snapshotPathFor(file), serializeSnapshots(new Map([[name, new Map([[identity, entry]])]])));
    const parsed = parseCheckFile(text, 'postgres');
    assert.deepEqual(parsed.diagnostics, [], 'the sample parses without problems');
    return { file, text, parsed, profile };
  }

  async function run(suite: CheckSuite, options: Partial<CheckRunOptions> = {}): Promise<CheckRunSummary> {
    const { registry } = current();
    return runChecks([suite], { open: (profile) => registry.create(profile), close: (worksheet) => registry.close(worksheet.id) }, { ...OPTIONS, ...options });
  }

  /** Changes the lab's policy data for one test and puts it back, whatever happens. */
  async function withPolicyChange(change: string, restore: string, body: () => Promise<void>): Promise<void> {
    await lab().adminQuery(change);
    try {
      await body();
    } finally {
      await lab().adminQuery(restore);
    }
  }

  it('the demo checks pass, one session per identity, each identity read by one backend', async () => {
    const suite = await demoSuite();
    const marker = Date.now();
    const summary = await run(suite);
    assert.equal(summary.failed + summary.errors + summary.skipped, 0, explain(summary));
    assert.equal(summary.passed, summary.results.length);
    const identities = new Set(suite.parsed.checks.flatMap((check) => check.identities.map((identity) => identity.toLowerCase() === 'yourself' ? 'yourself' : identity)));
    assert.equal(summary.sessionsOpened, identities.size, 'one session per identity');
    assert.equal(current().registry.all().length, 0, 'every check session was closed');
    // Every stamp names its identity; impersonations are confirmed by the connection's probe.
    for (const result of summary.results) {
      assert.equal(result.stamp?.identity, result.identity);
      if (result.identity !== 'yourself') assert.equal(result.stamp?.assurance, 'confirmed');
    }
    // The lab's log: each effective user's reads came from exactly one backend.
    const perUser = await lab().adminQuery<{ effective_user: string; backends: string }>(
      "SELECT effective_user, count(DISTINCT backend_pid) AS backends FROM immuta.query_log WHERE at >= to_timestamp($1 / 1000.0) AND login = 'governor' GROUP BY effective_user",
      [marker],
    );
    assert.ok(perUser.length >= 5, JSON.stringify(perUser));
    for (const row of perUser) assert.equal(Number(row.backends), 1, `${row.effective_user} read through one session`);
  });

  it('unmasking ssn for alice fails exactly the masking, same-as and snapshot checks that concern her', async () => {
    const suite = await demoSuite();
    await withPolicyChange(
      "UPDATE immuta.users SET groups = groups || '{pii_readers}' WHERE name = 'alice@example.com'",
      "UPDATE immuta.users SET groups = array_remove(groups, 'pii_readers') WHERE name = 'alice@example.com'",
      async () => {
        const summary = await run(suite);
        assert.deepEqual(casesWith(summary, 'failed'), [
          'Customers: SSNs are masked outside pii_readers · alice@example.com',
          'The first US customers, as alice sees them (stored snapshot) · alice@example.com',
          "Users with the same attributes see the same customers · o'brien",
        ]);
        assert.deepEqual(casesWith(summary, 'error'), []);
        const masked = summary.results.find((result) => result.verdict === 'failed' && result.check.name.startsWith('Customers: SSNs'));
        const outcome = masked?.outcomes.find((o) => !o.passed);
        assert.equal(outcome?.expectation.kind, 'masked');
        assert.match(outcome?.message ?? '', /ssn/);
      },
    );
  });

  it('widening alice\u2019s region fails the row filter, the count, same-as and the snapshot', async () => {
    const suite = await demoSuite();
    await withPolicyChange(
      `UPDATE immuta.users SET attributes = jsonb_set(attributes, '{region}', '["US","EU"]') WHERE name = 'alice@example.com'`,
      `UPDATE immuta.users SET attributes = jsonb_set(attributes, '{region}', '["US"]') WHERE name = 'alice@example.com'`,
      async () => {
        const summary = await run(suite);
        assert.deepEqual(casesWith(summary, 'failed'), [
          'Customers: SSNs are masked outside pii_readers · alice@example.com',
          'Customers: US users see only US rows · alice@example.com',
          'The first US customers, as alice sees them (stored snapshot) · alice@example.com',
          "Users with the same attributes see the same customers · o'brien",
        ]);
        const region = summary.results.find((result) => result.check.name.startsWith('Customers: US') && result.identity === 'alice@example.com');
        const outcome = region?.outcomes.find((o) => o.expectation.kind === 'values-in');
        assert.equal(outcome?.passed, false);
        assert.match(outcome?.actual ?? '', /EU/, 'the actual values name the region that leaked');
      },
    );
  });

  it('taking dave out of his project fails the project checks, and only those', async () => {
    const suite = await demoSuite();
    await withPolicyChange(
      "UPDATE immuta.users SET current_project_id = NULL WHERE name = 'dave@example.com'",
      "UPDATE immuta.users SET current_project_id = (SELECT id FROM immuta.projects WHERE name = 'Marketing Insights') WHERE name = 'dave@example.com'",
      async () => {
        const summary = await run(suite);
        assert.deepEqual(casesWith(summary, 'failed'), [
          'Acting under a project hides the rest (dave sees no customers) · dave@example.com',
          'Campaigns only within Marketing Insights · dave@example.com',
        ]);
      },
    );
  });

  it('granting the raw table fails the denied checks; taking carol out of pii_readers fails the in-the-clear check', async () => {
    const suite = await demoSuite();
    await withPolicyChange('GRANT USAGE ON SCHEMA immuta_raw TO lab_login; GRANT SELECT ON immuta_raw.customers TO lab_login', 'REVOKE SELECT ON immuta_raw.customers FROM lab_login; REVOKE USAGE ON SCHEMA immuta_raw FROM lab_login', async () => {
      const summary = await run(suite);
      assert.deepEqual(casesWith(summary, 'failed'), ['Raw tables are closed to everyone · alice@example.com', 'Raw tables are closed to everyone · yourself']);
      const outcome = summary.results.find((result) => result.verdict === 'failed')?.outcomes[0];
      assert.match(outcome?.message ?? '', /1,?500 rows/);
    });
    await withPolicyChange(
      "UPDATE immuta.users SET groups = array_remove(groups, 'pii_readers') WHERE name = 'carol@example.com'",
      "UPDATE immuta.users SET groups = groups || '{pii_readers}' WHERE name = 'carol@example.com'",
      async () => {
        const summary = await run(suite);
        assert.deepEqual(casesWith(summary, 'failed'), ['Customers: pii_readers see SSNs in the clear · carol@example.com']);
        const failedKinds = summary.results.find((result) => result.verdict === 'failed')?.outcomes.filter((o) => !o.passed).map((o) => o.expectation.kind);
        assert.deepEqual(failedKinds, ['clear', 'values-match']);
      },
    );
  });

  it('an identity whose impersonation cannot be verified is an error, and nothing of it ran as yourself', async () => {
    const marker = `checks-unverified-${Date.now()}`;
    const suiteAs = (identity: string, profile: RedshiftProfile): CheckSuite => {
      const text = `-- @connection lab\n-- @check unverified\n-- @as ${identity}\n-- @expect some rows\nSELECT id, '${marker}' AS marker FROM sales.customers;\n`;
      return { file: path.join(folder, 'unverified.sql'), text, parsed: parseCheckFile(text, 'postgres'), profile };
    };
    // Without an effect probe, a Redshift impersonation is only "applied": the default minimum (read back) refuses alice.
    const unconfirmed = await run(suiteAs('alice@example.com', redshiftProfile('governor')));
    assert.deepEqual(unconfirmed.results.map((result) => result.verdict), ['error']);
    assert.match(unconfirmed.results[0].error ?? '', /only applied, and checks need read back.*effect probe/);
    // A user Immuta does not know, with the probe: the impersonation is not established.
    const unknown = await run(suiteAs('nobody-at-all@example.com', demoProfile()));
    assert.deepEqual(unknown.results.map((result) => result.verdict), ['error'], explain(unknown));
    assert.match(unknown.results[0].error ?? '', /nobody-at-all@example\.com/);
    const reads = await lab().adminQuery('SELECT effective_user, impersonating FROM immuta.query_log WHERE statement LIKE $1', [`%${marker}%`]);
    assert.deepEqual(reads, [], 'nothing was read, as yourself or anyone');
  });

  it('a statement that changes impersonation does not count, and the checks after it get a new session', async () => {
    const text = [
      '-- @connection lab',
      '-- @check switches',
      '-- @as alice@example.com',
      '-- @expect no rows',
      "CALL immuta_procedures.impersonate_user('carol@example.com');",
      '-- @check after the switch',
      '-- @as alice@example.com',
      "-- @expect region in ('US')",
      'SELECT region FROM sales.customers;',
      '',
    ].join('\n');
    const suite: CheckSuite = { file: path.join(folder, 'switch.sql'), text, parsed: parseCheckFile(text, 'postgres'), profile: demoProfile() };
    const summary = await run(suite);
    assert.deepEqual(summary.results.map((result) => result.verdict), ['error', 'passed'], explain(summary));
    assert.equal(summary.sessionsOpened, 2);
  });

  it('update snapshots records the result in canonical order; the next run compares against it', async () => {
    const text = "-- @connection lab\n-- @check regions\n-- @as bob@example.com, yourself\n-- @expect snapshot\nSELECT DISTINCT region FROM sales.customers;\n";
    const file = path.join(folder, 'snap.sql');
    const suite: CheckSuite = { file, text, parsed: parseCheckFile(text, 'postgres'), profile: demoProfile() };
    const missing = await run(suite);
    assert.deepEqual(missing.results.map((result) => result.verdict), ['failed', 'failed']);
    assert.match(missing.results[0].outcomes[0].message, /No snapshot/);
    const updated = await run(suite, { updateSnapshots: true });
    assert.deepEqual(updated.results.map((result) => result.verdict), ['passed', 'passed']);
    const stored = JSON.parse(await fs.readFile(snapshotPathFor(file), 'utf8')) as { checks: Record<string, Record<string, { rows: unknown[] }>> };
    assert.deepEqual(stored.checks.regions['bob@example.com'].rows, [['EU']]);
    assert.deepEqual(stored.checks.regions.yourself.rows, [['APAC'], ['EU'], ['US']]);
    const again = await run(suite);
    assert.deepEqual(again.results.map((result) => result.verdict), ['passed', 'passed'], explain(again));
  });
});
