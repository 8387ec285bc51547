/**
 * A pure, dialect-aware SQL statement splitter.
 *
 * One linear pass over the text, no regular expressions, no parsing: it reads
 * tokens with the dialect's lexer (`SqlCursor` in lexer.ts: strings, quoted
 * identifiers, comments, dollar quotes) and adds T-SQL `GO` lines, to find the
 * `;` that end statements. Line and character numbers are kept with a running
 * counter while scanning.
 *
 * Where a statement starts and ends:
 * - A statement starts at its first character that is neither whitespace nor
 *   part of a comment. Comments *before* a statement are not part of it; this
 *   is what makes a trailing comment on the same line as a `;`
 *   (`select 1; -- note`) belong to neither statement: it is the leading
 *   comment of the next one, and a cursor on it is in no statement.
 * - A statement's `text` runs to its last character that is not whitespace
 *   (comments inside or at the end of it, before the `;`, are kept), without
 *   the terminating `;` or `GO` line.
 * - `fullRange` runs from the same start through the terminating `;`, or
 *   through the end of the `GO` line (before its line break, trailing
 *   `-- comment` included) for T-SQL, or equals `range` when the statement
 *   runs to the end of the input.
 * - Segments with nothing but whitespace and comments are dropped.
 *
 * An unterminated string, quoted identifier, block comment or dollar quote
 * swallows the rest of the input (into the statement it occurs in, or a new
 * statement if it is a string/identifier/dollar quote) and is reported as a
 * `SplitProblem` whose range covers its opening delimiter. Such a statement's
 * text runs to the very end of the input, trailing whitespace included (it is
 * inside the unclosed construct). An unclosed block comment between
 * statements makes no statement, only the problem.
 */
import type { SqlDialectId } from './dialects';
import { ScannedStatement } from './statement';
import { SqlCursor } from './lexer';
import { BlockTracker } from './blocks';
import { lexicalOptionsFor, type SqlLexicalOptions } from './lexical-rules';
import { describePosition, type SourcePosition, type SourceRange } from './positions';

export type { SourcePosition, SourceRange } from './positions';
export type { SqlDialectId } from './dialects';

export interface SplitStatement {
  /** The statement's source text, trimmed of surrounding whitespace, without the terminating `;` or `GO` line. */
  readonly text: string;
  /** The range of `text` in the document. */
  readonly range: SourceRange;
  /** From the statement's start through its terminating `;` (or `GO` line's end), if any. */
  readonly fullRange: SourceRange;
  /** Ended with `;` (or `GO` for T-SQL), as opposed to the end of the input. */
  readonly terminated: boolean;
  /** T-SQL only: 0-based index of the `GO`-separated batch. */
  readonly batch?: number;
  /** `range.start.offset`, `range.end.offset` and `fullRange.end.offset`, without building ranges. */
  readonly startOffset: number;
  readonly endOffset: number;
  readonly fullEndOffset: number;
}

export type SplitProblemKind =
  | 'unterminated-string'
  | 'unterminated-quoted-identifier'
  | 'unterminated-comment'
  | 'unterminated-dollar-quote'
  /** A procedural block (`BEGIN` without its `END`) or, in PostgreSQL, a parenthesis never closed. */
  | 'unterminated-block';

export type SplitProblem = {
  readonly kind: SplitProblemKind;
  /** User-facing, e.g. "This string starting at line 3, column 5 is never closed." */
  readonly message: string;
  /** The opening delimiter of the construct that is never closed. */
  readonly range: SourceRange;
};

/** T-SQL: one `GO` line. */
export interface BatchSeparator {
  /** The `GO` line from its first to its last non-line-break character. */
  readonly range: SourceRange;
  /** The batch this line ends (0-based). */
  readonly batch: number;
  /** `GO 5` → 5; plain `GO` → 1. */
  readonly count: number;
}

