/**
 * Named query parameters on the lab: the value travels bound, never in the statement text.
 * Redshift (pg): the extended protocol's Parse carries `$1`, so PostgreSQL's own record of the
 * statement (current_query() in immuta.query_log) shows `$1`. Synapse (tedious): the request is
 * RPC sp_executesql with `@p_region` declared and the value as its own parameter.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parseCheckFile } from '../../src/checks/check-file';
import { runChecks } from '../../src/checks/check-runner';
import type { StatementParameters } from '../../src/platforms/types';
import { findParameters } from '../../src/sql/parameters';
import type { SqlDialectId } from '../../src/sql/dialects';
import type { StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import type { TdsLab } from '../lab/tds-server';
import { lab } from './shared-lab';
import { synapseProfile, synapseSuiteHooks, type SynapseHarness } from './synapse-harness';
import { collector, harnessPerTest, redshiftProfile, type CollectedResult } from './worksheet-harness';

const HOSTILE = "'; drop table param_canary; --";

async function runWith(worksheet: Worksheet, text: string, dialect: SqlDialectId, values: Record<string, string | null>): Promise<{ outcome: StatementOutcome; result: CollectedResult | undefined }> {
  const parameters: StatementParameters = { uses: findParameters(text, dialect), values };
  assert.ok(parameters.uses.length > 0, `the finder sees the parameters of ${text}`);
  const { observer, results } = collector();
  const [outcome] = await worksheet.run([{ text, parameters }], observer).outcomes;
  return { outcome, result: results[0] };
}

function assertSucceeded(outcome: StatementOutcome): void {
  assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : outcome.status);
}

async function logged(marker: string): Promise<string[]> {
  const rows = await lab().adminQuery<{ statement: string }>('SELECT statement FROM immuta.query_log WHERE statement LIKE $1 ORDER BY at', [`%${marker}%`]);
  return rows.map((row) => row.statement);
}

async function canaryExists(): Promise<boolean> {
  const [row] = await lab().adminQuery<{ present: boolean }>("SELECT to_regclass('public.param_canary') IS NOT NULL AS present");
  return row.present;
}

describe('query parameters are bound on the lab', function () {
  before(async () => {
    // A table the governor could drop if a value were ever spliced into the text.
    await lab().adminQuery('CREATE TABLE IF NOT EXISTS public.param_canary (x int)');
    await lab().adminQuery('ALTER TABLE public.param_canary OWNER TO governor');
  });
  after(async () => {
    await lab().adminQuery('DROP TABLE IF EXISTS public.param_canary');
  });

  describe('Redshift (pg extended protocol)', () => {
    const current = harnessPerTest();

    it('runs `region = :region` with the value bound: the server saw $1, the rows are the region\'s, the stamp has the value', async () => {
      const marker = `p${randomUUID().slice(0, 8)}`;
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const text = `SELECT DISTINCT region /* ${marker} */ FROM sales.customers WHERE region = :region AND :region = region`;
      const { outcome, result } = await runWith(worksheet, text, 'postgres', { region: 'EU' });
      assertSucceeded(outcome);
      assert.deepEqual(result?.rows, [['EU']]);
      assert.equal(outcome.status === 'succeeded' && outcome.stamp.parameters?.region, 'EU');
      const statements = await logged(marker);
      assert.equal(statements.length, 1, `one audited read: ${JSON.stringify(statements)}`);
      assert.match(statements[0], /region = \$1 AND \$1 = region/, 'one $n per distinct name, in the text the server received');
      assert.doesNotMatch(statements[0], /'EU'|:region/);
    });

    it("a value holding `'; drop table …; --` is only a value: no rows, the table is still there", async () => {
      const marker = `p${randomUUID().slice(0, 8)}`;
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const { outcome, result } = await runWith(worksheet, `SELECT id /* ${marker} */ FROM sales.customers WHERE region = :region`, 'postgres', { region: HOSTILE });
      assertSucceeded(outcome);
      assert.deepEqual(result?.rows, []);
      assert.ok(await canaryExists(), 'param_canary survived');
      assert.doesNotMatch((await logged(marker))[0] ?? '', /drop table/i);
    });

    it('NULL is SQL NULL (a cast right after a parameter stays a cast), and an error position points into the text as written', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const nulls = await runWith(worksheet, 'SELECT :value::text IS NULL AS is_null', 'postgres', { value: null });
      assertSucceeded(nulls.outcome);
      assert.deepEqual(nulls.result?.rows, [[true]]);
      const text = 'SELECT :first_value_here, nosuchcolumn';
      const failed = await runWith(worksheet, text, 'postgres', { first_value_here: 'x' });
      assert.equal(failed.outcome.status, 'failed');
      const position = failed.outcome.status === 'failed' && 'position' in failed.outcome.error ? failed.outcome.error.position : undefined;
      assert.equal(position?.offset, text.indexOf('nosuchcolumn'), `position ${JSON.stringify(position)}`);
    });
  });

  describe('Synapse (tedious, RPC sp_executesql)', () => {
    let server: TdsLab;
    let harness: SynapseHarness;
    synapseSuiteHooks(
      (started) => (server = started),
      (made) => (harness = made),
    );

    it('runs `region = :region` as sp_executesql with @p_region bound: the request carried the value as a parameter, not in the text', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const before = server.received.length;
      const text = 'SELECT DISTINCT region FROM sales.customers WHERE region = :region';
      const { outcome, result } = await runWith(worksheet, text, 'tsql', { region: 'APAC' });
      assertSucceeded(outcome);
      assert.deepEqual(result?.rows, [['APAC']]);
      const requests = server.received.slice(before).filter((entry) => entry.kind === 'rpc' || entry.kind === 'batch');
      const rpc = requests.find((entry) => entry.kind === 'rpc' && entry.text.includes('sales.customers'));
      assert.ok(rpc && rpc.kind === 'rpc', `an RPC request among ${JSON.stringify(requests)}`);
      assert.equal(rpc.text, 'SELECT DISTINCT region FROM sales.customers WHERE region = @p_region');
      assert.deepEqual(rpc.params, { p_region: 'APAC' });
      assert.ok(!requests.some((entry) => entry.kind === 'batch' && entry.text.includes('APAC')), 'the value never went in a batch');
    });

    it("a value holding `'; drop table …; --` is only a value: no rows, the table is still there", async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const before = server.received.length;
      const { outcome, result } = await runWith(worksheet, 'SELECT id FROM sales.customers WHERE region = :region', 'tsql', { region: HOSTILE });
      assertSucceeded(outcome);
      assert.deepEqual(result?.rows, []);
      assert.ok(await canaryExists(), 'param_canary survived');
      const rpc = server.received.slice(before).find((entry) => entry.kind === 'rpc' && entry.text.includes('sales.customers'));
      assert.ok(rpc && rpc.kind === 'rpc');
      assert.deepEqual(rpc.params, { p_region: HOSTILE });
      assert.doesNotMatch(rpc.text, /drop/i);
    });
  });
});

