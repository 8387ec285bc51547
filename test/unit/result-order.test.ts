import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Row } from '../../src/platforms/types';
import { ResultMemory } from '../../src/results/result-memory';
import { ResultSet, type ResultStorage } from '../../src/results/result-set';
import { ResultSorts } from '../../src/results/result-sorts';
import { rowBounds } from '../../src/results/row-bounds';

const WORKER = path.resolve(__dirname, '../../../dist/sort-worker.js');
const STAMP = { platform: 'Amazon Redshift', profile: 'lab', login: 'governor', ranAs: null, startedAt: 0, durationMs: null, rowCount: null, queryId: null };

/** Row i: [i, a text key that does not follow i, NULL every seventh row]. */
function rowAt(index: number): Row {
  return [index, index % 7 === 0 ? null : ((index * 7919) % 100_003).toString(16).padStart(6, '0')];
}

function filled(total: number, storage?: ResultStorage, settle = true): ResultSet {
  const result = new ResultSet('r:0', 0, 'select …', 10_000_000, 0, storage);
  result.started(STAMP);
  result.setColumns([
    { name: 'id', type: 'int4' },
    { name: 'key', type: 'varchar' },
  ]);
  for (let from = 0; from < total; from += 1000) {
    assert.equal(result.append(Array.from({ length: Math.min(1000, total - from) }, (_, offset) => rowAt(from + offset))), undefined);
  }
  if (settle) result.finish({ status: 'succeeded', rowCount: total, command: 'SELECT', durationMs: 1, queryId: null });
  return result;
}

/** The grid's order written plainly: keys in code-unit order, NULLs last, ties by arrival. */
function expectedOrder(total: number, direction: 'asc' | 'desc'): number[] {
  const indexes = Array.from({ length: total }, (_, index) => index);
  const key = (index: number) => rowAt(index)[1] as string | null;
  return indexes.sort((a, b) => {
    const left = key(a);
    const right = key(b);
    if (left === null || right === null) return (left === null ? 1 : 0) - (right === null ? 1 : 0) || a - b;
    const sign = direction === 'asc' ? 1 : -1;
    return (left < right ? -sign : left > right ? sign : 0) || a - b;
  });
}

