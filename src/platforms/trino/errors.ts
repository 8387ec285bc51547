import { PlatformError, type PlatformErrorKind } from '../errors';

/** The `error` object of a Trino QueryResults page. */
export interface TrinoQueryError {
  readonly message?: string;
  readonly errorCode?: number;
  readonly errorName?: string;
  readonly errorType?: string;
  readonly errorLocation?: { readonly lineNumber?: number; readonly columnNumber?: number };
}

/**
 * Trino locates errors by 1-based line and column; columns count code points (its ANTLR lexer
 * reads code points). VS Code counts UTF-16 units from the start of the statement.
 */
export function lineColumnToOffset(text: string, lineNumber: number, columnNumber: number): number {
  let offset = 0;
  for (let line = 1; line < lineNumber; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) {
      return text.length;
    }
    offset = next + 1;
  }
  for (let column = 1; column < columnNumber && offset < text.length; column++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
  }
  return offset;
}

function kindForErrorName(name: string | undefined): PlatformErrorKind {
  switch (name) {
    case 'USER_CANCELED':
      return 'cancelled';
    case 'PERMISSION_DENIED':
      return 'permission';
    default:
      return 'server';
  }
}

/**
 * A connector whose connection to the data source died under the query (JDBC_ERROR, EXTERNAL:
 * "terminating connection", "connection reset"...). Trino received and ran the statement, so it
 * may or may not have completed in the data source; the worksheet's Trino session itself (its
 * impersonation travels with every request) is not affected.
 */
const DATA_SOURCE_CONNECTION_LOST = /terminat|connection (?:was )?(?:reset|closed|lost)|connection failed/i;

function dataSourceConnectionLost(error: TrinoQueryError, serverMessage: string): boolean {
  return error.errorType === 'EXTERNAL' && error.errorName === 'JDBC_ERROR' && DATA_SOURCE_CONNECTION_LOST.test(serverMessage);
}

/** An error reported inside a result page (the query ran and failed). */
export function mapQueryError(error: TrinoQueryError, statement: string): PlatformError {
  const kind = kindForErrorName(error.errorName);
  const serverMessage = error.message ?? 'The query failed without a message.';
  if (kind === 'server' && dataSourceConnectionLost(error, serverMessage)) {
    return new PlatformError(
      'server',
      `Trino lost its connection to the data source while the statement ran (${serverMessage}). The statement may or may not have completed. This worksheet's session is unaffected: the next statement runs as before.`,
      { serverMessage, code: error.errorName, detail: error.errorType },
    );
  }
  const location = error.errorLocation;
  const position =
    location?.lineNumber !== undefined && location.columnNumber !== undefined
      ? { offset: lineColumnToOffset(statement, location.lineNumber, location.columnNumber) }
      : undefined;
  return new PlatformError(kind, kind === 'cancelled' ? 'The statement was cancelled.' : serverMessage, {
    serverMessage,
    code: error.errorName ?? (error.errorCode !== undefined ? String(error.errorCode) : undefined),
    position,
    detail: error.errorType,
  });
}

/** The parts of an axios error the mapping reads (axios is trino-client's, not imported here). */
interface HttpFailure {
  readonly message?: string;
  readonly code?: string;
  readonly response?: { readonly status?: number; readonly data?: unknown };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

export interface TransportContext {
  /** The server URL, for messages. */
  readonly where: string;
  readonly login: string;
  /** Opening the session (probe), or running a statement. */
  readonly phase: 'open' | 'statement';
  /** Whether the failed request was the statement's first POST (nothing accepted yet). */
  readonly firstRequest: boolean;
}

function bodyText(data: unknown): string {
  if (data === undefined || data === null || data === '') return '';
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * What of an HTTP failure may travel on as `cause`: axios errors hold the request config, with
 * the basic-auth password and the Authorization header, which must never reach a log.
 */
export function redactedCause(error: unknown): Error {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const cause = new Error(failure.message ?? String(error));
  if (failure.code !== undefined) Object.assign(cause, { code: failure.code });
  return cause;
}

/** Maps a failure of an HTTP request itself (no result page): status codes, network, TLS. */
export function mapTransportError(rawError: unknown, context: TransportContext): PlatformError {
  const failure = (typeof rawError === 'object' && rawError !== null ? rawError : {}) as HttpFailure;
  const error = redactedCause(rawError);
  const message = failure.message ?? String(rawError);
  const status = failure.response?.status;
  if (failure.code === 'ERR_CANCELED') {
    return new PlatformError('cancelled', 'The statement was cancelled.', { cause: error });
  }
  if (status !== undefined) {
    const body = bodyText(failure.response?.data);
    const said = body === '' ? `HTTP ${status}` : `HTTP ${status}: ${body}`;
    if (status === 401) {
      return new PlatformError('authentication', `Login to ${context.where} as ${context.login} was rejected (${said}). Check the password or token of this connection.`, {
        serverMessage: body || `HTTP ${status}`,
        code: String(status),
        cause: error,
      });
    }
    if (status === 403) {
      return new PlatformError('permission', `${context.where} refused the request (${said}).`, { serverMessage: body, code: String(status), cause: error });
    }
    const kind: PlatformErrorKind = context.phase === 'open' ? 'connection' : status >= 502 && status <= 504 ? 'connection-lost' : 'server';
    return new PlatformError(kind, `${context.where} answered ${said}`, { serverMessage: body || said, code: String(status), cause: error });
  }
  const code = failure.code;
  const tlsProblem = /certificate|self[- ]signed|SSL|TLS|CERT_|DEPTH_ZERO/i.test(`${code ?? ''} ${message}`);
  const hint = tlsProblem
    ? 'Check the CA certificate of the connection (tls.caFile), or that the server URL uses the name its certificate was issued for.'
    : code !== undefined && NETWORK_CODES.has(code)
      ? 'Check the server URL and that the coordinator accepts connections from this machine.'
      : undefined;
  if (context.phase === 'open') {
    return new PlatformError('connection', `Could not reach ${context.where}: ${message}`, { serverMessage: message, code, hint, cause: error });
  }
  // A refused connection means the statement never reached the server: safe to send again.
  const notSent = context.firstRequest && code === 'ECONNREFUSED';
  return new PlatformError(
    'connection-lost',
    notSent
      ? `${context.where} refused the connection; the statement was not sent (${message}).`
      : `The connection to ${context.where} failed while the statement ran (${message}). It may or may not have completed.`,
    { serverMessage: message, code, hint, notSent, cause: error },
  );
}
