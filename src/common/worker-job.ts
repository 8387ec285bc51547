import { Worker } from 'node:worker_threads';

/** What a job in a worker thread needs: the script, how to feed it and how to read its replies. */
export interface WorkerJob<T> {
  readonly workerPath: string;
  /** The worker's name in error messages ("sort", "comparison"). */
  readonly name: string;
  readonly signal?: AbortSignal;
  /** The error an abort rejects with. */
  readonly cancelled: () => Error;
  /**
   * A message from the worker: its answer, an error, or undefined for one that is neither (a
   * progress report, read only while the job still runs).
   */
  readonly reply: (raw: unknown) => { readonly answer: T } | { readonly error: Error } | undefined;
  /** Posts the job's input; `stopped()` turns true once the job is settled (answered, failed, aborted). */
  readonly feed: (worker: Worker, stopped: () => boolean) => Promise<void>;
  /** Told of the worker as it starts (tests: its 'exit' proves a cancelled job's thread is gone). */
  readonly onWorker?: (worker: Worker) => void;
}

/**
 * Runs one job in a worker thread of its own, fed while it listens: the answer, a failure (the
 * worker's, a crash, an exit before answering, a feed that throws) or an abort settles it once,
 * and the worker is terminated whatever happened.
 */
export async function runWorkerJob<T>(job: WorkerJob<T>): Promise<T> {
  const { signal } = job;
  if (signal?.aborted) throw job.cancelled();
  const worker = new Worker(job.workerPath);
  job.onWorker?.(worker);
  let settle: ((outcome: { answer: T } | { error: Error }) => void) | undefined;
  const answer = new Promise<T>((resolve, reject) => {
    settle = (outcome) => {
      settle = undefined;
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.answer);
    };
  });
  const fail = (error: Error) => settle?.({ error });
  const onAbort = () => fail(job.cancelled());
  worker.on('message', (raw: unknown) => {
    if (settle === undefined) return;
    const outcome = job.reply(raw);
    if (outcome !== undefined) settle(outcome);
  });
  worker.on('error', (error) => fail(new Error(`The ${job.name} worker failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`The ${job.name} worker stopped (exit code ${code}) before it answered.`)));
  signal?.addEventListener('abort', onAbort, { once: true });
  job.feed(worker, () => settle === undefined).catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  try {
    return await answer;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    void worker.terminate();
  }
}
