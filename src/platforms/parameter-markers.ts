/**
 * Puts a platform's bind markers where the lexer found named parameters, so that the values
 * can travel beside the text instead of inside it. Only the placeholders the lexer reported
 * are touched; everything else in the statement is kept byte for byte.
 */
import { isPlatformError, PlatformError, type ErrorPosition } from './errors';
import type { StatementParameters } from './types';

export interface MarkedStatement {
  /** The statement with every use replaced by its marker. */
  readonly text: string;
  /** The names in the order their first use appears (what `:1`, `:2`… or named binds refer to). */
  readonly names: readonly string[];
  /** The name behind each use, in text order (what positional `?` markers refer to). */
  readonly useNames: readonly string[];
  /** Where each marker sits in `text`, and the placeholder it replaced in the original. */
  readonly spans: readonly MarkerSpan[];
}

export interface MarkerSpan {
  readonly markedOffset: number;
  readonly markedLength: number;
  readonly offset: number;
  readonly length: number;
}

/** How a platform writes the marker of a use: `n` is the 1-based number of its name among `names`. */
export type MarkerWriter = (name: string, n: number) => string;

/** The placeholder forms the lexer finds: `:name` and `${name}`. */
function placeholderOf(text: string, name: string): boolean {
  return text === `:${name}` || text === `\${${name}}`;
}

/**
 * Replaces each use with `write(name, n)`. Refuses (a `configuration` error, nothing sent)
 * uses that overlap, fall outside the text, do not spell their name there, or lack a value:
 * any of those would mean the text and the values no longer say the same thing.
 */
export function markParameters(sql: string, parameters: StatementParameters, write: MarkerWriter): MarkedStatement {
  const names: string[] = [];
  const useNames: string[] = [];
  const spans: MarkerSpan[] = [];
  let text = '';
  let at = 0;
  for (const use of parameters.uses) {
    const end = use.offset + use.length;
    if (!Number.isInteger(use.offset) || use.offset < at || end > sql.length || !placeholderOf(sql.slice(use.offset, end), use.name)) {
      throw new PlatformError('configuration', `Nothing was run: the parameter ${use.name} is not where the statement says it is.`);
    }
    if (!Object.prototype.hasOwnProperty.call(parameters.values, use.name)) {
      throw new PlatformError('configuration', `Nothing was run: the parameter ${use.name} has no value.`);
    }
    if (!names.includes(use.name)) {
      names.push(use.name);
    }
    useNames.push(use.name);
    text += sql.slice(at, use.offset);
    const marker = write(use.name, names.indexOf(use.name) + 1);
    spans.push({ markedOffset: text.length, markedLength: marker.length, offset: use.offset, length: use.length });
    text += marker;
    at = end;
  }
  return { text: text + sql.slice(at), names, useNames, spans };
}

/** An offset in the marked text as an offset in the original (a place inside a marker: its placeholder). */
export function originalOffset(marked: MarkedStatement, markedOffset: number): number {
  let shift = 0;
  for (const span of marked.spans) {
    if (markedOffset < span.markedOffset) {
      break;
    }
    if (markedOffset < span.markedOffset + span.markedLength) {
      return span.offset;
    }
    shift = span.offset + span.length - (span.markedOffset + span.markedLength);
  }
  return markedOffset + shift;
}

/**
 * The error with its position moved from the text that was sent to the text the user wrote
 * (unchanged when nothing was marked).
 */
export function relocateError(error: unknown, marked: MarkedStatement | undefined): unknown {
  if (marked === undefined || !isPlatformError(error) || error.position === undefined) {
    return error;
  }
  const { offset, length } = error.position;
  const start = originalOffset(marked, offset);
  // A located span (SQL Server's line) keeps covering the same words in the text as written.
  return withPosition(error, length === undefined ? { offset: start } : { offset: start, length: Math.max(1, originalOffset(marked, offset + length) - start) });
}

/** The error without a position: for sent text that maps back to no exact place, no underline beats a wrong one. */
export function withoutPosition(error: unknown): unknown {
  return isPlatformError(error) && error.position !== undefined ? withPosition(error, undefined) : error;
}

function withPosition(error: PlatformError, position: ErrorPosition | undefined): PlatformError {
  return new PlatformError(error.kind, error.message, {
    serverMessage: error.serverMessage,
    code: error.code,
    position,
    detail: error.detail,
    hint: error.hint,
    notSent: error.notSent,
    cause: error.cause,
  });
}

/** The value of each name, in the order given. */
export function valuesOf(parameters: StatementParameters, names: readonly string[]): (string | null)[] {
  return names.map((name) => parameters.values[name] ?? null);
}

/**
 * Two names that differ only in case (`:Region`, `:region`), where the platform's names are
 * case-insensitive (T-SQL variables): they would be one variable declared twice.
 */
export function caseClash(names: readonly string[]): readonly [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) return [other, name];
    seen.set(name.toLowerCase(), name);
  }
  return undefined;
}

/** True when there is anything to bind. */
export function hasParameters(parameters: StatementParameters | undefined): parameters is StatementParameters {
  return parameters !== undefined && parameters.uses.length > 0;
}
