import { Emitter, type Event } from '../common/events';
import type { ColumnInfo, PlatformId, Row } from '../platforms/types';
import { ResultMemory, type ChunkStore } from './result-memory';
import { rowBounds } from './row-bounds';
import { columnKind, type ColumnView, type ErrorView, type NoticeView, type ResultStatus, type ResultView, type SameAsYourselfView, type StampView } from './protocol';

/** Rows from small driver batches are gathered until this many (or until someone asks). */
const CHUNK_ROWS = 1000;

/** The rows one read returns: whole chunks, each a JSON array of rows. */
export interface RowSlice {
  readonly from: number;
  readonly count: number;
  readonly chunks: readonly string[];
}

/** The order the grid shows a result in, computed by the host's sort (results/sorter.ts). */
export interface DisplayOrder {
  readonly column: number;
  readonly direction: 'asc' | 'desc';
  /** Element i: the row index (in arrival order) shown at position i. */
  readonly order: Uint32Array;
}

/** Rows per read when rows() streams a sorted result (each read parses the chunks it touches once). */
const ORDERED_READ_ROWS = 100_000;

/** What a run tells a result when its statement ends. */
export type ResultEnd =
  | {
      readonly status: 'succeeded';
      readonly rowCount: number | null;
      readonly command: string | null;
      readonly durationMs: number;
      readonly queryId: string | null;
      readonly sameAsYourself?: SameAsYourselfView;
    }
  | { readonly status: 'failed'; readonly error: ErrorView; readonly durationMs: number | null }
  | { readonly status: 'cancelled'; readonly durationMs: number | null }
  | { readonly status: 'skipped' };

const SETTLED: ReadonlySet<ResultStatus> = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);

/** Where a result keeps its rows: the window's memory budget, and whether its spill is sealed. */
export interface ResultStorage {
  readonly memory: ResultMemory;
  /**
   * Whether this result's spill file must be encrypted, asked when its first chunk is stored
   * (the stamp, saying whom the statement ran as, is known by then).
   */
  readonly encrypt: (stamp: StampView | null) => boolean;
}

/** No budget, nothing spills: for results made outside a window (tests, tools). */
function unbounded(): ResultStorage {
  return { memory: new ResultMemory({ budgetBytes: Number.POSITIVE_INFINITY }), encrypt: () => false };
}

/**
 * One statement's result in the extension host. Rows are kept as JSON text in chunks of about a
 * thousand rows: compact (a one-byte string per chunk rather than an object per cell), ready to
 * post to the webview as they are, and decoded again only for export.
 *
 * At the row limit the result pauses the driver's stream (the promise `append` returns stays
 * pending) until the user fetches more or stops reading; after "stop reading" the statement
 * runs to its end and further rows are only counted. Nothing here cancels a statement.
 */
export class ResultSet {
  private readonly changeEmitter = new Emitter<void>();
  private readonly rowsEmitter = new Emitter<void>();
  /** Metadata changed (status, stamp, columns, counts). */
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  /** Rows became readable, or the result settled (readers waiting for rows should look again). */
  readonly onDidStoreRows: Event<void> = this.rowsEmitter.event;

  /** The chunks' text, in memory or spilled; opened with the first chunk. */
  private chunks: ChunkStore | undefined;
  /** Row index of each chunk's first row (ascending), for reads from any row. */
  private chunkStarts: number[] = [];
  /** Each chunk's length in characters (known even when the chunk itself is on disk). */
  private chunkChars: number[] = [];
  private storedRows = 0;
  private storedChars = 0;
  private pending: Row[] = [];
  private overflow: readonly Row[] = [];
  private discardedRows = 0;
  private discarding = false;
  private resume: (() => void) | undefined;
  /** The promise the driver waits on while the result is paused at the limit. */
  private paused: Promise<void> | undefined;
  private disposed = false;
  private orderValue: DisplayOrder | undefined;
  /** Row bounds of chunks read through an order (see rowTextsAt), by chunk index. */
  private bounds = new Map<number, Uint32Array>();

  private statusValue: ResultStatus = 'queued';
  private stampValue: StampView | null = null;
  private columnsValue: ColumnView[] | null = null;
  private rawColumns: ColumnInfo[] = [];
  private command: string | null = null;
  private error: ErrorView | null = null;
  private readonly notices: NoticeView[] = [];
  private statementValue: string | null;
  private platformValue: PlatformId | null = null;

  constructor(
    readonly id: string,
    /** The statement's place in its run. */
    readonly index: number,
    statement: string,
    private limit: number,
    /** Which of the statement's result sets this is, from 0 (a T-SQL batch may return several). */
    readonly part = 0,
    private readonly storage: ResultStorage = unbounded(),
  ) {
    this.statementValue = statement;
  }

