import type { ResultStatus, ResultView } from '../results/protocol';

/** Done: no more rows will arrive (paused is not done: it is held open for more). */
export function isSettled(status: ResultStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

/** Sorting reorders what is held, so it waits until no rows are streaming in. */
export function canSort(result: ResultView): boolean {
  return isSettled(result.status) || result.status === 'paused';
}
