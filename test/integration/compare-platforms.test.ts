/**
 * Compare as… on the Trino, Snowflake, Synapse and Databricks labs: the comparison compare.test.ts
 * makes on the lab PostgreSQL (yourself, alice, bob and carol on the customers data source), run
 * through each platform's driver and lab server, and a Databricks Unity Catalog connection, which
 * runs only the "yourself" side.
 *
 * Every lab server serves the same PostgreSQL fixture (test/lab/fixture.sql), so the expectations
 * are counted on its raw table: governor is in "global" and sees every region; alice has region
 * US, bob EU (under the Fraud Analytics project, which includes Customers), carol APAC; ssn shows
 * its last four digits only, except for "pii_readers" (carol).
 */
import * as assert from 'node:assert/strict';
import { comparedSide, runComparison, YOURSELF, type ComparisonSessions, type ComparisonSide, type SucceededSide } from '../../src/compare/comparison-runner';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import { impersonationUnavailable } from '../../src/platforms/profile';
import type { ConnectionProfile } from '../../src/platforms/types';
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

const IDENTITIES = [YOURSELF, 'alice@example.com', 'bob@example.com', 'carol@example.com'];
const EFFECTIVE = ['governor@example.com', 'alice@example.com', 'bob@example.com', 'carol@example.com'];

