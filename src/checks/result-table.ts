/**
 * Results as text for people and for diff views: a header line and one line per row, rows
 * sorted so that two results with the same rows in another order read the same, and a diff of
 * two tables shows exactly the rows that differ. Also the multiset comparison of rows.
 */
import type { CellValue, Row } from '../platforms/types';

export const RESULT_TABLE_MAX_ROWS = 1000;
const SEPARATOR = ' | ';

/** A cell in a table: NULL, or the value with line breaks and tabs shown as escapes (one row, one line). */
function cellText(value: CellValue): string {
  if (value === null) return 'NULL';
  return String(value).replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** A value in a message or a value list: NULL, 'quoted text' (quotes doubled), or the number or boolean. */
export function displayValue(value: CellValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The readable text of a result: header, then rows sorted, at most `maxRows` (then "… N more rows"). */
export function resultTable(columns: readonly string[], rows: readonly Row[], maxRows = RESULT_TABLE_MAX_ROWS): string {
  const lines = rows.map((row) => row.map(cellText).join(SEPARATOR)).sort(compareText);
  const shown = lines.length > maxRows ? lines.slice(0, maxRows) : lines;
  const out = [columns.join(SEPARATOR), ...shown];
  if (lines.length > maxRows) {
    const more = lines.length - maxRows;
    out.push(`… ${more} more ${more === 1 ? 'row' : 'rows'}`);
  }
  return out.join('\n');
}

/** Rows as sorted canonical keys: equal arrays mean the same rows, as a multiset. */
export function rowKeys(rows: readonly Row[]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort(compareText);
}

/** How two multisets of rows differ: rows only in `a`, rows only in `b` (counting duplicates). */
export function rowDifference(a: readonly Row[], b: readonly Row[]): { onlyA: number; onlyB: number } {
  const counts = new Map<string, number>();
  for (const key of rowKeys(a)) counts.set(key, (counts.get(key) ?? 0) + 1);
  let onlyB = 0;
  for (const key of rowKeys(b)) {
    const left = counts.get(key) ?? 0;
    if (left > 0) counts.set(key, left - 1);
    else onlyB++;
  }
  let onlyA = 0;
  for (const left of counts.values()) onlyA += left;
  return { onlyA, onlyB };
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
