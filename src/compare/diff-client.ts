import type { Worker } from 'node:worker_threads';
import { runWorkerJob } from '../common/worker-job';
import type { ComparisonDiff } from './diff';
import { isDiffReply, type DiffReply, type DiffRequest, type SideHead } from './diff-messages';

/**
 * Characters of chunk text per message to the worker. Posting copies the strings on the host's
 * thread; a quarter million characters at a time keeps each copy near a millisecond, and the
 * host's event loop runs between posts (as the results sort does).
 */
const BATCH_CHARS = 250_000;

/** A side's rows as the comparison runner keeps them: JSON text chunks, each an array of rows. */
export interface ChunkedSide extends SideHead {
  readonly chunks: readonly string[];
}

export interface ComparisonJobOptions {
  readonly signal?: AbortSignal;
  /** The worker script: dist/compare-worker.js beside the extension's bundle. */
  readonly workerPath: string;
  /** Told of the worker as it starts (for tests: its 'exit' proves a cancelled job's thread is gone). */
  readonly onWorker?: (worker: Worker) => void;
}

/** Thrown when the signal aborts a comparison job (the worker is terminated at once). */
export class ComparisonCancelledError extends Error {
  constructor() {
    super('The comparison was cancelled.');
    this.name = 'AbortError';
  }
}

/**
 * compareSides over the sides' chunks, in a worker thread: the host's event loop stays free while
 * the rows are parsed and compared. A comparison that cannot be made (a key column not in every
 * side, fewer than two sides) rejects with compareSides' own message.
 */
export function diffInWorker(sides: readonly ChunkedSide[], options: ComparisonJobOptions & { readonly keyColumns?: readonly string[] }): Promise<ComparisonDiff> {
  const heads = sides.map(headOf);
  const start: DiffRequest = options.keyColumns === undefined ? { type: 'start', job: 'diff', sides: heads } : { type: 'start', job: 'diff', sides: heads, keyColumns: [...options.keyColumns] };
  return runJob(start, sides, options, (reply) => (reply.type === 'diff' ? reply.diff : undefined));
}

/** differingRowsCsv of a diff made before (by diffInWorker over the same sides), in a worker thread. */
export function differingRowsCsvInWorker(sides: readonly ChunkedSide[], diff: ComparisonDiff, options: ComparisonJobOptions): Promise<string> {
  return runJob({ type: 'start', job: 'csv', sides: sides.map(headOf), diff }, sides, options, (reply) => (reply.type === 'csv' ? reply.text : undefined));
}

function headOf(side: ChunkedSide): SideHead {
  return { label: side.label, columns: [...side.columns] };
}

function runJob<T>(start: DiffRequest, sides: readonly ChunkedSide[], options: ComparisonJobOptions, accept: (reply: DiffReply) => T | undefined): Promise<T> {
  return runWorkerJob<T>({
    workerPath: options.workerPath,
    name: 'comparison',
    signal: options.signal,
    cancelled: () => new ComparisonCancelledError(),
    onWorker: options.onWorker,
    reply: (raw) => {
      if (!isDiffReply(raw)) return { error: new Error('The comparison worker sent a message the host does not understand.') };
      if (raw.type === 'failed') return { error: new Error(raw.message) };
      const value = accept(raw);
      return value === undefined ? { error: new Error(`The comparison worker answered "${raw.type}" to another job.`) } : { answer: value };
    },
    feed: (worker, stopped) => feed(worker, start, sides, stopped),
  });
}

async function feed(worker: Worker, start: DiffRequest, sides: readonly ChunkedSide[], stopped: () => boolean): Promise<void> {
  const post = (message: DiffRequest) => worker.postMessage(message);
  post(start);
  for (let side = 0; side < sides.length; side++) {
    let batch: string[] = [];
    let chars = 0;
    for (const chunk of sides[side].chunks) {
      batch.push(chunk);
      chars += chunk.length;
      if (chars >= BATCH_CHARS) {
        post({ type: 'chunks', side, chunks: batch });
        batch = [];
        chars = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (stopped()) return;
      }
    }
    if (batch.length > 0) post({ type: 'chunks', side, chunks: batch });
  }
  if (!stopped()) post({ type: 'end' });
}
