import { PlatformError, type ErrorPosition, type PlatformErrorKind } from '../errors';
import { isSessionEndingSqlState, sessionEndedError } from '../session-end';
import type { SdkError } from './sdk';

/**
 * Snowflake's codes that mean the session behind the connection is gone. 390112 (session token
 * expired) is not among them: the driver renews the token with the master token and repeats
 * the request in the same session, variables and role intact. 407002 is the driver's own code
 * for a request made after it gave the session up (after 390111, 390104 or 390114).
 */
const SESSION_GONE = new Set(['390111', '390104', '390114', '390113', '407002']);
/** The driver's codes for a request that never got an answer. */
const NETWORK = new Set(['401001', '401002', '401003']);
const CANCELLED = new Set(['000604', '604']);
const PERMISSION = new Set(['003001', '3001']);

function codeOf(error: SdkError): string | undefined {
  return error.code === undefined || error.code === null ? undefined : String(error.code);
}

function sqlStateOf(error: SdkError): string | undefined {
  return error.sqlState ?? (typeof error.data?.sqlState === 'string' ? error.data.sqlState : undefined);
}

/**
 * The session is gone: Snowflake's own codes, or a SQLSTATE of connection exception or
 * shutdown on the statement that was running when it ended.
 */
export function isSessionGone(error: SdkError): boolean {
  return SESSION_GONE.has(codeOf(error) ?? '') || isSessionEndingSqlState(sqlStateOf(error));
}

/** Login failures: 390100 wrong password, 3901xx/3902xx the other authentication refusals. */
export function mapConnectError(error: unknown, where: string): PlatformError {
  const sdkError = (error ?? {}) as SdkError;
  const code = codeOf(sdkError);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && /^390[12]\d\d$/.test(code)) {
    return new PlatformError('authentication', `Login to ${where} was rejected: ${message}`, { serverMessage: message, code, cause: error });
  }
  const network = code !== undefined && NETWORK.has(code);
  return new PlatformError('connection', `Could not connect to ${where}: ${message}`, {
    serverMessage: message,
    ...(code !== undefined ? { code } : {}),
    ...(network ? { hint: 'Check the account or access URL and that this machine can reach Snowflake.' } : {}),
    cause: error,
  });
}

/**
 * Maps an error met while running `statement`. `accepted` is true once the server gave the
 * statement a query id: from then on an ended session may have run it. Before that, a session
 * the server no longer has refused the request before running anything (`notSent`: the
 * statement can safely go again on a new session, after the worksheet re-applied its
 * impersonation).
 */
export function mapStatementError(error: unknown, statement: string, accepted = false): PlatformError {
  if (!(error instanceof Error)) {
    return new PlatformError('server', String(error), { serverMessage: String(error), cause: error });
  }
  const sdkError = error as SdkError;
  const code = codeOf(sdkError);
  const sqlState = sqlStateOf(sdkError);
  const message = error.message;
  if (isSessionGone(sdkError)) {
    // A SQLSTATE came with an answer to this very statement: it had reached the server.
    const sent = accepted || (isSessionEndingSqlState(sqlState) && !SESSION_GONE.has(code ?? ''));
    return sessionEndedError({ reason: message, serverSaid: true, sent, ...(code !== undefined ? { code } : {}), ...(sqlState !== undefined ? { detail: `SQLSTATE ${sqlState}` } : {}), cause: error });
  }
  let kind: PlatformErrorKind = 'server';
  if ((code !== undefined && CANCELLED.has(code)) || sqlState === '57014') {
    kind = 'cancelled';
  } else if ((code !== undefined && PERMISSION.has(code)) || sqlState === '42501') {
    kind = 'permission';
  } else if (code !== undefined && NETWORK.has(code)) {
    kind = 'connection-lost';
  }
  const position = positionIn(statement, message);
  return new PlatformError(kind, kind === 'cancelled' ? 'The statement was cancelled.' : message, {
    serverMessage: message,
    ...(code !== undefined ? { code } : {}),
    ...(position ? { position } : {}),
    ...(sqlState !== undefined ? { detail: `SQLSTATE ${sqlState}` } : {}),
    cause: error,
  });
}

/**
 * Snowflake puts the place of a compilation error in its message: "… line 2 at position 7 …",
 * line 1-based, position a 0-based character (code point) column within that line.
 */
export function positionIn(statement: string, message: string): ErrorPosition | undefined {
  const match = /\bline (\d+) at position (\d+)\b/.exec(message);
  if (!match) {
    return undefined;
  }
  const line = Number(match[1]);
  const column = Number(match[2]);
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = statement.slice(offset).search(/\r\n|\r|\n/);
    if (next < 0) {
      return undefined;
    }
    offset += next + (statement.startsWith('\r\n', offset + next) ? 2 : 1);
  }
  for (let remaining = column; remaining > 0 && offset < statement.length; remaining--) {
    const code = statement.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return offset <= statement.length ? { offset } : undefined;
}
