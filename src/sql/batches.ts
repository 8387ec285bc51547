/**
 * T-SQL batches as sqlcmd, SSMS and Azure Data Studio send them: the text between `GO` lines,
 * whole, one request each; `GO n` sends it n times. The server parses a batch itself
 * (semicolons are optional inside it), variables live for one batch, and the line numbers of
 * its errors count from the batch's first line. So a run of a document or a selection sends
 * batches, never the statements inside them one by one.
 */
import type { SqlDialectId } from './dialects';
import { splitStatements } from './splitter';

/** One request of a run: its text, where that stands in the input, and how often it goes. */
export interface RunUnit {
  readonly text: string;
  readonly startOffset: number;
  readonly endOffset: number;
  /** Sent this many times, one after the other (T-SQL `GO n`); 1 elsewhere. */
  readonly repeat: number;
}

/**
 * What a run of a whole text (a document or a selection) sends, one request per unit, as each
 * platform's own tools do: `GO` batches for T-SQL, statements for every other dialect.
 */
export function runUnits(text: string, dialect: SqlDialectId): RunUnit[] {
  if (dialect === 'tsql') return tsqlBatches(text);
  return splitStatements(text, dialect).statements.map((statement) => ({
    text: statement.text,
    startOffset: statement.startOffset,
    endOffset: statement.endOffset,
    repeat: 1,
  }));
}

export interface TsqlBatch extends RunUnit {
  /** 0-based index of the batch among the `GO`-separated batches of the text. */
  readonly index: number;
  /**
   * The batch as written, from its first to its last character that is not whitespace
   * (comments included, the `GO` line not). Line 1 of a server error is the line it starts on.
   */
  readonly text: string;
  /** How many times to send it: `GO 3` → 3; a plain `GO` or the end of the input → 1. */
  readonly repeat: number;
}

/**
 * The batches of `text` that hold at least one statement, in order. Batches of nothing but
 * whitespace and comments are left out (sending them would do nothing). `GO` is found by the
 * T-SQL splitter's rules: a line holding only `GO`, an optional count and an optional
 * `-- comment`, outside strings and comments.
 */
export function tsqlBatches(text: string): TsqlBatch[] {
  const { statements, batchSeparators = [] } = splitStatements(text, 'tsql');
  const batches: TsqlBatch[] = [];
  // Statements come in document order, so their batch numbers never go down.
  let last = -1;
  for (const statement of statements) {
    const index = statement.batch ?? 0;
    if (index === last) continue;
    last = index;
    const before = index > 0 ? batchSeparators[index - 1] : undefined;
    const after = batchSeparators[index];
    let start = before ? before.range.end.offset : 0;
    let end = after ? lineStart(text, after.range.start.offset) : text.length;
    while (start < end && isWhitespace(text.charCodeAt(start))) start++;
    while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
    batches.push({
      index,
      text: text.slice(start, end),
      startOffset: start,
      endOffset: end,
      // `GO 0` asks for nothing sensible; the batch runs once rather than silently not at all.
      repeat: Math.max(1, after?.count ?? 1),
    });
  }
  return batches;
}

/** The offset where the line holding `offset` starts (the `GO` may be indented). */
function lineStart(text: string, offset: number): number {
  let at = offset;
  while (at > 0) {
    const c = text.charCodeAt(at - 1);
    if (c === 10 || c === 13) break;
    at--;
  }
  return at;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}
