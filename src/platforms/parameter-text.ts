/**
 * A statement's named parameters (`:region`, `${region}`) replaced by a platform's bind markers,
 * for adapters whose driver binds values (pg `$1`, T-SQL `@p_region`). Only the placeholders the
 * lexer found are replaced; the values never enter the text. Positions in the server's errors
 * refer to the replaced text, so `originalOffset` maps them back to the text the user wrote.
 */
import { PlatformError } from './errors';
import type { StatementParameters } from './types';

export interface MarkedText {
  /** The statement with every use replaced by its marker. */
  readonly text: string;
  /** The distinct names, in the order of their first use: marker ordinal n (1-based) is names[n - 1]. */
  readonly names: readonly string[];
  /** The value of each of `names`, in the same order (null: SQL NULL). */
  readonly values: readonly (string | null)[];
  /** The offset in the original text of an offset in `text` (a marker maps to its placeholder). */
  originalOffset(offset: number): number;
}

/**
 * Replaces each use with `marker(name, ordinal)`, one ordinal per distinct name. Refuses (a
 * `configuration` error, nothing sent) when a use does not point at its placeholder in `sql` or a
 * used name has no value: binding something else than what the user saw must never happen.
 */
export function withBindMarkers(sql: string, parameters: StatementParameters, marker: (name: string, ordinal: number) => string): MarkedText {
  const names: string[] = [];
  const values: (string | null)[] = [];
  const ordinals = new Map<string, number>();
  /** Each marker's [start, end) in `text` and its placeholder's [start, end) in `sql`. */
  const shifts: [number, number, number, number][] = [];
  let text = '';
  let from = 0;
  for (const use of [...parameters.uses].sort((a, b) => a.offset - b.offset)) {
    const written = sql.slice(use.offset, use.offset + use.length);
    if (use.offset < from || (written !== `:${use.name}` && written !== `\${${use.name}}`)) {
      throw new PlatformError('configuration', `The statement changed after its parameters were read (expected :${use.name} at offset ${use.offset}). Run it again.`);
    }
    if (!Object.prototype.hasOwnProperty.call(parameters.values, use.name)) {
      throw new PlatformError('configuration', `No value was given for the parameter :${use.name}, so the statement was not sent.`);
    }
    let ordinal = ordinals.get(use.name);
    if (ordinal === undefined) {
      ordinal = names.length + 1;
      ordinals.set(use.name, ordinal);
      names.push(use.name);
      values.push(parameters.values[use.name] ?? null);
    }
    text += sql.slice(from, use.offset);
    const markerStart = text.length;
    text += marker(use.name, ordinal);
    shifts.push([markerStart, text.length, use.offset, use.offset + use.length]);
    from = use.offset + use.length;
  }
  text += sql.slice(from);
  const originalOffset = (offset: number): number => {
    // Before the first marker the texts agree; after a marker, they agree from its placeholder's end.
    let original = offset;
    for (const [markerStart, markerEnd, placeholderStart, placeholderEnd] of shifts) {
      if (offset < markerStart) break;
      original = offset < markerEnd ? placeholderStart : placeholderEnd + (offset - markerEnd);
    }
    return original;
  };
  return { text, names, values, originalOffset };
}

/**
 * Two names that differ only in case (`:Region`, `:region`), where the platform's names are
 * case-insensitive (T-SQL variables): they would be one declared twice.
 */
export function caseClash(names: readonly string[]): readonly [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const key = name.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) return [other, name];
    seen.set(key, name);
  }
  return undefined;
}

/** A server error about the marked text, with its position moved back to the text the user wrote. */
export function errorInOriginal(error: PlatformError, marked: MarkedText): PlatformError {
  if (error.position === undefined) return error;
  const start = marked.originalOffset(error.position.offset);
  const position = error.position.length === undefined ? { offset: start } : { offset: start, length: Math.max(1, marked.originalOffset(error.position.offset + error.position.length) - start) };
  return new PlatformError(error.kind, error.message, {
    ...(error.serverMessage !== undefined ? { serverMessage: error.serverMessage } : {}),
    ...(error.code !== undefined ? { code: error.code } : {}),
    position,
    ...(error.detail !== undefined ? { detail: error.detail } : {}),
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    notSent: error.notSent,
    cause: error,
  });
}
