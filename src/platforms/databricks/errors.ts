import { PlatformError, type ErrorPosition, type PlatformErrorKind } from '../errors';
import { isSessionEndingSqlState, sessionEndedError } from '../session-end';

/**
 * What @databricks/sql throws, structurally. Traps: its StatusError (a failed Thrift status) is
 * not an `Error` and keeps only the message and errorCode, no SQLSTATE; a statement that fails
 * while running arrives as an OperationStateError whose `response` (TGetOperationStatusResp)
 * holds the SQLSTATE and the server's message; HTTP failures are Thrift application exceptions
 * with the HTTP `statusCode`.
 */
export interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errorCode?: unknown;
  readonly statusCode?: unknown;
  readonly response?: {
    readonly sqlState?: string | null;
    readonly errorMessage?: string | null;
    readonly displayMessage?: string | null;
    readonly errorCode?: number | null;
  } | null;
}

/** The server forgot the session (expired, cluster restarted): Hive's and Databricks' wording. */
const INVALID_SESSION = /Invalid SessionHandle|session (?:was closed or )?has expired|SESSION_NOT_FOUND/i;
const CANCELLED_SQLSTATE = '57014';

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function messageOf(error: unknown): string {
  const message = shape(error).message;
  if (typeof message === 'string' && message !== '') {
    return message;
  }
  return error instanceof Error ? error.name : String(error);
}

/** The server no longer knows the session: whatever was refused with this never ran. */
export function isSessionGone(error: unknown): boolean {
  const response = shape(error).response;
  const text = `${messageOf(error)} ${response?.errorMessage ?? ''}`;
  return INVALID_SESSION.test(text);
}

/**
 * The session is over: the server forgot it, or the statement that was running failed with a
 * SQLSTATE of connection exception or shutdown (what is left of the session cannot be trusted
 * to hold its impersonation).
 */
export function endsSession(error: unknown): boolean {
  return isSessionGone(error) || isSessionEndingSqlState(shape(error).response?.sqlState);
}

function httpStatusOf(error: unknown): number | undefined {
  const status = shape(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Failures while connecting or opening the session. */
export function mapConnectError(error: unknown, where: string): PlatformError {
  const message = messageOf(error);
  const status = httpStatusOf(error);
  if (status === 401 || status === 403) {
    return new PlatformError('authentication', `Databricks at ${where} refused the credentials (HTTP ${status}). Check the access token or the OAuth client secret.`, {
      serverMessage: message,
      code: String(status),
      cause: error,
    });
  }
  return new PlatformError('connection', `Could not open a Databricks session at ${where}: ${message}`, {
    serverMessage: message,
    ...(status !== undefined ? { code: String(status) } : {}),
    hint: 'Check the host, port and HTTP path of the cluster or SQL warehouse, and that it is running.',
    cause: error,
  });
}

/**
 * Maps an error met while running `statement`. A session the server no longer knows becomes
 * `connection-lost`; when it was the ExecuteStatement call itself that was refused (`notSent`),
 * nothing ran and the worksheet may run it again on a new session.
 */
export function mapStatementError(error: unknown, statement: string, notSent: boolean): PlatformError {
  const message = messageOf(error);
  if (isSessionGone(error)) {
    return sessionEndedError({ reason: message, serverSaid: true, sent: !notSent, cause: error });
  }
  const ended = shape(error).response;
  if (isSessionEndingSqlState(ended?.sqlState)) {
    const reason = ended?.displayMessage || ended?.errorMessage || message;
    return sessionEndedError({ reason, serverSaid: true, sent: !notSent, ...(ended?.sqlState ? { code: ended.sqlState } : {}), cause: error });
  }
  const status = httpStatusOf(error);
  if (status === 401 || status === 403) {
    return new PlatformError('authentication', `Databricks refused the credentials (HTTP ${status}).`, { serverMessage: message, code: String(status), cause: error });
  }
  const response = shape(error).response ?? undefined;
  const sqlState = response?.sqlState ?? undefined;
  const serverMessage = response?.displayMessage || response?.errorMessage || message;
  const errorCode = shape(error).errorCode;
  let kind: PlatformErrorKind = 'server';
  if (errorCode === 'CANCELED' || sqlState === CANCELLED_SQLSTATE) {
    kind = 'cancelled';
  } else if (sqlState === '42501' || /PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS/.test(serverMessage)) {
    kind = 'permission';
  } else if (status !== undefined || /ECONNRESET|ECONNREFUSED|socket hang up|Request timed out/i.test(message)) {
    kind = 'connection-lost';
  }
  const position = positionIn(statement, serverMessage);
  return new PlatformError(kind, kind === 'cancelled' ? 'The statement was cancelled.' : serverMessage, {
    serverMessage,
    ...(sqlState ? { code: sqlState } : {}),
    ...(position ? { position } : {}),
    cause: error,
  });
}

/**
 * Spark puts the place of a parse error at the end of its message: "(line 1, pos 7)", a 1-based
 * line and a 0-based column counted in code points (ANTLR's character stream).
 */
export function positionIn(statement: string, message: string): ErrorPosition | undefined {
  const spark = /\(line (\d+), pos (\d+)\)/.exec(message);
  if (!spark) {
    return undefined;
  }
  let offset = 0;
  for (let line = 1; line < Number(spark[1]); line++) {
    const next = statement.indexOf('\n', offset);
    if (next < 0) {
      return undefined;
    }
    offset = next + 1;
  }
  for (let column = Number(spark[2]); column > 0 && offset < statement.length; column--) {
    const code = statement.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return { offset };
}
