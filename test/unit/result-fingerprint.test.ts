import * as assert from 'node:assert/strict';
import type { CellValue, ColumnInfo, Row } from '../../src/platforms/types';
import { ResultFingerprint, type Fingerprint, type FingerprintBudget } from '../../src/worksheets/result-fingerprint';

const COLUMNS: readonly ColumnInfo[] = [
  { name: 'id', type: 'int4' },
  { name: 'value', type: 'text' },
];

function fingerprint(columns: readonly ColumnInfo[] | undefined, batches: readonly (readonly Row[])[], budget?: FingerprintBudget): Fingerprint | undefined {
  const result = new ResultFingerprint(budget);
  if (columns) result.columns(columns);
  for (const batch of batches) result.rows(batch);
  return result.result();
}

function digestOf(columns: readonly ColumnInfo[] | undefined, batches: readonly (readonly Row[])[]): string {
  const result = fingerprint(columns, batches);
  assert.equal(result?.kind, 'digest', `expected a digest, got ${JSON.stringify(result)}`);
  return (result as Extract<Fingerprint, { kind: 'digest' }>).digest;
}

/** The digest of a one-column, one-row result holding `value`. */
function cellDigest(value: CellValue): string {
  return digestOf([{ name: 'v', type: 'text' }], [[[value]]]);
}

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, index) => [index, `row ${index}`]);
}

describe('result fingerprint', () => {
  it('tells apart NULL, the text NULL, empty text, numbers, numeric text and booleans', () => {
    const values: CellValue[] = [null, 'NULL', 'null', '', 1, '1', 0, '0', true, 'true', false, 'false'];
    const digests = values.map(cellDigest);
    assert.equal(new Set(digests).size, values.length, `two cells collided: ${JSON.stringify(values)}`);
  });

  it('tells apart the numbers JSON cannot write (NaN, ±Infinity, -0) from NULL, 0 and their text', () => {
    const values: CellValue[] = [Number.NaN, Infinity, -Infinity, -0, 0, null, 'NaN', 'Infinity', '-0'];
    const digests = values.map(cellDigest);
    assert.equal(new Set(digests).size, values.length);
    assert.equal(cellDigest(Number.NaN), cellDigest(Number.NaN), 'the same value digests alike');
  });

  it('tells a lone surrogate from the replacement character it would become in UTF-8', () => {
    assert.notEqual(cellDigest('\ud800'), cellDigest('\ufffd'));
    assert.notEqual(cellDigest('\ud800'), cellDigest('\udbff'));
  });

  it('does not let cells or rows run into each other', () => {
    const one = (batch: Row[]) => digestOf(COLUMNS, [batch]);
    assert.notEqual(one([['a,b', 'c']]), one([['a', 'b,c']]));
    assert.notEqual(one([['a', 'b'], ['c', 'd']]), one([['a', 'b', 'c', 'd']]));
    assert.notEqual(one([['a"', 'b']]), one([['a', '"b']]));
  });

  it('depends on column names, their order and their types', () => {
    const batches = [[[1, 'x']]];
    const base = digestOf(COLUMNS, batches);
    assert.notEqual(base, digestOf([{ name: 'id', type: 'int4' }, { name: 'note', type: 'text' }], batches), 'a renamed column');
    assert.notEqual(base, digestOf([COLUMNS[1], COLUMNS[0]], batches), 'columns swapped');
    assert.notEqual(base, digestOf([{ name: 'id', type: 'int8' }, COLUMNS[1]], batches), 'another type');
    assert.equal(base, digestOf([{ ...COLUMNS[0] }, { ...COLUMNS[1] }], batches), 'equal columns digest alike');
  });

  it('depends on row order and on every row', () => {
    const all = rows(5);
    const base = digestOf(COLUMNS, [all]);
    assert.notEqual(base, digestOf(COLUMNS, [[...all].reverse()]));
    assert.notEqual(base, digestOf(COLUMNS, [all.slice(0, 4)]));
    assert.notEqual(base, digestOf(COLUMNS, [[...all, all[4]]]));
  });

  it('gives the same digest however the driver split the rows into batches', () => {
    const all = rows(2500);
    const whole = digestOf(COLUMNS, [all]);
    assert.equal(digestOf(COLUMNS, [all.slice(0, 1000), all.slice(1000, 2000), all.slice(2000)]), whole);
    assert.equal(digestOf(COLUMNS, all.map((row) => [row])), whole, 'one row per batch');
    assert.equal(digestOf(COLUMNS, [[], all.slice(0, 7), [], all.slice(7)]), whole, 'empty batches');
    const withTags = [...all.slice(0, 3), [Number.NaN, '-0'] as Row, ...all.slice(3, 10)];
    assert.equal(digestOf(COLUMNS, [withTags.slice(0, 4), withTags.slice(4)]), digestOf(COLUMNS, [withTags.slice(0, 2), withTags.slice(2)]));
  });

  it('counts rows, and an empty result set is a result too (distinct from none)', () => {
    const three = fingerprint(COLUMNS, [rows(1), rows(2)]);
    assert.equal(three?.kind, 'digest');
    assert.equal((three as { rows: number }).rows, 3);
    const empty = fingerprint(COLUMNS, []);
    assert.equal(empty?.kind, 'digest');
    assert.equal((empty as { rows: number }).rows, 0);
    assert.equal(fingerprint(undefined, []), undefined, 'a statement without a result set has no fingerprint');
  });

  it('tells one result set of four rows from two of two', () => {
    const two = new ResultFingerprint();
    two.columns(COLUMNS);
    two.rows(rows(2));
    two.columns(COLUMNS);
    two.rows(rows(2));
    const split = two.result();
    assert.equal(split?.kind, 'digest');
    assert.notEqual((split as { digest: string }).digest, digestOf(COLUMNS, [[...rows(2), ...rows(2)]]));
  });

  it('stops at its row cap: too large to compare', () => {
    assert.equal(fingerprint(COLUMNS, [rows(10)], { maxRows: 10, maxChars: 1e9 })?.kind, 'digest', 'at the cap is still compared');
    assert.deepEqual(fingerprint(COLUMNS, [rows(6), rows(5)], { maxRows: 10, maxChars: 1e9 }), { kind: 'too-large' });
  });

  it('stops at its character cap, and later rows cannot bring it back', () => {
    const batch = rows(100);
    const size = JSON.stringify(batch).length;
    assert.deepEqual(fingerprint(COLUMNS, [batch, batch], { maxRows: 1e9, maxChars: size }), { kind: 'too-large' });
    assert.deepEqual(fingerprint(COLUMNS, [batch, batch, []], { maxRows: 1e9, maxChars: size }), { kind: 'too-large' });
    assert.equal(fingerprint(COLUMNS, [batch], { maxRows: 1e9, maxChars: 10 * size })?.kind, 'digest');
  });

  it('a cell that is no CellValue (a bigint) leaves the result unavailable, without throwing', () => {
    const odd = [[1n as unknown as CellValue, 'x']];
    assert.deepEqual(fingerprint(COLUMNS, [odd]), { kind: 'unavailable' });
  });
});
