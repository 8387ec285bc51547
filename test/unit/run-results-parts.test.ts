/**
 * A statement that returns several result sets (a T-SQL batch) in the host's results: each
 * result set a result (a tab) of its own, in place among the run's statements.
 */
import * as assert from 'node:assert/strict';
import { PlatformError } from '../../src/platforms/errors';
import type { Row } from '../../src/platforms/types';
import type { ErrorView } from '../../src/results/protocol';
import type { ResultSet } from '../../src/results/result-set';
import { RunResults } from '../../src/results/run-results';
import type { RunStamp, StatementOutcome } from '../../src/worksheets/run-types';

const STAMP: RunStamp = {
  platform: 'synapse',
  profileName: 'lab',
  login: 'governor',
  sessionId: '51',
  ranAs: { kind: 'impersonating', user: 'bob@example.com', assurance: 'read-back' },
  startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
};

function run(statements: string[], rowLimit = 1000, finished: ResultSet[] = []) {
  return new RunResults('batches.sql', statements, {
    rowLimit,
    platformName: () => 'Azure Synapse',
    describeError: (error): ErrorView => ({ message: error instanceof Error ? error.message : String(error) }),
    onFinished: (result) => finished.push(result),
  });
}

function succeeded(rowCount: number | null): StatementOutcome {
  return { status: 'succeeded', stamp: STAMP, summary: { rowCount, command: null, hasResultSet: rowCount !== null, durationMs: 12, queryId: null } };
}

const rows = (...values: number[]): Row[] => values.map((value) => [value]);

describe('several result sets of one statement in the results', () => {
  it('gives each result set its own result after the statement’s earlier ones, and ends each with its own rows', () => {
    const finished: ResultSet[] = [];
    const results = run(['SELECT 1', 'SELECT 1; PRINT \'x\'; SELECT 2, 3', 'UPDATE t SET x = 1'], 1000, finished);
    const added: string[] = [];
    results.onDidAddResult((result) => added.push(result.id));
    const observer = results.observer();
    observer.started?.(0, STAMP);
    observer.columns?.(0, [{ name: 'a', type: 'int' }]);
    void observer.rows?.(0, rows(1));
    observer.finished?.(0, succeeded(1));

    observer.started?.(1, STAMP);
    observer.columns?.(1, [{ name: 'b', type: 'int' }]);
    void observer.rows?.(1, rows(1));
    observer.notice?.(1, { severity: 'INFO', message: 'x' });
    observer.columns?.(1, [{ name: 'c', type: 'int' }]);
    void observer.rows?.(1, rows(2, 3));
    // The first result set has all its rows once the second begins.
    assert.equal(results.resultsOf(1)[0].status, 'succeeded');
    assert.equal(results.resultsOf(1)[1].status, 'running');
    observer.finished?.(1, succeeded(2));

    const views = results.view().results;
    assert.deepEqual(views.map((view) => [view.index, view.part ?? 0, view.status]), [
      [0, 0, 'succeeded'],
      [1, 0, 'succeeded'],
      [1, 1, 'succeeded'],
      [2, 0, 'queued'],
    ]);
    assert.deepEqual(added, [views[2].id]);
    assert.deepEqual(views.slice(1, 3).map((view) => [view.columns?.map((column) => column.name), view.storedRows, view.stamp?.rowCount]), [
      [['b'], 1, 1],
      [['c'], 2, 2],
    ]);
    // A message goes with the result set it came after; every result shows whom the batch ran as.
    assert.deepEqual(views[1].notices.map((notice) => notice.message), ['x']);
    assert.deepEqual(views[2].notices, []);
    assert.equal(views[2].stamp?.ranAs, 'bob@example.com');
    assert.equal(views[2].statement, views[1].statement);
    // History learns of each statement once.
    assert.deepEqual(finished.map((result) => result.id), [views[0].id, views[1].id]);
    assert.equal(new Set(views.map((view) => view.id)).size, 4, 'ids are unique');
  });

  it('puts the failure of a batch on its latest result, after the rows of the earlier ones', () => {
    const results = run(['SELECT 1; SELECT nosuch FROM t']);
    const observer = results.observer();
    observer.started?.(0, STAMP);
    observer.columns?.(0, [{ name: 'a', type: 'int' }]);
    void observer.rows?.(0, rows(1));
    observer.finished?.(0, { status: 'failed', stamp: STAMP, error: new PlatformError('server', "Invalid column name 'nosuch'.") });
    const [only] = results.view().results;
    assert.equal(results.results.length, 1);
    assert.equal(only.status, 'failed');
    assert.equal(only.storedRows, 1);
    assert.match(only.error?.message ?? '', /nosuch/);
  });

  it('keeps no rows of a result set that arrives after the run was replaced', () => {
    const results = run(['SELECT 1; SELECT 2']);
    const observer = results.observer();
    observer.started?.(0, STAMP);
    observer.columns?.(0, [{ name: 'a', type: 'int' }]);
    results.dispose();
    observer.columns?.(0, [{ name: 'b', type: 'int' }]);
    assert.equal(observer.rows?.(0, rows(1, 2)), undefined, 'never holds the stream');
    assert.equal(results.resultsOf(0)[1].rowCount, 0);
  });

  it('leaves an earlier result set paused at the row limit where it is until it is fetched or let go', async () => {
    const results = run(['SELECT g; SELECT 2'], 2);
    const observer = results.observer();
    observer.started?.(0, STAMP);
    observer.columns?.(0, [{ name: 'g', type: 'int' }]);
    const held = observer.rows?.(0, rows(1, 2, 3));
    assert.ok(held instanceof Promise, 'the stream is held at the limit');
    observer.columns?.(0, [{ name: 'x', type: 'int' }]);
    const [first, second] = results.resultsOf(0);
    assert.equal(first.status, 'paused', 'still paused: one row is held back');
    assert.equal(second.status, 'running');
    results.stopReading();
    await held;
    observer.finished?.(0, succeeded(0));
    assert.deepEqual(results.view().results.map((view) => [view.status, view.stamp?.rowCount]), [
      ['succeeded', 3],
      ['succeeded', 0],
    ]);
  });
});
