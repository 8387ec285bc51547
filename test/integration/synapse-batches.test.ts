/**
 * T-SQL runs batch by batch, as sqlcmd and SSMS send it, against the lab's TDS server: each GO
 * batch one request (GO n: n requests), every result set of a batch a result (a tab) of its own,
 * messages in order, errors on the right line of the document, and a cancel that stops a batch.
 * Runs go the way Run All goes (runUnits over the document, RunResults as the results view's
 * host side), without VS Code.
 */
import * as assert from 'node:assert/strict';
import { isPlatformError } from '../../src/platforms/errors';
import type { Row } from '../../src/platforms/types';
import type { ErrorView } from '../../src/results/protocol';
import { RunResults } from '../../src/results/run-results';
import { runUnits, type RunUnit } from '../../src/sql/batches';
import { splitStatements } from '../../src/sql/splitter';
import { errorSpan } from '../../src/worksheets/error-span';
import type { RunHandle } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import type { TdsLab } from '../lab/tds-server';
import { synapseProfile, synapseSuiteHooks, type SynapseHarness } from './synapse-harness';
import { failure, regionsSeen, seenRunning, seenStopped } from './worksheet-harness';

interface DocumentRun {
  readonly units: RunUnit[];
  readonly results: RunResults;
  readonly handle: RunHandle;
}

/** Runs a whole T-SQL document as Run All does. */
function runAll(worksheet: Worksheet, document: string): DocumentRun {
  const units = runUnits(document, 'tsql');
  const results = new RunResults('batches.sql', units.map((unit) => unit.text), {
    rowLimit: 1000,
    platformName: () => 'Azure Synapse',
    describeError: (error): ErrorView => ({ message: error instanceof Error ? error.message : String(error) }),
  });
  const handle = worksheet.run(units.map((unit) => ({ text: unit.text, repeat: unit.repeat })), results.observer());
  return { units, results, handle };
}

/** What a tab shows: statement number (and result set), status, columns, rows, messages. */
async function tabs(results: RunResults): Promise<string[]> {
  const tabs: string[] = [];
  for (const view of results.view().results) {
    const rows: Row[] = [];
    const result = results.results.find((candidate) => candidate.id === view.id);
    if (result) for await (const row of result.rows()) rows.push(row);
    const number = `${view.index + 1}${view.part ? `.${view.part + 1}` : ''}`;
    const shown = view.columns ? ` ${view.columns.map((column) => column.name).join(',')}=${JSON.stringify([...rows])}` : ` (${view.stamp?.rowCount ?? '-'} affected)`;
    const notices = view.notices.length > 0 ? ` [${view.notices.map((notice) => notice.message).join(' | ')}]` : '';
    tabs.push(`${number} ${view.status}${shown}${notices}`);
  }
  return tabs;
}

/** The SQL batches a session sent, in order. */
function batchesSent(server: TdsLab, spid: number): string[] {
  return server.received.flatMap((entry) => (entry.spid === spid && entry.kind === 'batch' ? [entry.text] : []));
}