export interface SplitResult {
  readonly statements: readonly SplitStatement[];
  readonly problems: readonly SplitProblem[];
  /** T-SQL only: the `GO` lines, in document order. */
  readonly batchSeparators?: readonly BatchSeparator[];
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const VT = 11;
const FF = 12;
const MINUS = 45;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const UPPER_G = 71;
const UPPER_O = 79;
const LOWER_G = 103;
const LOWER_O = 111;

const NOUNS: Readonly<Record<SplitProblemKind, string>> = {
  'unterminated-string': 'string',
  'unterminated-quoted-identifier': 'quoted identifier',
  'unterminated-comment': 'comment',
  'unterminated-dollar-quote': 'dollar-quoted string',
  'unterminated-block': 'block',
};

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === VT || c === FF;
}

/** Reads tokens with the dialect's lexer (SqlCursor) and keeps track of statements, batches and problems. */
class Scanner extends SqlCursor {
  readonly statements: SplitStatement[] = [];
  readonly problems: SplitProblem[] = [];
  readonly separators: BatchSeparator[] = [];

  /** Offset of the current statement's first character, or -1 when none is open. */
  private stmtStart = -1;
  private stmtLine = 0;
  private stmtChar = 0;
  /** End (exclusive) of the current statement's last significant token. */
  private lastEnd = 0;
  private lastLine = 0;
  private lastChar = 0;

  private batch = 0;
  /** Which `;` end statements inside procedural code (blocks.ts). */
  private readonly blocks: BlockTracker;
  /** T-SQL: the statement's block has closed; it ends before the next token that is not `;`. */
  private complete = false;

  constructor(text: string, options: SqlLexicalOptions, dialect: SqlDialectId) {
    super(text, options);
    this.blocks = new BlockTracker(text, dialect);
  }

  run(): void {
    const n = this.length;
    const go = this.options.goBatchSeparators;
    if (go) this.batchSeparator();
    while (this.pos < n) {
      // Where the token starts: a string may end lines further down.
      const line = this.line;
      const lineStart = this.lineStart;
      const kind = this.next();
      if (this.complete && kind !== 'blank' && kind !== 'line-break') {
        if (kind === 'semicolon') {
          this.emit(true, this.pos, this.line, this.pos - this.lineStart);
          continue;
        }
        this.emit(false, 0, 0, 0);
      }
      switch (kind) {
        case 'blank':
          break;
        case 'line-break':
          if (go) {
            // Cheap pre-check: a GO line starts with G/g or blank space.
            const c = this.text.charCodeAt(this.pos);
            if (c === UPPER_G || c === LOWER_G || isBlank(c)) this.batchSeparator();
          }
          break;
        case 'semicolon':
          if (this.stmtStart < 0) break;
          if (this.blocks.semicolonEnds(this.tokenStart)) this.emit(true, this.pos, this.line, this.pos - this.lineStart);
          else this.markEnd();
          break;
        case 'code':
          if (this.stmtStart < 0) this.begin(this.tokenStart, line, lineStart);
          this.blocks.code(this.tokenStart, this.pos);
          this.markEnd();
          if (this.blocks.completeAt >= 0 && this.pos >= this.blocks.completeAt) this.complete = true;
          break;
        case 'string':
          this.construct('unterminated-string', line, lineStart);
          break;
        case 'quoted-identifier':
          this.construct('unterminated-quoted-identifier', line, lineStart);
          break;
        case 'dollar-string':
          this.construct('unterminated-dollar-quote', line, lineStart);
          break;
        case 'line-comment':
          if (this.stmtStart >= 0) this.markEnd();
          break;
        case 'block-comment':
          if (!this.closed) this.problem('unterminated-comment', this.tokenStart, line, this.tokenStart - lineStart, 2);
          if (this.stmtStart >= 0) this.markEnd();
          break;
      }
    }
    if (this.stmtStart >= 0) this.emit(false, 0, 0, 0);
  }

