import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Row } from '../../src/platforms/types';
import { exportSourceOf, exportText } from '../../src/results/export';
import { ResultMemory } from '../../src/results/result-memory';
import { ResultSorts } from '../../src/results/result-sorts';
import { RunResults } from '../../src/results/run-results';
import { wideQuery } from '../lab/wide-query';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile } from './worksheet-harness';

const ROWS = 100_000;
const WINDOW = 2_000;
const WORKER = resolve(__dirname, '../../../dist/sort-worker.js');
/** wideQuery's columns: id is 0, note (ASCII text, NULL every seventh row) is 7. */
const ID = 0;
const NOTE = 7;

describe('sorting a result in the host (real Redshift worksheet, lab PostgreSQL)', function () {
  this.timeout(60_000);
  const current = harnessPerTest();
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'iw-sort-it-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('a 100,000-row spilled result sorted by a text column shows the windows of the server’s ORDER BY, and its CSV export follows that order', async () => {
    const memory = new ResultMemory({ budgetBytes: 2 * 1024 * 1024, spillFolder: folder });
    const results = new RunResults('sort.test.sql', [wideQuery(ROWS)], {
      rowLimit: 1_000_000,
      platformName: () => 'Amazon Redshift',
      describeError: (error) => ({ message: error instanceof Error ? error.message : String(error) }),
      storage: { memory, encrypt: () => false },
    });
    const [outcome] = await current().registry.create(redshiftProfile('governor')).run([{ text: wideQuery(ROWS) }], results.observer()).outcomes;
    assert.equal(outcome.status, 'succeeded');
    const result = results.results[0];
    assert.ok(result.spilledChunks > 0, 'part of the result is in the spill file');

    const sorts = new ResultSorts({ workerFile: WORKER });
    for (const direction of ['asc', 'desc'] as const) {
      const sorted = await sorts.sort(result, NOTE, direction);
      assert.equal(sorted.kind, 'sorted', JSON.stringify(sorted));
      // The grid's order: code units ("C" collation; the notes are ASCII), NULLs last both ways, ties in arrival (id) order.
      const server = await lab().adminQuery<{ id: number }>(
        `SELECT id FROM (${wideQuery(ROWS)}) AS q ORDER BY note COLLATE "C" ${direction.toUpperCase()} NULLS LAST, id`,
      );
      const expected = server.map((row) => Number(row.id));
      const first = JSON.parse((await result.readDisplayed(0, WINDOW))?.chunk ?? '[]') as Row[];
      const last = JSON.parse((await result.readDisplayed(ROWS - WINDOW, WINDOW))?.chunk ?? '[]') as Row[];
      assert.deepEqual(first.map((row) => Number(row[ID])), expected.slice(0, WINDOW), `the first window, ${direction}`);
      assert.deepEqual(last.map((row) => Number(row[ID])), expected.slice(-WINDOW), `the last window, ${direction}`);
      assert.equal(last.at(-1)?.[NOTE], null, 'NULLs last');

      let csv = '';
      for await (const piece of exportText(exportSourceOf(result), 'csv', false)) csv += piece;
      const lines = csv.trimEnd().split('\r\n');
      assert.equal(lines.length, ROWS + 1, 'a header and every row');
      const ids = lines.slice(1).map((line) => Number(line.slice(0, line.indexOf(','))));
      assert.deepEqual(ids.slice(0, WINDOW), expected.slice(0, WINDOW), `the CSV's first rows, ${direction}`);
      assert.deepEqual(ids.slice(-WINDOW), expected.slice(-WINDOW), `the CSV's last rows, ${direction}`);
    }
    results.dispose();
    memory.dispose();
  });
});