/** 0-based line of an offset. */
function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split(/\r\n|\r|\n/).length - 1;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('T-SQL batches on Synapse (the lab TDS server): one request per GO batch, every result set shown', function () {
  let server: TdsLab;
  let harness: SynapseHarness;
  synapseSuiteHooks(
    (started) => (server = started),
    (made) => (harness = made),
  );

  /** A worksheet with its session open, and the SPID of that session. */
  async function opened(): Promise<{ worksheet: Worksheet; spid: number }> {
    const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
    await regionsSeen(worksheet);
    return { worksheet, spid: Number(worksheet.snapshot().sessionId) };
  }

  it('sends a three-batch script as three requests and shows each result set of a batch in a tab of its own, messages in order', async () => {
    const { worksheet, spid } = await opened();
    const document = [
      '-- how many customers, by the first region',
      'DECLARE @n int = 2;',
      'SELECT @n * 21 AS answer;',
      'GO',
      'SELECT TOP 1 region FROM sales.customers ORDER BY id;',
      "PRINT 'between the two';",
      'SELECT count(*) AS customers FROM sales.customers;',
      'GO',
      'CREATE TEMP TABLE scratch(x int);',
      'INSERT INTO scratch VALUES (1), (2), (3);',
      'UPDATE scratch SET x = x + 1 WHERE x > 1;',
    ].join('\n');
    const before = batchesSent(server, spid).length;
    const { units, results, handle } = runAll(worksheet, document);
    const outcomes = await handle.outcomes;
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'succeeded', 'succeeded']);
    // One request per batch, each exactly the text between its GO lines.
    assert.deepEqual(batchesSent(server, spid).slice(before), units.map((unit) => unit.text));
    assert.equal(units.length, 3);
    assert.deepEqual(await tabs(results), [
      '1 succeeded answer=[[42]]',
      '2 succeeded region=[["US"]] [between the two]',
      // count(*) is a bigint: its exact text.
      '2.2 succeeded customers=[["1500"]]',
      '3 succeeded (5 affected) [(3 rows affected) | (2 rows affected)]',
    ]);
  });

  it('runs DECLARE @x int = 1; SELECT @x; in one batch (sent statement by statement, the server does not know @x)', async () => {
    const { worksheet } = await opened();
    const document = 'DECLARE @x int = 1; SELECT @x AS x;';
    const { results, handle } = runAll(worksheet, document);
    assert.deepEqual((await handle.outcomes).map((outcome) => outcome.status), ['succeeded']);
    assert.deepEqual(await tabs(results), ['1 succeeded x=[[1]]']);

    // What sending each statement as its own batch did before: SQL Server's Msg 137.
    const split = splitStatements(document, 'tsql').statements.map((statement) => ({ text: statement.text }));
    const [declared, selected] = await worksheet.run(split).outcomes;
    assert.equal(declared.status, 'succeeded');
    const error = failure(selected);
    assert.ok(isPlatformError(error), String(error));
    assert.equal(error.code, '137');
    assert.match(error.message, /Must declare the scalar variable "@x"/);
  });

  it('sends a batch under GO 3 three times, each result set in its own tab', async () => {
    const { worksheet, spid } = await opened();
    const before = batchesSent(server, spid).length;
    const { results, handle } = runAll(worksheet, "SELECT N'again' AS word\nGO 3\n");
    assert.deepEqual((await handle.outcomes).map((outcome) => outcome.status), ['succeeded']);
    assert.deepEqual(batchesSent(server, spid).slice(before), ["SELECT N'again' AS word", "SELECT N'again' AS word", "SELECT N'again' AS word"]);
    assert.deepEqual(await tabs(results), ['1 succeeded word=[["again"]]', '1.2 succeeded word=[["again"]]', '1.3 succeeded word=[["again"]]']);
  });

  it('marks an error on the second line of the second batch on that line of the document', async () => {
    const { worksheet } = await opened();
    const document = ['SELECT 1 AS fine', 'GO', '  SELECT 2 AS also_fine;', '  SELECT no_such_column FROM sales.customers;', 'GO', 'SELECT 3 AS never'].join('\n');
    const { units, results, handle } = runAll(worksheet, document);
    const outcomes = await handle.outcomes;
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'failed', 'skipped']);
    const error = failure(outcomes[1]);
    assert.ok(isPlatformError(error), String(error));
    assert.equal(error.code, '207');
    assert.match(error.detail ?? '', /Line 2$/, 'SQL Server counts the line within the batch');
    // What the run controller marks: the span moved from the batch to the document.
    const span = errorSpan(units[1].startOffset, error);
    assert.ok(span, 'the error has a place');
    assert.equal(lineOf(document, span.offset), 3, 'line 4 of the document (0-based 3)');
    assert.equal(document.slice(span.offset, span.offset + (span.length ?? 0)), 'SELECT no_such_column FROM sales.customers;');
    // The batch's first result set came before the error, and stays shown with it.
    assert.deepEqual((await tabs(results)).slice(0, 2), ['1 succeeded fine=[[1]]', '2 failed also_fine=[[2]]']);
  });

  it('runs on after an error that ends only its statement: the batch fails with its first error, later ones show among its messages', async () => {
    const { worksheet } = await opened();
    const document = ['SELECT 1 AS a;', 'SELECT 1/0 AS b;', 'SELECT 2 AS c;', 'SELECT 1/0 AS d;'].join('\n');
    const { results, handle } = runAll(worksheet, document);
    const [outcome] = await handle.outcomes;
    const error = failure(outcome);
    assert.ok(isPlatformError(error), String(error));
    assert.equal(error.code, '8134');
    assert.match(error.detail ?? '', /Line 2$/);
    assert.deepEqual(await tabs(results), ['1 succeeded a=[[1]]', '1.2 failed c=[[2]] [Msg 8134, Level 16, State 1, Line 4: division by zero]']);
  });

  it('cancels a batch while it runs: what came before shows, nothing after runs, the session runs on', async () => {
    const { worksheet, spid } = await opened();
    const document = "SELECT N'before' AS step;\nWAITFOR DELAY '00:00:30';\nSELECT N'after' AS step;";
    const { results, handle } = runAll(worksheet, document);
    await seenRunning('pg_sleep(30)');
    // The first statement's rows arrived while the batch still runs (SQL Server streams them).
    await until('the first result set has its row', () => results.results[0]?.rowCount === 1);
    handle.cancel();
    assert.deepEqual((await handle.outcomes).map((outcome) => outcome.status), ['cancelled']);
    assert.ok(server.received.some((entry) => entry.spid === spid && entry.kind === 'attention'), 'an ATTENTION was sent');
    await seenStopped('pg_sleep(30)');
    assert.deepEqual(await tabs(results), ['1 cancelled step=[["before"]]']);
    assert.equal(Number(worksheet.snapshot().sessionId), spid, 'the same session');
    assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
  });

  it('cancels a repeated batch: no repeat goes out after the cancel', async () => {
    const { worksheet, spid } = await opened();
    const before = batchesSent(server, spid).length;
    const { handle } = runAll(worksheet, "WAITFOR DELAY '00:00:30'\nGO 3");
    await seenRunning('pg_sleep(30)');
    handle.cancel();
    assert.deepEqual((await handle.outcomes).map((outcome) => outcome.status), ['cancelled']);
    await seenStopped('pg_sleep(30)');
    assert.deepEqual(batchesSent(server, spid).slice(before), ["WAITFOR DELAY '00:00:30'"]);
  });
});
