import * as assert from 'node:assert/strict';
import { PENDING_ROW, RowStore, type Row } from '../../src/webview/row-store';

const rows = (from: number, count: number): Row[] => Array.from({ length: count }, (_row, i) => [from + i, `row ${from + i}`]);

describe('the webview row window (RowStore)', () => {
  it('knows the result’s row count but holds only the windows it was given; the rest read as placeholders', () => {
    const store = new RowStore(1_000);
    store.grow(1_000_000);
    store.put(500_000, rows(500_000, 100), { from: 500_000, to: 500_099 });
    assert.equal(store.length, 1_000_000);
    assert.equal(store.held, 100);
    assert.deepEqual(store.getRow(500_042), [500_042, 'row 500042']);
    assert.equal(store.getRow(0), PENDING_ROW);
    assert.equal(store.isPending(0), true);
    assert.equal(store.isPending(500_099), false);
    assert.equal(store.firstMissing(500_000, 500_150), 500_100);
    assert.equal(store.firstMissing(500_010, 500_050), -1);
  });

  it('stays within its bound, dropping the windows farthest from the viewport and never the viewport’s', () => {
    const store = new RowStore(1_000);
    store.grow(100_000);
    for (let from = 0; from < 100_000; from += 400) store.put(from, rows(from, 400), { from, to: from + 399 });
    assert.ok(store.held <= 1_000, `held ${store.held}`);
    assert.deepEqual(store.getRow(99_999), [99_999, 'row 99999'], 'the last window (the viewport) is kept');
    assert.equal(store.isPending(0), true, 'the first window, farthest away, went');
  });

  it('replaces overlapping rows instead of holding them twice', () => {
    const store = new RowStore();
    store.put(0, rows(0, 1_000), { from: 0, to: 0 });
    store.put(500, rows(500, 1_000).map((row) => [row[0], 'again']), { from: 0, to: 0 });
    assert.equal(store.held, 1_500);
    assert.deepEqual(store.getRow(499), [499, 'row 499']);
    assert.deepEqual(store.getRow(500), [500, 'again']);
  });

  it('sorts only when every row is held, so a partial set is never presented as sorted', () => {
    const store = new RowStore();
    store.grow(3);
    store.put(0, [[3, 'c'], [1, 'a']], { from: 0, to: 2 });
    assert.equal(store.complete(), false);
    assert.throws(() => store.sortBy(0, 'number', 'asc'), /needs every row/);
    store.put(2, [[2, 'b']], { from: 0, to: 2 });
    store.sortBy(0, 'number', 'asc');
    assert.deepEqual([0, 1, 2].map((i) => store.getRow(i)[1]), ['a', 'b', 'c']);
    store.sortBy(0, 'number', null);
    assert.deepEqual(store.getRow(0), [3, 'c']);
  });
});
