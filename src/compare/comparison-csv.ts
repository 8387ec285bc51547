import type { CellValue } from '../platforms/types';
import { csvRow, type CsvValue } from '../worksheets/csv';
import { alignSides, type ComparedSide, type ComparisonDiff } from './diff';
import type { KeyAlignment } from './key-alignment';

/**
 * The CSV export of a comparison's differing rows (issue 18): every key that not every side
 * sees, or whose values differ between sides, with one line per side: who, the key, whether that
 * side sees the row, then the row's values over every column of any side (empty where the side
 * lacks the row or the column). Whole-row keys differ where the sides' counts of the row differ;
 * then a side has one line per copy of the row. Pure: the diff worker runs it over large sides.
 */
export function differingRowsCsv(sides: readonly ComparedSide[], diff: ComparisonDiff): string {
  const columns = diff.columns.map((column) => column.name);
  const positions = sides.map((side) => columns.map((name) => side.columns.indexOf(name)));
  const aligned = alignSides(sides, diff.key);
  const wholeRows = diff.key.kind === 'row';
  // Whole-row keys: every row of a side with the key (the copies may differ in columns only that side has).
  const rowsOfKey = wholeRows ? sides.map((_, sideIndex) => rowsByKey(aligned.rowKeys[sideIndex], aligned.size)) : undefined;
  const lines: string[] = [csvRow(['identity', 'key', 'sees_row', ...columns])];
  for (let id = 0; id < aligned.size; id++) {
    if (!differs(sides, aligned, id, positions, wholeRows)) continue;
    const key = keyCell(aligned.keyText(id));
    sides.forEach((side, sideIndex) => {
      const first = aligned.firstRow[sideIndex][id];
      if (first < 0) {
        lines.push(csvRow([side.label, key, false]));
        return;
      }
      for (const rowIndex of rowsOfKey?.[sideIndex][id] ?? [first]) {
        const row = side.rows[rowIndex];
        lines.push(csvRow([side.label, key, true, ...positions[sideIndex].map((at): CsvValue => (at < 0 ? undefined : (row[at] ?? null)))]));
      }
    });
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

function rowsByKey(rowKeys: Int32Array, size: number): number[][] {
  const rows: number[][] = Array.from({ length: size }, () => []);
  rowKeys.forEach((id, rowIndex) => rows[id].push(rowIndex));
  return rows;
}

function differs(sides: readonly ComparedSide[], aligned: KeyAlignment, id: number, positions: readonly (readonly number[])[], wholeRows: boolean): boolean {
  if (aligned.firstRow.some((first) => first[id] < 0)) return true;
  if (wholeRows) return aligned.counts.some((count) => count[id] !== aligned.counts[0][id]);
  const columns = positions[0].length;
  for (let column = 0; column < columns; column++) {
    let first: CellValue | undefined;
    let seen = false;
    for (let sideIndex = 0; sideIndex < sides.length; sideIndex++) {
      const at = positions[sideIndex][column];
      if (at < 0) continue;
      const value = sides[sideIndex].rows[aligned.firstRow[sideIndex][id]][at] ?? null;
      if (!seen) {
        first = value;
        seen = true;
      } else if (value !== first) return true;
    }
  }
  return false;
}

/** A key as a spreadsheet shows it: a single key column's value as itself, several (or a whole row) as their JSON. */
function keyCell(keyText: string): CsvValue {
  const parsed = JSON.parse(keyText) as unknown;
  return Array.isArray(parsed) ? keyText : (parsed as CellValue);
}
