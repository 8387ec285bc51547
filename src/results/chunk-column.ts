import type { CellValue } from '../platforms/types';

/**
 * Reads one column out of a result chunk (the JSON text of an array of rows, each an array of
 * scalar cells) without parsing the other cells: a sort needs one value of ten, and skipping the
 * rest by scanning for quotes and commas costs far less than JSON.parse building every cell.
 * Anything that is not such a chunk throws a MalformedChunkError saying where.
 */
export class MalformedChunkError extends Error {
  constructor(readonly chunk: number, readonly offset: number, what: string) {
    super(`Result chunk ${chunk} is malformed at character ${offset}: ${what}`);
    this.name = 'MalformedChunkError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Calls `take` with the column's cell of each row, in order; a row too short gives null (as the grid shows it). */
export function readColumn(text: string, chunk: number, column: number, take: (value: CellValue) => void): number {
  let at = 0;
  const fail = (what: string): never => {
    throw new MalformedChunkError(chunk, at, what);
  };
  const skipSpace = () => {
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  };
  /** The end (exclusive) of the string starting at `at` (on its opening quote). */
  const stringEnd = (): number => {
    let close = text.indexOf('"', at + 1);
    for (;;) {
      if (close < 0) return fail('a string is not closed');
      let slashes = 0;
      while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return close + 1;
      close = text.indexOf('"', close + 1);
    }
  };
  /** The end (exclusive) of a number or literal starting at `at`. */
  const scalarEnd = (): number => {
    let end = at;
    while (end < text.length) {
      const code = text.charCodeAt(end);
      if (code === COMMA || code === CLOSE || isSpace(code)) break;
      if (code === OPEN || code === QUOTE || code === 0x7b) fail('a cell is not a scalar');
      end++;
    }
    if (end === at) fail('a cell is missing');
    return end;
  };
  const decode = (end: number): CellValue => {
    const first = text.charCodeAt(at);
    const raw = text.slice(at, end);
    if (first === QUOTE) return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    if (raw === 'null') return null;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    const number = Number(raw);
    if (raw.trim() === '' || Number.isNaN(number)) fail(`"${raw.slice(0, 20)}" is not a JSON value`);
    return number;
  };

  skipSpace();
  if (text.charCodeAt(at) !== OPEN) fail('a chunk must be a JSON array of rows');
  at++;
  skipSpace();
  let rows = 0;
  if (text.charCodeAt(at) === CLOSE) {
    at++;
  } else {
    for (;;) {
      skipSpace();
      if (text.charCodeAt(at) !== OPEN) fail('a row must be an array');
      at++;
      skipSpace();
      let cell = 0;
      let found = false;
      if (text.charCodeAt(at) === CLOSE) {
        at++;
      } else {
        for (;;) {
          skipSpace();
          if (at >= text.length) fail('the chunk ends inside a row');
          const end = text.charCodeAt(at) === QUOTE ? stringEnd() : scalarEnd();
          if (cell === column) {
            take(decode(end));
            found = true;
          }
          at = end;
          cell++;
          skipSpace();
          const next = text.charCodeAt(at++);
          if (next === CLOSE) break;
          if (next !== COMMA) fail(at > text.length ? 'the chunk ends inside a row' : 'expected "," or "]" after a cell');
        }
      }
      if (!found) take(null);
      rows++;
      skipSpace();
      const next = text.charCodeAt(at++);
      if (next === CLOSE) break;
      if (next !== COMMA) fail(at > text.length ? 'the chunk ends before its closing "]"' : 'expected "," or "]" after a row');
    }
  }
  skipSpace();
  if (at < text.length) fail('text follows the end of the chunk');
  return rows;
}
