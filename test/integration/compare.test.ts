/**
 * Compare as… on the lab's PostgreSQL (the Redshift path): one statement run as yourself, alice,
 * bob and carol, each in a session of its own. The expectations come from the fixture's policies
 * (test/lab/fixture.sql), counted on the raw table: governor is in "global" and sees every
 * region; alice has region US, bob EU (acting under the Fraud Analytics project, which includes
 * Customers), carol APAC; ssn shows its last four digits only, except for "pii_readers" (carol).
 */
import * as assert from 'node:assert/strict';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import { comparedSide, runComparison, YOURSELF, type ComparisonSide, type SucceededSide } from '../../src/compare/comparison-runner';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile, runOne } from './worksheet-harness';

const STATEMENT = 'SELECT id, full_name, region, ssn FROM sales.customers';

async function rawCount(region?: string): Promise<number> {
  const rows = await lab().adminQuery<{ n: string }>(
    region === undefined ? 'SELECT count(*) AS n FROM immuta_raw.customers' : 'SELECT count(*) AS n FROM immuta_raw.customers WHERE region = $1',
    region === undefined ? [] : [region],
  );
  return Number(rows[0].n);
}

function succeeded(side: ComparisonSide): ComparedSide {
  assert.equal(side.status, 'succeeded', side.status === 'failed' ? `${side.label}: ${side.error.message}` : side.label);
  return comparedSide(side as SucceededSide);
}

describe('Compare as… on the lab PostgreSQL', function () {
  const current = harnessPerTest();

  it('runs one statement as yourself, alice, bob and carol: the row counts and who sees ssn masked follow the policies', async () => {
    const { registry } = current();
    const profile = redshiftProfile('governor');
    // The worksheet the comparison starts from keeps its own session and identity.
    const own = registry.create(profile);
    const [before] = await ownPid(own);
    const sides = await runComparison(
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      profile,
      STATEMENT,
      [YOURSELF, 'alice@example.com', 'bob@example.com', 'carol@example.com'],
      { rowLimit: 100_000, concurrency: 3 },
    );
    const compared = sides.map(succeeded);
    assert.deepEqual(
      compared.map((side) => side.rows.length),
      [await rawCount(), await rawCount('US'), await rawCount('EU'), await rawCount('APAC')],
      'yourself every region; alice US, bob EU, carol APAC',
    );
    const diff = compareSides(compared);
    assert.deepEqual(diff.key, { kind: 'columns', columns: ['id'] });
    assert.deepEqual(diff.columns.find((column) => column.name === 'ssn')?.forms, ['masked', 'masked', 'masked', 'clear'], 'only carol, a pii_reader, sees ssn in the clear');
    assert.match(diff.summaries[3], /^carol@example\.com: [\d,]+ rows \(−[\d,]+ vs yourself\) · ssn in the clear$/);
    assert.match(diff.summaries[1], /· ssn masked$/);
    // Every side ran as its own identity, in a session that is gone now.
    const stamps = sides.map((side) => (side as SucceededSide).stamp.ranAs);
    assert.deepEqual(stamps.map((ranAs) => (ranAs.kind === 'impersonating' ? ranAs.user : ranAs.kind)), ['yourself', 'alice@example.com', 'bob@example.com', 'carol@example.com']);
    assert.equal(registry.all().length, 1, 'the sides\u2019 worksheets were closed');
    const [after, identity] = await ownPid(own);
    assert.equal(after, before, 'the worksheet\u2019s own session is the one it had');
    assert.equal(identity, 'yourself');
  });

  it('shows a side whose impersonation fails as failed, and nothing of it ran as yourself', async () => {
    const { registry } = current();
    const profile = redshiftProfile('governor');
    const marker = `compare-${Date.now()}`;
    const statement = `SELECT id, '${marker}' AS marker FROM sales.customers`;
    const sides = await runComparison(
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      profile,
      statement,
      [YOURSELF, 'nobody-at-all@example.com'],
      // Above the row count: a side cut at the row limit is cancelled, and the lab's audit row
      // of a cancelled statement is rolled back with it, which would hide yourself's read.
      { rowLimit: 100_000, concurrency: 2 },
    );
    assert.equal(sides[0].status, 'succeeded');
    assert.equal(sides[1].status, 'failed');
    // The query log has one read of Customers with the marker: yourself's, and none by another side.
    const reads = await lab().adminQuery<{ effective_user: string; impersonating: boolean }>(
      'SELECT effective_user, impersonating FROM immuta.query_log WHERE data_source = $1 AND statement LIKE $2',
      ['Customers', `%${marker}%`],
    );
    assert.deepEqual(reads, [{ effective_user: 'governor@example.com', impersonating: false }]);
  });
});


describe('Compare as… cancel on the lab PostgreSQL', function () {
  const current = harnessPerTest();

  it('Cancel stops every side while its statement runs at the server, and closes their sessions', async () => {
    const { registry } = current();
    const profile = redshiftProfile('governor');
    const marker = `compare-cancel-${Date.now()}`;
    const statement = `SELECT '${marker}' AS marker, pg_sleep(30) FROM sales.customers LIMIT 1`;
    const running = () =>
      lab().adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [`%${marker}%pg_sleep%`]);
    const controller = new AbortController();
    const comparison = runComparison(
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      profile,
      statement,
      [YOURSELF, 'alice@example.com', 'bob@example.com'],
      { rowLimit: 100, concurrency: 3, signal: controller.signal },
    );
    // Every side's statement is seen running at the server before Cancel.
    const deadline = Date.now() + 20_000;
    let seen: { pid: number }[] = [];
    while ((seen = await running()).length < 3) {
      if (Date.now() > deadline) throw new Error(`expected 3 sides running at the server, saw ${seen.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    controller.abort();
    const sides = await comparison;
    assert.deepEqual(sides.map((side) => side.status), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal(registry.all().length, 0, 'the sides\u2019 worksheets were closed');
    // Their backends are gone, not left sleeping.
    const pids = seen.map((row) => row.pid);
    const gone = Date.now() + 10_000;
    let left: unknown[] = [];
    while ((left = await lab().adminQuery('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).length > 0) {
      if (Date.now() > gone) throw new Error(`sessions still open at the server: ${JSON.stringify(left)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});

async function ownPid(worksheet: import('../../src/worksheets/worksheet').Worksheet): Promise<[number, string]> {
  const outcome = await runOne(worksheet, 'SELECT pg_backend_pid()');
  assert.equal(outcome.status, 'succeeded');
  return [Number(worksheet.snapshot().sessionId ?? NaN), worksheet.identity.kind];
}
