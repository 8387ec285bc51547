import { isPlatformError } from '../platforms/errors';

/** Where in its document a statement's error stands. */
export interface ErrorSpan {
  readonly offset: number;
  /** Absent (or 0): a point, marked as the word there. */
  readonly length?: number;
}

/**
 * The document span of the error a statement (or a T-SQL batch) starting at `statementStart`
 * failed with: the place the server located, moved from the text sent to the document. Undefined
 * when the server located nothing (the whole statement is then to blame).
 */
export function errorSpan(statementStart: number, error: unknown): ErrorSpan | undefined {
  const position = isPlatformError(error) ? error.position : undefined;
  if (!position) return undefined;
  return { offset: statementStart + position.offset, ...(position.length !== undefined ? { length: position.length } : {}) };
}
