import type { ColumnKind } from '../results/protocol';
import { compareDecimalText } from '../results/decimal-order';
import type { Cell } from './row-store';

/**
 * Sort keys for one column, extracted once, and a comparison of two row indexes over them.
 * NULLs are flagged apart so that they sort last in both directions.
 */
export interface SortKeys {
  readonly length: number;
  readonly isNull: Uint8Array;
  /** Compares two non-NULL rows in ascending order. */
  compare(a: number, b: number): number;
}

export function sortKeys(kind: ColumnKind, values: readonly Cell[]): SortKeys {
  switch (kind) {
    case 'number':
      return numberKeys(values);
    case 'boolean':
      return booleanKeys(values);
    case 'text':
      return textKeys(values);
  }
}

function nullFlags(values: readonly Cell[]): Uint8Array {
  const flags = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) flags[i] = values[i] === null ? 1 : 0;
  return flags;
}

/**
 * Numbers arrive as numbers or, for int8/numeric, as decimal strings: compared as doubles, and
 * where two doubles tie (digits beyond a double's precision) by their exact decimal text.
 */
function numberKeys(values: readonly Cell[]): SortKeys {
  const numbers = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    numbers[i] = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : typeof value === 'boolean' ? Number(value) : 0;
  }
  return {
    length: values.length,
    isNull: nullFlags(values),
    compare(a, b) {
      const x = numbers[a];
      const y = numbers[b];
      if (x < y) return -1;
      if (x > y) return 1;
      if (x !== y) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1; // NaN after numbers
      const left = values[a];
      const right = values[b];
      return typeof left === 'string' && typeof right === 'string' ? compareDecimalText(left, right) : 0;
    },
  };
}

function booleanKeys(values: readonly Cell[]): SortKeys {
  const keys = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    keys[i] = value === true || value === 't' || value === 'true' || value === 1 || value === '1' ? 1 : 0;
  }
  return { length: values.length, isNull: nullFlags(values), compare: (a, b) => keys[a] - keys[b] };
}

/**
 * Code-unit order (what a database's "C" collation gives): measured in Chromium at about three
 * times the speed of Intl.Collator.compare for a million strings.
 */
function textKeys(values: readonly Cell[]): SortKeys {
  const keys = values.map((value) => (typeof value === 'string' ? value : value === null ? '' : String(value)));
  return {
    length: values.length,
    isNull: nullFlags(values),
    compare(a, b) {
      const x = keys[a];
      const y = keys[b];
      return x < y ? -1 : x > y ? 1 : 0;
    },
  };
}
