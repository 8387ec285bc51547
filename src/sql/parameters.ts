/**
 * Named query parameters in statement text: `:name` and `${name}` (name: letters, digits, `_`,
 * starting with a letter or `_`). Found with the one SQL lexer (lexer.ts), so nothing inside a
 * string, a comment, a quoted identifier or a dollar quote is a parameter. Left alone, because
 * they mean something else on some platform:
 * - `::` casts (PostgreSQL), `:=` assignments, `$1` positional parameters, T-SQL `@variables`;
 * - `:name` right after an identifier character, a closing quote, `)` or `]`: Snowflake and
 *   Databricks variant paths (`v:field`, `col:"a b"`, `f(x):y`), labels (`outer: BEGIN`), array
 *   slices (`a[1:n]`); and after `[`, which opens a PostgreSQL slice (`a[:n]`);
 * - anything inside procedural code (`BEGIN ... END`, a Snowflake `DECLARE` section, as
 *   blocks.ts follows them): Snowflake Scripting reads `:var` as its own variable there.
 * Nothing here parses SQL, and nothing throws on any input.
 */
import { BlockTracker } from './blocks';
import type { SqlDialectId } from './dialects';
import { lexSql, type SqlToken } from './lexer';
import type { ParameterUse } from '../platforms/types';

export type { ParameterUse } from '../platforms/types';

const COLON = 58;
const DOLLAR = 36;
const LBRACE = 123;
const RBRACE = 125;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Identifier characters (`$` too: `a$:b`), closing delimiters and the characters that make `:` something else. */
function blocksColonAfter(c: number): boolean {
  return isNamePart(c) || c === DOLLAR || c === COLON || c === 41 /* ) */ || c === 93 /* ] */ || c === 91 /* [ */ || c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */;
}

/** The end of the name that starts at `at`, or -1 when there is none (or it runs into a `$`, making it some other word). */
function nameEnd(text: string, at: number): number {
  if (!isNameStart(text.charCodeAt(at))) return -1;
  let p = at + 1;
  while (p < text.length && isNamePart(text.charCodeAt(p))) p++;
  return text.charCodeAt(p) === DOLLAR ? -1 : p;
}

/** Every use of a named parameter in `text`, in text order, by the lexical rules of `dialect`. */
export function findParameters(text: string, dialect: SqlDialectId): ParameterUse[] {
  const uses: ParameterUse[] = [];
  const blocks = new BlockTracker(text, dialect);
  const tokens = lexSql(text, dialect);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === 'semicolon') {
      // Several statements in one text: each starts outside any block.
      if (blocks.semicolonEnds(token.start)) blocks.reset();
      continue;
    }
    if (token.kind !== 'code') continue;
    let fed = token.start;
    for (let p = token.start; p < token.end; p++) {
      const c = text.charCodeAt(p);
      if (c !== COLON && c !== DOLLAR) continue;
      const use = c === COLON ? colonUse(text, p) : braceUse(text, p);
      // `:E'x'`: the lexer read `E'x'` as a string, so no name runs into it.
      if (use === undefined || !codeUntil(tokens, i, use.offset + use.length)) continue;
      // Whether the block tracker is inside procedural code depends on the words before the use.
      blocks.code(fed, p);
      fed = p;
      if (!blocks.insideBlock) uses.push(use);
      p = use.offset + use.length - 1;
    }
    if (fed < token.end) blocks.code(fed, token.end);
  }
  return uses;
}

/** Whether every token from `tokens[from]` that starts before `end` is code. */
function codeUntil(tokens: readonly SqlToken[], from: number, end: number): boolean {
  for (let i = from; i < tokens.length && tokens[i].start < end; i++) {
    if (tokens[i].kind !== 'code') return false;
  }
  return true;
}

function colonUse(text: string, at: number): ParameterUse | undefined {
  if (at > 0 && blocksColonAfter(text.charCodeAt(at - 1))) return undefined;
  const end = nameEnd(text, at + 1);
  if (end < 0) return undefined;
  return { name: text.slice(at + 1, end), offset: at, length: end - at };
}

function braceUse(text: string, at: number): ParameterUse | undefined {
  // `a${x}` would be part of a word; `$${x}` part of a dollar quote's tag.
  if (at > 0 && (isNamePart(text.charCodeAt(at - 1)) || text.charCodeAt(at - 1) === DOLLAR)) return undefined;
  if (text.charCodeAt(at + 1) !== LBRACE) return undefined;
  const end = nameEnd(text, at + 2);
  if (end < 0 || text.charCodeAt(end) !== RBRACE) return undefined;
  return { name: text.slice(at + 2, end), offset: at, length: end + 1 - at };
}

/** The distinct names of `uses`, in the order they first appear. */
export function parameterNames(uses: readonly ParameterUse[]): string[] {
  const seen = new Set<string>();
  for (const use of uses) seen.add(use.name);
  return [...seen];
}
