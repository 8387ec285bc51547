/**
 * Policy checks on the Trino, Snowflake, Synapse and Databricks labs: the engine checks.test.ts
 * proves on the lab PostgreSQL, run through each platform's driver and lab protocol server with a
 * check file in the platform's own dialect (T-SQL batches with GO for Synapse). Every lab server
 * forwards to the same PostgreSQL fixture, so its Immuta audit (immuta.query_log) says who each
 * read ran as. Also: a Databricks Unity Catalog connection runs only `yourself` checks, and a
 * Snowflake connection without an effect probe (only "applied") refuses to judge as alice.
 */
import * as assert from 'node:assert/strict';
import { parseCheckFile } from '../../src/checks/check-file';
import { runChecks, type CheckRunOptions, type CheckSuite } from '../../src/checks/check-runner';
import type { CaseResult, CheckRunSummary } from '../../src/checks/types';
import type { Assurance } from '../../src/platforms/assurance';
import { platformInfo } from '../../src/platforms/catalog';
import type { ConnectionProfile, EffectProbe } from '../../src/platforms/types';
import type { WorksheetRegistry } from '../../src/worksheets/registry';
import { startDatabricksLab, type DatabricksLab } from '../lab/databricks-server';
import { startSnowflakeLab, type SnowflakeLab } from '../lab/snowflake-server';
import { startTdsLab, type TdsLab } from '../lab/tds-server';
import { startTrinoLab, type TrinoLab } from '../lab/trino-server';
import { createDatabricksHarness, databricksProfile } from './databricks-harness';
import { lab } from './shared-lab';
import { createSnowflakeHarness, snowflakeProfile } from './snowflake-harness';
import { createSynapseHarness, synapseProfile } from './synapse-harness';
import { createTrinoHarness, trinoProfile } from './trino-harness';

