/**
 * SQL text as words, symbols and literals, for questions that need to see them (e.g. "which
 * literal follows PASSWORD?"). A view over the one lexer (src/sql/lexer.ts): what is a string, a
 * quoted identifier, a comment or a dollar quote is decided there, as for the splitter; this only
 * cuts its runs of ordinary characters into words and single symbols, and says where each
 * literal's content lies between its delimiters.
 *
 * Every character of the input belongs to exactly one token, so tokens can be spliced back
 * together. Nothing here parses SQL and nothing throws on any input.
 */
import type { SqlDialectId } from './dialects';
import { lexSqlWith, type SqlToken as LexedToken } from './lexer';
import { isIdentifierPart, lexicalOptionsFor, type SqlLexicalOptions } from './lexical-rules';

export type SqlTokenKind =
  /** A run of identifier characters: keyword, name, number (`1.5` is `1`, `.`, `5`), `$1`. */
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

/** The tokens of `text` under the lexical rules of `dialect`. */
export function sqlTokens(text: string, dialect: SqlDialectId): SqlToken[] {
  return tokenize(text, lexicalOptionsFor(dialect));
}

export function tokenize(text: string, options: SqlLexicalOptions): SqlToken[] {
  const tokens: SqlToken[] = [];
  const plain = (kind: SqlTokenKind, start: number, end: number) => tokens.push({ kind, start, end, bodyStart: start, bodyEnd: end, closed: true });
  for (const token of lexSqlWith(text, options)) {
    switch (token.kind) {
      case 'blank':
      case 'line-break': {
        const previous = tokens[tokens.length - 1];
        if (previous?.kind === 'space') tokens[tokens.length - 1] = { ...previous, end: token.end, bodyEnd: token.end };
        else plain('space', token.start, token.end);
        break;
      }
      case 'semicolon':
        plain('symbol', token.start, token.end);
        break;
      case 'code':
        splitCode(text, token, plain);
        break;
      case 'string':
      case 'dollar-string':
        tokens.push(delimited('string', token));
        break;
      case 'quoted-identifier':
      case 'line-comment':
      case 'block-comment':
        tokens.push(delimited(token.kind, token));
        break;
    }
  }
  return tokens;
}

/** A run of ordinary characters: words of identifier characters, and every other character alone. */
function splitCode(text: string, token: LexedToken, plain: (kind: SqlTokenKind, start: number, end: number) => void): void {
  let p = token.start;
  while (p < token.end) {
    if (isIdentifierPart(text.charCodeAt(p))) {
      const start = p;
      while (p < token.end && isIdentifierPart(text.charCodeAt(p))) p++;
      plain('word', start, p);
    } else {
      plain('symbol', p, p + 1);
      p++;
    }
  }
}

/** A literal or comment with its body: between the opener and the closer (none for a line comment). */
function delimited(kind: SqlTokenKind, token: LexedToken): SqlToken {
  const closerLength = !token.closed || kind === 'line-comment'
    ? 0
    : token.kind === 'block-comment'
      ? 2
      : token.kind === 'dollar-string'
        ? token.openerEnd - token.start
        : 1;
  return { kind, start: token.start, end: token.end, bodyStart: token.openerEnd, bodyEnd: token.end - closerLength, closed: token.closed };
}
