import type { CellValue, ColumnInfo, Row } from '../platforms/types';
import { csvField } from '../worksheets/csv';
import { platformInfo } from '../platforms/catalog';
import { redactSecretsFor } from '../sql/secrets';
import { ASSURANCE_WORDS, parameterWords, type ExportFormat, type StampView } from './protocol';
import { SAME_RESULT_LABEL, sameResultWords } from './same-result';
import type { ResultSet } from './result-set';

/** What an export is made of: a result's columns, rows and provenance. */
export interface ExportSource {
  readonly columns: readonly ColumnInfo[];
  /** Asynchronous: rows may come from a result's spill file. */
  rows(): Iterable<Row> | AsyncIterable<Row>;
  readonly stamp: StampView | null;
  readonly statement: string | null;
}

/**
 * What an export of a result writes. The stamp's statement has its secrets redacted, as run
 * history keeps it: an exported file travels further than the editor it came from.
 */
export function exportSourceOf(result: ResultSet): ExportSource {
  const dialect = result.platform === null ? undefined : platformInfo(result.platform).sqlDialect;
  const statement = result.statement === null ? null : redactSecretsFor(result.statement, dialect).text;
  return { columns: result.columns, rows: () => result.rows(), stamp: result.stamp, statement };
}

/**
 * A CSV field (RFC 4180). Exported data stays exactly as the server returned it: no formula
 * prefixing here, since a leading '-' or '=' may be the data itself. NULL is an empty field.
 */
export function csvCell(value: CellValue): string {
  return csvField(value, { formulaGuard: false });
}

/** Object keys for rows: column names, made unique (`id`, `id_2`) so no column is lost. */
export function uniqueKeys(columns: readonly ColumnInfo[]): string[] {
  const seen = new Map<string, number>();
  const keys: string[] = [];
  const taken = new Set(columns.map((column) => column.name));
  for (const column of columns) {
    const count = (seen.get(column.name) ?? 0) + 1;
    seen.set(column.name, count);
    let key = column.name;
    if (count > 1) {
      let suffix = count;
      while (taken.has(`${column.name}_${suffix}`)) suffix++;
      key = `${column.name}_${suffix}`;
      taken.add(key);
    }
    keys.push(key);
  }
  return keys;
}

/** The provenance lines of a stamped CSV, each starting with `#` (pandas: `comment='#'`). */
export function stampLines(stamp: StampView | null, statement: string | null): string[] {
  const lines = ['Immuta Worksheets export'];
  if (stamp) {
    lines.push(`platform: ${stamp.platform}`, `profile: ${stamp.profile}`, `login: ${stamp.login}`);
    lines.push(`ran as: ${stamp.ranAs ?? `yourself (${stamp.login})`}`);
    if (stamp.ranAs !== null && stamp.assurance !== undefined) {
      lines.push(`impersonation: ${ASSURANCE_WORDS[stamp.assurance]}${stamp.assuranceNote !== undefined ? ` (${stamp.assuranceNote})` : ''}`);
    }
    const same = sameResultWords(stamp, (at) => new Date(at).toISOString());
    if (same !== undefined) lines.push(`${SAME_RESULT_LABEL}: ${same.line}`);
    lines.push(`immuta project: ${stamp.project === undefined ? 'unknown' : (stamp.project ?? 'none')}`);
    if (stamp.parameters !== undefined) lines.push(`parameters: ${parameterWords(stamp.parameters)}`);
    lines.push(`started: ${new Date(stamp.startedAt).toISOString()}`);
    if (stamp.durationMs !== null) lines.push(`duration ms: ${Math.round(stamp.durationMs)}`);
    if (stamp.rowCount !== null) lines.push(`rows: ${stamp.rowCount}`);
    if (stamp.queryId !== null) lines.push(`query id: ${stamp.queryId}`);
  }
  lines.push(`statement: ${statement === null ? '(not retained)' : statement.replace(/\s+/g, ' ').trim()}`);
  return lines.map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}`);
}

/** The export as pieces of text, produced lazily so a million rows never sit in one string. */
export async function* exportText(source: ExportSource, format: ExportFormat, withStamp: boolean): AsyncGenerator<string> {
  if (format === 'csv') {
    yield* csvText(source, withStamp);
  } else {
    yield* jsonText(source, withStamp);
  }
}

const PIECE_ROWS = 2000;

async function* csvText(source: ExportSource, withStamp: boolean): AsyncGenerator<string> {
  if (withStamp) yield `${stampLines(source.stamp, source.statement).join('\r\n')}\r\n`;
  yield `${source.columns.map((column) => csvCell(column.name)).join(',')}\r\n`;
  let piece: string[] = [];
  for await (const row of source.rows()) {
    piece.push(row.map(csvCell).join(','));
    if (piece.length === PIECE_ROWS) {
      yield `${piece.join('\r\n')}\r\n`;
      piece = [];
    }
  }
  if (piece.length > 0) yield `${piece.join('\r\n')}\r\n`;
}

async function* jsonText(source: ExportSource, withStamp: boolean): AsyncGenerator<string> {
  const keys = uniqueKeys(source.columns).map((key) => JSON.stringify(key));
  const indent = withStamp ? '    ' : '  ';
  if (withStamp) {
    const head = {
      exportedBy: 'Immuta Worksheets',
      stamp: source.stamp,
      statement: source.statement,
      columns: source.columns.map((column) => ({ name: column.name, type: column.type })),
    };
    const text = JSON.stringify(head, null, 2);
    yield `${text.slice(0, -2)},\n  "rows": [`;
  } else {
    yield '[';
  }
  let first = true;
  let piece: string[] = [];
  for await (const row of source.rows()) {
    const fields = row.map((value, index) => `${keys[index]}: ${JSON.stringify(value)}`);
    piece.push(`${first ? '' : ','}\n${indent}{ ${fields.join(', ')} }`);
    first = false;
    if (piece.length === PIECE_ROWS) {
      yield piece.join('');
      piece = [];
    }
  }
  if (piece.length > 0) yield piece.join('');
  yield withStamp ? `\n  ]\n}\n` : `\n]\n`;
}

/** A Markdown table (GitHub flavour); pipes, line breaks and HTML in cells are escaped. */
export async function markdownTable(
  columns: readonly ColumnInfo[],
  rows: Iterable<Row> | AsyncIterable<Row>,
  maxRows: number,
): Promise<{ text: string; rows: number; truncated: boolean }> {
  // Markdown renders inline HTML: `&` and `<` become entities so a cell stays text.
  const cell = (value: CellValue) =>
    value === null
      ? '*NULL*'
      : String(value)
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/\\/g, '\\\\')
          .replace(/([|*_`~[\]])/g, '\\$1')
          .replace(/\r?\n|\r/g, '<br>');
  const lines = [`| ${columns.map((column) => cell(column.name)).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  let count = 0;
  let truncated = false;
  for await (const row of rows) {
    if (count === maxRows) {
      truncated = true;
      break;
    }
    lines.push(`| ${row.map(cell).join(' | ')} |`);
    count++;
  }
  return { text: `${lines.join('\n')}\n`, rows: count, truncated };
}
