import * as vscode from 'vscode';
import type { CellValue, ColumnInfo } from '../platforms/types';
import type { RunObserver } from '../worksheets/run-types';
import { oneLine, outcomeLine, renderTable, stampLine } from './result-text';

/** Rows written per statement; the rest are counted, not shown. */
const SHOWN_ROWS = 200;

/**
 * Results as text in an output channel, each stamped with where and as whom the statement ran.
 * A plain, safe first view (text only, nothing executes); the grid view replaces it.
 */
export class ResultsOutput implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Immuta Worksheets: Results');

  /** An observer that writes one run's results. */
  observe(file: string, statements: readonly string[]): RunObserver {
    const tables = new Map<number, { columns: ColumnInfo[]; rows: CellValue[][]; total: number }>();
    this.channel.show(true);
    return {
      started: (index, stamp) => {
        this.channel.appendLine('');
        this.channel.appendLine(`▶ ${oneLine(statements[index] ?? '')}`);
        this.channel.appendLine(`  ${stampLine(file, stamp)}`);
      },
      columns: (index, columns) => {
        tables.set(index, { columns: [...columns], rows: [], total: 0 });
      },
      rows: (index, batch) => {
        const table = tables.get(index);
        if (!table) return;
        table.total += batch.length;
        for (const row of batch) {
          if (table.rows.length >= SHOWN_ROWS) break;
          table.rows.push([...row]);
        }
      },
      notice: (_index, notice) => {
        this.channel.appendLine(`  ${notice.severity}: ${notice.message}`);
      },
      finished: (index, outcome) => {
        const table = tables.get(index);
        if (table && outcome.status === 'succeeded') {
          for (const line of renderTable(table.columns, table.rows)) {
            this.channel.appendLine(`  ${line}`);
          }
          if (table.total > table.rows.length) {
            this.channel.appendLine(`  … ${table.total - table.rows.length} more rows not shown`);
          }
        }
        this.channel.appendLine(`  ${outcomeLine(outcome)}`);
      },
    };
  }

  dispose(): void {
    this.channel.dispose();
  }
}

