/**
 * Reads SQL text token by token by a dialect's lexical rules (src/sql/lexical-rules.ts): the one
 * place that knows where strings, quoted identifiers, comments and dollar quotes start and end.
 */
import type { SqlDialectId } from './dialects';
import { lexicalOptionsFor, PLAIN_ASCII, isIdentifierPart, isTagStart, isTagPart, postgresWordStartsAt, type SqlLexicalOptions } from './lexical-rules';

/** What the cursor just read. Strings, quoted identifiers and comments may be unclosed (see `closed`). */
export type SqlTokenKind =
  /** One space, tab, vertical tab or form feed. */
  | 'blank'
  /** `\n`, `\r\n` or `\r`. */
  | 'line-break'
  | 'semicolon'
  /** A run of ordinary characters: words, numbers, operators, punctuation, parameters such as `$1` or `@user`. */
  | 'code'
  /** `'…'` (with its `E` prefix where the dialect has one), or `"…"` where that is a string (Spark). */
  | 'string'
  /** `"…"`, `[…]` (T-SQL) or `` `…` `` (Spark). */
  | 'quoted-identifier'
  /** `$$…$$` or `$tag$…$tag$`. */
  | 'dollar-string'
  | 'line-comment'
  | 'block-comment';

const TAB = 9;
const LF = 10;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const DOLLAR = 36;
const QUOTE = 39;
const STAR = 42;
const MINUS = 45;
const SLASH = 47;
const SEMICOLON = 59;
const UPPER_E = 69;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const BACKTICK = 96;
const LOWER_E = 101;

/**
 * Reads SQL text one token at a time by a dialect's lexical rules, counting lines as it goes.
 * The one place that knows where strings, quoted identifiers, comments and dollar quotes start
 * and end: the statement splitter reads with it, and so does anything else that must know
 * whether some text is inside a string or a comment (impersonation templates, for one).
 * One linear pass, no regular expressions.
 */
export class SqlCursor {
  /** Offset of the next character to read. */
  pos = 0;
  /** 0-based line of `pos`, and the offset its line starts at. */
  line = 0;
  lineStart = 0;
  /** Where the token last read starts; for `E'…'` that is the `E`. */
  tokenStart = 0;
  /** Where its opening delimiter ends (`'`, `E'`, `$tag$`, `/*`). */
  openerEnd = 0;
  /** False when the string, quoted identifier, comment or dollar quote last read is never closed: it then runs to the end. */
  closed = true;
  protected readonly length: number;
  /**
   * PostgreSQL word rules (see `startsWord`): where the last dollar quote ended (its closing
   * `$tag$` is made of word characters but ends a token), and the last position asked about,
   * with its answer, so that a long run of word characters is read once however many `$` it has.
   */
  private dollarEnd = 0;
  private askedAt = -1;
  private askedStarts = false;

  constructor(
    readonly text: string,
    readonly options: SqlLexicalOptions,
  ) {
    this.length = text.length;
  }

  /** Reads the token at `pos` (which must be before the end) and says what it was. */
  next(): SqlTokenKind {
    const text = this.text;
    const o = this.options;
    const pos = this.pos;
    this.tokenStart = pos;
    this.openerEnd = pos + 1;
    this.closed = true;
    const c = text.charCodeAt(pos);
    switch (c) {
      case SPACE:
      case TAB:
      case VT:
      case FF:
        this.pos = pos + 1;
        return 'blank';
      case LF:
        this.pos = pos + 1;
        this.newLine();
        return 'line-break';
      case CR:
        this.pos = pos + (text.charCodeAt(pos + 1) === LF ? 2 : 1);
        this.newLine();
        return 'line-break';
      case SEMICOLON:
        this.pos = pos + 1;
        return 'semicolon';
      case QUOTE:
        return this.singleQuoted();
      case DQUOTE:
        return o.doubleQuoted === 'string' ? this.quoted(DQUOTE, o.backslashEscapes, 'string') : this.quoted(DQUOTE, false, 'quoted-identifier');
      case MINUS:
        return text.charCodeAt(pos + 1) === MINUS ? this.lineComment() : this.code();
      case SLASH: {
        const d = text.charCodeAt(pos + 1);
        if (d === STAR) return this.blockComment();
        if (d === SLASH && o.slashSlashComments) return this.lineComment();
        return this.code();
      }
      case DOLLAR:
        return this.dollarQuoted() ? 'dollar-string' : this.code();
      case LBRACKET:
        return o.bracketIdentifiers ? this.quoted(RBRACKET, false, 'quoted-identifier') : this.code();
      case BACKTICK:
        return o.backtickIdentifiers ? this.quoted(BACKTICK, false, 'quoted-identifier') : this.code();
      default:
        return this.code();
    }
  }

