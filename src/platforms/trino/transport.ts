import { BasicAuth, Trino, type ConnectionOptions } from 'trino-client';
import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import type { ConnectionSecret, TrinoProfile } from '../types';
import { parseJsonKeepingBigIntegers } from './json';

/** Reads one response header (case-insensitive); repeated headers come joined with ", ". */
export type HeaderLookup = (name: string) => string | undefined;

export interface ObservedResponse {
  readonly status: number | undefined;
  readonly header: HeaderLookup;
  readonly body: unknown;
}

export interface TransportHooks {
  /** Every HTTP response the driver receives, before the driver sees it. */
  onResponse(response: ObservedResponse): void;
  /** Aborts the request in flight (after a cancel the server did not act on in time). */
  readonly signal?: AbortSignal;
  readonly logger: Logger;
}

/** Status codes the Trino client protocol says to retry after 50-100 ms (gateways, load balancers). */
const RETRY_STATUSES = new Set([502, 503, 504]);

/** The two members of trino-client's internal Client that the hooks below rely on. */
interface ClientInternals {
  clientConfig: {
    transformResponse?: unknown;
    timeout?: number;
    signal?: AbortSignal;
  };
  request(config: unknown): Promise<unknown>;
}

/**
 * A trino-client instance for one statement. A fresh instance per statement because the
 * driver rewrites its own default headers from every response (see session-state.ts): a
 * long-lived instance would send a stale X-Trino-Session whenever our map is empty.
 *
 * trino-client hides response headers and never retries, so two of its internals are hooked
 * (checked at runtime, so that a changed driver fails loudly instead of silently):
 *  - axios' `transformResponse` sees every response: its headers (X-Trino-Set-Session...) and
 *    its body, which is parsed here so that bigints beyond 2^53 keep every digit;
 *  - `request` is wrapped to retry 502/503/504 on the same URI, as Trino's protocol asks, and
 *    requests whose connection broke where sending again is safe (see retryReason).
 */
export function createTrino(profile: TrinoProfile, secret: ConnectionSecret, hooks: TransportHooks): Trino {
  const options: ConnectionOptions = {
    server: profile.server,
    source: profile.source,
    // The driver defaults the user to $USER; follow-up requests must name the login too.
    extraHeaders: {
      'X-Trino-User': profile.user,
      ...(profile.auth === 'jwt' ? { Authorization: `Bearer ${secret.token ?? ''}` } : {}),
    },
    ...(profile.auth === 'basic' ? { auth: new BasicAuth(profile.user, secret.password ?? '') } : {}),
    ...(profile.server.toLowerCase().startsWith('https:')
      ? { ssl: { rejectUnauthorized: profile.tls.verify, ...(profile.tls.ca !== undefined ? { ca: profile.tls.ca } : {}) } }
      : {}),
  };
  const trino = Trino.create(options);
  const internals = (trino as unknown as { client?: Partial<ClientInternals> }).client;
  if (!internals || typeof internals.request !== 'function' || typeof internals.clientConfig !== 'object' || internals.clientConfig === null) {
    throw new PlatformError('configuration', 'This version of trino-client is not the one Immuta Worksheets was built with (its request hooks are missing).');
  }
  const client = internals as ClientInternals;
  client.clientConfig.timeout = profile.requestTimeoutMs;
  if (hooks.signal) client.clientConfig.signal = hooks.signal;
  client.clientConfig.transformResponse = [
    (data: unknown, headers: unknown, status?: number): unknown => {
      const body = parseBody(data);
      hooks.onResponse({ status, header: headerLookup(headers), body });
      return body;
    },
  ];
  const send = client.request.bind(client);
  client.request = (config: unknown) => withRetry(() => send(config), config, profile.requestTimeoutMs, hooks);
  return trino;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string' || !/^\s*[[{]/.test(data)) {
    return data;
  }
  try {
    return parseJsonKeepingBigIntegers(data);
  } catch {
    return data;
  }
}

function headerLookup(headers: unknown): HeaderLookup {
  const source = (typeof headers === 'object' && headers !== null ? headers : {}) as { get?: (name: string) => unknown } & Record<string, unknown>;
  return (name) => {
    const value = typeof source.get === 'function' ? source.get(name) : source[name.toLowerCase()];
    if (Array.isArray(value)) return value.map(String).join(', ');
    return value === undefined || value === null || value === false ? undefined : String(value);
  };
}

interface FailedRequest {
  readonly code?: string;
  readonly response?: { readonly status?: unknown };
  /** Node's ClientRequest, or follow-redirects' wrapper around the current one. */
  readonly request?: { readonly reusedSocket?: boolean; readonly _currentRequest?: { readonly reusedSocket?: boolean } };
}

/** How many times a request is sent again after its connection broke (not after a 5xx). */
const NETWORK_RETRIES = 2;

/**
 * Whether sending the same request again is safe and worthwhile:
 *  - 502/503/504: the protocol says so, for every request;
 *  - a reset on a kept-alive connection the server had already closed (Node's documented
 *    `reusedSocket` case): the request never reached it;
 *  - a broken connection while fetching a nextUri: a GET of the same token returns the same page.
 */
function retryReason(error: unknown, config: unknown, networkRetries: number): string | undefined {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as FailedRequest;
  const status = failure.response?.status;
  if (typeof status === 'number') {
    return RETRY_STATUSES.has(status) ? `HTTP ${status}` : undefined;
  }
  if (networkRetries >= NETWORK_RETRIES || (failure.code !== 'ECONNRESET' && failure.code !== 'EPIPE')) {
    return undefined;
  }
  const method = String((config as { method?: unknown } | undefined)?.method ?? 'get').toUpperCase();
  const reused = failure.request?.reusedSocket === true || failure.request?._currentRequest?.reusedSocket === true;
  return reused || method === 'GET' ? `${failure.code} on ${method}` : undefined;
}

async function withRetry<T>(send: () => Promise<T>, config: unknown, budgetMs: number, hooks: TransportHooks): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let networkRetries = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const reason = retryReason(error, config, networkRetries);
      // 50-100 ms as the protocol suggests, then backing off so a struggling gateway can recover.
      const delay = Math.min(50 * 2 ** (attempt - 1), 2000) + Math.floor(Math.random() * 50);
      if (reason === undefined || hooks.signal?.aborted || Date.now() + delay > deadline) {
        throw error;
      }
      if (!reason.startsWith('HTTP')) networkRetries++;
      hooks.logger.info(`trino: ${reason}, retrying in ${delay} ms (attempt ${attempt + 1})`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
