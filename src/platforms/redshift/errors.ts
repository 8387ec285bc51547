import { PlatformError, type PlatformErrorKind } from '../errors';
import { isSessionEndingSqlState, sessionEndedError } from '../session-end';

/** The fields node-postgres copies from a PostgreSQL ErrorResponse. */
interface PgServerError {
  readonly message: string;
  readonly code?: string;
  readonly position?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly severity?: string;
}

function isServerError(error: unknown): error is Error & PgServerError {
  if (!(error instanceof Error)) {
    return false;
  }
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function kindForSqlState(code: string): PlatformErrorKind {
  if (code === '28P01' || code === '28000') {
    return 'authentication';
  }
  if (code === '42501') {
    return 'permission';
  }
  if (code === '57014') {
    return 'cancelled';
  }
  if (isSessionEndingSqlState(code)) {
    return 'connection-lost';
  }
  return 'server';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** PostgreSQL reports positions in characters (code points); VS Code counts UTF-16 units. */
export function codePointPositionToOffset(text: string, oneBasedPosition: number): number {
  let offset = 0;
  let remaining = oneBasedPosition - 1;
  while (remaining > 0 && offset < text.length) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
    remaining--;
  }
  return offset;
}

/** Maps a node-postgres error met while connecting. */
export function mapConnectError(error: unknown, where: string): PlatformError {
  if (isServerError(error)) {
    const kind = kindForSqlState(error.code ?? '');
    const finalKind = kind === 'authentication' ? 'authentication' : kind === 'server' || kind === 'permission' ? kind : 'connection';
    const prefix = finalKind === 'authentication' ? `Login to ${where} was rejected` : `Could not open a session on ${where}`;
    return new PlatformError(finalKind, `${prefix}: ${error.message}`, {
      serverMessage: error.message,
      code: error.code,
      detail: error.detail,
      hint: error.hint,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const hint = typeof code === 'string' && NETWORK_CODES.has(code)
    ? 'Check the host, the port and that the cluster accepts connections from this machine.'
    : /certificate|self[- ]signed|SSL|TLS/i.test(message)
      ? 'Check the TLS mode and the CA certificate of the connection.'
      : undefined;
  return new PlatformError('connection', `Could not connect to ${where}: ${message}`, {
    serverMessage: message,
    code: typeof code === 'string' ? code : undefined,
    hint,
    cause: error,
  });
}

/**
 * True when a node-postgres error says the server has ended the session: a FATAL (or PANIC)
 * ErrorResponse, or a SQLSTATE of connection exception or shutdown (57P01 is what
 * pg_terminate_backend and an administrator's kill send).
 */
export function endsSession(error: unknown): boolean {
  if (!isServerError(error)) {
    return false;
  }
  return error.severity === 'FATAL' || error.severity === 'PANIC' || isSessionEndingSqlState(error.code);
}

/**
 * Maps a node-postgres error met while running `statement`. `notSent` is true only when the
 * statement provably never left this process (node-postgres never handed it to the socket).
 */
export function mapStatementError(error: unknown, statement: string, notSent: boolean): PlatformError {
  if (isServerError(error)) {
    if (endsSession(error)) {
      // The server answered, so the statement had reached it (an ErrorResponse always answers one).
      return sessionEndedError({ reason: error.message, serverSaid: true, sent: !notSent, code: error.code, detail: error.detail, cause: error });
    }
    const kind = kindForSqlState(error.code ?? '');
    const position = error.position !== undefined && /^\d+$/.test(error.position)
      ? { offset: codePointPositionToOffset(statement, Number(error.position)) }
      : undefined;
    return new PlatformError(kind, kind === 'cancelled' ? 'The statement was cancelled.' : error.message, {
      serverMessage: error.message,
      code: error.code,
      position,
      detail: error.detail,
      hint: error.hint,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (notSent || /terminated|not queryable|ECONNRESET|EPIPE|socket/i.test(message)) {
    return sessionEndedError({ reason: message, serverSaid: false, sent: !notSent, cause: error });
  }
  return new PlatformError('server', message, { serverMessage: message, cause: error });
}
