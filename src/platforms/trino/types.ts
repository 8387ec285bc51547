import type { CellValue, Row } from '../types';

/** How a Trino column's JSON values become cells. */
type CellKind = 'exact-number' | 'float' | 'integer-text' | 'boolean' | 'text';

/** The base name of a Trino type: `decimal(12,2)` → `decimal`, `timestamp(6) with time zone` → `timestamp`. */
function baseName(type: string): string {
  return type.toLowerCase().split('(')[0].trim();
}

export function cellKind(type: string): CellKind {
  switch (baseName(type)) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
      return 'exact-number';
    case 'real':
    case 'double':
      return 'float';
    // Always text, as on Redshift: whether a bigint fits a JS number depends on the value, and
    // a column should not switch between numbers and text from row to row.
    case 'bigint':
      return 'integer-text';
    case 'boolean':
      return 'boolean';
    default:
      return 'text';
  }
}

/**
 * Cells keep Trino's own text except where a JS value is exact. Decimals, dates, timestamps
 * and JSON arrive from Trino as strings and stay so; NaN and infinities arrive as the strings
 * "NaN"/"Infinity" and stay so; arrays, maps and rows become their JSON text.
 */
export function toCell(value: unknown, kind: CellKind): CellValue {
  if (value === null || value === undefined) {
    return null;
  }
  switch (kind) {
    case 'exact-number':
    case 'float':
      return typeof value === 'number' ? value : String(value);
    case 'integer-text':
      // Unsafe integers were already kept as strings by the JSON reader.
      return String(value);
    case 'boolean':
      return typeof value === 'boolean' ? value : String(value);
    case 'text':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

export function toRows(data: readonly unknown[], kinds: readonly CellKind[]): Row[] {
  return data.map((raw) => {
    const row = Array.isArray(raw) ? (raw as unknown[]) : [];
    return kinds.map((kind, index) => toCell(row[index], kind));
  });
}