describe('policy checks bind their -- @param values on the lab', () => {
  const current = harnessPerTest();

  it("a check's :region runs bound with its @param value as each identity; the server saw $1", async () => {
    const marker = `c${randomUUID().slice(0, 8)}`;
    const text = [
      '-- @check EU rows for the EU user',
      '-- @as bob@example.com, yourself',
      "-- @param region = 'EU'",
      "-- @expect region in ('EU')",
      '-- @expect rows > 0',
      `SELECT region /* ${marker} */ FROM sales.customers WHERE region = :region;`,
      '',
    ].join('\n');
    const parsed = parseCheckFile(text, 'postgres');
    assert.deepEqual(parsed.diagnostics, []);
    const profile = redshiftProfile('governor', { name: 'Lab Redshift (governor)' });
    const { registry } = current();
    const summary = await runChecks(
      [{ file: '/nonexistent/params.sql', text, parsed, profile }],
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      { concurrency: 2, rowLimit: 1000, minimumAssurance: 'applied', updateSnapshots: false },
    );
    assert.deepEqual(summary.results.map((result) => [result.identity, result.verdict, result.error ?? '']), [
      ['bob@example.com', 'passed', ''],
      ['yourself', 'passed', ''],
    ]);
    const statements = await logged(marker);
    assert.equal(statements.length, 2);
    for (const statement of statements) assert.match(statement, /region = \$1;?$/);
  });

  it('a check definition with a :name but no value is an error and nothing is sent', async () => {
    const marker = `c${randomUUID().slice(0, 8)}`;
    const text = `-- @check c\n-- @expect rows > 0\nSELECT 1 /* ${marker} */ FROM sales.customers WHERE region = 'EU';\n`;
    const parsed = parseCheckFile(text, 'postgres');
    // As a caller that built the check itself might: the statement changed under a parsed check.
    const check = { ...parsed.checks[0], statement: { ...parsed.checks[0].statement, text: `SELECT 1 /* ${marker} */ FROM sales.customers WHERE region = :region` } };
    const { registry } = current();
    const summary = await runChecks(
      [{ file: '/nonexistent/unbound.sql', text, parsed: { ...parsed, checks: [check] }, profile: redshiftProfile('governor') }],
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      { concurrency: 1, rowLimit: 10, minimumAssurance: 'applied', updateSnapshots: false },
    );
    assert.equal(summary.results[0].verdict, 'error');
    assert.match(summary.results[0].error ?? '', /uses :region without a value, so it was not sent/);
    assert.deepEqual(await logged(marker), []);
  });
});