  get status(): ResultStatus {
    return this.statusValue;
  }

  get settled(): boolean {
    return SETTLED.has(this.statusValue);
  }

  get statement(): string | null {
    return this.statementValue;
  }

  get stamp(): StampView | null {
    return this.stampValue;
  }

  /** The platform the statement ran on (whose lexical rules find its secrets), once it started. */
  get platform(): PlatformId | null {
    return this.platformValue;
  }

  get columns(): readonly ColumnInfo[] {
    return this.rawColumns;
  }

  /** True once the statement described a result set for this result (it has columns). */
  get hasResultSet(): boolean {
    return this.columnsValue !== null;
  }

  /** Every row the statement returned here: held, dropped after "stop reading", or held back at the limit. */
  get rowsReturned(): number {
    return this.rowCount + this.discardedRows + this.overflow.length;
  }

  /** Rows held (including those gathered but not yet in a chunk). */
  get rowCount(): number {
    return this.storedRows + this.pending.length;
  }

  /** UTF-16 code units of row JSON held: the memory the rows take, give or take. */
  get sizeChars(): number {
    return this.storedChars;
  }

  started(stamp: StampView, platform?: PlatformId): void {
    this.stampValue = stamp;
    this.platformValue = platform ?? null;
    this.statusValue = 'running';
    this.changeEmitter.fire();
  }

  /** The Immuta project learnt after the statement started (the stamp shows it when it lands). */
  setProject(project: string | null): void {
    if (!this.stampValue || this.stampValue.project === project) return;
    this.stampValue = { ...this.stampValue, project };
    this.changeEmitter.fire();
  }

  setColumns(columns: readonly ColumnInfo[]): void {
    this.rawColumns = [...columns];
    this.columnsValue = columns.map((column) => ({ name: column.name, type: column.type, kind: columnKind(column.type) }));
    this.changeEmitter.fire();
  }

  notice(notice: NoticeView): void {
    this.notices.push(notice);
    this.changeEmitter.fire();
  }

  /** Takes a batch from the driver; the promise it may return is the stream's backpressure. */
  append(batch: readonly Row[]): Promise<void> | void {
    if (this.disposed || this.discarding) {
      this.discardedRows += batch.length;
      return;
    }
    if (this.paused) {
      // A driver may deliver rows it had already buffered after being asked to pause.
      this.overflow = this.overflow.concat(batch);
      return this.paused;
    }
    if (this.admit(batch)) return;
    this.paused = new Promise<void>((resolve) => {
      this.resume = resolve;
    });
    return this.paused;
  }

  /** Raises the limit by `rows` (or removes it) and lets a paused statement go on. */
  fetchMore(rows: number | 'all'): void {
    if (this.statusValue !== 'paused') return;
    this.limit = rows === 'all' ? Number.MAX_SAFE_INTEGER : this.limit + rows;
    const overflow = this.overflow;
    this.overflow = [];
    this.statusValue = 'running';
    // When the held-back rows alone fill the new limit, the stream stays paused on its promise.
    if (this.admit(overflow)) this.releaseStream();
    this.changeEmitter.fire();
  }

  /** Lets a paused statement run to its end, counting and dropping the rest of its rows. */
  stopReading(): void {
    if (this.statusValue !== 'paused') return;
    this.discarding = true;
    this.discardedRows += this.overflow.length;
    this.overflow = [];
    this.statusValue = 'running';
    this.releaseStream();
    this.changeEmitter.fire();
  }

  finish(end: ResultEnd): void {
    this.flush();
    this.overflow = [];
    this.statusValue = end.status;
    if (end.status === 'succeeded') {
      this.command = end.command;
      this.stampValue = this.stampValue && {
        ...this.stampValue,
        durationMs: end.durationMs,
        rowCount: end.rowCount,
        queryId: end.queryId,
        ...(end.sameAsYourself !== undefined ? { sameAsYourself: end.sameAsYourself } : {}),
      };
    } else if (end.status !== 'skipped') {
      if (end.status === 'failed') this.error = end.error;
      if (this.stampValue) this.stampValue = { ...this.stampValue, durationMs: end.durationMs, rowCount: this.rowCount };
    }
    this.releaseStream();
    this.changeEmitter.fire();
    this.rowsEmitter.fire();
  }

