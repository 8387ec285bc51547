/**
 * The lexical rules of each dialect (quoting, comments, batch separators) and the character
 * classes the lexer scans with (src/sql/lexer.ts). Nothing here parses SQL.
 */
import type { SqlDialectId } from './dialects';

export interface SqlLexicalOptions {
  /** A backslash escapes the next character inside '...' (and "..." when those are strings). */
  readonly backslashEscapes: boolean;
  /** `E'...'` / `e'...'` strings in which a backslash escapes (PostgreSQL). */
  readonly escapeStringPrefix: boolean;
  /** What "..." is: a quoted identifier (standard SQL) or a string literal (Spark). */
  readonly doubleQuoted: 'identifier' | 'string';
  /** `[identifier]` with `]]` as escape (T-SQL). */
  readonly bracketIdentifiers: boolean;
  /** `` `identifier` `` with ``` `` ``` as escape (Spark). */
  readonly backtickIdentifiers: boolean;
  /** `$$...$$` only (Snowflake), also `$tag$...$tag$` (PostgreSQL), or none. */
  readonly dollarQuotes: 'none' | 'untagged' | 'tagged';
  /** `//` starts a line comment (Snowflake). */
  readonly slashSlashComments: boolean;
  /** `/* ... /* ... *\/ ... *\/` nests. */
  readonly nestedBlockComments: boolean;
  /** A line holding only `GO` ends the statement and the batch (T-SQL). */
  readonly goBatchSeparators: boolean;
  /**
   * Where a `$` (dollar quote) or the `E` of `E'...'` may start a token, inside a run of word
   * characters, follows PostgreSQL's scanner (`postgresWordStartsAt`): `$1$$...$$` and
   * `$$a$$e'...'` open a quote and a string. Otherwise neither may follow a word character.
   */
  readonly postgresWordRules: boolean;
}

const postgres: SqlLexicalOptions = {
  backslashEscapes: false,
  escapeStringPrefix: true,
  doubleQuoted: 'identifier',
  bracketIdentifiers: false,
  backtickIdentifiers: false,
  dollarQuotes: 'tagged',
  slashSlashComments: false,
  nestedBlockComments: true,
  goBatchSeparators: false,
  postgresWordRules: true,
};

const tsql: SqlLexicalOptions = {
  backslashEscapes: false,
  escapeStringPrefix: false,
  doubleQuoted: 'identifier',
  bracketIdentifiers: true,
  backtickIdentifiers: false,
  dollarQuotes: 'none',
  slashSlashComments: false,
  nestedBlockComments: true,
  goBatchSeparators: true,
  postgresWordRules: false,
};

const snowflake: SqlLexicalOptions = {
  backslashEscapes: true,
  escapeStringPrefix: false,
  doubleQuoted: 'identifier',
  bracketIdentifiers: false,
  backtickIdentifiers: false,
  dollarQuotes: 'untagged',
  slashSlashComments: true,
  nestedBlockComments: false,
  goBatchSeparators: false,
  postgresWordRules: false,
};

const trino: SqlLexicalOptions = {
  backslashEscapes: false,
  escapeStringPrefix: false,
  doubleQuoted: 'identifier',
  bracketIdentifiers: false,
  backtickIdentifiers: false,
  dollarQuotes: 'none',
  slashSlashComments: false,
  nestedBlockComments: false,
  goBatchSeparators: false,
  postgresWordRules: false,
};

const spark: SqlLexicalOptions = {
  backslashEscapes: true,
  escapeStringPrefix: false,
  doubleQuoted: 'string',
  bracketIdentifiers: false,
  backtickIdentifiers: true,
  dollarQuotes: 'none',
  slashSlashComments: false,
  nestedBlockComments: true,
  goBatchSeparators: false,
  postgresWordRules: false,
};

const OPTIONS: Readonly<Record<SqlDialectId, SqlLexicalOptions>> = { postgres, tsql, snowflake, trino, spark };

/** The lexical rules of a dialect. Throws on an unknown id rather than guessing. */
export function lexicalOptionsFor(dialect: SqlDialectId): SqlLexicalOptions {
  const options = Object.prototype.hasOwnProperty.call(OPTIONS, dialect) ? OPTIONS[dialect] : undefined;
  if (options === undefined) {
    throw new Error(`Unknown SQL dialect: ${String(dialect)}`);
  }
  return options;
}

/**
 * ASCII characters that can neither start nor end anything the splitter
 * tracks (not whitespace, not a line break, not a quote, not a possible
 * comment opener, not `;`, `$`, `[` or a backtick). 1 = plain. Characters at
 * or above U+0080 are always plain.
 */
export const PLAIN_ASCII: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 33; c < 127; c++) table[c] = 1;
  for (const special of ';\'"-/$[`') table[special.charCodeAt(0)] = 0;
  return table;
})();

/** Letters, digits, `_`, `$` and anything non-ASCII: what can continue an identifier. */
export function isIdentifierPart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 95 || // _
    c === 36 || // $
    c >= 128
  );
}

/** What can start a PostgreSQL dollar-quote tag: a letter, `_` or anything non-ASCII. */
export function isTagStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

/** What can continue a dollar-quote tag: a tag start or a digit (never `$`). */
export function isTagPart(c: number): boolean {
  return isTagStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Whether PostgreSQL's scanner (psql's psqlscan.l, the server's scan.l) starts a new token at
 * `at`, reading the word characters (`isIdentifierPart`) from `from`, where a token starts, up to
 * it. Asked for a `$` (a dollar quote may open only at a token start) and for the `E` of
 * `E'...'`. The answers, by what the run holds before `at`:
 * - a letter, `_` or non-ASCII character: an identifier, which takes in every word character
 *   after it, `$` and digits included (`a$$b` is one name): no;
 * - digits, or a parameter `$1`: a number ends before `$` (`1$$;$$` and `$1$$;$$` open a quote),
 *   but takes in a letter that follows and every word character after it (PostgreSQL 15 and later
 *   read `1e$$` and `1_000$$` as one malformed number, `$1e'` as one malformed parameter): no for
 *   a letter, yes for a `$`;
 * - a `$` followed by a letter that is not a dollar quote's opener: that `$` stands alone, and the
 *   identifier after it takes in the rest (`$e'...'` is `$` and an E string, `$e$$` one name).
 * A `$` followed by a tag and `$` or by `$` would have opened a dollar quote, so never comes here.
 */
export function postgresWordStartsAt(text: string, from: number, at: number): boolean {
  let i = from;
  while (i < at) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || (c === 36 && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      while (isDigit(text.charCodeAt(i))) i++;
      if (isTagStart(text.charCodeAt(i))) return false;
      continue;
    }
    if (c === 36) {
      if (isTagStart(text.charCodeAt(i + 1))) return i + 1 === at;
      i++;
      continue;
    }
    return false;
  }
  return true;
}
