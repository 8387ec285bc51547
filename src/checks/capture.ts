import type { Row, StatementParameters } from '../platforms/types';
import type { RunStamp } from '../worksheets/run-types';
import { runForFirstResult } from '../worksheets/first-result';
import type { Worksheet } from '../worksheets/worksheet';
import type { CapturedResult } from './types';

/** One statement's run in a check session: what it returned and where it ran. */
export type Capture =
  | { readonly status: 'done'; readonly result: CapturedResult; readonly stamp: RunStamp | undefined; readonly queryId: string | null; readonly durationMs: number }
  | { readonly status: 'cancelled' };

/**
 * Runs one check statement in the worksheet and keeps the rows of its first result set, up to
 * `rowLimit` (then marked truncated). A failure keeps the platform's typed error, so `denied` can
 * tell a permission refusal from anything else.
 */
export async function captureStatement(worksheet: Worksheet, statement: string, rowLimit: number, signal?: AbortSignal, parameters?: StatementParameters): Promise<Capture> {
  const rows: Row[] = [];
  const ran = await runForFirstResult(worksheet, statement, { rowLimit, ...(signal ? { signal } : {}), ...(parameters !== undefined ? { parameters } : {}), keep: (batch) => {
    for (const row of batch) rows.push(row);
  } });
  if (ran.status === 'cancelled') return ran;
  if (ran.status === 'failed') return { status: 'done', result: { status: 'failed', error: ran.error }, stamp: ran.stamp, queryId: null, durationMs: ran.durationMs };
  return { status: 'done', result: { status: 'rows', columns: ran.columns, rows, truncated: ran.truncated }, stamp: ran.stamp, queryId: ran.queryId, durationMs: ran.durationMs };
}
