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

/**
 * Where each row read starts and ends in its chunk's text (start, end pairs, end exclusive, in
 * row order across chunks): what ResultSet otherwise scans each chunk for when it cuts rows out
 * for a sorted window (row-bounds.ts), gathered here at no extra pass.
 */
export class RowBoundsSink {
  private values = new Uint32Array(4096);
  private length = 0;

  add(start: number, end: number): void {
    if (this.length + 2 > this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = start;
    this.values[this.length++] = end;
  }

  /** The pairs gathered so far, as an array of their own (transferable). */
  take(): Uint32Array {
    return this.values.slice(0, this.length);
  }
}

/**
 * Calls `take` with the column's cell of each row, in order; a row too short gives null (as the
 * grid shows it). With `bounds`, each row's place in `text` is added to it. Returns the rows read.
 */
export function readColumn(text: string, chunk: number, column: number, take: (value: CellValue) => void, bounds?: RowBoundsSink): number {
  const length = text.length;
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== OPEN) throw new MalformedChunkError(chunk, at, 'a chunk must be a JSON array of rows');
  at = skipSpace(text, at + 1);
  let rows = 0;
  if (text.charCodeAt(at) === CLOSE) {
    at++;
  } else {
    for (;;) {
      if (text.charCodeAt(at) !== OPEN) throw new MalformedChunkError(chunk, at, 'a row must be an array');
      const rowStart = at;
      at = skipSpace(text, at + 1);
      let found = false;
      if (text.charCodeAt(at) === CLOSE) {
        at++;
      } else {
        // JSON.stringify writes no spaces: the loop looks for them only where a delimiter was expected.
        for (let cell = 0; ; cell++) {
          if (at >= length) throw new MalformedChunkError(chunk, at, 'the chunk ends inside a row');
          const end = text.charCodeAt(at) === QUOTE ? stringEnd(text, chunk, at) : scalarEnd(text, chunk, at);
          if (cell === column) {
            take(decode(text, chunk, at, end));
            found = true;
          }
          at = end;
          let next = text.charCodeAt(at);
          if (isSpace(next)) {
            at = skipSpace(text, at);
            next = text.charCodeAt(at);
          }
          if (next === COMMA) {
            at = skipSpace(text, at + 1);
            continue;
          }
          if (next === CLOSE) {
            at++;
            break;
          }
          throw new MalformedChunkError(chunk, at, at >= length ? 'the chunk ends inside a row' : 'expected "," or "]" after a cell');
        }
      }
      if (!found) take(null);
      bounds?.add(rowStart, at);
      rows++;
      at = skipSpace(text, at);
      const next = text.charCodeAt(at);
      if (next === COMMA) {
        at = skipSpace(text, at + 1);
        continue;
      }
      if (next === CLOSE) {
        at++;
        break;
      }
      throw new MalformedChunkError(chunk, at, at >= length ? 'the chunk ends before its closing "]"' : 'expected "," or "]" after a row');
    }
  }
  at = skipSpace(text, at);
  if (at < length) throw new MalformedChunkError(chunk, at, 'text follows the end of the chunk');
  return rows;
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The end (exclusive) of the string whose opening quote is at `at`. */
function stringEnd(text: string, chunk: number, at: number): number {
  let close = text.indexOf('"', at + 1);
  for (;;) {
    if (close < 0) throw new MalformedChunkError(chunk, at, 'a string is not closed');
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
}

/** The end (exclusive) of the number or literal starting at `at`. */
function scalarEnd(text: string, chunk: number, at: number): number {
  let end = at;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === COMMA || code === CLOSE || isSpace(code)) break;
    if (code === OPEN || code === QUOTE || code === 0x7b) throw new MalformedChunkError(chunk, end, 'a cell is not a scalar');
    end++;
  }
  if (end === at) throw new MalformedChunkError(chunk, at, 'a cell is missing');
  return end;
}

function decode(text: string, chunk: number, at: number, end: number): CellValue {
  const raw = text.slice(at, end);
  if (text.charCodeAt(at) === QUOTE) return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  if (raw === 'null') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const number = Number(raw);
  if (Number.isNaN(number)) throw new MalformedChunkError(chunk, at, `"${raw.slice(0, 20)}" is not a JSON value`);
  return number;
}