  private begin(offset: number, line: number, lineStart: number): void {
    this.blocks.reset();
    this.stmtStart = offset;
    this.stmtLine = line;
    this.stmtChar = offset - lineStart;
  }

  /** The current statement's significant text reaches `pos` (which must be on the current line). */
  private markEnd(): void {
    this.lastEnd = this.pos;
    this.lastLine = this.line;
    this.lastChar = this.pos - this.lineStart;
  }

  /** A string, quoted identifier or dollar quote just read, which started on `line`. */
  private construct(kind: SplitProblemKind, line: number, lineStart: number): void {
    const start = this.tokenStart;
    if (this.stmtStart < 0) this.begin(start, line, lineStart);
    if (!this.closed) {
      const detail = kind === 'unterminated-dollar-quote' ? ` (no closing ${this.text.slice(start, this.openerEnd)})` : '';
      this.problem(kind, start, line, start - lineStart, this.openerEnd - start, detail);
    }
    this.markEnd();
  }

  private emit(terminated: boolean, fullEndOffset: number, fullEndLine: number, fullEndChar: number): void {
    if (!terminated || this.options.goBatchSeparators) this.unclosedBlock();
    this.complete = false;
    this.statements.push(
      new ScannedStatement(
        this.text,
        this.stmtStart,
        this.stmtLine,
        this.stmtChar,
        this.lastEnd,
        this.lastLine,
        this.lastChar,
        terminated ? fullEndOffset : this.lastEnd,
        terminated ? fullEndLine : this.lastLine,
        terminated ? fullEndChar : this.lastChar,
        terminated,
        this.options.goBatchSeparators ? this.batch : -1,
      ),
    );
    this.stmtStart = -1;
  }

  /** A statement ends (input or batch over) inside a block: say where the block opened. */
  private unclosedBlock(): void {
    const open = this.blocks.unclosed();
    if (open === undefined) return;
    const before = this.text.slice(0, open.offset);
    const line = countLines(before);
    const character = open.offset - lineStartOf(before);
    const what = open.what === 'parenthesis' ? 'parenthesis' : `${this.text.slice(open.offset, open.offset + open.length).toUpperCase()} block`;
    const start: SourcePosition = { offset: open.offset, line, character };
    const end: SourcePosition = { offset: open.offset + open.length, line, character: character + open.length };
    const closer = open.what === 'parenthesis' ? 'no matching )' : 'no matching END';
    this.problems.push({
      kind: 'unterminated-block',
      message: `This ${what} starting at ${describePosition(start)} is never closed (${closer}), so the statement runs to the end of the ${this.options.goBatchSeparators ? 'batch' : 'text'}.`,
      range: { start, end },
    });
  }

  private problem(kind: SplitProblemKind, offset: number, line: number, character: number, length: number, detail = ''): void {
    const start: SourcePosition = { offset, line, character };
    const end: SourcePosition = { offset: offset + length, line, character: character + length };
    this.problems.push({
      kind,
      message: `This ${NOUNS[kind]} starting at ${describePosition(start)} is never closed${detail}.`,
      range: { start, end },
    });
  }

