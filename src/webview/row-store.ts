import type { ColumnKind } from '../results/protocol';
import { sortKeys, type SortKeys } from './compare';

export type Cell = string | number | boolean | null;
export type Row = readonly Cell[];

export type SortDirection = 'asc' | 'desc';
export interface SortState {
  readonly column: number;
  readonly direction: SortDirection;
}

/** The rows of one `rows` answer: its chunks, with each chunk's first row learnt when parsed. */
interface Segment {
  readonly from: number;
  readonly count: number;
  readonly chunks: readonly string[];
  /** Global ids of the chunks, for the parsed-chunk cache. */
  readonly firstChunkId: number;
  /** starts[j] is the first row of chunk j; NaN until the chunks before it were parsed. */
  readonly starts: Float64Array;
}

const EMPTY_ROW: Row = [];

/**
 * One result's rows in the webview. Chunks stay the JSON text they arrived as and are parsed on
 * demand, with a small LRU of parsed chunks, so a million rows cost a million rows of text rather
 * than ten million JS values. A sort is a permutation over row indexes applied by `getRow`.
 */
export class RowStore {
  private readonly segments: Segment[] = [];
  private rows = 0;
  private chunkCount = 0;
  private readonly parsed = new Map<number, Row[]>();
  private parsedRows = 0;
  private lastSegment: Segment | undefined;
  private order: Uint32Array | null = null;
  private sortState: SortState | null = null;
  private keys: { readonly column: number; readonly kind: ColumnKind; readonly keys: SortKeys } | undefined;

  /** @param cachedRows how many parsed rows the LRU keeps (at least one chunk is always kept). */
  constructor(private readonly cachedRows = 50_000) {}

  get length(): number {
    return this.rows;
  }

  get sort(): SortState | null {
    return this.sortState;
  }

  /** Appends a `rows` answer; `from` must be the number of rows already held. */
  append(from: number, count: number, chunks: readonly string[]): void {
    if (from !== this.rows) throw new Error(`rows from ${from} do not follow the ${this.rows} rows held`);
    if (count === 0) return;
    if (chunks.length === 0) throw new Error(`an answer of ${count} rows came without chunks`);
    const starts = new Float64Array(chunks.length + 1).fill(NaN);
    starts[0] = from;
    starts[chunks.length] = from + count;
    this.segments.push({ from, count, chunks, firstChunkId: this.chunkCount, starts });
    this.chunkCount += chunks.length;
    this.rows += count;
  }

  /** The row shown at `displayIndex` (the sort applied). */
  getRow(displayIndex: number): Row {
    return this.rowAt(this.rowIndex(displayIndex));
  }

  /** The arrival index of the row shown at `displayIndex`. */
  rowIndex(displayIndex: number): number {
    const order = this.order;
    return order !== null && displayIndex < order.length ? order[displayIndex] : displayIndex;
  }

  /** The row at its arrival index. */
  rowAt(index: number): Row {
    if (index < 0 || index >= this.rows) return EMPTY_ROW;
    const segment = this.segmentOf(index);
    const { starts } = segment;
    const last = segment.chunks.length - 1;
    let j = 0;
    while (j < last && starts[j + 1] <= index) j++; // NaN (not yet known) compares false
    for (; j <= last; j++) {
      const rows = this.chunk(segment, j);
      if (index < starts[j] + rows.length) return rows[index - starts[j]] ?? EMPTY_ROW;
    }
    throw new Error(`the chunks of rows ${segment.from}..${segment.from + segment.count} hold fewer rows than announced`);
  }

  /**
   * Sorts by one column, or restores arrival order with `direction` null. Stable; NULLs last in
   * both directions. The column's keys are extracted once and reused for the other direction.
   */
  sortBy(column: number, kind: ColumnKind, direction: SortDirection | null): void {
    if (direction === null) {
      this.order = null;
      this.sortState = null;
      return;
    }
    const keys = this.keysFor(column, kind);
    const order = new Uint32Array(keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const sign = direction === 'asc' ? 1 : -1;
    const { isNull, compare } = keys;
    order.sort((a, b) => {
      const nulls = isNull[a] - isNull[b];
      if (nulls !== 0) return nulls;
      if (isNull[a] === 1) return a - b;
      return sign * compare(a, b) || a - b;
    });
    this.order = order;
    this.sortState = { column, direction };
  }

  private keysFor(column: number, kind: ColumnKind): SortKeys {
    const cached = this.keys;
    if (cached !== undefined && cached.column === column && cached.kind === kind && cached.keys.length === this.rows) return cached.keys;
    const values: Cell[] = new Array<Cell>(this.rows);
    let next = 0;
    for (const segment of this.segments) {
      for (let j = 0; j < segment.chunks.length; j++) {
        // Read without filling the LRU: a full pass would only evict what the grid shows.
        const rows = this.parsed.get(segment.firstChunkId + j) ?? this.learn(segment, j, parseChunk(segment.chunks[j]));
        for (const row of rows) values[next++] = row[column] ?? null;
      }
    }
    const keys = sortKeys(kind, values);
    this.keys = { column, kind, keys };
    return keys;
  }

  private segmentOf(index: number): Segment {
    const last = this.lastSegment;
    if (last !== undefined && index >= last.from && index < last.from + last.count) return last;
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.segments[middle].from <= index) low = middle;
      else high = middle - 1;
    }
    this.lastSegment = this.segments[low];
    return this.segments[low];
  }

  /** Chunk j of a segment, parsed (through the LRU); also learns where the next chunk starts. */
  private chunk(segment: Segment, j: number): Row[] {
    const id = segment.firstChunkId + j;
    const hit = this.parsed.get(id);
    if (hit !== undefined) {
      this.parsed.delete(id);
      this.parsed.set(id, hit);
      return hit;
    }
    if (Number.isNaN(segment.starts[j])) this.chunk(segment, j - 1);
    const rows = this.learn(segment, j, parseChunk(segment.chunks[j]));
    this.parsed.set(id, rows);
    this.parsedRows += rows.length;
    for (const [oldId, oldRows] of this.parsed) {
      if (this.parsedRows <= this.cachedRows || oldId === id) break;
      this.parsed.delete(oldId);
      this.parsedRows -= oldRows.length;
    }
    return rows;
  }

  private learn(segment: Segment, j: number, rows: Row[]): Row[] {
    if (Number.isNaN(segment.starts[j + 1])) segment.starts[j + 1] = segment.starts[j] + rows.length;
    return rows;
  }
}

function parseChunk(text: string): Row[] {
  const rows: unknown = JSON.parse(text);
  if (!Array.isArray(rows)) throw new Error('a chunk of rows is not a JSON array');
  return rows as Row[];
}
