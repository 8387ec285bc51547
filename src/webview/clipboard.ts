import type { Cell } from './row-store';

/** A rectangle of data cells, inclusive, in display rows and data column indexes. */
export interface CellBlock {
  readonly fromRow: number;
  readonly toRow: number;
  readonly fromColumn: number;
  readonly toColumn: number;
}

/**
 * Tab-separated text as spreadsheets paste it: NULL is an empty field, and a field holding a
 * tab, line break or quote is quoted with its quotes doubled.
 */
export function tsvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[\t\r\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function blocksToTsv(
  blocks: readonly CellBlock[],
  cell: (row: number, column: number) => Cell | undefined,
  header: ((column: number) => string) | null,
): string {
  const lines: string[] = [];
  for (const block of blocks) {
    const columns: number[] = [];
    for (let column = block.fromColumn; column <= block.toColumn; column++) columns.push(column);
    if (header !== null) lines.push(columns.map((column) => tsvField(header(column))).join('\t'));
    for (let row = block.fromRow; row <= block.toRow; row++) {
      lines.push(columns.map((column) => tsvField(cell(row, column))).join('\t'));
    }
  }
  return lines.join('\n');
}

/** "1 cell", "3 rows × 2 columns", for the host's confirmation. */
export function describeBlocks(blocks: readonly CellBlock[], withHeaders: boolean): string {
  let rows = 0;
  let cells = 0;
  let columns = 0;
  for (const block of blocks) {
    const height = block.toRow - block.fromRow + 1;
    const width = block.toColumn - block.fromColumn + 1;
    rows += height;
    cells += height * width;
    columns = Math.max(columns, width);
  }
  const what = cells === 1 ? '1 cell' : `${rows} row${rows === 1 ? '' : 's'} × ${columns} column${columns === 1 ? '' : 's'}`;
  return withHeaders ? `${what} with headers` : what;
}
