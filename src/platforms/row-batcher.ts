import type { Row } from './types';

/** Rows handed to the sink at once, at most (fewer when the driver pauses between rows). */
export const BATCH_ROWS = 1000;

/** A driver's row stream that can stop reading from its socket. */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

/**
 * Gathers a driver's rows into batches for a result sink: a batch goes when it is full or when
 * the driver pauses (the next turn of the event loop), and a sink that pushes back (returns a
 * promise) pauses the source until it has taken the batch, so the server's rows wait in the socket
 * rather than in memory.
 */
export class RowBatcher {
  private batch: Row[] = [];
  private scheduled = false;
  private pending: Promise<void> = Promise.resolve();
  private countValue = 0;

  constructor(
    private readonly sink: { rows(batch: readonly Row[]): void | Promise<void> },
    private readonly source: PausableSource,
  ) {}

  /** Rows pushed so far. */
  get count(): number {
    return this.countValue;
  }

  push(row: Row): void {
    this.batch.push(row);
    this.countValue++;
    if (this.batch.length >= BATCH_ROWS) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands over what is gathered; settles when the sink has taken every batch (rejects if it failed). */
  drain(): Promise<void> {
    this.flush();
    return this.pending;
  }

  /**
   * Hands over what is gathered now, without waiting for the sink: rows of one result set must
   * reach the sink before the next result set's columns do.
   */
  flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const ready = this.batch;
    this.batch = [];
    const backpressure = this.sink.rows(ready);
    if (backpressure) {
      this.source.pause();
      this.pending = this.pending.then(() => backpressure).finally(() => this.source.resume());
    }
  }
}
