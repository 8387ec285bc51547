/**
 * Annotations: `--` line comments whose text, after optional spaces, starts with `@`. Which
 * comments there are is the SQL lexer's business (src/sql/lexer.ts), so a `--` inside a string
 * or a block comment is never taken for one; this only reads the text of a comment it found.
 */
import { SqlCursor } from '../sql/lexer';
import { lexicalOptionsFor } from '../sql/lexical-rules';

export const ANNOTATION_KEYWORDS = ['connection', 'check', 'as', 'expect', 'limit', 'param'] as const;
export type AnnotationKeyword = (typeof ANNOTATION_KEYWORDS)[number];

export interface Annotation {
  /** Lower case, as in ANNOTATION_KEYWORDS when known. */
  readonly keyword: string;
  /** The comment's offset in the document, and where `@` and the comment's end are. */
  readonly commentStart: number;
  readonly atOffset: number;
  readonly endOffset: number;
  /** The text after the keyword (not trimmed) and its offset in the document. */
  readonly rest: string;
  readonly restOffset: number;
}

export function isKnownKeyword(keyword: string): keyword is AnnotationKeyword {
  return (ANNOTATION_KEYWORDS as readonly string[]).includes(keyword);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\v' || c === '\f';
}

/** The annotation in the line comment [start, end) whose text starts at `bodyStart`, if it is one. */
export function readAnnotation(text: string, start: number, bodyStart: number, end: number): Annotation | undefined {
  let p = bodyStart;
  while (p < end && isSpace(text[p])) p++;
  if (text[p] !== '@') return undefined;
  const at = p;
  p++;
  // The keyword runs to the next space, so that `@check:` is reported whole as unknown.
  while (p < end && !isSpace(text[p])) p++;
  return {
    keyword: text.slice(at + 1, p).toLowerCase(),
    commentStart: start,
    atOffset: at,
    endOffset: end,
    rest: text.slice(p, end),
    restOffset: p,
  };
}

/**
 * The annotations of `text` in order, read with a dialect-neutral lexer (standard strings and
 * quoted identifiers): for the cheap questions asked before the dialect is known. `stop` ends
 * the scan early when it returns true.
 */
function scanAnnotations(text: string, stop: (annotation: Annotation, line: number) => boolean): void {
  const cursor = new SqlCursor(text, lexicalOptionsFor('trino'));
  while (cursor.pos < text.length) {
    const kind = cursor.next();
    if (kind !== 'line-comment') continue;
    const annotation = readAnnotation(text, cursor.tokenStart, cursor.openerEnd, cursor.pos);
    if (annotation !== undefined && stop(annotation, cursor.line)) return;
  }
}

/** The file-level `-- @connection <name>` (before the first `@check`), without parsing the file. */
export function checkFileConnection(text: string): { name: string; line: number } | undefined {
  let found: { name: string; line: number } | undefined;
  scanAnnotations(text, (annotation, line) => {
    if (annotation.keyword === 'check') return true;
    if (annotation.keyword !== 'connection') return false;
    const name = annotation.rest.trim();
    if (name === '') return false;
    found = { name, line };
    return true;
  });
  return found;
}

/** Whether `text` holds a `-- @check` line comment: a policy-check file, for discovery. */
export function looksLikeCheckFile(text: string): boolean {
  // A cheap filter first: most SQL files never mention it.
  if (!/@check/i.test(text)) return false;
  let found = false;
  scanAnnotations(text, (annotation) => (found = annotation.keyword === 'check'));
  return found;
}