  /**
   * Rows from `from`, in whole chunks, up to about `maxRows` rows and `maxChars` characters
   * (always at least one chunk when any is there). Rows gathered but not yet chunked are chunked
   * first: a reader asking is the moment to hand them over. Chunks in memory are taken at once;
   * spilled ones are read from the spill file, one positioned read each (O(rows read)). A result
   * released meanwhile answers with no rows.
   */
  async read(from: number, maxRows: number, maxChars: number): Promise<RowSlice> {
    if (from >= this.storedRows && this.pending.length > 0) this.flush();
    const first = this.chunkAt(from);
    const store = this.chunks;
    if (first < 0 || !store) return { from, count: 0, chunks: [] };
    const texts: string[] = [];
    const reads: Promise<void>[] = [];
    let count = 0;
    let chars = 0;
    for (let index = first; index < this.chunkStarts.length; index++) {
      const rows = this.chunkRows(index);
      const length = this.chunkChars[index];
      if (texts.length > 0 && (count + rows > maxRows || chars + length > maxChars)) break;
      const text = store.get(index);
      const at = texts.push(typeof text === 'string' ? text : '') - 1;
      if (typeof text !== 'string') reads.push(text.then((read) => void (texts[at] = read)));
      count += rows;
      chars += length;
    }
    const start = this.chunkStarts[first];
    if (reads.length === 0) return { from: start, count, chunks: texts };
    try {
      await Promise.all(reads);
      return { from: start, count, chunks: texts };
    } catch (error) {
      if (this.disposed) return { from, count: 0, chunks: [] };
      throw error;
    }
  }

  /** The grid's order, when the user sorted this result in the host; undefined: arrival order. */
  get order(): DisplayOrder | undefined {
    return this.orderValue;
  }

  /** Sets (or, with undefined, clears) the order pulls, exports and copies follow. */
  setOrder(order: DisplayOrder | undefined): void {
    if (!this.disposed) this.orderValue = order;
  }

  /**
   * Each row's start and end in its chunk's text, in row order (as the sort worker found them):
   * kept per chunk, so sorted windows cut rows out without scanning chunks on the host's thread.
   * Ignored unless it covers exactly the rows stored.
   */
  adoptRowBounds(bounds: Uint32Array): void {
    if (this.disposed || bounds.length !== 2 * this.storedRows) return;
    for (let chunk = 0; chunk < this.chunkStarts.length; chunk++) {
      const start = this.chunkStarts[chunk];
      this.bounds.set(chunk, bounds.subarray(2 * start, 2 * (start + this.chunkRows(chunk))));
    }
  }

  /** Each chunk's JSON text in row order, read back from the spill file where needed (the sort's input). */
  async *chunkTexts(): AsyncGenerator<string> {
    this.flush();
    const store = this.chunks;
    const count = this.chunkStarts.length;
    if (!store) return;
    for (let index = 0; index < count; index++) {
      const text = store.get(index);
      yield typeof text === 'string' ? text : await text;
    }
  }

  /** The rows at `indices` (arrival-order row indexes), in that order, decoded. */
  async rowsAt(indices: ArrayLike<number>): Promise<Row[]> {
    return (await this.rowTextsAt(indices)).map((text) => JSON.parse(text) as Row);
  }

  /**
   * The JSON text of the rows at `indices` (arrival-order row indexes), in that order. Indexes
   * are grouped by chunk, each chunk needed is taken (from memory or the spill file) once, and
   * rows are cut out of it by their bounds, found once per chunk and kept (8 bytes a row), so a
   * window of a sorted result costs no parse of the chunks it touches. The host's event loop
   * gets a turn every eight chunks scanned. A result released meanwhile answers with no rows.
   */
  async rowTextsAt(indices: ArrayLike<number>): Promise<string[]> {
    this.flush();
    const store = this.chunks;
    if (!store || indices.length === 0) return [];
    const byChunk = new Map<number, number[]>();
    for (let at = 0; at < indices.length; at++) {
      const chunk = this.chunkAt(indices[at]);
      if (chunk < 0) throw new RangeError(`row ${indices[at]} is past the ${this.storedRows} rows held`);
      let places = byChunk.get(chunk);
      if (places === undefined) byChunk.set(chunk, (places = []));
      places.push(at);
    }
    const rows = new Array<string>(indices.length);
    let scanned = 0;
    try {
      for (const [chunk, places] of byChunk) {
        const stored = store.get(chunk);
        const text = typeof stored === 'string' ? stored : await stored;
        let bounds = this.bounds.get(chunk);
        if (bounds === undefined) {
          bounds = rowBounds(text);
          this.bounds.set(chunk, bounds);
          if (++scanned % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.disposed) return [];
        }
        const start = this.chunkStarts[chunk];
        for (const at of places) {
          const row = indices[at] - start;
          rows[at] = text.slice(bounds[2 * row], bounds[2 * row + 1]);
        }
      }
    } catch (error) {
      if (this.disposed) return [];
      throw error;
    }
    return rows;
  }