/** Works on every lab: each forwards SQL to the fixture, whose whoami() names the effective user. */
const PROBE: EffectProbe = { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' };
const OPTIONS: CheckRunOptions = { concurrency: 3, rowLimit: 10_000, minimumAssurance: 'read-back', updateSnapshots: false };
const LOGIN_USER = 'governor@example.com';

async function rawCount(region?: string): Promise<number> {
  const rows = await lab().adminQuery<{ n: string }>(
    region === undefined ? 'SELECT count(*) AS n FROM immuta_raw.customers' : 'SELECT count(*) AS n FROM immuta_raw.customers WHERE region = $1',
    region === undefined ? [] : [region],
  );
  return Number(rows[0].n);
}

/** Who read with this marker, as the lab's Immuta audit saw it, one row per read. */
async function readsOf(marker: string): Promise<{ effective_user: string; impersonating: boolean; login: string }[]> {
  return lab().adminQuery<{ effective_user: string; impersonating: boolean; login: string }>(
    'SELECT effective_user, impersonating, login FROM immuta.query_log WHERE statement LIKE $1 ORDER BY effective_user',
    [`%${marker}%`],
  );
}

function explain(summary: CheckRunSummary): string {
  return summary.results
    .filter((result) => result.verdict !== 'passed')
    .map((result) => `${result.verdict}: ${result.check.name} · ${result.identity}: ${result.error ?? result.outcomes.filter((o) => !o.passed).map((o) => o.message).join('; ')}`)
    .join('\n');
}

/** A marker per check, so the audit tells each check's reads from every other test's. */
function markers(platform: string): Record<'us' | 'eu' | 'carol' | 'all' | 'same', string> {
  const run = `checks-${platform}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { us: `${run}-us`, eu: `${run}-eu`, carol: `${run}-carol`, all: `${run}-all`, same: `${run}-same` };
}

/** Which identities read with each marker (the identities of its check, plus those `same as` / `different from` need). */
const READERS: Record<keyof ReturnType<typeof markers>, readonly string[]> = {
  us: ['alice@example.com', "o'brien"],
  eu: ['bob@example.com'],
  carol: ['carol@example.com'],
  all: ['yourself'],
  same: ['alice@example.com', 'bob@example.com', "o'brien"],
};

interface Counts {
  readonly us: number;
  readonly total: number;
}

/**
 * The platform's check file: the same checks everywhere, the statement text in the platform's
 * dialect. A T-SQL file ends each check's batch with GO, and uses N'' literals and TOP.
 */
function checkFile(platform: ConnectionProfile['platform'], connection: string, mark: ReturnType<typeof markers>, counts: Counts): string {
  const tsql = platform === 'synapse';
  const literal = (text: string) => (tsql ? `N'${text}'` : `'${text}'`);
  const end = tsql ? '\nGO\n' : ';\n';
  // T-SQL quotes names with brackets, Trino with double quotes. (Spark's backticks are left out:
  // the Databricks lab forwards statements to PostgreSQL untranslated; Snowflake would fold case.)
  const quoted = (name: string) => (tsql ? `[${name}]` : platform === 'trino' ? `"${name}"` : name);
  return [
    `-- @connection ${connection}`,
    '',
    '-- @check Customers: US users see only US rows, SSNs masked',
    `-- @as alice@example.com, "o'brien"`,
    `-- @expect rows = ${counts.us}`,
    "-- @expect region in ('US')",
    '-- @expect ssn masked',
    `SELECT id, region, ssn, ${literal(mark.us)} AS marker FROM ${quoted('sales')}.${quoted('customers')}${end}`,
    '-- @check Customers: EU users see only EU rows',
    '-- @as bob@example.com',
    "-- @expect region in ('EU')",
    '-- @expect some rows',
    '-- @expect ssn masked',
    `SELECT region, ssn, ${literal(mark.eu)} AS marker FROM sales.customers${end}`,
    '-- @check Customers: pii_readers see SSNs in the clear',
    '-- @as carol@example.com',
    '-- @expect ssn clear',
    "-- @expect ssn matches '\\d{3}-\\d{2}-\\d{4}'",
    "-- @expect region in ('APAC')",
    `SELECT region, ssn, ${literal(mark.carol)} AS marker FROM sales.customers${end}`,
    '-- @check Governors see every region',
    '-- @as yourself',
    `-- @expect rows = ${counts.total}`,
    "-- @expect region in ('US', 'EU', 'APAC')",
    '-- @expect ssn masked',
    `SELECT region, ssn, ${literal(mark.all)} AS marker FROM sales.customers${end}`,
    '-- @check Raw tables are closed to everyone',
    '-- @as alice@example.com, yourself',
    '-- @expect denied',
    `SELECT ${tsql ? 'TOP 10 ' : ''}* FROM immuta_raw.customers${tsql ? '' : ' LIMIT 10'}${end}`,
    '-- @check Users with the same attributes see the same customers',
    `-- @as "o'brien"`,
    '-- @expect same as alice@example.com',
    '-- @expect different from bob@example.com',
    `SELECT id, region, ssn, ${literal(mark.same)} AS marker FROM sales.customers${end}`,
  ].join('\n');
}

function suiteOf(profile: ConnectionProfile, text: string): CheckSuite {
  const parsed = parseCheckFile(text, platformInfo(profile.platform).sqlDialect);
  assert.deepEqual(parsed.diagnostics, [], `the ${profile.platform} check file parses without problems`);
  return { file: `${profile.platform}-checks.sql`, text, parsed, profile };
}

async function run(registry: WorksheetRegistry, suite: CheckSuite, options: Partial<CheckRunOptions> = {}): Promise<CheckRunSummary> {
  return runChecks([suite], { open: (profile) => registry.create(profile), close: (worksheet) => registry.close(worksheet.id) }, { ...OPTIONS, ...options });
}

/**
 * The whole check file on one platform: every case passes, stamped with its identity and the
 * platform at the expected assurance, one session per identity, and each read in the lab's audit
 * as the identity (never as the login while impersonating).
 */
async function checksPass(registry: WorksheetRegistry, profile: ConnectionProfile, assurance: Assurance): Promise<void> {
  const mark = markers(profile.platform);
  const suite = suiteOf(profile, checkFile(profile.platform, profile.name, mark, { us: await rawCount('US'), total: await rawCount() }));
  assert.equal(suite.parsed.checks.length, 6);
  const summary = await run(registry, suite);
  assert.equal(summary.failed + summary.errors + summary.skipped, 0, explain(summary));
  assert.equal(summary.passed, 8, 'every case passed');
  const identities = new Set(suite.parsed.checks.flatMap((check) => check.identities));
  assert.equal(summary.sessionsOpened, identities.size, `one session per identity (${[...identities].join(', ')})`);
  assert.equal(registry.all().length, 0, 'every check session was closed');
  for (const result of summary.results) {
    assert.equal(result.stamp?.identity, result.identity);
    assert.equal(result.stamp?.platform, profile.platform);
    assert.equal(result.stamp?.connection, profile.name);
    assert.equal(result.stamp?.assurance, result.identity === 'yourself' ? undefined : assurance, `${result.check.name} · ${result.identity}`);
  }
  const denied = summary.results.filter((result) => result.check.name.startsWith('Raw tables'));
  for (const result of denied) {
    assert.equal(result.result?.status, 'failed');
    assert.equal(result.result?.status === 'failed' ? result.result.error.kind : undefined, 'permission', `${profile.platform} maps the refusal to a permission error`);
  }
  for (const [key, marker] of Object.entries(mark) as [keyof typeof mark, string][]) {
    const reads = await readsOf(marker);
    const expected = READERS[key].map((identity) => (identity === 'yourself' ? LOGIN_USER : identity)).sort();
    assert.deepEqual(reads.map((read) => read.effective_user), expected, `${key}: read once as each identity`);
    // The login read each time; impersonating for every identity but yourself, never as the login itself.
    for (const read of reads) {
      assert.equal(read.login, 'governor', `${key}: read through the governor login`);
      assert.equal(read.impersonating, read.effective_user !== LOGIN_USER, `${key}: ${read.effective_user} impersonated`);
    }
  }
  process.stdout.write(`      ${profile.platform}: ${summary.results.length} cases passed in ${summary.durationMs} ms over ${summary.sessionsOpened} sessions\n`);
}

/**
 * Negative control: with the raw table granted and alice made a pii_reader (as the lab's
 * superuser, put back whatever happens), exactly the cases guarding those policies fail.
 */
async function brokenPoliciesFail(registry: WorksheetRegistry, profile: ConnectionProfile): Promise<void> {
  const suite = suiteOf(profile, checkFile(profile.platform, profile.name, markers(profile.platform), { us: await rawCount('US'), total: await rawCount() }));
  await lab().adminQuery("GRANT USAGE ON SCHEMA immuta_raw TO lab_login; GRANT SELECT ON immuta_raw.customers TO lab_login; UPDATE immuta.users SET groups = groups || '{pii_readers}' WHERE name = 'alice@example.com'");
  let summary: CheckRunSummary;
  try {
    summary = await run(registry, suite);
  } finally {
    await lab().adminQuery("REVOKE SELECT ON immuta_raw.customers FROM lab_login; REVOKE USAGE ON SCHEMA immuta_raw FROM lab_login; UPDATE immuta.users SET groups = array_remove(groups, 'pii_readers') WHERE name = 'alice@example.com'");
  }
  const failed = summary.results.filter((result) => result.verdict !== 'passed').map((result) => `${result.verdict}: ${result.check.name} · ${result.identity}`).sort();
  assert.deepEqual(failed, [
    'failed: Customers: US users see only US rows, SSNs masked · alice@example.com',
    'failed: Raw tables are closed to everyone · alice@example.com',
    'failed: Raw tables are closed to everyone · yourself',
    "failed: Users with the same attributes see the same customers · o'brien",
  ], explain(summary));
  const us = summary.results.find((result) => result.identity === 'alice@example.com' && result.check.name.startsWith('Customers: US'));
  assert.deepEqual(us?.outcomes.filter((outcome) => !outcome.passed).map((outcome) => outcome.expectation.kind), ['masked']);
}

function verdicts(summary: CheckRunSummary): [string, string, CaseResult['verdict']][] {
  return summary.results.map((result) => [result.check.name, result.identity, result.verdict]);
}

describe('Policy checks on the platform labs', function () {
  describe('Starburst (Trino)', () => {
    let server: TrinoLab;
    let registry: WorksheetRegistry;
    before(async () => {
      server = await startTrinoLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    beforeEach(() => {
      registry = createTrinoHarness(server).registry;
    });
    afterEach(async () => {
      await registry.dispose();
    });

    it('passes every check, read back through immuta.immuta_user without a probe, each read as its identity', async () => {
      await checksPass(registry, trinoProfile(server, 'governor', { name: 'Lab Trino (governor)' }), 'read-back');
    });

    it('fails exactly the guarded cases when the lab grants the raw table and unmasks alice', async () => {
      await brokenPoliciesFail(registry, trinoProfile(server, 'governor', { name: 'Lab Trino (governor)' }));
    });
  });

  describe('Snowflake', () => {
    let server: SnowflakeLab;
    let registry: WorksheetRegistry;
    before(async () => {
      server = await startSnowflakeLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    beforeEach(() => {
      registry = createSnowflakeHarness().registry;
    });
    afterEach(async () => {
      await registry.dispose();
    });

    it('passes every check with an effect probe (confirmed), each read as its identity', async () => {
      await checksPass(registry, snowflakeProfile(server, 'governor', { name: 'Lab Snowflake (governor)', effectProbe: PROBE }), 'confirmed');
    });

    it('fails exactly the guarded cases when the lab grants the raw table and unmasks alice', async () => {
      await brokenPoliciesFail(registry, snowflakeProfile(server, 'governor', { name: 'Lab Snowflake (governor)', effectProbe: PROBE }));
    });

    it('without an effect probe a case as alice is an error (only applied), and nothing of it was read', async () => {
      const marker = `checks-snowflake-applied-${Date.now()}`;
      const profile = snowflakeProfile(server, 'governor');
      const text = `-- @check unconfirmed\n-- @as alice@example.com\n-- @expect some rows\nSELECT id, '${marker}' AS marker FROM sales.customers;\n`;
      const summary = await run(registry, suiteOf(profile, text));
      assert.deepEqual(verdicts(summary), [['unconfirmed', 'alice@example.com', 'error']]);
      assert.match(summary.results[0].error ?? '', /only applied, and checks need read back.*effect probe/);
      assert.deepEqual(await readsOf(marker), [], 'nothing was read, as yourself or anyone');
    });
  });

  describe('Azure Synapse', () => {
    let server: TdsLab;
    let registry: WorksheetRegistry;
    /** Synapse impersonates the Synapse user linked to the Immuta user: the fixture's links. */
    let userMap: Record<string, string>;
    before(async () => {
      server = await startTdsLab(lab());
      const links = await lab().adminQuery<{ name: string; synapse_user: string }>('SELECT name, synapse_user FROM immuta.users WHERE synapse_user IS NOT NULL');
      userMap = Object.fromEntries(links.map((link) => [link.name, link.synapse_user]));
    });
    after(async () => {
      await server?.close();
    });
    beforeEach(() => {
      registry = createSynapseHarness().registry;
    });
    afterEach(async () => {
      await registry.dispose();
    });

    it('passes every check of a T-SQL file (GO batches), read back from SESSION_CONTEXT without a probe, each read as its identity', async () => {
      await checksPass(registry, synapseProfile(server, 'governor', { name: 'Lab Synapse (governor)', userMap }), 'read-back');
    });

    it('fails exactly the guarded cases when the lab grants the raw table and unmasks alice', async () => {
      await brokenPoliciesFail(registry, synapseProfile(server, 'governor', { name: 'Lab Synapse (governor)', userMap }));
    });
  });

  describe('Databricks', () => {
    let server: DatabricksLab;
    let registry: WorksheetRegistry;
    before(async function () {
      this.timeout(30000);
      server = await startDatabricksLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    beforeEach(() => {
      registry = createDatabricksHarness(server).registry;
    });
    afterEach(async () => {
      await registry.dispose();
    });

    it('passes every check of a Spark file with an effect probe (confirmed), each read as its identity', async () => {
      await checksPass(registry, databricksProfile(server, 'governor', { name: 'dbx-governor (Lab Databricks)', effectProbe: PROBE }), 'confirmed');
    });

    it('fails exactly the guarded cases when the lab grants the raw table and unmasks alice', async () => {
      await brokenPoliciesFail(registry, databricksProfile(server, 'governor', { name: 'dbx-governor (Lab Databricks)', effectProbe: PROBE }));
    });

    it('on Unity Catalog, a check as another identity is an error saying Unity Catalog cannot impersonate; yourself checks run', async () => {
      const marker = `checks-dbx-uc-${Date.now()}`;
      const profile = databricksProfile(server, 'governor', { name: 'dbx-governor-uc', unityCatalog: true, effectProbe: PROBE });
      const text = [
        '-- @check as alice',
        '-- @as alice@example.com',
        '-- @expect some rows',
        `SELECT id, '${marker}-alice' AS marker FROM sales.customers;`,
        '-- @check as yourself',
        '-- @as yourself',
        `-- @expect rows = ${await rawCount()}`,
        "-- @expect region in ('US', 'EU', 'APAC')",
        `SELECT region, '${marker}-me' AS marker FROM sales.customers;`,
        '',
      ].join('\n');
      const callsBefore = server.received.length;
      const calls = () => server.received.slice(callsBefore);
      const summary = await run(registry, suiteOf(profile, text));
      assert.deepEqual(verdicts(summary), [
        ['as alice', 'alice@example.com', 'error'],
        ['as yourself', 'yourself', 'passed'],
      ], explain(summary));
      // The adapter refuses before it connects: the lab opened a session for yourself only.
      assert.equal(calls().filter((call) => call.call === 'OpenSession').length, 1, 'the lab opened one session');
      assert.match(summary.results[0].error ?? '', /alice@example\.com.*Immuta does not support user impersonation on Databricks Unity Catalog/);
      assert.deepEqual(calls().filter((call) => /impersonat/i.test(call.statement ?? '')).map((call) => call.statement), [], 'nothing about impersonation reached the lab');
      assert.deepEqual(await readsOf(`${marker}-alice`), [], 'nothing was read for alice');
      assert.deepEqual(await readsOf(`${marker}-me`), [{ effective_user: LOGIN_USER, impersonating: false, login: 'governor' }], 'read once, as yourself');
      assert.equal(registry.all().length, 0);
    });
  });
});
