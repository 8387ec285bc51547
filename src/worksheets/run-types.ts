import type { ColumnInfo, ExecutionSummary, PlatformId, Row, ServerNotice, StatementParameters } from '../platforms/types';
import type { PlatformError } from '../platforms/errors';
import type { RanAs } from './identity';
import type { WorksheetError } from './errors';

export interface StatementInput {
  readonly text: string;
  /**
   * How many times to send it, one request after the other (T-SQL `GO n`), default 1. Its
   * result sets gather under the one statement; a failure or a cancel stops the repeats.
   */
  readonly repeat?: number;
  /**
   * Digest the result to tell a later run as another user that it matches this worksheet's run as
   * yourself (default true). A Compare as… side turns it off: its worksheet lives for one
   * statement, and the digest costs host time on every row.
   */
  readonly digest?: boolean;
  /**
   * Values of the statement's named parameters (`:region`), which the platform sends bound.
   * Absent (or with no uses): the text goes as written.
   */
  readonly parameters?: StatementParameters;
}

/** Provenance of one statement's result: where and as whom it ran. */
export interface RunStamp {
  readonly platform: PlatformId;
  readonly profileName: string;
  readonly login: string;
  readonly sessionId: string;
  readonly ranAs: RanAs;
  /** When impersonating: one sentence on how sure the worksheet is, and why (see platforms/assurance). */
  readonly assuranceNote?: string;
  /** Epoch ms. */
  readonly startedAt: number;
  /** The values the statement's parameters were bound to, by name; secret ones (by their name) are `***`. */
  readonly parameters?: Readonly<Record<string, string | null>>;
}

/**
 * A run as another user returned exactly what a run of the same statement as yourself returned
 * earlier in this worksheet (same columns, same rows in the same order, more than none).
 */
export interface SameAsYourself {
  /** Epoch ms the run as yourself started. */
  readonly at: number;
  readonly rows: number;
}

export type StatementOutcome =
  | {
      readonly status: 'succeeded';
      readonly stamp: RunStamp;
      readonly summary: ExecutionSummary;
      /** Set only on a run as another user (see worksheets/yourself-results). */
      readonly sameAsYourself?: SameAsYourself;
    }
  | { readonly status: 'failed'; readonly stamp?: RunStamp; readonly error: PlatformError | WorksheetError }
  | { readonly status: 'cancelled'; readonly stamp?: RunStamp }
  /** Not run because an earlier statement of the same run failed or was cancelled. */
  | { readonly status: 'skipped' };

/** Receives a run as it happens. Every callback is optional; exceptions in them are contained. */
export interface RunObserver {
  started?(index: number, stamp: RunStamp): void;
  /**
   * A result set of the statement begins. A T-SQL batch (or a repeated one) may return several:
   * this comes again before each, and the rows and notices after it belong to that one.
   */
  columns?(index: number, columns: readonly ColumnInfo[]): void;
  /** Rows of the statement's latest result set. Returning a promise applies backpressure to the driver's stream. */
  rows?(index: number, batch: readonly Row[]): void | Promise<void>;
  notice?(index: number, notice: ServerNotice): void;
  finished?(index: number, outcome: StatementOutcome): void;
}

export interface RunHandle {
  /** One outcome per statement, in order. Never rejects. */
  readonly outcomes: Promise<StatementOutcome[]>;
  /** Cancels the running statement and everything after it in this run. */
  cancel(): void;
}
