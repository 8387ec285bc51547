/** Refusals and failures that belong to the worksheet, not to the platform. */
export type WorksheetErrorKind =
  /** Impersonation could not be (re-)established on the session: nothing was run. */
  | 'impersonation-not-established'
  /** The worksheet cannot vouch for its identity: runs are refused until the user decides. */
  | 'identity-unknown'
  /** The connection's effect probe did not answer as the impersonated user: runs are refused. */
  | 'probe-disagrees'
  /** Impersonation cannot change inside an open transaction (a ROLLBACK could undo it silently). */
  | 'in-transaction'
  /** The user name was refused before anything was sent. */
  | 'invalid-user'
  /** The profile or platform cannot impersonate. */
  | 'unsupported'
  /** A statement would change impersonation in a way the worksheet cannot follow. */
  | 'untracked-impersonation'
  /** The worksheet has no connection profile yet. */
  | 'not-bound'
  /** The worksheet was closed. */
  | 'closed';

export class WorksheetError extends Error {
  readonly kind: WorksheetErrorKind;

  constructor(kind: WorksheetErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorksheetError';
    this.kind = kind;
  }
}

export function isWorksheetError(value: unknown): value is WorksheetError {
  return value instanceof WorksheetError;
}