  /** Called with `pos` just past a line break. */
  private newLine(): void {
    this.line++;
    this.lineStart = this.pos;
  }

  private code(): 'code' {
    const text = this.text;
    const n = this.length;
    let p = this.pos + 1;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c < 128 && PLAIN_ASCII[c] === 0) break;
      p++;
    }
    this.pos = p;
    return 'code';
  }

  private singleQuoted(): 'string' {
    const o = this.options;
    const pos = this.pos;
    if (o.escapeStringPrefix && pos > 0) {
      // E'...' / e'...': the E must start its own token (not end an identifier such as `type'x'`).
      const prefix = this.text.charCodeAt(pos - 1);
      if ((prefix === UPPER_E || prefix === LOWER_E) && this.startsWord(pos - 1)) {
        this.tokenStart = pos - 1;
        return this.quoted(QUOTE, true, 'string');
      }
    }
    return this.quoted(QUOTE, o.backslashEscapes, 'string');
  }

  /**
   * Whether a token starts at `at` (a `$`, or the E of E'), which is not inside a literal or a
   * comment. Without PostgreSQL's word rules: when no word character comes right before it.
   * With them, as PostgreSQL's scanner reads the run of word characters before it
   * (`postgresWordStartsAt`), from the run's start, the end of the last dollar quote, or the
   * position last asked about: each character is read once however often this is asked.
   */
  private startsWord(at: number): boolean {
    const text = this.text;
    if (at === 0 || !isIdentifierPart(text.charCodeAt(at - 1))) return true;
    if (!this.options.postgresWordRules) return false;
    const asked = this.askedAt >= this.dollarEnd ? this.askedAt : -1;
    let from = at;
    const floor = asked >= 0 ? asked : this.dollarEnd;
    while (from > floor && isIdentifierPart(text.charCodeAt(from - 1))) from--;
    // Reaching back to the last position asked about: a token started there, or that position
    // was taken into a token that takes in every word character after it.
    const starts = from === asked && !this.askedStarts ? false : postgresWordStartsAt(text, from, at);
    this.askedAt = at;
    this.askedStarts = starts;
    return starts;
  }

  /**
   * A quoted token whose opening delimiter is at `pos`. A doubled closing delimiter is an
   * escape; so is a backslash when `backslash` is set.
   */
  private quoted<K extends SqlTokenKind>(close: number, backslash: boolean, kind: K): K {
    const text = this.text;
    const n = this.length;
    let line = this.line;
    let lineStart = this.lineStart;
    let p = this.pos + 1;
    let closed = false;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === close) {
        if (text.charCodeAt(p + 1) === close) {
          p += 2;
          continue;
        }
        p++;
        closed = true;
        break;
      }
      if (c === BACKSLASH && backslash) {
        const d = text.charCodeAt(p + 1);
        // Skip the escaped character, unless it is a line break: that still has to be counted.
        p += d === LF || d === CR ? 1 : 2;
        continue;
      }
      if (c === LF || (c === CR && text.charCodeAt(p + 1) !== LF)) {
        line++;
        lineStart = p + 1;
      }
      p++;
    }
    this.line = line;
    this.lineStart = lineStart;
    this.pos = closed ? p : n;
    this.closed = closed;
    return kind;
  }

  private lineComment(): 'line-comment' {
    const text = this.text;
    const n = this.length;
    let p = this.pos + 2;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === LF || c === CR) break;
      p++;
    }
    this.openerEnd = this.pos + 2;
    this.pos = p;
    return 'line-comment';
  }

  private blockComment(): 'block-comment' {
    const text = this.text;
    const n = this.length;
    const nested = this.options.nestedBlockComments;
    let line = this.line;
    let lineStart = this.lineStart;
    let depth = 1;
    let p = this.pos + 2;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === STAR) {
        if (text.charCodeAt(p + 1) === SLASH) {
          p += 2;
          if (--depth === 0) break;
          continue;
        }
      } else if (c === SLASH) {
        if (nested && text.charCodeAt(p + 1) === STAR) {
          depth++;
          p += 2;
          continue;
        }
      } else if (c === LF || (c === CR && text.charCodeAt(p + 1) !== LF)) {
        line++;
        lineStart = p + 1;
      }
      p++;
    }
    this.line = line;
    this.lineStart = lineStart;
    this.openerEnd = this.pos + 2;
    this.pos = p > n ? n : p;
    this.closed = depth === 0;
    return 'block-comment';
  }

  /** `$$...$$` or `$tag$...$tag$` at `pos`; false (nothing read) when the `$` opens none, as in `$1` or `a$b`. */
  private dollarQuoted(): boolean {
    const mode = this.options.dollarQuotes;
    if (mode === 'none') return false;
    const text = this.text;
    const n = this.length;
    const start = this.pos;
    if (!this.startsWord(start)) return false;
    let p = start + 1;
    const c = text.charCodeAt(p);
    if (c === DOLLAR) {
      p++;
    } else if (mode === 'tagged' && isTagStart(c)) {
      p++;
      while (p < n && isTagPart(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== DOLLAR) return false;
      p++;
    } else {
      return false;
    }
    const delimiter = text.slice(start, p);
    this.openerEnd = p;
    let line = this.line;
    let lineStart = this.lineStart;
    let closed = false;
    while (p < n) {
      const d = text.charCodeAt(p);
      if (d === DOLLAR && text.startsWith(delimiter, p)) {
        p += delimiter.length;
        closed = true;
        break;
      }
      if (d === LF || (d === CR && text.charCodeAt(p + 1) !== LF)) {
        line++;
        lineStart = p + 1;
      }
      p++;
    }
    this.line = line;
    this.lineStart = lineStart;
    this.pos = p;
    this.closed = closed;
    this.dollarEnd = p;
    return true;
  }
}

