import type { CellValue } from '../platforms/types';
import type { ColumnKind } from './protocol';

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
    const rows = values.length;
    const order = new Uint32Array(rows);
    let filled = 0;
    for (let i = 0; i < rows; i++) if (values[i] !== null) order[filled++] = i;
    const nonNull = filled;
    for (let i = 0; i < rows; i++) if (values[i] === null) order[filled++] = i;
    const compare = this.comparator();
    const sign = direction === 'asc' ? 1 : -1;
    order.subarray(0, nonNull).sort((a, b) => sign * compare(a, b) || a - b);
    return order;
  }

  private comparator(): (a: number, b: number) => number {
    switch (this.kind) {
      case 'number':
        return numberComparator(this.values);
      case 'boolean':
        return booleanComparator(this.values);
      case 'text':
        return textComparator(this.values);
    }
  }
}

function numberComparator(values: readonly CellValue[]): (a: number, b: number) => number {
  const numbers = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    numbers[i] = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : typeof value === 'boolean' ? Number(value) : 0;
  }
  return (a, b) => {
    const x = numbers[a];
    const y = numbers[b];
    if (x < y) return -1;
    if (x > y) return 1;
    if (x !== y) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    const left = values[a];
    const right = values[b];
    return typeof left === 'string' && typeof right === 'string' ? compareDecimalText(left, right) : 0;
  };
}

function booleanComparator(values: readonly CellValue[]): (a: number, b: number) => number {
  const keys = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    keys[i] = value === true || value === 't' || value === 'true' || value === 1 || value === '1' ? 1 : 0;
  }
  return (a, b) => keys[a] - keys[b];
}

/** Code units packed three to a double: exact (65537³ < 2⁵³), and 0 for "past the end" sorts a prefix first. */
const BASE = 65537;

/**
 * Code-unit order, made fast by comparing first a number packing three code units that follow
 * the prefix all keys share (so "customer 1" … "customer 999999" compare on their digits): most
 * comparisons of a million keys end there, without touching the strings.
 */
function textComparator(values: readonly CellValue[]): (a: number, b: number) => number {
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
  const prefixes = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const unit = (n: number) => (from + n < key.length ? key.charCodeAt(from + n) + 1 : 0);
    prefixes[i] = (unit(0) * BASE + unit(1)) * BASE + unit(2);
  }
  return (a, b) => {
    const p = prefixes[a];
    const q = prefixes[b];
    if (p !== q) return p < q ? -1 : 1;
    const x = keys[a];
    const y = keys[b];
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

const DECIMAL = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/;

/** Exact order of two plain decimal strings; 0 for anything else (e.g. exponents), keeping order stable. */
export function compareDecimalText(left: string, right: string): number {
  const a = DECIMAL.exec(left.trim());
  const b = DECIMAL.exec(right.trim());
  if (a === null || b === null) return 0;
  const aZero = /^0*$/.test(a[2] + (a[3] ?? ''));
  const bZero = /^0*$/.test(b[2] + (b[3] ?? ''));
  const aSign = aZero ? 0 : a[1] === '-' ? -1 : 1;
  const bSign = bZero ? 0 : b[1] === '-' ? -1 : 1;
  if (aSign !== bSign) return aSign < bSign ? -1 : 1;
  if (aSign === 0) return 0;
  const [aInt, aFraction, bInt, bFraction] = [a[2], a[3] ?? '', b[2], b[3] ?? ''];
  let magnitude: number;
  if (aInt.length !== bInt.length) magnitude = aInt.length < bInt.length ? -1 : 1;
  else if (aInt !== bInt) magnitude = aInt < bInt ? -1 : 1;
  else {
    const width = Math.max(aFraction.length, bFraction.length);
    const x = aFraction.padEnd(width, '0');
    const y = bFraction.padEnd(width, '0');
    magnitude = x < y ? -1 : x > y ? 1 : 0;
  }
  return aSign * magnitude;
}
