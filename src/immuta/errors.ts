/**
 * Typed failures of the Immuta REST client. Every message is meant to be shown to the user as it
 * is, so each says what happened and what to do; none may contain the API key or a token.
 */
export type ImmutaErrorKind =
  /** DNS, refused, reset: nothing answered. */
  | 'unreachable'
  /** Something answered too slowly. */
  | 'timeout'
  /** The TLS handshake failed (certificate not trusted, wrong host name, not TLS at all). */
  | 'tls'
  /** Immuta rejected the API key (or the token exchanged for it). */
  | 'bad-key'
  /** The key is valid but its user may not do this. */
  | 'forbidden'
  /** The endpoint, user or project does not exist. */
  | 'not-found'
  /** Immuta answered with an error status. */
  | 'server'
  /** Immuta answered something this client cannot read (not JSON, wrong shape, redirect, too big). */
  | 'bad-response'
  /** The caller aborted, or the client was disposed. */
  | 'cancelled'
  /** Wrong or missing settings: URL, API key, authentication mode. */
  | 'configuration';

export interface ImmutaErrorDetails {
  /** What the client was doing, in words that fit "Immuta failed to …", e.g. 'search users'. */
  readonly operation: string;
  readonly status?: number;
  /** Immuta's own text: `message` of its JSON error, or the start of a non-JSON body. */
  readonly serverMessage?: string;
  readonly cause?: unknown;
}

/** Brand instead of `instanceof`: bundles are split, so each may hold its own copy of this class. */
const IMMUTA_API_ERROR = Symbol.for('immuta-worksheets.ImmutaApiError');

export class ImmutaApiError extends Error {
  readonly [IMMUTA_API_ERROR] = true;
  readonly kind: ImmutaErrorKind;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly operation: string;

  constructor(kind: ImmutaErrorKind, message: string, details: ImmutaErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ImmutaApiError';
    this.kind = kind;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.operation = details.operation;
  }
}

export function isImmutaApiError(value: unknown): value is ImmutaApiError {
  return typeof value === 'object' && value !== null && (value as { [IMMUTA_API_ERROR]?: unknown })[IMMUTA_API_ERROR] === true;
}

/** "… (HTTP 500): text." or "… (HTTP 500)." without doubling the server's own full stop. */
function withServerText(prefix: string, serverMessage: string | undefined): string {
  if (serverMessage === undefined || serverMessage === '') {
    return `${prefix}.`;
  }
  return /[.!?…]$/.test(serverMessage) ? `${prefix}: ${serverMessage}` : `${prefix}: ${serverMessage}.`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}` : `${Math.round(ms / 100) / 10}`;
}

export function unreachableError(where: string, code: string, operation: string, cause?: unknown): ImmutaApiError {
  return new ImmutaApiError(
    'unreachable',
    `Cannot reach Immuta at ${where} (${code}). Check the Immuta URL setting and that the host is reachable from this machine.`,
    { operation, cause },
  );
}

export function timeoutError(where: string, timeoutMs: number, operation: string): ImmutaApiError {
  return new ImmutaApiError('timeout', `Immuta at ${where} did not answer within ${seconds(timeoutMs)} s (${operation}).`, { operation });
}

export function tlsError(where: string, code: string, operation: string, cause?: unknown): ImmutaApiError {
  return new ImmutaApiError(
    'tls',
    `The TLS connection to Immuta at ${where} failed (${code}), so the extension did not ${operation}. ` +
      'If Immuta uses a private certificate authority, point the setting immutaWorksheets.immuta.caFile at its CA certificate (PEM); ' +
      'if the URL says https:// but the server speaks plain http, fix the URL.',
    { operation, cause },
  );
}

export function badKeyError(status: number, operation: string, serverMessage?: string): ImmutaApiError {
  return new ImmutaApiError(
    'bad-key',
    `Immuta rejected the API key (HTTP ${status}). Generate a new key in Immuta (Profile → API Keys) and set it again.`,
    { operation, status, serverMessage },
  );
}

export function forbiddenError(operation: string, serverMessage?: string): ImmutaApiError {
  return new ImmutaApiError('forbidden', withServerText(`Immuta refused to ${operation} for this API key's user (HTTP 403)`, serverMessage), {
    operation,
    status: 403,
    serverMessage,
  });
}

export function endpointNotFoundError(where: string, request: string, operation: string, serverMessage?: string): ImmutaApiError {
  return new ImmutaApiError(
    'not-found',
    `Immuta at ${where} has no ${request} (HTTP 404), needed to ${operation}. ` +
      'Check that the Immuta URL setting points at Immuta itself, including any path prefix; the Immuta version may be unsupported.',
    { operation, status: 404, serverMessage },
  );
}

export function noSuchUserError(userid: string): ImmutaApiError {
  return new ImmutaApiError('not-found', `Immuta has no user named "${userid}".`, { operation: 'find a user' });
}

export function serverError(status: number, operation: string, serverMessage?: string): ImmutaApiError {
  return new ImmutaApiError('server', withServerText(`Immuta failed to ${operation} (HTTP ${status})`, serverMessage), { operation, status, serverMessage });
}

export function badResponseError(operation: string, why: string, status?: number, cause?: unknown): ImmutaApiError {
  return new ImmutaApiError(
    'bad-response',
    `Immuta's answer to ${operation} was not what this extension understands (${why}). The Immuta version may be unsupported.`,
    { operation, status, cause },
  );
}

export function redirectError(status: number, location: string | undefined, operation: string): ImmutaApiError {
  const target = location === undefined ? '' : ` to ${location}`;
  return new ImmutaApiError(
    'bad-response',
    `Immuta's answer to ${operation} redirected (HTTP ${status})${target} instead of answering. ` +
      'The Immuta URL setting may point at a login page or a proxy, or need https:// instead of http://.',
    { operation, status },
  );
}

export function cancelledError(operation: string, disposed: boolean): ImmutaApiError {
  const message = disposed ? `Stopped asking Immuta to ${operation}: the Immuta connection was closed.` : `Cancelled: ${operation} in Immuta.`;
  return new ImmutaApiError('cancelled', message, { operation });
}

export function configurationError(message: string, operation: string): ImmutaApiError {
  return new ImmutaApiError('configuration', message, { operation });
}