/** One token of `lexSql`: its kind and where it is, `end` exclusive. */
export interface SqlToken {
  readonly kind: SqlTokenKind;
  readonly start: number;
  readonly end: number;
  /** Where its opening delimiter ends (the start of a string's or comment's content). */
  readonly openerEnd: number;
  /** False for a string, quoted identifier, comment or dollar quote that runs to the end unclosed. */
  readonly closed: boolean;
}

/**
 * Every token of `text` by the lexical rules of `dialect`, blanks and line breaks included, so
 * that the tokens cover the text end to end without overlapping. For short texts (templates,
 * single statements); the splitter reads with the cursor itself.
 */
export function lexSql(text: string, dialect: SqlDialectId): SqlToken[] {
  return lexSqlWith(text, lexicalOptionsFor(dialect));
}

/** `lexSql` with the lexical options given directly. */
export function lexSqlWith(text: string, options: SqlLexicalOptions): SqlToken[] {
  const cursor = new SqlCursor(text, options);
  const tokens: SqlToken[] = [];
  while (cursor.pos < text.length) {
    const kind = cursor.next();
    const start = cursor.tokenStart;
    const previous = tokens[tokens.length - 1];
    if (previous !== undefined && previous.end > start) {
      // The E of E'…' was read as the end of a code token first: it belongs to the string.
      tokens.pop();
      if (previous.start < start) tokens.push({ ...previous, end: start });
    }
    tokens.push({ kind, start, end: cursor.pos, openerEnd: cursor.openerEnd, closed: cursor.closed });
  }
  return tokens;
}
