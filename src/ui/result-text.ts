import type { CellValue, ColumnInfo } from '../platforms/types';
import type { RunStamp, StatementOutcome } from '../worksheets/run-types';
import { errorMessage } from './messages';

/** Results as plain text (no vscode import, so it is unit-tested). */
const MAX_CELL = 60;

export function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

export function stampLine(file: string, stamp: RunStamp): string {
  const who = stamp.ranAs.kind === 'yourself' ? `as yourself (${stamp.login})` : `as ${stamp.ranAs.user} (login ${stamp.login}${stamp.ranAs.verification === 'read-back' ? ', verified' : ''})`;
  return `${who} · ${stamp.profileName} · session ${stamp.sessionId} · ${file} · ${new Date(stamp.startedAt).toLocaleTimeString()}`;
}

export function outcomeLine(outcome: StatementOutcome): string {
  switch (outcome.status) {
    case 'succeeded': {
      const summary = outcome.summary;
      const count = summary.rowCount === null ? '' : summary.hasResultSet ? `${summary.rowCount} row${summary.rowCount === 1 ? '' : 's'}` : `${summary.rowCount} affected`;
      return `✓ ${[summary.command, count, `${summary.durationMs.toFixed(0)} ms`].filter((part) => part).join(' · ')}`;
    }
    case 'failed':
      return `✗ ${errorMessage(outcome.error)}`;
    case 'cancelled':
      return '■ cancelled';
    case 'skipped':
      return '· not run (an earlier statement failed or was cancelled)';
  }
}

function cellText(value: CellValue): string {
  if (value === null) return '∅ NULL';
  const text = String(value).replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** A fixed-width text table; NULL shows as `∅ NULL`, distinct from the text 'NULL'. */
export function renderTable(columns: readonly ColumnInfo[], rows: readonly (readonly CellValue[])[]): string[] {
  const header = columns.map((column) => column.name);
  const body = rows.map((row) => row.map(cellText));
  const widths = header.map((name, index) => Math.min(MAX_CELL, Math.max(name.length, ...body.map((cells) => cells[index]?.length ?? 0))));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index])).join(' │ ');
  return [line(header), widths.map((width) => '─'.repeat(width)).join('─┼─'), ...body.map(line)];
}
