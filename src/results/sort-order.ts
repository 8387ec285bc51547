import type { CellValue } from '../platforms/types';
import type { ColumnKind } from './protocol';
import { compareDecimalText } from './decimal-order';

export type SortDirection = 'asc' | 'desc';

/**
 * One column's sort keys, gathered cell by cell (in row order), then turned into a permutation.
 * The order is the results grid's (src/webview/compare.ts and RowStore.sortBy), so a sort in the
 * host shows what a sort in the webview showed:
 * - NULLs last in both directions, in their original order;
 * - text in UTF-16 code-unit order (a "C" collation), other values by their String();
 * - numbers as doubles (decimal text such as int8 and numeric is parsed), text that is no number
 *   (NaN) after the numbers ascending and so before them descending, and doubles that tie
 *   compared by their exact decimal text;
 * - booleans false before true (true, 't', 'true', 1, '1' count as true);
 * - equal keys keep their original order (stable), in both directions.
 */
export class SortKeyBuilder {
  private readonly values: CellValue[] = [];

  constructor(private readonly kind: ColumnKind) {}

  get length(): number {
    return this.values.length;
  }

  add(value: CellValue): void {
    this.values.push(value);
  }

  order(direction: SortDirection): Uint32Array {
    const values = this.values;
    const keys = this.kind === 'number' ? numberKeys(values) : this.kind === 'boolean' ? booleanKeys(values) : textKeys(values);
    return orderByKeys(values, keys, direction === 'asc' ? 1 : -1);
  }
}

/**
 * A double per row that decides most comparisons, and a comparison for rows whose doubles are
 * equal. The doubles are ordered by the engine's native numeric sort and the rows grouped by
 * them with a counting pass, so a comparator runs only inside groups of equal doubles: a
 * comparator sort over a million strings spends seconds fetching strings from all over the heap.
 */
interface Keys {
  readonly primary: Float64Array;
  readonly tie?: (a: number, b: number) => number;
}

function orderByKeys(values: readonly CellValue[], keys: Keys, sign: 1 | -1): Uint32Array {
  const rows = values.length;
  const { primary, tie } = keys;
  let nonNull = 0;
  for (let i = 0; i < rows; i++) if (values[i] !== null) nonNull++;
  // Distinct doubles in ascending order; NaN (text that is no number) is its own last group.
  const sorted = new Float64Array(nonNull);
  for (let i = 0, n = 0; i < rows; i++) if (values[i] !== null) sorted[n++] = primary[i];
  sorted.sort();
  let distinct = 0;
  for (let i = 0; i < nonNull; i++) {
    const value = sorted[i];
    if (Number.isNaN(value)) break;
    // === keeps -0 and 0 together, as the grid's comparison does.
    if (distinct === 0 || value !== sorted[distinct - 1]) sorted[distinct++] = value;
  }
  const groups = distinct + 1;
  const rank = new Uint32Array(rows);
  const size = new Uint32Array(groups);
  for (let i = 0; i < rows; i++) {
    if (values[i] === null) continue;
    const group = Number.isNaN(primary[i]) ? distinct : search(sorted, distinct, primary[i]);
    rank[i] = group;
    size[group]++;
  }
  // Where each group starts: ascending groups for asc, descending for desc.
  const start = new Uint32Array(groups);
  for (let k = 0, at = 0; k < groups; k++) {
    const group = sign === 1 ? k : groups - 1 - k;
    start[group] = at;
    at += size[group];
  }
  const order = new Uint32Array(rows);
  const next = start.slice();
  let tail = nonNull;
  for (let i = 0; i < rows; i++) {
    if (values[i] === null) order[tail++] = i;
    else order[next[rank[i]]++] = i;
  }
  if (tie !== undefined) {
    for (let group = 0; group < groups; group++) {
      if (size[group] < 2) continue;
      order.subarray(start[group], start[group] + size[group]).sort((a, b) => sign * tie(a, b) || a - b);
    }
  }
  return order;
}

/** The index of `value` among the first `length` (ascending, distinct) doubles of `sorted`. */
function search(sorted: Float64Array, length: number, value: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function numberKeys(values: readonly CellValue[]): Keys {
  const primary = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    primary[i] = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : typeof value === 'boolean' ? Number(value) : 0;
  }
  // Doubles that tie may still differ in digits a double cannot hold (int8, numeric).
  return {
    primary,
    tie(a, b) {
      const left = values[a];
      const right = values[b];
      return typeof left === 'string' && typeof right === 'string' ? compareDecimalText(left, right) : 0;
    },
  };
}

function booleanKeys(values: readonly CellValue[]): Keys {
  const primary = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    primary[i] = value === true || value === 't' || value === 'true' || value === 1 || value === '1' ? 1 : 0;
  }
  return { primary };
}

/** Code units packed three to a double: exact (65537³ < 2⁵³), and 0 for "past the end" sorts a prefix first. */
const BASE = 65537;

function packed(key: string, from: number): number {
  const unit = (n: number) => (from + n < key.length ? key.charCodeAt(from + n) + 1 : 0);
  return (unit(0) * BASE + unit(1)) * BASE + unit(2);
}

/**
 * Code-unit order: the primary double packs the three code units that follow the prefix all
 * keys share (so "customer 1" … "customer 999999" group by their digits), a second double the
 * three after those, and only keys equal in all six compare as strings.
 */
function textKeys(values: readonly CellValue[]): Keys {
  const keys = values.map((value) => (typeof value === 'string' ? value : value === null ? '' : String(value)));
  let shared = -1;
  let first: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    if (values[i] === null) continue;
    const key = keys[i];
    if (first === undefined) {
      first = key;
      shared = key.length;
      continue;
    }
    let n = 0;
    const limit = Math.min(shared, key.length);
    while (n < limit && key.charCodeAt(n) === first.charCodeAt(n)) n++;
    shared = n;
  }
  const from = Math.max(shared, 0);
  const primary = new Float64Array(keys.length);
  const secondary = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    primary[i] = packed(keys[i], from);
    secondary[i] = packed(keys[i], from + 3);
  }
  return {
    primary,
    tie(a, b) {
      const p = secondary[a];
      const q = secondary[b];
      if (p !== q) return p < q ? -1 : 1;
      const x = keys[a];
      const y = keys[b];
      return x < y ? -1 : x > y ? 1 : 0;
    },
  };
}
