import type { PlatformError } from '../platforms/errors';
import type { Row } from '../platforms/types';
import type { WorksheetError } from '../worksheets/errors';
import type { RunStamp } from '../worksheets/run-types';
import type { Worksheet } from '../worksheets/worksheet';
import type { CapturedResult } from './types';

/** One statement's run in a check session: what it returned and where it ran. */
export type Capture =
  | { readonly status: 'done'; readonly result: CapturedResult; readonly stamp: RunStamp | undefined; readonly queryId: string | null; readonly durationMs: number }
  | { readonly status: 'cancelled' };

/**
 * Runs one check statement in the worksheet and keeps the first result set, up to `rowLimit`
 * rows (the rest is not read: the statement is cancelled at the limit and the result marked
 * truncated). A failure keeps the platform's typed error, so `denied` can tell a permission
 * refusal from anything else.
 */
export async function captureStatement(worksheet: Worksheet, statement: string, rowLimit: number, signal?: AbortSignal): Promise<Capture> {
  if (signal?.aborted) return { status: 'cancelled' };
  let columns: readonly string[] | undefined;
  const rows: Row[] = [];
  let truncated = false;
  let resultSets = 0;
  const started = Date.now();
  const handle = worksheet.run([{ text: statement, digest: false }], {
    columns: (_index, described) => {
      resultSets++;
      if (resultSets === 1) columns = described.map((column) => column.name);
    },
    rows: (_index, batch) => {
      if (resultSets !== 1 || truncated) return;
      const room = rowLimit - rows.length;
      for (let i = 0; i < Math.min(room, batch.length); i++) rows.push(batch[i]);
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
        status: 'done',
        result: { status: 'rows', columns: columns ?? [], rows, truncated },
        stamp: outcome.stamp,
        queryId: summary?.queryId ?? null,
        durationMs: summary?.durationMs ?? Date.now() - started,
      };
    }
    if (outcome.status === 'failed') {
      const error: PlatformError | WorksheetError = outcome.error;
      return { status: 'done', result: { status: 'failed', error }, stamp: outcome.stamp, queryId: null, durationMs: Date.now() - started };
    }
    return { status: 'cancelled' };
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
