import type { SqlDialectId } from '../sql/dialects';
import { sqlTokens, type SqlToken } from '../sql/tokens';
import { NOT_AN_ALIAS } from './sql-vocabulary';

/**
 * What completion needs to know of the statement around the cursor: whether the cursor is in
 * code at all (the dialect's lexer decides strings, quoted identifiers and comments), what is
 * being typed and after which qualifier (`sales.cu|`, `c.|`), whether a table name is expected
 * there (after FROM, JOIN…), and which tables the statement reads, with their aliases. Reads
 * tokens, never parses: a statement half typed is the usual case.
 */
export interface NamePart {
  /** As the server would spell it when quoted; as typed when not. */
  readonly text: string;
  readonly quoted: boolean;
}

export interface TableReference {
  readonly parts: readonly NamePart[];
  readonly alias?: NamePart;
}

export interface CursorContext {
  /** 'none': inside a string or a comment, where nothing is offered. */
  readonly kind: 'none' | 'table' | 'expression';
  /** The names before the word being typed, each followed by a dot: `sales.` → [sales]. */
  readonly qualifier: readonly NamePart[];
  /** What is typed of the word so far (without an opening quote). */
  readonly prefix: string;
  /** The range an item replaces: the word being typed, with its opening quote. */
  readonly replaceStart: number;
  readonly replaceEnd: number;
  /** The opening quote typed before the word (`"`, `[` or a backtick), if any. */
  readonly openQuote?: string;
}

export interface StatementContext {
  readonly cursor: CursorContext;
  readonly references: readonly TableReference[];
}

/** Keywords after which a table name comes. */
const TABLE_INTRODUCERS = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'DESCRIBE']);
/** Clause keywords, to tell what a comma continues. */
const CLAUSES = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'SET', 'VALUES', 'ON', 'JOIN', 'LIMIT', 'QUALIFY', 'USING']);

export function analyseStatement(text: string, offset: number, dialect: SqlDialectId): StatementContext {
  const all = sqlTokens(text, dialect);
  // The statement around the cursor: between the semicolons before and after it.
  let first = 0;
  let last = all.length;
  for (let i = 0; i < all.length; i++) {
    const token = all[i];
    if (token.kind !== 'symbol' || text.charCodeAt(token.start) !== 59) continue;
    if (token.end <= offset) first = i + 1;
    else {
      last = i;
      break;
    }
  }
  const tokens = all.slice(first, last);
  return { cursor: cursorContext(text, tokens, offset), references: tableReferences(text, tokens) };
}

function isCode(token: SqlToken): boolean {
  return token.kind === 'word' || token.kind === 'symbol' || token.kind === 'quoted-identifier';
}

function symbolIs(text: string, token: SqlToken | undefined, symbol: string): boolean {
  return token !== undefined && token.kind === 'symbol' && text[token.start] === symbol;
}

function upper(text: string, token: SqlToken | undefined): string | undefined {
  return token?.kind === 'word' ? text.slice(token.start, token.end).toUpperCase() : undefined;
}

export function namePart(text: string, token: SqlToken): NamePart {
  if (token.kind !== 'quoted-identifier') return { text: text.slice(token.start, token.end), quoted: false };
  const body = text.slice(token.bodyStart, token.bodyEnd);
  const closer = text[token.start] === '[' ? ']' : text[token.start];
  return { text: body.split(closer + closer).join(closer), quoted: true };
}