  /**
   * Up to `maxRows` rows as the grid shows them from display position `from`, through the
   * host's order, as one chunk of JSON text; undefined when the result is not sorted in the host.
   */
  async readDisplayed(from: number, maxRows: number): Promise<{ from: number; count: number; chunk: string } | undefined> {
    const order = this.orderValue?.order;
    if (order === undefined) return undefined;
    const to = Math.min(order.length, from + Math.max(0, maxRows));
    const texts = from >= to ? [] : await this.rowTextsAt(order.subarray(from, to));
    return { from, count: texts.length, chunk: `[${texts.join(',')}]` };
  }

  /**
   * Every held row in the grid's order (for export and copy): decoded chunk by chunk in arrival
   * order (memory stays one chunk), or through the sort's order in reads of ORDERED_READ_ROWS.
   */
  async *rows(): AsyncGenerator<Row> {
    const order = this.orderValue?.order;
    if (order !== undefined) {
      for (let from = 0; from < order.length; from += ORDERED_READ_ROWS) {
        for (const row of await this.rowsAt(order.subarray(from, Math.min(order.length, from + ORDERED_READ_ROWS)))) yield row;
      }
      return;
    }
    // The rows held now (chunkTexts counts the chunks once): a result still streaming does not
    // grow under an export.
    for await (const text of this.chunkTexts()) for (const row of JSON.parse(text) as Row[]) yield row;
  }

  /** Chunks of this result in its spill file (0 while everything is in memory). */
  get spilledChunks(): number {
    return this.chunks?.spilledChunks ?? 0;
  }

  /** Positioned reads of the spill file so far (reads cost O(rows read), which tests check). */
  get spillReads(): number {
    return this.chunks?.spillFile?.reads ?? 0;
  }

  /** The result's spill file, once any chunk spilled. */
  get spillPath(): string | undefined {
    return this.chunks?.spillFile?.path;
  }

  view(): ResultView {
    return {
      id: this.id,
      index: this.index,
      ...(this.part > 0 ? { part: this.part } : {}),
      statement: this.statementValue,
      status: this.statusValue,
      stamp: this.stampValue,
      columns: this.columnsValue,
      storedRows: this.rowCount,
      discardedRows: this.discardedRows,
      rowLimit: this.limit,
      command: this.command,
      error: this.error,
      notices: this.notices,
      ...(this.orderValue ? { sort: { column: this.orderValue.column, direction: this.orderValue.direction } } : {}),
    };
  }

  /** Frees the rows and lets a paused driver stream go on (dropping what follows). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.orderValue = undefined;
    this.bounds = new Map();
    this.chunks?.dispose();
    this.chunks = undefined;
    this.chunkStarts = [];
    this.chunkChars = [];
    this.pending = [];
    this.storedChars = 0;
    this.discarding = true;
    this.overflow = [];
    this.releaseStream();
    this.rowsEmitter.fire();
    this.changeEmitter.dispose();
    this.rowsEmitter.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Keeps what fits under the limit; true when all of it did, else pauses on the rest. */
  private admit(batch: readonly Row[]): boolean {
    const room = this.limit - this.rowCount;
    if (batch.length <= room) {
      this.gather(batch);
      return true;
    }
    this.gather(batch.slice(0, room));
    this.overflow = batch.slice(room);
    this.flush();
    this.statusValue = 'paused';
    this.changeEmitter.fire();
    return false;
  }

  private gather(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    if (this.pending.length === 0 && rows.length >= CHUNK_ROWS / 4) {
      this.store(rows);
    } else {
      for (const row of rows) this.pending.push(row);
      if (this.pending.length >= CHUNK_ROWS) this.flush();
    }
    this.rowsEmitter.fire();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.store(rows);
  }

  private store(rows: readonly Row[]): void {
    const text = JSON.stringify(rows);
    this.chunks ??= this.storage.memory.open({ encrypt: this.storage.encrypt(this.stampValue) });
    this.chunkStarts.push(this.storedRows);
    this.chunkChars.push(text.length);
    this.chunks.push(text);
    this.storedRows += rows.length;
    this.storedChars += text.length;
  }

  private chunkRows(index: number): number {
    const next = index + 1 < this.chunkStarts.length ? this.chunkStarts[index + 1] : this.storedRows;
    return next - this.chunkStarts[index];
  }

  /** The chunk holding row `row`, or -1 past the end. */
  private chunkAt(row: number): number {
    if (row >= this.storedRows) return -1;
    let low = 0;
    let high = this.chunkStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.chunkStarts[middle] <= row) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private releaseStream(): void {
    const resume = this.resume;
    this.resume = undefined;
    this.paused = undefined;
    resume?.();
  }
}
