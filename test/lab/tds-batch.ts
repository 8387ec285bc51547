/**
 * The lab SQL Server's reading of a T-SQL batch: the statements in it and the variables they
 * use. Deliberately small and independent of the extension's splitter (a lab that read batches
 * with the code under test could not catch that code's mistakes): a statement ends at a `;`
 * outside strings, quoted identifiers and comments. T-SQL does not need the `;`; the lab does,
 * and says so in an error rather than guess where a statement without one ends.
 */

export interface LabStatement {
  /** The statement as written, without its `;` (comments and line breaks kept). */
  readonly text: string;
  /** 0-based line of the batch the statement's text starts on (SQL Server counts lines per batch). */
  readonly line: number;
}

type Span = 'code' | 'quoted' | 'comment';

/** Calls `span` for each stretch of `text`: code, a string or quoted identifier, or a comment. */
function scan(text: string, span: (kind: Span, from: number, to: number) => void): void {
  let at = 0;
  let from = 0;
  const n = text.length;
  const emit = (kind: Span, end: number) => {
    if (at > from) span('code', from, at);
    span(kind, at, end);
    at = end;
    from = end;
  };
  while (at < n) {
    const c = text[at];
    const next = text[at + 1];
    if (c === "'" || c === '"' || c === '[') {
      const close = c === '[' ? ']' : c;
      let end = at + 1;
      for (;;) {
        const found = text.indexOf(close, end);
        if (found < 0) {
          end = n;
          break;
        }
        if (text[found + 1] === close) {
          end = found + 2;
          continue;
        }
        end = found + 1;
        break;
      }
      emit('quoted', end);
    } else if (c === '-' && next === '-') {
      const found = text.indexOf('\n', at);
      emit('comment', found < 0 ? n : found);
    } else if (c === '/' && next === '*') {
      const found = text.indexOf('*/', at + 2);
      emit('comment', found < 0 ? n : found + 2);
    } else {
      at++;
    }
  }
  if (at > from) span('code', from, at);
}

/** Calls `code` for each stretch of `text` outside strings, quoted identifiers and comments. */
function scanCode(text: string, code: (from: number, to: number) => void): void {
  scan(text, (kind, from, to) => {
    if (kind === 'code') code(from, to);
  });
}

function linesBefore(text: string, offset: number): number {
  let lines = 0;
  for (let index = 0; index < offset; index++) {
    const c = text.charCodeAt(index);
    if (c === 10 || (c === 13 && text.charCodeAt(index + 1) !== 10)) lines++;
  }
  return lines;
}

/** The statements of a batch, split at `;` outside strings and comments; blank ones left out. */
export function labStatements(batch: string): LabStatement[] {
  const ends: number[] = [];
  scanCode(batch, (from, to) => {
    for (let index = from; index < to; index++) if (batch[index] === ';') ends.push(index);
  });
  const statements: LabStatement[] = [];
  let start = 0;
  for (const end of [...ends, batch.length]) {
    const raw = batch.slice(start, end);
    // Comments before a statement are not part of it (so `DECLARE` after `-- note` is still one).
    const lead = firstCode(raw);
    if (lead >= 0) statements.push({ text: raw.slice(lead).trimEnd(), line: linesBefore(batch, start + lead) });
    start = end + 1;
  }
  return statements;
}

/** Where the first character that is neither blank nor in a comment is, or -1. */
function firstCode(text: string): number {
  let found = -1;
  scan(text, (kind, from, to) => {
    if (found >= 0 || kind === 'comment') return;
    const offset = kind === 'quoted' ? 0 : text.slice(from, to).search(/\S/);
    if (offset >= 0) found = from + offset;
  });
  return found;
}

/** `@name` references outside strings and comments (not `@@` system functions), in order. */
export function variablesIn(text: string): string[] {
  const names: string[] = [];
  scanCode(text, (from, to) => {
    for (const match of text.slice(from, to).matchAll(/(?<![@\w])@(\w+)/g)) names.push(match[1].toLowerCase());
  });
  return names;
}

/** Replaces `@name` references outside strings and comments. */
export function replaceVariables(text: string, replace: (name: string) => string): string {
  let out = '';
  let copied = 0;
  scanCode(text, (from, to) => {
    out += text.slice(copied, from) + text.slice(from, to).replace(/(?<![@\w])@(\w+)/g, (_all, name: string) => replace(name.toLowerCase()));
    copied = to;
  });
  return out + text.slice(copied);
}

/** A T-SQL type as the PostgreSQL type the lab stores its variable in. */
export function postgresType(tsqlType: string): string {
  const type = tsqlType.trim().toLowerCase();
  const base = type.replace(/\s*\(.*$/, '');
  switch (base) {
    case 'int':
      return 'int4';
    case 'bigint':
      return 'int8';
    case 'smallint':
    case 'tinyint':
      return 'int2';
    case 'bit':
      return 'bool';
    case 'float':
      return 'float8';
    case 'real':
      return 'float4';
    case 'decimal':
    case 'numeric':
      return type.replace(/^decimal/, 'numeric');
    case 'date':
      return 'date';
    case 'datetime':
    case 'datetime2':
      return 'timestamp';
    case 'uniqueidentifier':
      return 'uuid';
    default:
      return 'text';
  }
}

/**
 * T-SQL's [bracketed] identifiers as PostgreSQL's "quoted" ones (`]]` inside is one `]`, a `"`
 * is doubled), outside strings and comments, so the catalog's qualified names reach PostgreSQL.
 */
export function bracketsToQuotes(text: string): string {
  let out = '';
  scan(text, (kind, from, to) => {
    const span = text.slice(from, to);
    out += kind === 'quoted' && span.startsWith('[') && span.endsWith(']') && span.length >= 2 ? `"${span.slice(1, -1).replace(/]]/g, ']').replace(/"/g, '""')}"` : span;
  });
  return out;
}