function cursorContext(text: string, tokens: readonly SqlToken[], offset: number): CursorContext {
  let at = tokens.findIndex((token) => token.start < offset && (offset < token.end || (offset === token.end && !token.closed)));
  // A line comment runs to its line's end, and the cursor at that end is still inside it.
  if (at < 0) at = tokens.findIndex((token) => token.kind === 'line-comment' && token.start < offset && offset === token.end);
  const inside = at >= 0 ? tokens[at] : undefined;
  const none: CursorContext = { kind: 'none', qualifier: [], prefix: '', replaceStart: offset, replaceEnd: offset };
  if (inside !== undefined && (inside.kind === 'string' || inside.kind.endsWith('comment'))) return none;
  let replaceStart = offset;
  let replaceEnd = offset;
  let prefix = '';
  let openQuote: string | undefined;
  let before: number;
  if (inside?.kind === 'quoted-identifier') {
    replaceStart = inside.start;
    replaceEnd = inside.closed ? inside.end : offset;
    openQuote = text[inside.start];
    prefix = text.slice(inside.bodyStart, Math.min(offset, inside.bodyEnd));
    before = at - 1;
  } else {
    const word = tokens.findIndex((token) => token.kind === 'word' && token.start < offset && offset <= token.end);
    if (word >= 0) {
      replaceStart = tokens[word].start;
      replaceEnd = tokens[word].end;
      prefix = text.slice(replaceStart, offset);
      before = word - 1;
    } else {
      before = tokens.findIndex((token) => token.start >= offset) - 1;
      if (before < -1) before = tokens.length - 1;
    }
  }
  // A number is not a name being typed (`LIMIT 10|`).
  if (openQuote === undefined && /^[0-9]/.test(prefix)) return none;
  const significant = (from: number): number => {
    let i = from;
    while (i >= 0 && !isCode(tokens[i])) i--;
    return i;
  };
  const qualifier: NamePart[] = [];
  let i = significant(before);
  while (i >= 0 && symbolIs(text, tokens[i], '.')) {
    const name = significant(i - 1);
    if (name < 0 || !(tokens[name].kind === 'word' || tokens[name].kind === 'quoted-identifier')) break;
    qualifier.unshift(namePart(text, tokens[name]));
    i = significant(name - 1);
  }
  const previous = upper(text, tokens[i]);
  let kind: CursorContext['kind'] = 'expression';
  if (previous !== undefined && TABLE_INTRODUCERS.has(previous)) kind = 'table';
  else if (symbolIs(text, tokens[i], ',') && clauseBefore(text, tokens, i) === 'FROM') kind = 'table';
  return { kind, qualifier, prefix, replaceStart, replaceEnd, ...(openQuote === undefined ? {} : { openQuote }) };
}

/** The clause keyword a position belongs to, at its own parenthesis depth. */
function clauseBefore(text: string, tokens: readonly SqlToken[], from: number): string | undefined {
  let depth = 0;
  for (let i = from; i >= 0; i--) {
    const token = tokens[i];
    if (symbolIs(text, token, ')')) depth++;
    else if (symbolIs(text, token, '(')) {
      if (depth === 0) return undefined;
      depth--;
    } else if (depth === 0) {
      const word = upper(text, token);
      if (word !== undefined && CLAUSES.has(word)) return word;
    }
  }
  return undefined;
}

/** Every table the statement names after FROM, JOIN, UPDATE or INTO, with its alias. Subqueries and functions in FROM are skipped. */
function tableReferences(text: string, all: readonly SqlToken[]): TableReference[] {
  const tokens = all.filter(isCode);
  const references: TableReference[] = [];
  const skipParens = (from: number): number => {
    let depth = 0;
    for (let i = from; i < tokens.length; i++) {
      if (symbolIs(text, tokens[i], '(')) depth++;
      else if (symbolIs(text, tokens[i], ')') && --depth === 0) return i + 1;
    }
    return tokens.length;
  };
  const isName = (token: SqlToken | undefined): token is SqlToken =>
    token !== undefined && (token.kind === 'quoted-identifier' || (token.kind === 'word' && !/^[0-9]/.test(text[token.start])));
  for (let i = 0; i < tokens.length; i++) {
    const keyword = upper(text, tokens[i]);
    if (keyword !== 'FROM' && keyword !== 'JOIN' && keyword !== 'UPDATE' && keyword !== 'INTO') continue;
    let p = i + 1;
    for (;;) {
      let parts: NamePart[] | undefined;
      if (symbolIs(text, tokens[p], '(')) {
        p = skipParens(p);
      } else if (isName(tokens[p])) {
        parts = [namePart(text, tokens[p++])];
        while (symbolIs(text, tokens[p], '.') && isName(tokens[p + 1])) {
          parts.push(namePart(text, tokens[p + 1]));
          p += 2;
        }
        // A function in FROM (`generate_series(1, 3)`) is not a table.
        if (symbolIs(text, tokens[p], '(')) {
          parts = undefined;
          p = skipParens(p);
        }
      } else break;
      if (upper(text, tokens[p]) === 'AS') p++;
      let alias: NamePart | undefined;
      const word = upper(text, tokens[p]);
      if (isName(tokens[p]) && (word === undefined || !NOT_AN_ALIAS.has(word))) alias = namePart(text, tokens[p++]);
      if (parts !== undefined) references.push(alias === undefined ? { parts } : { parts, alias });
      if (keyword !== 'FROM' || !symbolIs(text, tokens[p], ',')) break;
      p++;
    }
    i = p - 1;
  }
  return references;
}
