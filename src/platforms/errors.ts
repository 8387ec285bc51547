/**
 * Typed error kinds shared by every platform adapter. Each keeps the server's own text in
 * `serverMessage` so the UI can show exactly what the platform said.
 */
export type PlatformErrorKind =
  /** Login rejected: bad password, token or key. */
  | 'authentication'
  /** Could not reach or open a session (DNS, refused, TLS, timeout while connecting). */
  | 'connection'
  /** An open session died (server restart, terminated backend, network drop). */
  | 'connection-lost'
  /** The statement was cancelled at the user's request. */
  | 'cancelled'
  /** The server refused for lack of a privilege (including Immuta's IMPERSONATE_USER). */
  | 'permission'
  /** Any other error reported by the server while running a statement. */
  | 'server'
  /** The profile or the input is wrong before anything was sent. */
  | 'configuration'
  /** The platform (or this profile of it) cannot impersonate. */
  | 'unsupported';

/** Where in the statement text the server located the error, 0-based UTF-16 offset. */
export interface ErrorPosition {
  readonly offset: number;
  /**
   * How much of the text from `offset` the position covers, when the server located a span
   * (SQL Server: the line it reports). Absent: a point, marked as the word there.
   */
  readonly length?: number;
}

export interface PlatformErrorDetails {
  readonly serverMessage?: string;
  /** Platform error code: SQLSTATE on PostgreSQL/Redshift, error number on SQL Server, and so on. */
  readonly code?: string;
  readonly position?: ErrorPosition;
  readonly detail?: string;
  readonly hint?: string;
  /**
   * True only when the adapter knows the statement never reached the server (the connection
   * was already gone when it tried to send). The engine may then reconnect and run it once.
   */
  readonly notSent?: boolean;
  readonly cause?: unknown;
}

/**
 * Brand instead of `instanceof`: each platform is bundled separately, so an error thrown by a
 * platform bundle is an instance of that bundle's copy of this class.
 */
const PLATFORM_ERROR = Symbol.for('immuta-worksheets.PlatformError');

export class PlatformError extends Error {
  readonly [PLATFORM_ERROR] = true;
  readonly kind: PlatformErrorKind;
  readonly serverMessage?: string;
  readonly code?: string;
  readonly position?: ErrorPosition;
  readonly detail?: string;
  readonly hint?: string;
  readonly notSent: boolean;

  constructor(kind: PlatformErrorKind, message: string, details: PlatformErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PlatformError';
    this.kind = kind;
    this.serverMessage = details.serverMessage;
    this.code = details.code;
    this.position = details.position;
    this.detail = details.detail;
    this.hint = details.hint;
    this.notSent = details.notSent ?? false;
  }
}

export function isPlatformError(value: unknown): value is PlatformError {
  return typeof value === 'object' && value !== null && (value as { [PLATFORM_ERROR]?: unknown })[PLATFORM_ERROR] === true;
}
