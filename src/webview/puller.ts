import type { HostMessage, ResultView, WebviewMessage } from '../results/protocol';
import { canSort, isSettled } from './result-status';
import type { Row, RowStore, SortState } from './row-store';

/** A `rows` answer with its chunks decoded to text. */
export interface ReceivedRows {
  readonly requestId: number;
  readonly from: number;
  readonly count: number;
  readonly chunks: readonly string[];
}
type PullFailedMessage = Extract<HostMessage, { type: 'pullFailed' }>;

export interface PullerHost {
  post(message: WebviewMessage): void;
  /** A page-wide request id, so answers route to their puller. */
  nextRequestId(puller: Puller): number;
  /** Called at most once per animation frame when rows arrived or the row count grew. */
  rowCountChanged(resultId: string, rows: number): void;
  /** Called when the loop stops for good because a pull failed. */
  pullFailed(resultId: string, reason: string): void;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Rows asked for first: about a screenful or two, fast to send, parse and paint. */
const FIRST_PAGE_ROWS = 200;
/** Rows one pull asks for after the first: a window around the viewport (the host answers whole chunks of about 1,000). */
const WINDOW_ROWS = 2_000;
/** Rows kept ready above and below the viewport, so that wheel scrolling rarely meets a placeholder. */
const MARGIN_ROWS = 1_500;

/** Rows from the grid's viewport, inclusive. */
export interface Viewport {
  readonly top: number;
  readonly bottom: number;
}

/**
 * One result's rows on demand: while its tab is shown, it asks the host for the rows around the
 * viewport (visible rows first, then a margin), one pull at a time, into a bounded RowStore.
 * While the tab is hidden it asks for nothing. A result small enough to fit in the cache is
 * fetched whole once it stops streaming, so that it can be sorted and copied in the webview.
 */
export class Puller {
  private outstanding: number | null = null;
  private active = false;
  private viewport: Viewport = { top: 0, bottom: FIRST_PAGE_ROWS - 1 };
  private stopped = false;
  private frameRequested = false;
  private paintedMarked = false;
  /** False from a host reorder until its first rows are on screen. */
  private sortedMarked = true;
  private storedMarked = false;
  private failure: string | null = null;
  /** Pulls posted (for the page's debug counters). */
  pulls = 0;

  constructor(
    private result: ResultView,
    readonly store: RowStore,
    private readonly host: PullerHost,
  ) {
    store.grow(result.storedRows);
    // A re-created view of a result the host sorted pulls in the host's order.
    if (result.sort !== undefined) store.setHostOrder(result.sort);
  }

  get view(): ResultView {
    return this.result;
  }

  /** Why pulling stopped, when a pull failed. */
  get failed(): string | null {
    return this.failure;
  }

  /** Shown (pulls what the viewport needs) or hidden (pulls nothing). */
  setActive(active: boolean): void {
    this.active = active;
    this.pump();
  }

  setViewport(viewport: Viewport): void {
    this.viewport = viewport;
    this.pump();
  }

  update(result: ResultView): void {
    const grew = result.storedRows > this.store.length;
    this.result = result;
    this.store.grow(result.storedRows);
    if (grew) this.scheduleRowCount();
    this.pump();
  }

  receive(message: ReceivedRows): void {
    if (this.stopped || message.requestId !== this.outstanding) return;
    // Parsed before the pull counts as answered: a malformed answer is reported, not retried.
    const rows = parseRows(message);
    this.outstanding = null;
    const first = this.store.held === 0;
    this.store.put(message.from, rows, this.keepRange());
    if (first && rows.length > 0) {
      // The first rows (of the result, or of a new order) render now rather than at the next
      // frame: time to first rows on screen is what a user waits for.
      this.host.rowCountChanged(this.result.id, this.store.length);
    } else {
      this.scheduleRowCount();
    }
    this.pump();
  }

  /**
   * A result's first rows, sent by the host unasked: taken while the tab is shown and holds none
   * of its rows (in arrival order), so they render without waiting for a pull to cross over. A
   * pull already under way stays outstanding; its answer puts the same rows again.
   */
  receiveHead(message: ReceivedRows): void {
    if (this.stopped || !this.active || this.store.held > 0 || this.store.sortedByHost) return;
    const rows = parseRows(message);
    if (rows.length === 0) return;
    this.store.grow(message.from + rows.length);
    this.store.put(message.from, rows, this.keepRange());
    this.host.rowCountChanged(this.result.id, this.store.length);
    this.pump();
  }

