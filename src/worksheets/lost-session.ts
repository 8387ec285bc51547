import { isPlatformError, PlatformError } from '../platforms/errors';
import { isWorksheetError, WorksheetError } from './errors';

/**
 * What a worksheet tells the user when its session ended under a statement. The platform says
 * what happened and whether the statement may have run (keeping the server's own words); the
 * worksheet adds what it will do about it, because only it knows whom it impersonates.
 */

/** What the next statement will do, given whom the worksheet means to run as (null: yourself). */
export function nextStepAfterLoss(intended: string | null | undefined): string {
  if (intended === undefined) {
    return 'The worksheet cannot vouch for whom a new session would run as: choose a user to impersonate or stop impersonating before running again.';
  }
  if (intended === null) {
    return 'The next statement opens a new session, as yourself.';
  }
  return `The next statement opens a new session and re-applies impersonation of ${intended} before it runs.`;
}

/** A connection-lost error as the user reads it: what happened, then what the worksheet will do. */
export function withNextStep(error: PlatformError, intended: string | null | undefined): PlatformError {
  return new PlatformError(error.kind, `${error.message} ${nextStepAfterLoss(intended)}`, {
    serverMessage: error.serverMessage,
    code: error.code,
    position: error.position,
    detail: error.detail,
    hint: error.hint,
    notSent: error.notSent,
    cause: error,
  });
}

/**
 * A statement that was never sent because its session had ended, and the reconnect that would
 * have sent it failed. It says both, keeps the kind of the reconnect's failure (a rejected
 * login stays `authentication`, a refused re-apply stays `impersonation-not-established`) and
 * says the statement was not sent.
 */
export function notSentAfterFailedReconnect(
  ended: PlatformError,
  reconnect: unknown,
  intended: string | null | undefined,
): PlatformError | WorksheetError {
  const why = ended.serverMessage ?? ended.message;
  const failure = reconnect instanceof Error ? reconnect.message : String(reconnect);
  const again = intended === undefined ? '' : intended === null ? ' The next statement tries again to open a new session.' : ` The next statement tries again to open a new session and re-apply impersonation of ${intended}.`;
  const message = `The statement was not sent: this worksheet's session had ended (${why}), and reconnecting failed. ${failure}${again}`;
  if (isWorksheetError(reconnect)) {
    return new WorksheetError(reconnect.kind, message, { cause: reconnect });
  }
  if (isPlatformError(reconnect)) {
    // A new session that could not be opened is a connection failure, whatever ended the old one.
    return new PlatformError(reconnect.kind === 'connection-lost' ? 'connection' : reconnect.kind, message, {
      serverMessage: reconnect.serverMessage,
      code: reconnect.code,
      detail: reconnect.detail,
      hint: reconnect.hint,
      notSent: true,
      cause: reconnect,
    });
  }
  return new PlatformError('connection', message, { notSent: true, cause: reconnect });
}
