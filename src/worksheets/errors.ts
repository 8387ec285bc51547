import type { SqlDialectId } from '../sql/dialects';

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
  /** An impersonation statement inside a larger one (block, batch, routine, dynamic SQL): it must run alone. */
  | 'impersonation-embedded'
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

/**
 * Why a statement holding an impersonation statement inside a larger one was refused, and what
 * to do instead. T-SQL runs whole batches, so there "alone" means a batch of its own.
 */
export function embeddedImpersonationMessage(dialect: SqlDialectId): string {
  const alone = dialect === 'tsql' ? 'in a batch of its own (set apart from other statements by GO lines)' : 'as a statement of its own';
  return (
    'Nothing was run: this statement holds an impersonation statement inside a larger one (a block, a batch with other statements, ' +
    'a routine or dynamic SQL), where the worksheet cannot tell whether or when it runs, so it could no longer vouch for whom ' +
    `statements run as. Run the impersonation statement alone, ${alone}, with the user name as a plain string literal, ` +
    'or choose the user with "Immuta: Impersonate User" (the status bar).'
  );
}
