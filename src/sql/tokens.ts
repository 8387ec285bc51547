/**
 * SQL text as a list of tokens, by the same lexical rules (src/sql/lexer.ts) the splitter scans
 * with: what is a string, a quoted identifier, a comment or a dollar quote, per dialect. For
 * questions that need to see words and literals (e.g. "which literal follows PASSWORD?");
 * the splitter keeps its own single pass, which only needs to find the `;`.
 *
 * Every character of the input belongs to exactly one token, so tokens can be spliced back
 * together. Nothing here parses SQL and nothing throws on any input.
 */
import type { SqlDialectId } from './dialects';
import { isIdentifierPart, isTagPart, isTagStart, lexicalOptionsFor, type SqlLexicalOptions } from './lexer';

export type SqlTokenKind =
  /** A run of identifier characters: keyword, name, number (`1.5` is `1`, `.`, `5`). */
  | 'word'
  /** A string literal: '...', E'...' (PostgreSQL), "..." (Spark), $$...$$ or $tag$...$tag$. */
  | 'string'
  /** "...", [...] (T-SQL) or `...` (Spark). */
  | 'quoted-identifier'
  | 'line-comment'
  | 'block-comment'
  | 'space'
  /** Any other single character: `=`, `(`, `,`, `;`, ... */
  | 'symbol';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** Offsets in the text: [start, end). */
  readonly start: number;
  readonly end: number;
  /**
   * Strings, quoted identifiers and comments: the body between the delimiters (for an
   * unterminated one it runs to the end of the text). Other tokens: start and end.
   */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** False for a string, quoted identifier, block comment or dollar quote that is never closed. */
  readonly closed: boolean;
}

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
const UPPER_E = 69;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const BACKTICK = 96;
const LOWER_E = 101;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === VT || c === FF;
}

/** The tokens of `text` under the lexical rules of `dialect`. */
export function sqlTokens(text: string, dialect: SqlDialectId): SqlToken[] {
  return tokenize(text, lexicalOptionsFor(dialect));
}

export function tokenize(text: string, o: SqlLexicalOptions): SqlToken[] {
  const n = text.length;
  const tokens: SqlToken[] = [];
  const plain = (kind: SqlTokenKind, start: number, end: number) => tokens.push({ kind, start, end, bodyStart: start, bodyEnd: end, closed: true });

  /** A quoted token whose opening delimiter ends at `from`; doubled `close` is an escape. */
  const quoted = (kind: SqlTokenKind, start: number, from: number, close: number, backslash: boolean) => {
    let p = from;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === close) {
        if (text.charCodeAt(p + 1) === close) {
          p += 2;
          continue;
        }
        tokens.push({ kind, start, end: p + 1, bodyStart: from, bodyEnd: p, closed: true });
        return p + 1;
      }
      p += c === BACKSLASH && backslash ? 2 : 1;
    }
    tokens.push({ kind, start, end: n, bodyStart: from, bodyEnd: n, closed: false });
    return n;
  };

  let pos = 0;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    const d = text.charCodeAt(pos + 1);
    if (isSpace(c)) {
      let p = pos + 1;
      while (p < n && isSpace(text.charCodeAt(p))) p++;
      plain('space', pos, p);
      pos = p;
    } else if (c === QUOTE) {
      pos = quoted('string', pos, pos + 1, QUOTE, o.backslashEscapes);
    } else if (c === DQUOTE) {
      pos = o.doubleQuoted === 'string' ? quoted('string', pos, pos + 1, DQUOTE, o.backslashEscapes) : quoted('quoted-identifier', pos, pos + 1, DQUOTE, false);
    } else if (c === LBRACKET && o.bracketIdentifiers) {
      pos = quoted('quoted-identifier', pos, pos + 1, RBRACKET, false);
    } else if (c === BACKTICK && o.backtickIdentifiers) {
      pos = quoted('quoted-identifier', pos, pos + 1, BACKTICK, false);
    } else if ((c === MINUS && d === MINUS) || (c === SLASH && d === SLASH && o.slashSlashComments)) {
      let p = pos + 2;
      while (p < n && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
      tokens.push({ kind: 'line-comment', start: pos, end: p, bodyStart: pos + 2, bodyEnd: p, closed: true });
      pos = p;
    } else if (c === SLASH && d === STAR) {
      pos = blockComment(text, pos, o.nestedBlockComments, tokens);
    } else if (c === DOLLAR && o.dollarQuotes !== 'none' && dollarQuote(text, pos, o.dollarQuotes, tokens)) {
      pos = tokens[tokens.length - 1].end;
    } else if (isIdentifierPart(c)) {
      let p = pos + 1;
      while (p < n && isIdentifierPart(text.charCodeAt(p))) p++;
      if (o.escapeStringPrefix && p === pos + 1 && (c === UPPER_E || c === LOWER_E) && text.charCodeAt(p) === QUOTE) {
        // E'...': a backslash escapes inside it, whatever the dialect's plain strings do.
        pos = quoted('string', pos, p + 1, QUOTE, true);
      } else {
        plain('word', pos, p);
        pos = p;
      }
    } else {
      plain('symbol', pos, pos + 1);
      pos++;
    }
  }
  return tokens;
}

function blockComment(text: string, start: number, nested: boolean, tokens: SqlToken[]): number {
  const n = text.length;
  let depth = 1;
  let p = start + 2;
  while (p < n) {
    const c = text.charCodeAt(p);
    if (c === STAR && text.charCodeAt(p + 1) === SLASH) {
      p += 2;
      if (--depth === 0) {
        tokens.push({ kind: 'block-comment', start, end: p, bodyStart: start + 2, bodyEnd: p - 2, closed: true });
        return p;
      }
    } else if (c === SLASH && nested && text.charCodeAt(p + 1) === STAR) {
      depth++;
      p += 2;
    } else {
      p++;
    }
  }
  tokens.push({ kind: 'block-comment', start, end: n, bodyStart: start + 2, bodyEnd: n, closed: false });
  return n;
}

/** `$$...$$` or `$tag$...$tag$` at `start`; false (nothing pushed) when the `$` opens none. */
function dollarQuote(text: string, start: number, mode: 'untagged' | 'tagged', tokens: SqlToken[]): boolean {
  const n = text.length;
  // A `$` inside a word (`a$b`) was consumed with the word, so here it always starts a token.
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
  const close = text.indexOf(delimiter, p);
  if (close < 0) {
    tokens.push({ kind: 'string', start, end: n, bodyStart: p, bodyEnd: n, closed: false });
  } else {
    tokens.push({ kind: 'string', start, end: close + delimiter.length, bodyStart: p, bodyEnd: close, closed: true });
  }
  return true;
}
