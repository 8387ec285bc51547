import type { PlatformError } from '../platforms/errors';
import type { Row, StatementParameters } from '../platforms/types';
import type { WorksheetError } from './errors';
import type { RunStamp } from './run-types';
import type { Worksheet } from './worksheet';

/** How one statement run for its first result set ended. */
export type FirstResult =
  | {
      readonly status: 'rows';
      readonly columns: readonly string[];
      readonly rowCount: number;
      /** More rows came than the limit: the statement was cancelled there, the rest not read. */
      readonly truncated: boolean;
      readonly stamp: RunStamp;
      readonly queryId: string | null;
      /** As the worksheet measured it (to the cancel, when truncated). */
      readonly durationMs: number;
    }
  | { readonly status: 'failed'; readonly error: PlatformError | WorksheetError; readonly stamp?: RunStamp; readonly durationMs: number }
  | { readonly status: 'cancelled' };

/**
 * Runs one statement in the worksheet and hands the rows of its first result set to `keep`, up to
 * `rowLimit` rows; at the limit the statement is cancelled (the result is then `truncated`, not
 * cancelled). Compare as… sides and policy checks read a statement this way. `keep` gets each
 * driver batch (already cut to the limit), so the caller chooses how rows are held.
 */
export async function runForFirstResult(
  worksheet: Worksheet,
  statement: string,
  options: { readonly rowLimit: number; readonly signal?: AbortSignal; readonly parameters?: StatementParameters; readonly keep: (batch: readonly Row[]) => void },
): Promise<FirstResult> {
  const { rowLimit, signal, keep, parameters } = options;
  if (signal?.aborted) return { status: 'cancelled' };
  let columns: readonly string[] | undefined;
  let rowCount = 0;
  let truncated = false;
  let resultSets = 0;
  const started = Date.now();
  const handle = worksheet.run([{ text: statement, digest: false, ...(parameters !== undefined ? { parameters } : {}) }], {
    columns: (_index, described) => {
      resultSets++;
      if (resultSets === 1) columns = described.map((column) => column.name);
    },
    rows: (_index, batch) => {
      if (resultSets !== 1 || truncated) return;
      const room = rowLimit - rowCount;
      const kept = batch.length > room ? batch.slice(0, room) : batch;
      if (kept.length > 0) {
        keep(kept);
        rowCount += kept.length;
      }
      if (batch.length > room) {
        truncated = true;
        handle.cancel();
      }
    },
  });
  const abort = () => handle.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const [outcome] = await handle.outcomes;
    if (outcome.status === 'succeeded' || (truncated && outcome.status === 'cancelled' && outcome.stamp !== undefined)) {
      const summary = outcome.status === 'succeeded' ? outcome.summary : undefined;
      return {
        status: 'rows',
        columns: columns ?? [],
        rowCount,
        truncated,
        stamp: outcome.stamp as RunStamp,
        queryId: summary?.queryId ?? null,
        durationMs: summary?.durationMs ?? Date.now() - started,
      };
    }
    if (outcome.status === 'failed') return { status: 'failed', error: outcome.error, ...(outcome.stamp ? { stamp: outcome.stamp } : {}), durationMs: Date.now() - started };
    return { status: 'cancelled' };
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
