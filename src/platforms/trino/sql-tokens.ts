/**
 * Just enough of Trino's lexical rules to read the few statements the adapter must recognise
 * (SET SESSION, RESET SESSION, USE, SET SESSION AUTHORIZATION). Not a parser: anything it does
 * not understand comes back as an `other` token, and the caller treats the statement as opaque.
 */
export type Token =
  | { readonly kind: 'word'; readonly text: string }
  /** `"..."` with `""` inside: a delimited identifier. */
  | { readonly kind: 'quoted'; readonly text: string }
  /** `'...'` with `''` inside. */
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'symbol'; readonly text: string }
  /** Something the reader does not model (U&'...', X'...', an unterminated quote). */
  | { readonly kind: 'other'; readonly text: string };

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_@:$]/;

/** Tokens of `sql` without whitespace and comments, and without one trailing `;`. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.slice(i).search(/\r\n|\r|\n/);
      i = end < 0 ? sql.length : i + end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) {
        tokens.push({ kind: 'other', text: sql.slice(i) });
        break;
      }
      i = end + 2;
    } else if (c === "'" || c === '"') {
      const quoted = readQuoted(sql, i, c);
      if (!quoted) {
        tokens.push({ kind: 'other', text: sql.slice(i) });
        break;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: quoted.value });
      i = quoted.end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end])) end++;
      // U&'...' and X'...' are strings we do not decode: never mistake them for a plain literal.
      if (sql[end] === "'" || (sql[end] === '&' && sql[end + 1] === "'")) {
        tokens.push({ kind: 'other', text: sql.slice(i, end + 1) });
        i = end + 1;
        continue;
      }
      tokens.push({ kind: 'word', text: sql.slice(i, end) });
      i = end;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else {
      tokens.push({ kind: 'symbol', text: c });
      i++;
    }
  }
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'symbol' && last.text === ';') {
    tokens.pop();
  }
  return tokens;
}

function readQuoted(sql: string, start: number, quote: string): { value: string; end: number } | undefined {
  let value = '';
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += sql[i];
    i++;
  }
  return undefined;
}

export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === word;
}

export function isSymbol(token: Token | undefined, symbol: string): boolean {
  return token?.kind === 'symbol' && token.text === symbol;
}

/**
 * Reads a dotted name (`catalog.property`, `"Catalog".schema`) from `tokens` at `start`.
 * Trino folds names to lower case; delimited parts are compared as written but lower-cased too,
 * since session property and catalog names are lower case.
 */
export function readQualifiedName(tokens: readonly Token[], start: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    const token = tokens[i];
    if (token?.kind !== 'word' && token?.kind !== 'quoted') {
      return undefined;
    }
    parts.push(token.text.toLowerCase());
    i++;
    if (!isSymbol(tokens[i], '.')) {
      return { parts, end: i };
    }
    i++;
  }
}
