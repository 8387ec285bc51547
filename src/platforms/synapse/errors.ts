import { PlatformError, type ErrorPosition, type PlatformErrorKind } from '../errors';
import { sessionEndedError } from '../session-end';
import type { MssqlRequestError } from './mssql';

/**
 * SQL Server error numbers that mean "you may not": permission denied on an object (229, 230),
 * on a statement (262, 300), on a database (916), and a user or login that is not allowed (15247).
 */
const PERMISSION_NUMBERS = new Set([229, 230, 262, 297, 300, 916, 15247]);
/** Login failed (18456), password expired (18487, 18488), database unavailable to the login (4060). */
const AUTH_NUMBERS = new Set([18456, 18487, 18488, 4060]);

const NETWORK_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ETIMEOUT/;

/** The ERROR-token fields of an mssql/tedious error, wherever the driver put them. */
function serverFields(error: unknown): MssqlRequestError | undefined {
  if (!(error instanceof Error)) return undefined;
  const withNumber = error as MssqlRequestError;
  if (typeof withNumber.number === 'number' && withNumber.number > 0) return withNumber;
  const original = withNumber.originalError as (Error & { info?: MssqlRequestError; number?: number }) | undefined;
  if (original?.info && typeof original.info.number === 'number') {
    return { ...original.info, name: error.name, message: error.message };
  }
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * SQL Server reports only the line of an error, 1-based, counted from the first line of the
 * batch it was sent in (the text the worksheet sent: a whole `GO` batch, or the one statement
 * at the cursor). The position covers that line from its first to its last non-blank character.
 * A one-line text gets no position: the line adds nothing there, and pointing at its start would
 * only mislead.
 */
export function linePosition(text: string, line: number | undefined): ErrorPosition | undefined {
  if (line === undefined || !Number.isInteger(line) || line < 1) return undefined;
  const breaks = /\r\n|\r|\n/g;
  const starts = [0];
  for (let found = breaks.exec(text); found; found = breaks.exec(text)) starts.push(found.index + found[0].length);
  if (starts.length < 2 || line > starts.length) return undefined;
  const start = starts[line - 1];
  const next = line < starts.length ? starts[line] : text.length + 1;
  const content = text.slice(start, next - 1).replace(/[\r\n]+$/, '');
  const lead = /^[ \t]*/.exec(content)?.[0].length ?? 0;
  const trimmed = content.slice(lead).replace(/[ \t]+$/, '');
  return { offset: start + lead, length: trimmed.length };
}

function kindForNumber(number: number): PlatformErrorKind {
  if (PERMISSION_NUMBERS.has(number)) return 'permission';
  if (AUTH_NUMBERS.has(number)) return 'authentication';
  return 'server';
}

/**
 * A SQL Server error as its tools print it among a batch's messages ("Msg 8134, Level 16,
 * State 1, Line 4: Divide by zero error encountered."), or undefined for a driver error.
 */
export function serverMessageLine(error: unknown): string | undefined {
  const fields = serverFields(error);
  if (fields?.number === undefined) return undefined;
  return `Msg ${fields.number}, Level ${fields.class ?? '?'}, State ${fields.state ?? '?'}, Line ${fields.lineNumber ?? '?'}: ${fields.message}`;
}

/** The encryption guard's refusal, or a connect failure of mssql/tedious, as a PlatformError. */
export function mapConnectError(error: unknown, where: string): PlatformError {
  const fields = serverFields(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  if (code === 'ELOGIN' || (fields && AUTH_NUMBERS.has(fields.number ?? 0))) {
    return new PlatformError('authentication', `Login to ${where} was rejected: ${message}`, {
      serverMessage: message,
      code: fields?.number !== undefined ? String(fields.number) : '18456',
      cause: error,
    });
  }
  return new PlatformError('connection', `Could not connect to ${where}: ${message}`, {
    serverMessage: message,
    ...(code !== undefined ? { code } : {}),
    hint: NETWORK_CODES.test(`${code ?? ''} ${message}`)
      ? 'Check the server name, the port and that the firewall admits this machine.'
      : /certificate|self[- ]signed|SSL|TLS|encrypt/i.test(message)
        ? 'Check the encrypt, trustServerCertificate and caFile settings of the connection.'
        : undefined,
    cause: error,
  });
}

/**
 * SQL Server ends the session after an error of severity 20 or more ("Cannot continue the
 * execution because the session is in the kill state", a severe error on the current command):
 * the connection is closed and nothing more can run on it.
 */
export function endsSession(error: unknown): boolean {
  const fields = serverFields(error);
  return fields !== undefined && typeof fields.class === 'number' && fields.class >= 20;
}

/** Maps an error met while running `statement`; `connectionGone` when the connection is known lost. */
export function mapStatementError(error: unknown, statement: string, connectionGone: boolean, notSent = false): PlatformError {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECANCEL') {
    return new PlatformError('cancelled', 'The statement was cancelled.', { serverMessage: message, cause: error });
  }
  const fields = serverFields(error);
  if (fields && fields.number !== undefined && endsSession(error)) {
    return sessionEndedError({
      reason: message,
      serverSaid: true,
      sent: !notSent,
      code: String(fields.number),
      detail: `Msg ${fields.number}, Level ${fields.class ?? '?'}, State ${fields.state ?? '?'}`,
      cause: error,
    });
  }
  if (fields && fields.number !== undefined) {
    const position = linePosition(statement, fields.lineNumber);
    return new PlatformError(kindForNumber(fields.number), message, {
      serverMessage: message,
      code: String(fields.number),
      ...(position !== undefined ? { position } : {}),
      detail: `Msg ${fields.number}, Level ${fields.class ?? '?'}, State ${fields.state ?? '?'}, Line ${fields.lineNumber ?? '?'}`,
      cause: error,
    });
  }
  if (connectionGone || code === 'ESOCKET' || code === 'ECONNCLOSED' || code === 'ENOTOPEN' || /Connection lost|socket|ECONNRESET|EPIPE|closed/i.test(message)) {
    return sessionEndedError({ reason: message, serverSaid: false, sent: !notSent, ...(code !== undefined ? { code } : {}), cause: error });
  }
  return new PlatformError('server', message, { serverMessage: message, ...(code !== undefined ? { code } : {}), cause: error });
}
