import { MAX_ROWS_PER_PULL, type HostMessage, type ResultView, type WebviewMessage } from '../results/protocol';
import { isSettled } from './result-status';
import type { RowStore } from './row-store';

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
  /** Called at most once per animation frame with the rows now held. */
  rowCountChanged(resultId: string, rows: number): void;
  /** Called when the loop stops for good because a pull failed. */
  pullFailed(resultId: string, reason: string): void;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Rows asked for first: about a screenful or two, fast to send, parse and paint. */
const FIRST_PAGE_ROWS = 200;

/**
 * One result's pull loop: exactly one `pull` outstanding while the result can still grow or the
 * host holds rows the store lacks. The host holds a pull until rows exist, so this never polls.
 */
export class Puller {
  private outstanding: number | null = null;
  /** After an empty answer the host has nothing more until the result's metadata changes. */
  private idleUntilUpdate = false;
  private stopped = false;
  private frameRequested = false;
  private paintedMarked = false;
  private storedMarked = false;
  private failure: string | null = null;

  constructor(
    private result: ResultView,
    readonly store: RowStore,
    private readonly host: PullerHost,
  ) {}

  get view(): ResultView {
    return this.result;
  }

  /** Why pulling stopped, when a pull failed. */
  get failed(): string | null {
    return this.failure;
  }

  start(): void {
    this.pump();
  }

  update(result: ResultView): void {
    this.result = result;
    this.idleUntilUpdate = false;
    this.pump();
  }

  receive(message: ReceivedRows): void {
    if (this.stopped || message.requestId !== this.outstanding) return;
    this.outstanding = null;
    this.store.append(message.from, message.count, message.chunks);
    if (message.count === 0) this.idleUntilUpdate = true;
    else this.scheduleRowCount();
    this.pump();
  }

  fail(message: PullFailedMessage): void {
    if (this.stopped || message.requestId !== this.outstanding) return;
    this.outstanding = null;
    this.stopped = true;
    this.failure = message.reason;
    this.host.pullFailed(this.result.id, message.reason);
  }

  /** The grid rendered this result's first rows: marks `painted` in the frame after. */
  rendered(): void {
    if (this.paintedMarked || this.store.length === 0) return;
    this.paintedMarked = true;
    requestAnimationFrame(() => {
      this.host.post({ type: 'mark', name: 'painted', resultId: this.result.id, rows: this.store.length, at: now() });
    });
  }

  dispose(): void {
    this.stopped = true;
  }

  private wantsRows(): boolean {
    return !isSettled(this.result.status) || this.result.storedRows > this.store.length;
  }

  private pump(): void {
    if (this.stopped || this.outstanding !== null) return;
    if (!this.idleUntilUpdate && this.wantsRows()) {
      const requestId = this.host.nextRequestId(this);
      this.outstanding = requestId;
      // The first page is small: it is what the user waits to see, and a small message overtakes
      // the stream of rows that is still arriving. Later pages are as large as the host allows.
      const maxRows = this.store.length === 0 ? FIRST_PAGE_ROWS : MAX_ROWS_PER_PULL;
      this.host.post({ type: 'pull', requestId, resultId: this.result.id, from: this.store.length, maxRows });
      return;
    }
    if (!this.storedMarked && isSettled(this.result.status) && this.store.length >= this.result.storedRows) {
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
