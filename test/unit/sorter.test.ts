import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CellValue, Row } from '../../src/platforms/types';
import { readColumn } from '../../src/results/chunk-column';
import { SortCancelledError, sortPermutation } from '../../src/results/sorter';

/** A result's chunks as ResultSet stores them: JSON arrays of `size` rows. */
function chunksOf(rows: readonly Row[], size = 2): string[] {
  const chunks: string[] = [];
  for (let from = 0; from < rows.length; from += size) chunks.push(JSON.stringify(rows.slice(from, from + size)));
  return chunks;
}

/** The cells of column `column` in the permutation's order. */
function sortedCells(rows: readonly Row[], order: Uint32Array, column: number): CellValue[] {
  return Array.from(order, (index) => rows[index][column] ?? null);
}

describe('the sort worker (host-side sort over result chunks)', () => {
  it('sorts text in code-unit order, NULLs last in both directions', async () => {
    const rows: Row[] = [['b'], [null], ['B'], ['a'], ['é'], [null], ['ab'], ['']];
    const ascending = await sortPermutation(chunksOf(rows), 0, 'text', 'asc');
    assert.deepEqual(sortedCells(rows, ascending, 0), ['', 'B', 'a', 'ab', 'b', 'é', null, null]);
    assert.deepEqual(Array.from(ascending.slice(-2)), [1, 5], 'NULLs keep their original order');
    const descending = await sortPermutation(chunksOf(rows), 0, 'text', 'desc');
    assert.deepEqual(sortedCells(rows, descending, 0), ['é', 'b', 'ab', 'a', 'B', '', null, null]);
  });

  it('sorts keys that share a long prefix by what follows it (customer 2 before customer 10)', async () => {
    const rows: Row[] = [10, 2, 1, 100, 21, 3].map((n) => [`customer ${n}`]);
    const order = await sortPermutation(chunksOf(rows), 0, 'text', 'asc');
    assert.deepEqual(sortedCells(rows, order, 0), ['customer 1', 'customer 10', 'customer 100', 'customer 2', 'customer 21', 'customer 3']);
  });

  it('sorts numbers numerically, decimal text exactly and non-numbers after numbers ascending', async () => {
    const rows: Row[] = [[10], ['9'], [null], ['NaN'], [-1.5], ['9007199254740993'], ['9007199254740992'], [2]];
    const order = await sortPermutation(chunksOf(rows), 0, 'number', 'asc');
    assert.deepEqual(sortedCells(rows, order, 0), [-1.5, 2, '9', 10, '9007199254740992', '9007199254740993', 'NaN', null]);
    const descending = await sortPermutation(chunksOf(rows), 0, 'number', 'desc');
    assert.deepEqual(sortedCells(rows, descending, 0), ['NaN', '9007199254740993', '9007199254740992', 10, '9', 2, -1.5, null]);
  });

  it('is stable: equal keys keep their original order in both directions', async () => {
    const rows: Row[] = [[true, 0], [false, 1], [true, 2], [null, 3], [false, 4], ['t', 5]];
    const ascending = await sortPermutation(chunksOf(rows, 4), 0, 'boolean', 'asc');
    assert.deepEqual(Array.from(ascending), [1, 4, 0, 2, 5, 3]);
    const descending = await sortPermutation(chunksOf(rows, 4), 0, 'boolean', 'desc');
    assert.deepEqual(Array.from(descending), [0, 2, 5, 1, 4, 3]);
  });

  it('reads the named column of every row, a short row counting as NULL', async () => {
    const rows: Row[] = [[1, 'z "quoted" \\ \u2028', null], [2, 'a,]['], [3, null, 'x'], [4, 'm']];
    const order = await sortPermutation(chunksOf(rows, 3), 1, 'text', 'asc');
    assert.deepEqual(Array.from(order), [1, 3, 0, 2]);
    const cells: CellValue[] = [];
    readColumn(JSON.stringify(rows), 0, 2, (value) => cells.push(value));
    assert.deepEqual(cells, [null, null, 'x', null]);
  });

  it('sorts an empty result to an empty permutation', async () => {
    assert.deepEqual(Array.from(await sortPermutation([], 0, 'text', 'asc')), []);
    assert.deepEqual(Array.from(await sortPermutation(['[]'], 0, 'text', 'asc')), []);
  });

  it('rejects a malformed chunk, naming the chunk and the place', async () => {
    const chunks = [JSON.stringify([['a'], ['b']]), '[["c"],["d"', JSON.stringify([['e']])];
    await assert.rejects(sortPermutation(chunks, 0, 'text', 'asc'), /Sorting failed: Result chunk 1 is malformed at character \d+: the chunk ends inside a row/);
    await assert.rejects(sortPermutation(['[{"a":1}]'], 0, 'text', 'asc'), /Result chunk 0 is malformed at character 1: a row must be an array/);
    await assert.rejects(sortPermutation(['[[nope]]'], 0, 'text', 'asc'), /Result chunk 0 is malformed .*"nope" is not a JSON value/);
  });

  it('cancels: aborting while the chunks are fed rejects with SortCancelledError', async () => {
    const before = await sortPermutation(chunksOf([['x']]), 0, 'text', 'asc');
    assert.equal(before.length, 1);
    const controller = new AbortController();
    // Chunks that never end: only the abort can settle this sort.
    async function* endless(): AsyncGenerator<string> {
      for (let n = 0; ; n++) {
        if (n === 3) controller.abort();
        yield JSON.stringify([[`row ${n}`]]);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await assert.rejects(sortPermutation(endless(), 0, 'text', 'asc', { signal: controller.signal }), (error: unknown) => error instanceof SortCancelledError);
    await assert.rejects(sortPermutation(['[]'], 0, 'text', 'asc', { signal: controller.signal }), SortCancelledError, 'an already aborted signal');
  });

  it('ships the worker in the bundle beside the extension (dist/sort-worker.js)', async () => {
    const dist = path.resolve(__dirname, '../../../dist/sort-worker.js');
    assert.ok(fs.existsSync(dist), `${dist} is built`);
    const order = await sortPermutation(chunksOf([['b'], ['a']]), 0, 'text', 'asc', { workerFile: dist });
    assert.deepEqual(Array.from(order), [1, 0]);
  });
});
