/**
 * Policy checks: expectations about what each identity sees, written as annotated comments above
 * a statement in a `.sql` file, run headless (no `vscode` import anywhere under src/checks) by the
 * Test Explorer and by the command-line runner alike.
 *
 *   -- @connection Lab Redshift (governor)        (file-level, once, before the first check)
 *
 *   -- @check EU analysts see only EU customers
 *   -- @as bob@example.com, "o'brien"
 *   -- @expect rows > 0
 *   -- @expect region in ('EU')
 *   -- @expect ssn masked
 *   SELECT region, ssn FROM sales.customers;
 *
 * A check runs its statement once as each identity of `@as` (default: yourself); each
 * (check, identity) pair is a case with its own verdict. A statement with named parameters
 * (`:region`, `${region}`) needs a value for each, `-- @param region = 'EU'` (a string, a number
 * or null), sent bound; without one the check is an error and never runs.
 */
import type { Assurance } from '../platforms/assurance';
import type { PlatformError } from '../platforms/errors';
import type { CellValue, PlatformId, Row } from '../platforms/types';
import type { SourceRange } from '../sql/positions';
import type { WorksheetError } from '../worksheets/errors';

/** The identity that runs as the connection's own login. */
export const YOURSELF_IDENTITY = 'yourself';

export type CountOperator = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** How a masked column's values look. Absent on `masked`: any of these forms. */
export type MaskForm =
  | { readonly kind: 'null' }
  /** Every value the same; `value` when the check names it (`masked as constant 'REDACTED'`). */
  | { readonly kind: 'constant'; readonly value?: CellValue }
  /** Hex digests (MD5, SHA-1, SHA-256 lengths). */
  | { readonly kind: 'hash' }
  /** Every non-null value matches this regular expression in full (`masked as '^\*{3}-\*{2}-\d{4}$'`). */
  | { readonly kind: 'pattern'; readonly pattern: string };

interface Located {
  /** 0-based line of the `@expect` annotation. */
  readonly line: number;
  /** The annotation's text after `@expect`, trimmed, as written (for messages). */
  readonly source: string;
}

export type Expectation = Located &
  (
    | { readonly kind: 'rows'; readonly operator: CountOperator; readonly count: number }
    /** Every value of the column is one of `values` (`region in ('EU', 'US')`), or none is (`not in`). */
    | { readonly kind: 'values-in'; readonly column: string; readonly values: readonly CellValue[]; readonly negated: boolean }
    /** Every value of the column matches the regular expression in full (`email matches '.*@example\.com'`). */
    | { readonly kind: 'values-match'; readonly column: string; readonly pattern: string }
    | { readonly kind: 'masked'; readonly column: string; readonly form?: MaskForm }
    /** The column is in the clear: values present, none in a masked form, not one constant for every row. */
    | { readonly kind: 'clear'; readonly column: string }
    /** The platform refused the statement for lack of a privilege (a `permission` error). */
    | { readonly kind: 'denied' }
    /** The same columns and the same rows (as a multiset) as the statement run as `identity`. */
    | { readonly kind: 'same-as'; readonly identity: string }
    | { readonly kind: 'different-from'; readonly identity: string }
    /** The same columns and rows as the snapshot stored beside the check file. */
    | { readonly kind: 'snapshot' }
  );

export interface CheckDefinition {
  /** As written after `@check`; unique within its file (a duplicate is a diagnostic). */
  readonly name: string;
  /** 0-based line of the `@check` annotation. */
  readonly line: number;
  /** Identities as written after `@as` (`yourself` for the login); never empty. */
  readonly identities: readonly string[];
  readonly expectations: readonly Expectation[];
  /** The statement the check runs: its text as the platform's client would send it, and where it is. */
  readonly statement: { readonly text: string; readonly range: SourceRange };
  /** From the `@check` line through the statement's end: where the Test Explorer places the item. */
  readonly range: SourceRange;
  /** Rows read per case (`@limit N`); absent: the run's default. */
  readonly rowLimit?: number;
  /** Values of the statement's named parameters (`-- @param region = 'EU'`), sent bound; absent: none given. */
  readonly parameters?: Readonly<Record<string, string | null>>;
}

export interface CheckDiagnostic {
  /** 0-based. */
  readonly line: number;
  readonly startColumn: number;
  readonly endColumn: number;
  /** What is wrong and what was expected, e.g. `Expected a comparison after "rows" (=, !=, >, >=, <, <=).` */
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface CheckFile {
  /** The file-level `@connection` name, when written. */
  readonly connection?: { readonly name: string; readonly line: number };
  readonly checks: readonly CheckDefinition[];
  readonly diagnostics: readonly CheckDiagnostic[];
}

/** What one case's statement produced, as the expectations read it. */
export type CapturedResult =
  | {
      readonly status: 'rows';
      readonly columns: readonly string[];
      readonly rows: readonly Row[];
      /** More rows came than the limit: `rows` holds the first `rowLimit`. */
      readonly truncated: boolean;
    }
  | { readonly status: 'failed'; readonly error: PlatformError | WorksheetError };

/** One expectation's verdict, with the expected and actual text a diff view shows. */
export interface ExpectationOutcome {
  readonly expectation: Expectation;
  readonly passed: boolean;
  /** One line for people: why it failed (or what held). */
  readonly message: string;
  /** Multi-line text to diff against `actual`, when a diff helps (rows, values, snapshots). */
  readonly expected?: string;
  readonly actual?: string;
}

/** A stored snapshot of one case's result. */
export interface SnapshotEntry {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

/** What evaluating a case needs besides its own result. */
export interface EvaluationContext {
  /** The same statement's result as another identity (for `same as` / `different from`); undefined when it was not run. */
  resultAs(identity: string): CapturedResult | undefined;
  /** The stored snapshot of this case; undefined when none is stored. */
  readonly snapshot: SnapshotEntry | undefined;
}

/** Provenance of a case's run: who, where, with which certainty, which query. */
export interface CheckStamp {
  readonly connection: string;
  readonly platform: PlatformId;
  readonly login: string;
  /** The identity as run: `yourself`, or the impersonated user. */
  readonly identity: string;
  /** How sure the session runs as the identity; absent for yourself. */
  readonly assurance?: Assurance;
  /** The identity's current Immuta project: a name, null for none, absent when not known. */
  readonly project?: string | null;
  readonly sessionId: string;
  readonly queryId: string | null;
  /** Epoch ms. */
  readonly startedAt: number;
}

export type CaseVerdict = 'passed' | 'failed' | 'error' | 'skipped';

/** One (check, identity) pair's outcome. */
export interface CaseResult {
  /** The check file's path as given to the runner. */
  readonly file: string;
  readonly check: CheckDefinition;
  readonly identity: string;
  /** passed: every expectation held; failed: one did not; error: the case could not be judged (no session, impersonation not verified, a statement error where none was expected). */
  readonly verdict: CaseVerdict;
  readonly outcomes: readonly ExpectationOutcome[];
  /** Why the case is an error or was skipped. */
  readonly error?: string;
  readonly stamp?: CheckStamp;
  /** The result the expectations judged, for "open the actual result". */
  readonly result?: CapturedResult;
  readonly durationMs: number;
}

export interface CheckRunSummary {
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
  /** Database sessions opened for the run (one per connection and identity). */
  readonly sessionsOpened: number;
  readonly durationMs: number;
}
