/**
 * The small language inside one annotation's text (after `@expect`, `@as`, …): words, quoted
 * identifiers, SQL string literals, numbers and comparison operators, each with where it stands,
 * so that a diagnostic can underline exactly the token that is wrong. Positions here are offsets
 * in the annotation's text; check-file.ts turns them into line and column.
 */
import type { CellValue } from '../platforms/types';
import { YOURSELF_IDENTITY } from './types';

export type AnnotationTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'operator' | 'symbol';

export interface AnnotationToken {
  readonly kind: AnnotationTokenKind;
  /** As written, delimiters included. */
  readonly raw: string;
  /** Quoted identifiers and strings: the content with doubled quotes undone; otherwise `raw`. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** False for a quoted identifier or string whose closing quote is missing. */
  readonly closed: boolean;
}

/** A problem found in an annotation's text: where (offsets in that text) and what was expected. */
export class AnnotationSyntaxError extends Error {
  constructor(
    readonly start: number,
    readonly end: number,
    message: string,
    readonly severity: 'error' | 'warning' = 'error',
  ) {
    super(message);
  }
}

const OPERATORS = ['==', '!=', '<>', '>=', '<=', '=', '>', '<'];

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\v' || c === '\f';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isWordChar(c: string): boolean {
  return /[\p{L}\p{N}_$]/u.test(c);
}

/** `'…'` or `"…"` from `start`, a doubled quote standing for one. */
function quoted(text: string, start: number, quote: string): { end: number; value: string; closed: boolean } {
  let value = '';
  let p = start + 1;
  while (p < text.length) {
    const c = text[p];
    if (c === quote) {
      if (text[p + 1] === quote) {
        value += quote;
        p += 2;
        continue;
      }
      return { end: p + 1, value, closed: true };
    }
    value += c;
    p++;
  }
  return { end: p, value, closed: false };
}

/** The tokens of an annotation's text; never throws. */
export function annotationTokens(text: string): AnnotationToken[] {
  const tokens: AnnotationToken[] = [];
  let p = 0;
  const push = (kind: AnnotationTokenKind, start: number, end: number, value = text.slice(start, end), closed = true) =>
    tokens.push({ kind, raw: text.slice(start, end), value, start, end, closed });
  while (p < text.length) {
    const c = text[p];
    if (isSpace(c)) {
      p++;
    } else if (c === "'" || c === '"') {
      const q = quoted(text, p, c);
      push(c === "'" ? 'string' : 'quoted', p, q.end, q.value, q.closed);
      p = q.end;
    } else if (isDigit(c) || ((c === '-' || c === '.') && isDigit(text[p + 1])) || (c === '-' && text[p + 1] === '.' && isDigit(text[p + 2]))) {
      const start = p;
      if (c === '-') p++;
      while (isDigit(text[p])) p++;
      if (text[p] === '.' && isDigit(text[p + 1])) {
        p++;
        while (isDigit(text[p])) p++;
      }
      if ((text[p] === 'e' || text[p] === 'E') && (isDigit(text[p + 1]) || ((text[p + 1] === '+' || text[p + 1] === '-') && isDigit(text[p + 2])))) {
        p += 2;
        while (isDigit(text[p])) p++;
      }
      // `12abc` is one (bad) word, not a number followed by a word.
      while (p < text.length && isWordChar(text[p])) p++;
      push(/^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text.slice(start, p)) ? 'number' : 'word', start, p);
    } else if (isWordChar(c)) {
      const start = p;
      while (p < text.length && isWordChar(text[p])) p++;
      push('word', start, p);
    } else {
      const operator = OPERATORS.find((op) => text.startsWith(op, p));
      if (operator !== undefined) {
        push('operator', p, p + operator.length);
        p += operator.length;
      } else {
        push('symbol', p, p + 1);
        p++;
      }
    }
  }
  return tokens;
}

/** Reads tokens one by one, with the position of the end of the text for "expected … here". */
export class TokenReader {
  private index = 0;

  constructor(
    readonly tokens: readonly AnnotationToken[],
    /** Length of the annotation's text: where "nothing more" is underlined. */
    readonly length: number,
  ) {}

  peek(ahead = 0): AnnotationToken | undefined {
    return this.tokens[this.index + ahead];
  }

  next(): AnnotationToken | undefined {
    const token = this.tokens[this.index];
    if (token !== undefined) this.index++;
    return token;
  }

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  /** The next token when it is the keyword `word` (any case): consumed. */
  accept(word: string): AnnotationToken | undefined {
    const token = this.peek();
    if (token?.kind === 'word' && token.value.toLowerCase() === word) return this.next();
    return undefined;
  }

  /** An error at the next token (to the end of the text), or just past the end when none is left. */
  errorHere(message: string): AnnotationSyntaxError {
    const token = this.peek();
    if (token === undefined) return new AnnotationSyntaxError(this.length, this.length + 1, message);
    return new AnnotationSyntaxError(token.start, token.end, message);
  }

  /** Nothing may follow: an error at the first extra token otherwise. */
  end(what: string): void {
    const token = this.peek();
    if (token === undefined) return;
    throw new AnnotationSyntaxError(token.start, this.length, `Unexpected "${token.raw}" after ${what}: nothing more was expected.`);
  }
}