/** A statement the query log can tell apart from every other test's reads of Customers. */
function customersStatement(platform: string): { statement: string; marker: string } {
  const marker = `compare-${platform}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { statement: `SELECT id, full_name, region, ssn, '${marker}' AS marker FROM sales.customers`, marker };
}

async function rawCount(region?: string): Promise<number> {
  const rows = await lab().adminQuery<{ n: string }>(
    region === undefined ? 'SELECT count(*) AS n FROM immuta_raw.customers' : 'SELECT count(*) AS n FROM immuta_raw.customers WHERE region = $1',
    region === undefined ? [] : [region],
  );
  return Number(rows[0].n);
}

/** Who read Customers with this marker, as the lab's Immuta audit saw it, one row per read. */
async function readsOf(marker: string): Promise<{ effective_user: string; impersonating: boolean }[]> {
  return lab().adminQuery<{ effective_user: string; impersonating: boolean }>(
    'SELECT effective_user, impersonating FROM immuta.query_log WHERE data_source = $1 AND statement LIKE $2 ORDER BY effective_user',
    ['Customers', `%${marker}%`],
  );
}

function succeeded(side: ComparisonSide): ComparedSide {
  assert.equal(side.status, 'succeeded', side.status === 'failed' ? `${side.label}: ${side.error.message}` : side.label);
  return comparedSide(side as SucceededSide);
}

/**
 * What the lab still holds for the comparison once it is over (open sessions; on Trino, which has
 * none, queries not finished): polls until it is back to what it held before, with a deadline.
 */
async function serverLetGo(what: string, held: () => number, before: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (held() > before) {
    if (Date.now() > deadline) throw new Error(`the lab still holds ${held()} ${what} 10 s after the comparison (${before} before it)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One platform's lab as these tests use it. */
interface PlatformLab {
  readonly name: string;
  readonly registry: WorksheetRegistry;
  readonly profile: ConnectionProfile;
  /** What the server holds open for a worksheet (sessions, or running queries) and its noun. */
  readonly held: () => number;
  readonly heldWhat: string;
}

function sessionsOf(registry: WorksheetRegistry): ComparisonSessions {
  return { open: (profile) => registry.create(profile), close: (worksheet) => registry.close(worksheet.id) };
}

/**
 * The comparison on one platform: exact row counts per identity, ssn masked for all but carol,
 * each side read as its identity (the lab's audit), and every side's worksheet closed.
 */
async function compareCustomers({ name: platform, registry, profile, held, heldWhat }: PlatformLab): Promise<void> {
  const { statement, marker } = customersStatement(platform);
  const heldBefore = held();
  const sides = await runComparison(sessionsOf(registry), profile, statement, IDENTITIES, { rowLimit: 100_000, concurrency: 3 });
  const compared = sides.map(succeeded);
  const counts = compared.map((side) => side.rows.length);
  assert.deepEqual(counts, [await rawCount(), await rawCount('US'), await rawCount('EU'), await rawCount('APAC')], 'yourself every region; alice US, bob EU, carol APAC');
  assert.ok(sides.every((side) => side.status === 'succeeded' && !side.truncated));
  const diff = compareSides(compared);
  // Snowflake names unquoted columns in upper case; the comparison keeps the platform's names.
  assert.deepEqual(diff.key, { kind: 'columns', columns: [compared[0].columns.find((name) => /^id$/i.test(name))] });
  const ssn = diff.columns.find((column) => /^ssn$/i.test(column.name));
  assert.ok(ssn, `an ssn column among ${diff.columns.map((column) => column.name).join(', ')}`);
  assert.deepEqual(ssn.forms, ['masked', 'masked', 'masked', 'clear'], 'only carol, a pii_reader, sees ssn in the clear');
  assert.match(diff.summaries[3], /^carol@example\.com: [\d,]+ rows \(−[\d,]+ vs yourself\) · ssn in the clear$/i);
  assert.match(diff.summaries[2], /· ssn masked/i);
  const ranAs = sides.map((side) => (side as SucceededSide).stamp.ranAs);
  assert.deepEqual(ranAs.map((who) => (who.kind === 'impersonating' ? who.user : who.kind)), IDENTITIES);
  // The server read Customers once per side, each time as that side's identity.
  assert.deepEqual(
    await readsOf(marker),
    [...EFFECTIVE].sort().map((user) => ({ effective_user: user, impersonating: user !== 'governor@example.com' })),
  );
  assert.equal(registry.all().length, 0, 'every side\u2019s worksheet was closed');
  await serverLetGo(heldWhat, held, heldBefore);
  process.stdout.write(`      ${platform} rows per side: ${IDENTITIES.map((label, index) => `${label} ${counts[index]}`).join(', ')}\n`);
}

/**
 * A side that reaches the row limit stops reading: it ends as succeeded with the limit's rows,
 * marked truncated, and its worksheet is closed all the same.
 */
async function compareAtRowLimit({ name: platform, registry, profile, held, heldWhat }: PlatformLab): Promise<void> {
  const { statement } = customersStatement(platform);
  const heldBefore = held();
  const sides = await runComparison(sessionsOf(registry), profile, statement, [YOURSELF, 'bob@example.com'], { rowLimit: 25, concurrency: 2 });
  for (const side of sides) {
    assert.equal(side.status, 'succeeded', side.status === 'failed' ? `${side.label}: ${side.error.message}` : side.label);
    const done = side as SucceededSide;
    assert.equal(comparedSide(done).rows.length, 25, side.label);
    assert.equal(done.truncated, true, side.label);
  }
  assert.equal(registry.all().length, 0, 'every side\u2019s worksheet was closed');
  // The rest of the result was not left running or its session left open at the server.
  await serverLetGo(heldWhat, held, heldBefore);
}

describe('Compare as… on the platform labs', function () {
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
    const trinoLab = (): PlatformLab => ({ name: 'trino', registry, profile: trinoProfile(server, 'governor'), held: () => server.activeQueries(), heldWhat: 'unfinished queries' });
    afterEach(async () => {
      await registry.dispose();
    });

    it('compares yourself, alice, bob and carol on sales.customers: row counts and who sees ssn masked follow the policies', async () => {
      await compareCustomers(trinoLab());
    });

    it('stops a side at the row limit and reports it truncated', async () => {
      await compareAtRowLimit(trinoLab());
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
    const snowflakeLab = (): PlatformLab => ({ name: 'snowflake', registry, profile: snowflakeProfile(server, 'governor'),
      // The Snowflake lab keeps ended sessions in its list, marked.
      held: () => server.sessions().filter((session) => session.ended === undefined).length,
      heldWhat: 'open sessions',
    });
    afterEach(async () => {
      await registry.dispose();
    });

    it('compares yourself, alice, bob and carol on sales.customers: row counts and who sees ssn masked follow the policies', async () => {
      await compareCustomers(snowflakeLab());
    });

    it('stops a side at the row limit and reports it truncated', async () => {
      await compareAtRowLimit(snowflakeLab());
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
    const synapseLab = (): PlatformLab => ({ name: 'synapse', registry, profile: synapseProfile(server, 'governor', { userMap }), held: () => server.sessions().length, heldWhat: 'sessions' });
    afterEach(async () => {
      await registry.dispose();
    });

    it('compares yourself, alice, bob and carol on sales.customers: row counts and who sees ssn masked follow the policies', async () => {
      await compareCustomers(synapseLab());
    });

    it('stops a side at the row limit and reports it truncated', async () => {
      await compareAtRowLimit(synapseLab());
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
    const databricksLab = (): PlatformLab => ({ name: 'databricks', registry, profile: databricksProfile(server, 'governor'), held: () => server.sessions().length, heldWhat: 'sessions' });
    afterEach(async () => {
      await registry.dispose();
    });

    it('compares yourself, alice, bob and carol on sales.customers (Spark): row counts and who sees ssn masked follow the policies', async () => {
      await compareCustomers(databricksLab());
    });

    it('stops a side at the row limit and reports it truncated', async () => {
      await compareAtRowLimit(databricksLab());
    });

    it('on Unity Catalog runs only yourself and shows every other identity as unsupported, with the reason, opening no session for it', async () => {
      const profile = databricksProfile(server, 'governor', { name: 'dbx-governor-uc', unityCatalog: true });
      const reason = impersonationUnavailable(profile);
      assert.match(reason ?? '', /Immuta does not support user impersonation on Databricks Unity Catalog/);
      const { statement, marker } = customersStatement('databricks-uc');
      const callsBefore = server.received.length;
      const opened: string[] = [];
      const sides = await runComparison(
        { open: (bound) => { const worksheet = registry.create(bound); opened.push(worksheet.id); return worksheet; }, close: (worksheet) => registry.close(worksheet.id) },
        profile,
        statement,
        IDENTITIES,
        { rowLimit: 100_000, concurrency: 3 },
      );
      assert.equal(succeeded(sides[0]).rows.length, await rawCount(), 'yourself, a global governor, sees every region');
      assert.deepEqual(
        sides.slice(1),
        IDENTITIES.slice(1).map((label) => ({ label, status: 'unsupported', reason })),
      );
      assert.equal(opened.length, 1, 'one worksheet, for yourself');
      const calls = server.received.slice(callsBefore);
      assert.equal(calls.filter((call) => call.call === 'OpenSession').length, 1, 'the lab opened one session');
      assert.deepEqual(calls.filter((call) => /impersonat/i.test(call.statement ?? '')).map((call) => call.statement), [], 'nothing about impersonation reached the lab');
      assert.deepEqual(await readsOf(marker), [{ effective_user: 'governor@example.com', impersonating: false }], 'Customers was read once, as yourself');
      assert.equal(registry.all().length, 0);
    });
  });
});
