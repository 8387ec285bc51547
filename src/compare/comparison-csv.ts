import type { CellValue, Row } from '../platforms/types';
import { csvRow, type CsvValue } from '../worksheets/csv';
import { alignSides, type ComparedSide, type ComparisonDiff } from './diff';

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
  const lines: string[] = [csvRow(['identity', 'key', 'sees_row', ...columns])];
  for (const [keyText, rowsBySide] of alignSides(sides, diff.key)) {
    if (!differs(rowsBySide, positions, diff.key.kind === 'row')) continue;
    const key = keyCell(keyText);
    rowsBySide.forEach((rows, sideIndex) => {
      const label = sides[sideIndex].label;
      if (rows === undefined) {
        lines.push(csvRow([label, key, false]));
        return;
      }
      for (const row of rows) lines.push(csvRow([label, key, true, ...positions[sideIndex].map((at): CsvValue => (at < 0 ? undefined : (row[at] ?? null)))]));
    });
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

function differs(rowsBySide: readonly (readonly Row[] | undefined)[], positions: readonly (readonly number[])[], wholeRows: boolean): boolean {
  if (rowsBySide.some((rows) => rows === undefined)) return true;
  if (wholeRows) return rowsBySide.some((rows) => rows?.length !== rowsBySide[0]?.length);
  const columns = positions[0].length;
  for (let column = 0; column < columns; column++) {
    let first: CellValue | undefined;
    let seen = false;
    for (let sideIndex = 0; sideIndex < rowsBySide.length; sideIndex++) {
      const at = positions[sideIndex][column];
      const row = rowsBySide[sideIndex]?.[0];
      if (at < 0 || row === undefined) continue;
      const value = row[at] ?? null;
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
