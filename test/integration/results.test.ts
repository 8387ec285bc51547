import * as assert from 'node:assert/strict';
import { MAX_CHARS_PER_PULL } from '../../src/results/protocol';
import { RunResults } from '../../src/results/run-results';
import type { Row } from '../../src/platforms/types';
import { wideQuery } from '../lab/wide-query';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile } from './worksheet-harness';

function runResults(statements: string[], rowLimit: number): RunResults {
  return new RunResults('results.test.sql', statements, {
    rowLimit,
    platformName: () => 'Amazon Redshift',
    describeError: (error) => ({ message: error instanceof Error ? error.message : String(error) }),
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the worksheet's backend is still busy with a statement, per the server. */
async function backendActive(applicationName: string): Promise<boolean> {
  const rows = await lab().adminQuery<{ state: string }>("SELECT state FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'", [applicationName]);
  return rows.some((row) => row.state === 'active');
}

/** What the worksheet's backend waits on, per the server (ClientWrite: blocked sending to us). */
async function backendWaitEvents(applicationName: string): Promise<string[]> {
  const rows = await lab().adminQuery<{ wait_event: string | null }>("SELECT wait_event FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'", [applicationName]);
  return rows.map((row) => row.wait_event ?? '');
}

async function allRows(results: RunResults, index: number): Promise<Row[]> {
  const result = results.results[index];
  const rows: Row[] = [];
  for (;;) {
    const slice = await result.read(rows.length, 50_000, MAX_CHARS_PER_PULL);
    if (slice.count === 0) return rows;
    for (const chunk of slice.chunks) rows.push(...(JSON.parse(chunk) as Row[]));
  }
}

describe('results of real statements (the host side of the results view)', function () {
  this.timeout(60_000);
  const current = harnessPerTest();

  it('keeps 200,000 mixed-type rows exactly, in order, with NULLs', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    const results = runResults([wideQuery(200_000)], 1_000_000);
    const [outcome] = await worksheet.run([{ text: wideQuery(200_000) }], results.observer()).outcomes;
    assert.equal(outcome.status, 'succeeded');
    const rows = await allRows(results, 0);
    assert.equal(rows.length, 200_000);
    assert.deepEqual(rows[0], [1, 'customer 1', 1.25, false, '2026-01-02', '2026-01-01 00:00:01', '0.1429', 'note 1', 'c4ca4238a0b923820dcc509a6f75849b', '{"id" : 1, "tag" : "x"}']);
    assert.equal(rows[6][7], null, 'every 7th note is NULL');
    assert.equal(rows[199_999][0], 200_000);
    assert.deepEqual(results.results[0].view().columns?.map((column) => column.kind), ['number', 'text', 'number', 'boolean', 'text', 'text', 'number', 'text', 'text', 'text']);
  });

  it('holds the statement open at the row limit (the server still runs it) until more is fetched', async () => {
    const application = 'results-pause-test';
    const worksheet = current().registry.create(redshiftProfile('governor', { applicationName: application }));
    const results = runResults([wideQuery(300_000)], 50_000);
    const run = worksheet.run([{ text: wideQuery(300_000) }], results.observer());
    const result = results.results[0];
    await until(() => result.status === 'paused');
    assert.equal(result.rowCount, 50_000);
    // Paused: the server still has the statement open and is held writing to us (its wait event is
    // ClientWrite), and nothing more was kept meanwhile.
    await until(async () => (await backendWaitEvents(application)).includes('ClientWrite'));
    assert.equal(await backendActive(application), true, 'the statement is still open on the server');
    assert.equal(result.rowCount, 50_000, 'nothing more is kept while paused');
    result.fetchMore(50_000);
    await until(() => result.status === 'paused' && result.rowCount === 100_000);
    result.fetchMore('all');
    const [outcome] = await run.outcomes;
    assert.equal(outcome.status, 'succeeded');
    assert.equal(result.rowCount, 300_000);
    assert.deepEqual((await allRows(results, 0)).map((row) => row[0]).slice(49_998, 50_002), [49_999, 50_000, 50_001, 50_002], 'no row lost or doubled at the pauses');
  });

  it('"stop reading" lets the statement finish, counts the rest, and the worksheet runs the next statement', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    const results = runResults([wideQuery(120_000), 'SELECT 42 AS answer'], 10_000);
    const run = worksheet.run([{ text: wideQuery(120_000) }, { text: 'SELECT 42 AS answer' }], results.observer());
    await until(() => results.results[0].status === 'paused');
    results.stopReading();
    const outcomes = await run.outcomes;
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'succeeded']);
    const view = results.results[0].view();
    assert.equal(view.storedRows, 10_000);
    assert.equal(view.discardedRows, 110_000);
    assert.equal(view.stamp?.rowCount, 120_000, 'the stamp keeps the server count');
    assert.deepEqual(await allRows(results, 1), [[42]]);
  });

  it('cancel of a paused statement cancels it at the server and the session stays usable', async () => {
    const application = 'results-cancel-paused-test';
    const worksheet = current().registry.create(redshiftProfile('governor', { applicationName: application }));
    const slow = `${wideQuery(2_000_000)} WHERE pg_sleep(0) IS NOT NULL`;
    const results = runResults([slow], 10_000);
    const run = worksheet.run([{ text: slow }], results.observer());
    await until(() => results.results[0].status === 'paused');
    // What the extension does on Cancel: let the paused stream go, then cancel the run.
    results.stopReading();
    run.cancel();
    const [outcome] = await run.outcomes;
    // Cancelled (not finished: reading two million rows would have succeeded), and gone at the server.
    assert.equal(outcome.status, 'cancelled');
    await until(async () => !(await backendActive(application)));
    const again = runResults(['SELECT 1'], 10);
    const [next] = await worksheet.run([{ text: 'SELECT 1' }], again.observer()).outcomes;
    assert.equal(next.status, 'succeeded');
  });

  it('a failed statement keeps the server message, code and position as line and column', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    const statement = 'SELECT 1,\n  nope FROM sales.customers';
    const results = new RunResults('t.sql', [statement], {
      rowLimit: 10,
      platformName: () => 'Amazon Redshift',
      describeError: (error) => {
        const failure = error as { serverMessage?: string; code?: string; position?: { offset: number } };
        return { message: failure.serverMessage ?? String(error), code: failure.code, ...(failure.position ? { line: 2, column: failure.position.offset - statement.indexOf('\n') } : {}) };
      },
    });
    const [outcome] = await worksheet.run([{ text: statement }], results.observer()).outcomes;
    assert.equal(outcome.status, 'failed');
    const error = results.results[0].view().error;
    assert.equal(error?.code, '42703');
    assert.match(error?.message ?? '', /column "nope" does not exist/);
    assert.deepEqual([error?.line, error?.column], [2, 3]);
  });
});
