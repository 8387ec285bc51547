import type { Column, Formatter } from 'slickgrid';
import type { ColumnView } from '../results/protocol';
import { cellContent, cutText, valueText } from './cells';
import type { Row } from './row-store';

export const ROW_NUMBER_ID = 'row-number';

const MIN_WIDTH = 56;
const MAX_WIDTH = 360;
/** Cell padding, the sort indicator and the resize handle. */
const CHROME = 34;
const SAMPLE_ROWS = 100;

export function rowNumberColumn(width: number): Column {
  return {
    id: ROW_NUMBER_ID,
    field: ROW_NUMBER_ID,
    name: '#',
    toolTip: 'Click a row number to select the row; click # to select everything',
    width,
    minWidth: 40,
    resizable: false,
    sortable: false,
    focusable: false,
    selectable: false,
    cssClass: 'cell-rownum',
    headerCssClass: 'header-rownum',
    // A row's number names the row for a screen reader, as a spreadsheet's row header does.
    cellAttrs: { role: 'rowheader', 'aria-colindex': '1' },
    formatter: (row: number) => String(row + 1),
  };
}

export function dataColumn(column: ColumnView, index: number, width: number, cellTextLimit: number): Column {
  const formatter: Formatter = (_row, _cell, value: unknown) => cellContent(value, cellTextLimit);
  return {
    id: `c${index}`,
    field: String(index),
    name: column.name,
    toolTip: `${column.name} · ${column.type}`,
    width,
    minWidth: 40,
    resizable: true,
    sortable: true,
    focusable: true,
    selectable: true,
    defaultSortAsc: true,
    cssClass: column.kind === 'number' ? 'cell-number' : column.kind === 'boolean' ? 'cell-boolean' : 'cell-text',
    headerCssClass: column.kind === 'number' ? 'header-number' : '',
    cellAttrs: { 'aria-colindex': String(index + 2) },
    formatter,
  };
}

/** The data column index of a grid column, or -1 for the row-number column. */
export function dataIndex(column: Column): number {
  return column.id === ROW_NUMBER_ID ? -1 : Number(column.field);
}

/** Widths from the header (name and type) and a sample of rows, measured in the grid's font. */
export class WidthMeter {
  private readonly context: CanvasRenderingContext2D | null;

  constructor(font: string) {
    this.context = document.createElement('canvas').getContext('2d');
    if (this.context !== null) this.context.font = font;
  }

  text(text: string): number {
    return this.context === null ? text.length * 7 : this.context.measureText(text).width;
  }

  columns(columns: readonly ColumnView[], sample: readonly Row[], cellTextLimit: number): number[] {
    return columns.map((column, index) => {
      let widest = this.text(column.name) + this.text(column.type) * 0.85 + 8;
      for (let i = 0; i < Math.min(sample.length, SAMPLE_ROWS); i++) {
        const value = sample[i][index];
        const shown = value === null ? 'NULL' : cutText(valueText(value).slice(0, 80), cellTextLimit);
        widest = Math.max(widest, this.text(shown));
        if (widest >= MAX_WIDTH) break;
      }
      return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + CHROME)));
    });
  }

  rowNumbers(rows: number): number {
    return Math.round(Math.max(40, this.text(String(Math.max(rows, 99))) + 22));
  }
}
