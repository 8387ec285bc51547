import type { ColumnKind } from '../results/protocol';
import { sortKeys } from './compare';

export type Cell = string | number | boolean | null;
export type Row = readonly Cell[];

export type SortDirection = 'asc' | 'desc';
export interface SortState {
  readonly column: number;
  readonly direction: SortDirection;
}

/** The most rows one result's cache holds, whatever the result's size. */
export const CACHE_ROWS = 20_000;

/** Consecutive rows the cache holds, from row index `from`. */
interface Segment {
  readonly from: number;
  readonly rows: readonly Row[];
}

/** What a row not in the cache (yet) shows: no cells. */
export const PENDING_ROW: Row = Object.freeze([]);

/**
 * The rows of one result that the webview holds: a bounded cache of windows, never the whole
 * result (the extension host is the only store). The grid asks for any row index up to `length`
 * (the rows the host stores); a row not held reads as PENDING_ROW until its window arrives.
 * When the cache is over its bound, the windows farthest from where the user is go first.
 *
 * Sorting is only offered when every row is held (a result of at most CACHE_ROWS rows): a sort
 * of a partial set would be a lie. It is a permutation over row indexes applied by `getRow`.
 */
export class RowStore {
  /** Ascending by `from`, never overlapping. */
  private segments: Segment[] = [];
  private rows = 0;
  private heldRows = 0;
  private order: Uint32Array | null = null;
  private sortState: SortState | null = null;
  /** True when the host sorted the result: rows arrive in display order, indexed by display position. */
  private hostOrdered = false;

  constructor(readonly limit = CACHE_ROWS) {}

  /** Rows the result has (as far as the view knows): the grid's row count. */
  get length(): number {
    return this.rows;
  }

  /** Rows held in the cache. */
  get held(): number {
    return this.heldRows;
  }

  get sort(): SortState | null {
    return this.sortState;
  }

  /** True when the order shown is the host's (rows held by display position, not arrival index). */
  get sortedByHost(): boolean {
    return this.hostOrdered;
  }

  /**
   * The host sorted the result (or restored arrival order, with null): what is held was in the
   * old order, so it is all dropped; rows are pulled again by display position.
   */
  setHostOrder(state: SortState | null): void {
    this.segments = [];
    this.heldRows = 0;
    this.order = null;
    this.sortState = state;
    this.hostOrdered = state !== null;
  }

  /** The result has (at least) this many rows. */
  grow(rows: number): void {
    if (rows > this.rows) this.rows = rows;
  }

  /** True when every row of the result is in the cache. */
  complete(): boolean {
    return this.heldRows >= this.rows;
  }

  /**
   * Adds rows from `from`, replacing what was held for those indexes, then evicts the windows
   * farthest from `keep` (the rows around the viewport, never evicted) while over the bound.
   */
  put(from: number, rows: readonly Row[], keep: { readonly from: number; readonly to: number }): void {
    if (rows.length === 0) return;
    const to = from + rows.length;
    const next: Segment[] = [];
    for (const segment of this.segments) {
      const end = segment.from + segment.rows.length;
      if (end <= from || segment.from >= to) {
        next.push(segment);
        continue;
      }
      if (segment.from < from) next.push({ from: segment.from, rows: segment.rows.slice(0, from - segment.from) });
      if (end > to) next.push({ from: to, rows: segment.rows.slice(to - segment.from) });
    }
    next.push({ from, rows });
    next.sort((a, b) => a.from - b.from);
    this.segments = next;
    this.grow(to);
    this.recount();
    this.evict(keep);
  }

  /** The row shown at `displayIndex` (the sort applied), or PENDING_ROW while it is not held. */
  getRow(displayIndex: number): Row {
    return this.rowAt(this.rowIndex(displayIndex));
  }

  /** True while the row shown at `displayIndex` is not held. */
  isPending(displayIndex: number): boolean {
    return this.getRow(displayIndex) === PENDING_ROW && displayIndex >= 0 && displayIndex < this.rows;
  }

  /** The arrival index of the row shown at `displayIndex`. */
  rowIndex(displayIndex: number): number {
    const order = this.order;
    return order !== null && displayIndex < order.length ? order[displayIndex] : displayIndex;
  }

  /** The row at its arrival index, or PENDING_ROW. */
  rowAt(index: number): Row {
    const segment = this.segmentOf(index);
    return segment === undefined ? PENDING_ROW : (segment.rows[index - segment.from] ?? PENDING_ROW);
  }

  /** The first row index in [from, to] (arrival order, clamped to the result) that is not held, or -1. */
  firstMissing(from: number, to: number): number {
    let index = Math.max(0, from);
    const last = Math.min(to, this.rows - 1);
    while (index <= last) {
      const segment = this.segmentOf(index);
      if (segment === undefined) return index;
      index = segment.from + segment.rows.length;
    }
    return -1;
  }

  /**
   * Sorts by one column, or restores arrival order with `direction` null. Only when every row
   * is held; stable; NULLs last in both directions.
   */
  sortBy(column: number, kind: ColumnKind, direction: SortDirection | null): void {
    if (direction === null) {
      this.order = null;
      this.sortState = null;
      return;
    }
    if (!this.complete()) throw new Error(`sorting needs every row in the view (${this.heldRows} of ${this.rows} held)`);
    const values: Cell[] = new Array<Cell>(this.rows);
    for (const segment of this.segments) {
      for (let i = 0; i < segment.rows.length; i++) values[segment.from + i] = segment.rows[i][column] ?? null;
    }
    const { isNull, compare } = sortKeys(kind, values);
    const order = new Uint32Array(this.rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const sign = direction === 'asc' ? 1 : -1;
    order.sort((a, b) => {
      const nulls = isNull[a] - isNull[b];
      if (nulls !== 0) return nulls;
      if (isNull[a] === 1) return a - b;
      return sign * compare(a, b) || a - b;
    });
    this.order = order;
    this.sortState = { column, direction };
  }

  private segmentOf(index: number): Segment | undefined {
    const segments = this.segments;
    let low = 0;
    let high = segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const segment = segments[middle];
      if (index < segment.from) high = middle - 1;
      else if (index >= segment.from + segment.rows.length) low = middle + 1;
      else return segment;
    }
    return undefined;
  }

  private recount(): void {
    this.heldRows = this.segments.reduce((sum, segment) => sum + segment.rows.length, 0);
  }

  private evict(keep: { readonly from: number; readonly to: number }): void {
    // A sorted view needs every row; sorting is only offered when they all fit.
    if (this.heldRows <= this.limit || this.order !== null) return;
    const distance = (segment: Segment): number => {
      const end = segment.from + segment.rows.length - 1;
      if (end < keep.from) return keep.from - end;
      if (segment.from > keep.to) return segment.from - keep.to;
      return 0;
    };
    const farthest = [...this.segments].filter((segment) => distance(segment) > 0).sort((a, b) => distance(b) - distance(a));
    const dropped = new Set<Segment>();
    let held = this.heldRows;
    for (const segment of farthest) {
      if (held <= this.limit) break;
      dropped.add(segment);
      held -= segment.rows.length;
    }
    this.segments = this.segments.filter((segment) => !dropped.has(segment));
    this.recount();
  }
}