/** A quoted token whose closing quote is missing. */
export function unclosed(token: AnnotationToken): AnnotationSyntaxError {
  const what = token.kind === 'string' ? 'string' : 'quoted name';
  return new AnnotationSyntaxError(token.start, token.end, `This ${what} is never closed: expected a closing ${token.raw[0]}.`);
}

/** A SQL literal for a list or a constant: 'string', number, true, false or null. Undefined when the next token is none. */
export function readLiteral(reader: TokenReader): CellValue | undefined {
  const token = reader.peek();
  if (token === undefined) return undefined;
  if (token.kind === 'string') {
    if (!token.closed) throw unclosed(token);
    reader.next();
    return token.value;
  }
  if (token.kind === 'number') {
    reader.next();
    return Number(token.value);
  }
  if (token.kind === 'word') {
    const word = token.value.toLowerCase();
    if (word === 'true' || word === 'false') {
      reader.next();
      return word === 'true';
    }
    if (word === 'null') {
      reader.next();
      return null;
    }
  }
  return undefined;
}

export const LITERAL_HINT = "a 'quoted string', a number, true, false or null";

export interface ParsedIdentity {
  /** `yourself` for the login (unquoted `yourself`, any case); otherwise as written, quotes undone. */
  readonly identity: string;
  readonly start: number;
  readonly end: number;
}

/**
 * One identity from `start` to `end` of `text`: `yourself`, a bare name (anything but commas and
 * double quotes, trimmed: user names are e-mail addresses as often as not) or a double-quoted
 * name ("o'brien", "Smith, Jane"; `""` for a quote).
 */
export function parseIdentity(text: string, start: number, end: number): ParsedIdentity {
  let from = start;
  let to = end;
  while (from < to && isSpace(text[from])) from++;
  while (to > from && isSpace(text[to - 1])) to--;
  if (from === to) throw new AnnotationSyntaxError(start, Math.max(end, start + 1), 'Expected a user name (or yourself), e.g. bob@example.com or "Smith, Jane".');
  if (text[from] === '"') {
    const q = quoted(text, from, '"');
    if (!q.closed || q.end > to) throw new AnnotationSyntaxError(from, to, 'This quoted name is never closed: expected a closing ".');
    if (q.end < to) throw new AnnotationSyntaxError(q.end, to, `Unexpected "${text.slice(q.end, to)}" after the quoted name: expected a comma before the next name.`);
    if (q.value.trim() === '') throw new AnnotationSyntaxError(from, to, 'Expected a user name between the quotes.');
    return { identity: q.value, start: from, end: to };
  }
  const bare = text.slice(from, to);
  const quote = bare.indexOf('"');
  if (quote >= 0) throw new AnnotationSyntaxError(from + quote, to, 'A name with a double quote must be quoted as a whole: "like ""this""".');
  return { identity: bare.toLowerCase() === YOURSELF_IDENTITY ? YOURSELF_IDENTITY : bare, start: from, end: to };
}

/** The comma-separated identities of `@as` (commas inside double quotes do not separate). */
export function parseIdentityList(text: string): ParsedIdentity[] {
  const out: ParsedIdentity[] = [];
  let itemStart = 0;
  let inQuotes = false;
  for (let p = 0; p <= text.length; p++) {
    const c = text[p];
    if (c === '"') inQuotes = !inQuotes; // a doubled quote toggles twice: still inside
    else if ((c === ',' && !inQuotes) || p === text.length) {
      out.push(parseIdentity(text, itemStart, p));
      itemStart = p + 1;
    }
  }
  return out;
}

export interface ParsedParam {
  readonly name: string;
  /** The value as text (numbers as written), or null for SQL NULL. */
  readonly value: string | null;
  /** Where the name is in the annotation's text. */
  readonly start: number;
  readonly end: number;
}

/** `region = 'EU'`, `n = 5`, `since = null`: a value for the statement's `:name` parameter. */
export function parseParam(text: string): ParsedParam {
  const reader = new TokenReader(annotationTokens(text), text.length);
  const name = reader.next();
  const hint = "Expected a parameter and its value after \"@param\", e.g. -- @param region = 'EU'.";
  if (name === undefined || name.kind !== 'word' || !/^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/.test(name.value)) {
    throw name === undefined ? reader.errorHere(hint) : new AnnotationSyntaxError(name.start, name.end, hint);
  }
  const equals = reader.next();
  if (equals?.kind !== 'operator' || equals.value !== '=') {
    throw equals === undefined ? reader.errorHere(`Expected "=" and a value after "${name.value}".`) : new AnnotationSyntaxError(equals.start, equals.end, `Expected "=" and a value after "${name.value}".`);
  }
  const token = reader.peek();
  const literal = readLiteral(reader);
  if (literal === undefined) throw reader.errorHere(`Expected the value of ${name.value}: ${LITERAL_HINT}.`);
  reader.end(`the value of ${name.value}`);
  const value = literal === null ? null : token?.kind === 'number' ? token.raw : String(literal);
  return { name: name.value, value, start: name.start, end: name.end };
}
