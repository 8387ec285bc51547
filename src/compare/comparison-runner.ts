import { isPlatformError, PlatformError } from '../platforms/errors';
import type { ConnectionProfile, Row, StatementParameters } from '../platforms/types';
import { isWorksheetError, type WorksheetError } from '../worksheets/errors';
import type { RunStamp } from '../worksheets/run-types';
import { runForFirstResult } from '../worksheets/first-result';
import type { Worksheet } from '../worksheets/worksheet';
import { impersonationUnsupported } from './comparison-support';
import type { ComparedSide } from './diff';

/** The label of the side that runs as the connection's own login. */
export const YOURSELF = 'yourself';

/** One identity's run of the compared statement. */
export type ComparisonSide =
  | {
      readonly label: string;
      readonly status: 'succeeded';
      readonly stamp: RunStamp;
      readonly columns: readonly string[];
      /**
       * The rows, as the JSON text of each batch in arrival order (an array of rows per chunk):
       * strings are compact on the host and are posted to the diff worker without a parse or a
       * structured clone of millions of cells on the host's thread.
       */
      readonly chunks: readonly string[];
      readonly rowCount: number;
      /** More rows came than the limit: the rest were not read. */
      readonly truncated: boolean;
      /** The statement's run time as the worksheet measured it (to the cancel, when truncated). */
      readonly durationMs: number;
      /** The platform's identifier of the query, when it has one. */
      readonly queryId: string | null;
    }
  /** Nothing of a failed side ran as anyone else: an impersonation that failed stops the side before its statement. */
  | { readonly label: string; readonly status: 'failed'; readonly stamp?: RunStamp; readonly error: PlatformError | WorksheetError }
  | { readonly label: string; readonly status: 'cancelled' }
  /** The connection can never run as another identity (Unity Catalog): no session was opened for the side. */
  | { readonly label: string; readonly status: 'unsupported'; readonly reason: string };

export type SucceededSide = Extract<ComparisonSide, { status: 'succeeded' }>;

/** A succeeded side as the diff takes it (its label, columns and rows), parsed on the calling thread: for tests and small results. */
export function comparedSide(side: SucceededSide): ComparedSide {
  const rows: Row[] = [];
  for (const chunk of side.chunks) for (const row of JSON.parse(chunk) as Row[]) rows.push(row);
  return { label: side.label, columns: side.columns, rows };
}

/** Where the sides' worksheets come from: short-lived ones of their own (registry.create / close). */
export interface ComparisonSessions {
  open(profile: ConnectionProfile): Worksheet;
  close(worksheet: Worksheet): Promise<void>;
}

export interface ComparisonOptions {
  /** Rows kept per side (the worksheet's row limit). */
  readonly rowLimit: number;
  /** Sides running at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** The statement's named parameters, bound alike on every side. */
  readonly parameters?: StatementParameters;
  /** Called as each side ends, in the order they end. */
  readonly onSide?: (index: number, side: ComparisonSide) => void;
}

/**
 * Runs one statement as each identity, each in a worksheet (and so a database session) of its
 * own, opened from the connection profile and closed when its side ends; the caller's worksheet
 * is not touched. A side impersonates through the worksheet, which applies and verifies as any
 * worksheet does and refuses to run unless the session holds that identity (fail closed), and
 * which audits every change. Only the first result set of the statement is kept.
 */
export async function runComparison(
  sessions: ComparisonSessions,
  profile: ConnectionProfile,
  statement: string,
  identities: readonly string[],
  options: ComparisonOptions,
): Promise<ComparisonSide[]> {
  const sides = new Array<ComparisonSide>(identities.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < identities.length) {
      const index = next++;
      const label = identities[index];
      const unsupported = label === YOURSELF ? undefined : impersonationUnsupported(profile);
      const side: ComparisonSide = unsupported !== undefined ? { label, status: 'unsupported', reason: unsupported } : await runSide(sessions, profile, statement, label, options);
      sides[index] = side;
      options.onSide?.(index, side);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, identities.length)) }, () => worker()));
  return sides;
}

async function runSide(sessions: ComparisonSessions, profile: ConnectionProfile, statement: string, label: string, options: ComparisonOptions): Promise<ComparisonSide> {
  const { signal, rowLimit } = options;
  if (signal?.aborted) return { label, status: 'cancelled' };
  const worksheet = sessions.open(profile);
  try {
    if (label !== YOURSELF) {
      try {
        await worksheet.impersonate(label);
      } catch (error) {
        return { label, status: 'failed', error: asSideError(error) };
      }
    }
    if (signal?.aborted) return { label, status: 'cancelled' };
    const chunks: string[] = [];
    // One batch's text at a time: a driver's batch is small, so this never stalls the host.
    const ran = await runForFirstResult(worksheet, statement, {
      rowLimit,
      ...(signal ? { signal } : {}),
      ...(options.parameters !== undefined ? { parameters: options.parameters } : {}),
      keep: (batch) => chunks.push(JSON.stringify(batch)),
    });
    if (ran.status === 'rows') {
      const { columns, rowCount, truncated, stamp, durationMs, queryId } = ran;
      return { label, status: 'succeeded', stamp, columns, chunks, rowCount, truncated, durationMs, queryId };
    }
    if (ran.status === 'failed') return { label, status: 'failed', ...(ran.stamp ? { stamp: ran.stamp } : {}), error: ran.error };
    return { label, status: 'cancelled' };
  } finally {
    await sessions.close(worksheet);
  }
}

function asSideError(error: unknown): PlatformError | WorksheetError {
  if (isPlatformError(error) || isWorksheetError(error)) return error;
  return new PlatformError('server', error instanceof Error ? error.message : String(error), { cause: error });
}