  /**
   * T-SQL: at the start of a line (`pos` just past a line break or at 0), in
   * code, checks for a line holding only `GO`, an optional count and an
   * optional `-- comment`. If found, ends the open statement and the batch and
   * leaves `pos` at the line's end.
   */
  private batchSeparator(): void {
    const text = this.text;
    const n = this.length;
    let p = this.pos;
    while (p < n && isBlank(text.charCodeAt(p))) p++;
    const g = text.charCodeAt(p);
    const o = text.charCodeAt(p + 1);
    if ((g !== UPPER_G && g !== LOWER_G) || (o !== UPPER_O && o !== LOWER_O)) return;
    const goStart = p;
    p += 2;
    let count = 1;
    if (p < n && isBlank(text.charCodeAt(p))) {
      while (p < n && isBlank(text.charCodeAt(p))) p++;
      const digitsStart = p;
      while (p < n) {
        const c = text.charCodeAt(p);
        if (c < DIGIT_0 || c > DIGIT_9) break;
        p++;
      }
      if (p > digitsStart) {
        count = Number(text.slice(digitsStart, p));
        while (p < n && isBlank(text.charCodeAt(p))) p++;
      }
    }
    if (p < n) {
      const c = text.charCodeAt(p);
      if (c === MINUS && text.charCodeAt(p + 1) === MINUS) {
        p += 2;
        while (p < n) {
          const d = text.charCodeAt(p);
          if (d === LF || d === CR) break;
          p++;
        }
      } else if (c !== LF && c !== CR) {
        return;
      }
    }
    const endChar = p - this.lineStart;
    if (this.stmtStart >= 0) this.emit(true, p, this.line, endChar);
    this.separators.push({
      range: {
        start: { offset: goStart, line: this.line, character: goStart - this.lineStart },
        end: { offset: p, line: this.line, character: endChar },
      },
      batch: this.batch,
      count,
    });
    this.batch++;
    this.pos = p;
  }
}

/** Line breaks in `text` (LF, CRLF, lone CR), as positions.ts counts them. */
function countLines(text: string): number {
  let lines = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) lines++;
  }
  return lines;
}

/** Offset where the last line of `text` starts. */
function lineStartOf(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return i + 1;
  }
  return 0;
}

/** Splits `text` into statements by the lexical and block rules of `dialect`. Never throws on any input text. */
export function splitStatements(text: string, dialect: SqlDialectId): SplitResult {
  const options = lexicalOptionsFor(dialect);
  const scanner = new Scanner(text, options, dialect);
  scanner.run();
  if (options.goBatchSeparators) {
    return { statements: scanner.statements, problems: scanner.problems, batchSeparators: scanner.separators };
  }
  return { statements: scanner.statements, problems: scanner.problems };
}

/** Index of the last statement whose fullRange starts at or before `offset`, or -1. */
function lastStartingAtOrBefore(statements: readonly SplitStatement[], offset: number): number {
  let lo = 0;
  let hi = statements.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (statements[mid].startOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The statement the cursor belongs to, or undefined.
 *
 * A cursor belongs to a statement when it is within its fullRange, both ends
 * included: at its first character, anywhere inside, or right after its `;`
 * (or at the end of its GO line, or of the document when it has no `;`).
 * Whitespace and comments between statements belong to none. When a `;` is
 * directly followed by the next statement (`select 1;select 2`), the cursor
 * between them belongs to the statement that starts there.
 */
export function statementAt(result: SplitResult, offset: number): SplitStatement | undefined {
  const statements = result.statements;
  const index = lastStartingAtOrBefore(statements, offset);
  if (index < 0) return undefined;
  const statement = statements[index];
  return offset <= statement.fullEndOffset ? statement : undefined;
}

/**
 * Statements overlapping a selection [startOffset, endOffset), by their
 * fullRange, in document order. An empty selection (start == end) is a
 * cursor: it yields `statementAt`'s statement, if any.
 */
export function statementsInRange(result: SplitResult, startOffset: number, endOffset: number): SplitStatement[] {
  let from = startOffset;
  let to = endOffset;
  if (to < from) {
    from = endOffset;
    to = startOffset;
  }
  if (from === to) {
    const statement = statementAt(result, from);
    return statement === undefined ? [] : [statement];
  }
  const statements = result.statements;
  // The first statement that can overlap: the one starting at or before `from`, if it reaches past it.
  let index = lastStartingAtOrBefore(statements, from);
  if (index < 0 || statements[index].fullEndOffset <= from) index++;
  const out: SplitStatement[] = [];
  for (; index < statements.length; index++) {
    const statement = statements[index];
    if (statement.startOffset >= to) break;
    if (statement.fullEndOffset > from) out.push(statement);
  }
  return out;
}
