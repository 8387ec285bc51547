import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CellValue, Row } from '../../src/platforms/types';
import { readColumn } from '../../src/results/chunk-column';
import { rowBounds } from '../../src/results/row-bounds';
import { SortCancelledError, sortChunks, sortPermutation } from '../../src/results/sorter';
import { compareDecimalText } from '../../src/results/decimal-order';
import { SortKeyBuilder } from '../../src/results/sort-order';

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

  it('answers with each row\'s place in its chunk, as the host would scan for it (so the host need not)', async () => {
    const rows: Row[] = [['x [1]', 1], ['"q" ]', null], [null, 2.5], ['\\', true], ['é', -1]];
    const chunks = [...chunksOf(rows, 2), ' [ [ "sp" , 3 ] ] '];
    const { order, bounds } = await sortChunks(chunks, 1, 'number', 'asc');
    assert.equal(order.length, 6);
    const expected = chunks.flatMap((chunk) => Array.from(rowBounds(chunk)));
    assert.deepEqual(Array.from(bounds), expected);
    let row = 0;
    for (const chunk of chunks) {
      for (let i = 0; i < rowBounds(chunk).length / 2; i++, row++) {
        assert.deepEqual(JSON.parse(chunk.slice(bounds[2 * row], bounds[2 * row + 1])), [...rows, ['sp', 3]][row]);
      }
    }
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
    const spaced: CellValue[] = [];
    readColumn(' [ [1 , "a\\"" ] ,\n[2,"b",true], [ ] ] ', 0, 1, (value) => spaced.push(value));
    assert.deepEqual(spaced, ['a"', 'b', null], 'JSON with spaces (which JSON.stringify never writes) reads the same');
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

  it('rejects clearly when the worker script is missing', async () => {
    await assert.rejects(sortPermutation(['[["a"]]'], 0, 'text', 'asc', { workerFile: '/nonexistent/sort-worker.js' }), /The sort worker failed: .*nonexistent/);
  });

  it('ships the worker in the bundle beside the extension (dist/sort-worker.js)', async () => {
    const dist = path.resolve(__dirname, '../../../dist/sort-worker.js');
    assert.ok(fs.existsSync(dist), `${dist} is built`);
    const order = await sortPermutation(chunksOf([['b'], ['a']]), 0, 'text', 'asc', { workerFile: dist });
    assert.deepEqual(Array.from(order), [1, 0]);
  });
});

/** The results grid's sort (src/webview/compare.ts with RowStore.sortBy), written plainly: the reference. */
function gridOrder(values: readonly CellValue[], kind: 'text' | 'number' | 'boolean', direction: 'asc' | 'desc'): number[] {
  const truthy = (value: CellValue) => value === true || value === 't' || value === 'true' || value === 1 || value === '1';
  const compare = (a: number, b: number): number => {
    const left = values[a];
    const right = values[b];
    if (kind === 'boolean') return Number(truthy(left)) - Number(truthy(right));
    if (kind === 'text') {
      const [x, y] = [String(left), String(right)];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const [x, y] = [Number(left), Number(right)];
    if (x < y) return -1;
    if (x > y) return 1;
    if (x !== y) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    return typeof left === 'string' && typeof right === 'string' ? compareDecimalText(left, right) : 0;
  };
  const sign = direction === 'asc' ? 1 : -1;
  return values
    .map((_, index) => index)
    .sort((a, b) => {
      const nulls = Number(values[a] === null) - Number(values[b] === null);
      if (nulls !== 0) return nulls;
      if (values[a] === null) return a - b;
      return sign * compare(a, b) || a - b;
    });
}

describe('the host sort order against the grid\'s comparison (random columns)', () => {
  // A small deterministic generator, so a failure names a seed that reproduces it.
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
  }
  const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)];

  const columns: Record<'text' | 'number' | 'boolean', (next: () => number) => CellValue> = {
    text: (next) =>
      pick(next, [
        null,
        '',
        `shared prefix ${Math.floor(next() * 50)}`,
        `shared prefix ${Math.floor(next() * 50)}${pick(next, ['', 'a', 'ab', 'abcdefg'])}`,
        pick(next, ['é', 'Z', 'z', '\u{1F600}', 'a\u0000b', 'shared']),
        Math.floor(next() * 20),
        next() < 0.5,
      ]),
    number: (next) =>
      pick(next, [
        null,
        Math.floor(next() * 20) - 10,
        (next() * 10).toFixed(2),
        pick(next, ['9007199254740993', '9007199254740992', '-0', '0', '0.10', '0.1', 'NaN', 'Infinity', '-Infinity', 'abc']),
        -0,
        true,
      ]),
    boolean: (next) => pick(next, [null, true, false, 't', 'f', 'true', 1, 0, '1', 'x']),
  };

  for (const kind of ['text', 'number', 'boolean'] as const) {
    for (const direction of ['asc', 'desc'] as const) {
      it(`orders ${kind} ${direction} exactly as the grid does (seeds 1-20, 300 rows each)`, () => {
        for (let seed = 1; seed <= 20; seed++) {
          const next = random(seed);
          const values = Array.from({ length: 300 }, () => columns[kind](next));
          const builder = new SortKeyBuilder(kind);
          for (const value of values) builder.add(value);
          assert.deepEqual(Array.from(builder.order(direction)), gridOrder(values, kind, direction), `seed ${seed}`);
        }
      });
    }
  }
});
