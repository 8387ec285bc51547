import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { runWorkerJob } from '../common/worker-job';
import type { ColumnKind } from './protocol';
import { isSortReply, type SortRequest } from './sort-messages';
import type { SortDirection } from './sort-order';

export type { SortDirection } from './sort-order';

/**
 * Characters of chunk text per message to the worker. Posting copies the strings on the host's
 * thread (measured: 0.2-0.8 s in all for the 171 MB of a 1M × 10 result, on a loaded 2-core machine); a quarter
 * million characters at a time keeps each copy near a millisecond, and the host's event loop runs between posts.
 */
const BATCH_CHARS = 250_000;

export interface SortOptions {
  readonly signal?: AbortSignal;
  /** Called as the worker reads: rows read so far (the sort itself follows the last read). */
  readonly onProgress?: (rowsRead: number) => void;
  /** The worker script; by default the sort-worker.js beside this module (dist/ or out/). */
  readonly workerFile?: string;
}

/** Thrown when the sort's signal aborts it. */
export class SortCancelledError extends Error {
  constructor() {
    super('The sort was cancelled.');
    this.name = 'AbortError';
  }
}

/**
 * The row order of a result sorted by one column, computed in a worker thread: element i of the
 * answer is the row index (in the result's original order) shown at position i. `chunks` are the
 * result's chunks in row order (each the JSON text of an array of rows), from memory or read back
 * from a spill file. The order is the grid's (see sort-order.ts): NULLs last, stable.
 *
 * Aborting the signal ends the worker at once and rejects with SortCancelledError. A chunk that
 * is not rows of scalar cells rejects with the chunk's number and the place it went wrong.
 */
export async function sortPermutation(
  chunks: Iterable<string> | AsyncIterable<string>,
  column: number,
  kind: ColumnKind,
  direction: SortDirection,
  options: SortOptions = {},
): Promise<Uint32Array> {
  return (await sortChunks(chunks, column, kind, direction, options)).order;
}

/** A sort's answer: the order, and where each row starts and ends in its chunk (pairs, in row order). */
export interface SortedChunks {
  readonly order: Uint32Array;
  readonly bounds: Uint32Array;
}

/**
 * sortPermutation, with the rows' places in their chunks that the worker found on its way (the
 * host then cuts sorted windows out of the chunks without scanning them on its own thread).
 */
export async function sortChunks(
  chunks: Iterable<string> | AsyncIterable<string>,
  column: number,
  kind: ColumnKind,
  direction: SortDirection,
  options: SortOptions = {},
): Promise<SortedChunks> {
  return runWorkerJob<SortedChunks>({
    workerPath: options.workerFile ?? path.join(__dirname, 'sort-worker.js'),
    name: 'sort',
    signal: options.signal,
    cancelled: () => new SortCancelledError(),
    reply: (raw) => {
      if (!isSortReply(raw)) return { error: new Error('The sort worker sent a message the host does not understand.') };
      if (raw.type === 'failed') return { error: new Error(`Sorting failed: ${raw.message}`) };
      if (raw.type === 'progress') {
        options.onProgress?.(raw.rows);
        return undefined;
      }
      return { answer: { order: raw.order, bounds: raw.bounds } };
    },
    // Fed while it listens: a failure or an abort stops the feeding.
    feed: (worker, stopped) => feed(worker, chunks, column, kind, direction, stopped),
  });
}

async function feed(
  worker: Worker,
  chunks: Iterable<string> | AsyncIterable<string>,
  column: number,
  kind: ColumnKind,
  direction: SortDirection,
  stopped: () => boolean,
): Promise<void> {
  const post = (message: SortRequest) => worker.postMessage(message);
  post({ type: 'start', column, kind });
  let batch: string[] = [];
  let chars = 0;
  for await (const chunk of chunks) {
    if (stopped()) return;
    batch.push(chunk);
    chars += chunk.length;
    if (chars >= BATCH_CHARS) {
      post({ type: 'chunks', chunks: batch });
      batch = [];
      chars = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (stopped()) return;
  if (batch.length > 0) post({ type: 'chunks', chunks: batch });
  post({ type: 'end', direction });
}