  /**
   * The host changed the result's order: the held rows are dropped and the answer to a pull
   * asked in the old order is ignored (its request is no longer the one outstanding).
   */
  reorder(state: SortState | null): void {
    this.store.setHostOrder(state);
    this.sortedMarked = false;
    this.outstanding = null;
    this.scheduleRowCount();
    this.pump();
  }

  fail(message: PullFailedMessage): void {
    if (this.stopped || message.requestId !== this.outstanding) return;
    this.outstanding = null;
    this.stopped = true;
    this.failure = message.reason;
    this.host.pullFailed(this.result.id, message.reason);
  }

  /** The grid rendered rows: marks `painted` in the frame after the first real rows showed. */
  rendered(): void {
    if (!this.sortedMarked && this.store.sortedByHost && this.store.held > 0) {
      // The first rows of a new host order are on screen (the sort benchmark's end point).
      this.sortedMarked = true;
      requestAnimationFrame(() => {
        this.host.post({ type: 'mark', name: 'sorted', resultId: this.result.id, rows: this.store.held, at: now() });
      });
    }
    if (this.paintedMarked || this.store.held === 0) return;
    this.paintedMarked = true;
    requestAnimationFrame(() => {
      this.host.post({ type: 'mark', name: 'painted', resultId: this.result.id, rows: this.store.held, at: now() });
    });
  }

  dispose(): void {
    this.stopped = true;
  }

  /** The rows never evicted: the viewport and its margins. */
  private keepRange(): { from: number; to: number } {
    return { from: this.viewport.top - MARGIN_ROWS, to: this.viewport.bottom + MARGIN_ROWS };
  }

  /** What to ask for next: the first missing row of the viewport, then of its margins, then (small results) of the rest. */
  private nextPull(): { from: number; maxRows: number } | null {
    const store = this.store;
    const { top, bottom } = this.viewport;
    const first = store.held === 0 && store.length === 0 ? FIRST_PAGE_ROWS : WINDOW_ROWS;
    const visible = store.firstMissing(top, bottom);
    if (visible >= 0) return { from: visible, maxRows: first };
    const margin = store.firstMissing(top - MARGIN_ROWS, bottom + MARGIN_ROWS);
    if (margin >= 0) return { from: margin, maxRows: WINDOW_ROWS };
    // Small enough to hold whole: fetched once it stops growing, so it can be sorted and copied.
    if (canSort(this.result) && store.length <= store.limit && !store.sortedByHost) {
      const rest = store.firstMissing(0, store.length - 1);
      if (rest >= 0) return { from: rest, maxRows: WINDOW_ROWS };
    }
    // The viewport reaches past the rows stored while the statement streams: the host holds
    // this pull until rows arrive, so the first rows show without polling.
    const streaming = !isSettled(this.result.status) && this.result.status !== 'paused';
    if (streaming && bottom >= store.length - 1 && store.length < top + FIRST_PAGE_ROWS) return { from: store.length, maxRows: first };
    return null;
  }

  private pump(): void {
    if (this.stopped || this.outstanding !== null || !this.active) return;
    const next = this.nextPull();
    if (next !== null) {
      const requestId = this.host.nextRequestId(this);
      this.outstanding = requestId;
      this.pulls++;
      this.host.post({ type: 'pull', requestId, resultId: this.result.id, from: next.from, maxRows: next.maxRows });
      return;
    }
    if (!this.storedMarked && isSettled(this.result.status) && this.store.length >= this.result.storedRows) {
      // The view knows the result's final row count and holds what it shows.
      this.storedMarked = true;
      this.host.post({ type: 'mark', name: 'stored', resultId: this.result.id, rows: this.store.length, at: now() });
    }
  }

  private scheduleRowCount(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      if (!this.stopped) this.host.rowCountChanged(this.result.id, this.store.length);
    });
  }
}

/** The rows of an answer's chunks (each a JSON array of rows), checked against its count. */
function parseRows(message: ReceivedRows): Row[] {
  const rows: Row[] = [];
  for (const chunk of message.chunks) {
    const parsed: unknown = JSON.parse(chunk);
    if (!Array.isArray(parsed)) throw new Error('a chunk of rows is not a JSON array');
    for (const row of parsed as Row[]) rows.push(row);
  }
  if (rows.length !== message.count) throw new Error(`an answer of ${message.count} rows held ${rows.length}`);
  return rows;
}