async function collect(rows: AsyncIterable<Row>): Promise<Row[]> {
  const all: Row[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('a result sorted in the host (pulls, exports and copies through its order)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'iw-order-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('reads any window of display positions through a permutation, from chunks in memory and in the spill file alike', async () => {
    const memory = new ResultMemory({ budgetBytes: 40_000, spillFolder: folder });
    const result = filled(12_345, { memory, encrypt: () => false });
    assert.ok(result.spilledChunks > 5, `most chunks spilled (${result.spilledChunks})`);
    const order = Uint32Array.from({ length: result.rowCount }, (_, position) => result.rowCount - 1 - position);
    result.setOrder({ column: 0, direction: 'desc', order });
    const window = await result.readDisplayed(100, 2500);
    const rowsOf = (read: { chunk: string } | undefined): Row[] => (read === undefined ? [] : (JSON.parse(read.chunk) as Row[]));
    assert.ok(window);
    assert.equal(window.from, 100);
    assert.deepEqual(rowsOf(window), Array.from({ length: 2500 }, (_, offset) => rowAt(12_344 - 100 - offset)));
    const end = await result.readDisplayed(12_300, 2000);
    assert.deepEqual(rowsOf(end), Array.from({ length: 45 }, (_, offset) => rowAt(44 - offset)), 'the last window stops at the last row');
    const scattered = await result.rowsAt([12_000, 3, 7_777, 3, 0]);
    assert.deepEqual(scattered, [rowAt(12_000), rowAt(3), rowAt(7_777), rowAt(3), rowAt(0)]);
    result.setOrder(undefined);
    assert.equal(await result.readDisplayed(0, 10), undefined, 'unsorted: pulls go by arrival index as before');
    result.dispose();
  });

  it('cuts rows out of a chunk exactly, whatever their strings hold (brackets, quotes, escapes, non-ASCII)', () => {
    const rows: Row[] = [['[', ']', '"', '\\', '\\"]'], [null, true, -1.5e-7, '[[x]]', 'é😀\n'], [], ['],["']];
    const text = JSON.stringify(rows);
    const bounds = rowBounds(text);
    assert.equal(bounds.length, 2 * rows.length);
    for (let row = 0; row < rows.length; row++) assert.deepEqual(JSON.parse(text.slice(bounds[2 * row], bounds[2 * row + 1])), rows[row]);
  });

  it('sorts a settled, spilled result in the worker; windows, the last rows and the export stream follow the order', async () => {
    const memory = new ResultMemory({ budgetBytes: 200_000, spillFolder: folder });
    const total = 30_000;
    const result = filled(total, { memory, encrypt: () => false });
    assert.ok(result.spilledChunks > 0);
    const sorts = new ResultSorts({ workerFile: WORKER });
    const outcome = await sorts.sort(result, 1, 'asc');
    assert.equal(outcome.kind, 'sorted');
    assert.deepEqual(result.view().sort, { column: 1, direction: 'asc' }, 'a re-created view learns the order from the result');
    const expected = expectedOrder(total, 'asc');
    const first = await result.readDisplayed(0, 2000);
    assert.deepEqual(JSON.parse(first?.chunk ?? ''), expected.slice(0, 2000).map(rowAt));
    const last = JSON.parse((await result.readDisplayed(total - 2000, 2000))?.chunk ?? '') as Row[];
    assert.deepEqual(last, expected.slice(-2000).map(rowAt));
    assert.equal(last.at(-1)?.[1], null, 'NULLs last');
    const exported = await collect(result.rows());
    assert.equal(exported.length, total);
    assert.deepEqual(exported, expected.map(rowAt), 'an export streams every row in the grid order');
    assert.equal((await sorts.sort(result, 1, null)).kind, 'sorted');
    assert.deepEqual((await collect(result.rows())).slice(0, 3), [rowAt(0), rowAt(1), rowAt(2)], 'back to arrival order');
    result.dispose();
  });

  it('refuses to sort a result still streaming, and a new sort cancels the one under way', async () => {
    const streaming = filled(3000, undefined, false);
    const refused = await new ResultSorts({ workerFile: WORKER }).sort(streaming, 1, 'asc');
    assert.equal(refused.kind, 'failed');
    assert.match(refused.kind === 'failed' ? refused.reason : '', /once the statement has finished/);
    assert.equal(streaming.order, undefined);

    const result = filled(50_000);
    const sorts = new ResultSorts({ workerFile: WORKER });
    const first = sorts.sort(result, 1, 'asc');
    const second = sorts.sort(result, 1, 'desc');
    assert.equal((await first).kind, 'cancelled');
    assert.equal((await second).kind, 'sorted');
    assert.equal(result.order?.direction, 'desc', 'the later sort wins');
    const top = await result.readDisplayed(0, 3);
    assert.deepEqual(JSON.parse(top?.chunk ?? ''), expectedOrder(50_000, 'desc').slice(0, 3).map(rowAt));
  });

  it('puts a result in the grid\'s order before an export: kept when it is in it, sorted when the grid sorted it, back to arrival order when the grid shows that', async () => {
    const result = filled(3000);
    const sorts = new ResultSorts({ workerFile: WORKER });
    assert.deepEqual(await sorts.ensureOrder(result, null), { kind: 'kept' });
    const sorted = await sorts.ensureOrder(result, { column: 1, direction: 'desc' });
    assert.equal(sorted.kind, 'sorted');
    assert.deepEqual(
      (await collect(result.rows())).slice(0, 3),
      expectedOrder(3000, 'desc').slice(0, 3).map(rowAt),
      'the rows stream in the grid\'s order',
    );
    assert.deepEqual(await sorts.ensureOrder(result, { column: 1, direction: 'desc' }), { kind: 'kept' }, 'not sorted twice');
    assert.equal((await sorts.ensureOrder(result, null)).kind, 'sorted');
    assert.equal(result.order, undefined, 'arrival order again');
    assert.deepEqual((await collect(result.rows())).slice(0, 2), [rowAt(0), rowAt(1)]);
  });

  it('reports how far a sort has read, and cancels only the sort of the result named', async () => {
    const result = filled(50_000);
    const sorts = new ResultSorts({ workerFile: WORKER });
    const seen: number[] = [];
    const outcome = await sorts.sort(result, 1, 'asc', (done) => seen.push(done));
    assert.equal(outcome.kind, 'sorted');
    assert.ok(seen.length >= 2, `progress more than once (${seen.length})`);
    assert.ok(seen.every((done, i) => done > 0 && done <= 1 && (i === 0 || done >= seen[i - 1])), `progress grows to at most 1: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), 1, 'every row read');

    const running = sorts.sort(result, 1, 'desc');
    assert.equal(sorts.cancel('another-result'), false, 'another result\'s sort is not this one');
    assert.equal(sorts.cancel(result.id), true);
    assert.equal((await running).kind, 'cancelled');
    assert.equal(result.order?.direction, 'asc', 'the cancelled sort left the order it found');
    assert.equal(sorts.cancel(result.id), false, 'nothing left to cancel');
  });
});
