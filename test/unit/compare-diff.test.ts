import * as assert from 'node:assert/strict';
import type { Row } from '../../src/platforms/types';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import { classifyForm, describeForms } from '../../src/compare/value-form';

const COLUMNS = ['id', 'full_name', 'region', 'ssn'];
const customer = (id: number, ssn: (clear: string) => string = (clear) => clear): Row => [id, `Customer ${id}`, id <= 3 ? 'EMEA' : 'APAC', ssn(`123-45-${String(6000 + id)}`)];
const masked = (clear: string) => `***-**-${clear.slice(-4)}`;

describe('comparing what identities see (Compare as…)', () => {
  // As the lab's policies have it: yourself sees every row in the clear; alice only EMEA, ssn
  // masked to its last four digits; bob every row, in the clear.
  const yourself: ComparedSide = { label: 'yourself', columns: COLUMNS, rows: [1, 2, 3, 4, 5, 6].map((id) => customer(id)) };
  const alice: ComparedSide = { label: 'alice@example.com', columns: COLUMNS, rows: [1, 2, 3].map((id) => customer(id, masked)) };
  const bob: ComparedSide = { label: 'bob@example.com', columns: COLUMNS, rows: [6, 5, 4, 3, 2, 1].map((id) => customer(id)) };

  it('matches rows by id, counts the rows each identity misses, and names the masked column', () => {
    const diff = compareSides([yourself, alice, bob]);
    assert.deepEqual(diff.key, { kind: 'columns', columns: ['id'] });
    assert.deepEqual(
      diff.sides.map(({ label, rows, missingVsFirst, extraVsFirst }) => [label, rows, missingVsFirst, extraVsFirst]),
      [
        ['yourself', 6, 0, 0],
        ['alice@example.com', 3, 3, 0],
        ['bob@example.com', 6, 0, 0],
      ],
    );
    assert.equal(diff.presence.length, 1);
    assert.deepEqual(diff.presence[0].seenBy, [true, false, true]);
    assert.equal(diff.presence[0].keys, 3);
    assert.deepEqual(
      diff.presence[0].examples.map(({ key, rows }) => [key, rows.map((row) => row?.[0] ?? null)]),
      [
        ['4', [4, null, 4]],
        ['5', [5, null, 5]],
        ['6', [6, null, 6]],
      ],
      'each key with the row of every side that sees it, in the first side\u2019s order',
    );
    const ssn = diff.columns.find((column) => column.name === 'ssn');
    assert.deepEqual({ differing: ssn?.differingRows, shared: ssn?.sharedRows, forms: ssn?.forms }, { differing: 3, shared: 6, forms: ['clear', 'masked', 'clear'] });
    assert.deepEqual(
      ssn?.examples.map(({ key, values, seenBy }) => [key, values, seenBy]),
      [1, 2, 3].map((id) => [String(id), [`123-45-${6000 + id}`, `***-**-${6000 + id}`, `123-45-${6000 + id}`], [true, true, true]]),
    );
    assert.equal(diff.columns.find((column) => column.name === 'region')?.differingRows, 0, 'rows in order or not, equal values are equal');
    assert.deepEqual(diff.columns.find((column) => column.name === 'region')?.examples, []);
    assert.deepEqual(diff.summaries, [
      'yourself: 6 rows · ssn in the clear',
      'alice@example.com: 3 rows (−3 vs yourself) · ssn masked',
      'bob@example.com: 6 rows (same rows as yourself) · ssn in the clear',
    ]);
  });

  it('says which columns only some identities get, and compares the rest', () => {
    const narrow: ComparedSide = { label: 'carol@example.com', columns: ['id', 'full_name', 'region'], rows: [1, 2].map((id) => customer(id).slice(0, 3)) };
    const diff = compareSides([yourself, narrow]);
    const ssn = diff.columns.find((column) => column.name === 'ssn');
    assert.deepEqual(ssn?.presentIn, [true, false]);
    assert.equal(ssn?.differingRows, 0, 'one side alone is nothing to compare');
    assert.equal(diff.summaries[1], 'carol@example.com: 2 rows (−4 vs yourself) · no ssn column');
  });

  it('says when an identity sees as many rows as yourself but other ones, rather than "+0"', () => {
    const other: ComparedSide = { label: 'erin@example.com', columns: COLUMNS, rows: [1, 2, 3, 7, 8, 9].map((id) => customer(id)) };
    const diff = compareSides([yourself, other]);
    assert.equal(diff.summaries[1], 'erin@example.com: 6 rows (as many as yourself; 3 rows yourself does not see)');
  });

  it('without a unique id column, matches whole rows as a multiset', () => {
    const plain = (label: string, rows: Row[]): ComparedSide => ({ label, columns: ['region', 'n'], rows });
    const diff = compareSides([plain('yourself', [['EMEA', 1], ['EMEA', 1], ['APAC', 2]]), plain('dave', [['EMEA', 1], ['APAC', 3]])]);
    assert.deepEqual(diff.key, { kind: 'row', columns: ['region', 'n'] });
    assert.deepEqual(diff.sides.map((side) => [side.missingVsFirst, side.extraVsFirst]), [[0, 0], [2, 1]], 'one of the two equal rows, and the APAC row, are missing; one row is new');
    assert.match(diff.summaries[0], /rows matched whole/);
  });

  it('skips an id column that is not unique or has NULLs, for the next *_id column', () => {
    const rows = (ids: [number | null, number][]): Row[] => ids.map(([id, customerId]) => [id, customerId, 'x']);
    const side = (label: string, ids: [number | null, number][]): ComparedSide => ({ label, columns: ['id', 'customer_id', 'v'], rows: rows(ids) });
    assert.deepEqual(compareSides([side('a', [[1, 10], [1, 11]]), side('b', [[1, 10]])]).key, { kind: 'columns', columns: ['customer_id'] });
    assert.deepEqual(compareSides([side('a', [[null, 10]]), side('b', [[2, 10]])]).key, { kind: 'columns', columns: ['customer_id'] });
  });

  it('keeps 1 and "1" apart as keys, and refuses a key column a side lacks', () => {
    const a: ComparedSide = { label: 'a', columns: ['id'], rows: [[1]] };
    const b: ComparedSide = { label: 'b', columns: ['id'], rows: [['1']] };
    assert.equal(compareSides([a, b]).presence.length, 2);
    assert.throws(() => compareSides([a, { label: 'c', columns: ['other'], rows: [] }], ['id']), /Key column "id" is not in every side's result/);
    assert.throws(() => compareSides([a]), /at least two sides/);
  });

  it('tells masking, NULLs, hashes and one constant apart from values in the clear', () => {
    assert.equal(classifyForm(['***-**-1234', '***-**-9876']), 'masked');
    assert.equal(classifyForm(['XXXX', 'XXXX']), 'masked');
    assert.equal(classifyForm(['REDACTED']), 'masked');
    assert.equal(classifyForm([null, null, 'a']), 'null');
    assert.equal(classifyForm(['5f4dcc3b5aa765d61d8327deb882cf99', 'e99a18c428cb38d5f260853678922e03']), 'hashed');
    assert.equal(classifyForm(['n/a', 'n/a']), 'constant');
    assert.equal(classifyForm(['123-45-6789', '987-65-4321']), 'clear');
    assert.equal(classifyForm([1, 2]), 'clear');
    assert.equal(describeForms('null', ['clear', 'null'], 1), 'hidden as NULL');
    assert.equal(describeForms('clear', ['clear', 'null'], 0), 'in the clear');
    assert.equal(describeForms('clear', ['clear', 'clear'], 0), 'differs');
    assert.equal(describeForms('masked', ['masked', 'masked'], 0), undefined, 'masked for everyone is nothing to tell apart');
  });
});

describe('jumping to the rows of a difference (Compare as…)', () => {
  const side = (label: string, rows: Row[]): ComparedSide => ({ label, columns: ['id', 'v'], rows });

  it('keeps ten example keys per group and per column, with NULL told apart from no row', () => {
    const ids = Array.from({ length: 25 }, (_, i) => i + 1);
    const a = side('a', ids.map((id) => [id, id % 2 === 0 ? null : `v${id}`]));
    const b = side('b', ids.filter((id) => id <= 20).map((id) => [id, `v${id}`]));
    const diff = compareSides([a, b]);
    assert.equal(diff.presence.length, 1);
    assert.equal(diff.presence[0].keys, 5);
    assert.deepEqual(diff.presence[0].examples.map((example) => example.rows), [21, 22, 23, 24, 25].map((id) => [[id, id % 2 === 0 ? null : `v${id}`], null]));
    const v = diff.columns[1];
    assert.equal(v.differingRows, 10, 'the even ids up to 20: NULL for a, a value for b');
    assert.equal(v.examples.length, 10);
    assert.deepEqual(v.examples[0], { key: '2', values: [null, 'v2'], seenBy: [true, true] });
    const many = compareSides([side('a', ids.map((id) => [id, 'x'])), side('b', ids.map((id) => [id, 'y']))]);
    assert.equal(many.columns[1].differingRows, 25);
    assert.deepEqual(many.columns[1].examples.map((example) => example.key), ids.slice(0, 10).map(String), 'no more than ten');
  });

  it('gives a column only one side has no examples (nothing to compare)', () => {
    const diff = compareSides([{ label: 'a', columns: ['id', 'ssn'], rows: [[1, 's']] }, side('b', [[1, 'v']])]);
    const ssn = diff.columns.find((column) => column.name === 'ssn');
    assert.deepEqual(ssn?.examples, []);
    assert.deepEqual(diff.columns.find((column) => column.name === 'v')?.presentIn, [false, true]);
  });
});
