/**
 * One HTTP exchange with Immuta over node:http/https (not fetch, so that a private CA and
 * certificate checks can be set per client): timeout, cancellation, no redirects, a size cap, and
 * transport failures mapped to ImmutaApiError. What a status means is the client's business.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import {
  badResponseError,
  cancelledError,
  configurationError,
  ImmutaApiError,
  timeoutError,
  tlsError,
  unreachableError,
} from './errors';

/** A validated Immuta base URL. */
export interface ImmutaBase {
  readonly protocol: 'http:' | 'https:';
  /** Without IPv6 brackets, as node:http wants it. */
  readonly hostname: string;
  readonly port: number;
  /** Encoded path prefix without a trailing slash: '' or e.g. '/immuta'. */
  readonly pathPrefix: string;
  /** Origin plus prefix, for messages: never contains credentials, query or fragment. */
  readonly display: string;
}

const EXAMPLE_URL = 'https://your-tenant.immuta.com';

/** Checks the Immuta URL setting; throws a 'configuration' ImmutaApiError that says what to fix. */
export function parseImmutaBaseUrl(text: string, operation = 'connect'): ImmutaBase {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw configurationError(`No Immuta URL is set. Set it to your Immuta address, e.g. ${EXAMPLE_URL}.`, operation);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // The text may hold a password ("user:secret@host"), so it is echoed only when it cannot.
    const shown = trimmed.includes('@') ? 'The Immuta URL' : `The Immuta URL "${trimmed}"`;
    throw configurationError(`${shown} is not a valid URL. Write it in full, like ${EXAMPLE_URL}.`, operation);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configurationError(
      `The Immuta URL must start with https:// (or http:// for a test server), not "${url.protocol}". Write it like ${EXAMPLE_URL}.`,
      operation,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw configurationError('The Immuta URL must not contain a user name or password: the API key is what signs in. Remove the "…@" part.', operation);
  }
  if (url.search !== '' || url.hash !== '' || trimmed.includes('?') || trimmed.includes('#')) {
    throw configurationError(
      `The Immuta URL must not contain a query (?…) or fragment (#…): use only the address and any path prefix, like ${EXAMPLE_URL}.`,
      operation,
    );
  }
  const pathPrefix = url.pathname.replace(/\/+$/, '');
  const hostname = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { protocol: url.protocol, hostname, port, pathPrefix, display: `${url.origin}${pathPrefix}` };
}

/** Encodes path segments and query values; '.' and '..' segments are escaped so nothing collapses them. */
export function apiPath(segments: readonly string[], query: Readonly<Record<string, string | number | undefined>> = {}): string {
  const path = segments
    .map((segment) => {
      const encoded = encodeURIComponent(segment);
      return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
    })
    .join('/');
  const pairs = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  return `/${path}${pairs.length === 0 ? '' : `?${pairs.join('&')}`}`;
}

export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST';
  /** From apiPath(): below the base URL's prefix, encoded, with any query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpCallOptions {
  readonly operation: string;
  readonly agent: http.Agent;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** The caller's signal: aborting it gives 'cancelled'. */
  readonly signal?: AbortSignal;
  /** The client's lifetime: aborted by dispose(). */
  readonly lifetime: AbortSignal;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('CERT_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');
}

/** Maps a socket, TLS or HTTP-parser error; messages carry codes only, never request headers. */
export function mapTransportError(error: unknown, base: ImmutaBase, operation: string): ImmutaApiError {
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  if (code !== '' && isTlsCode(code)) {
    return tlsError(base.display, code, operation, error);
  }
  if (code.startsWith('HPE_')) {
    return badResponseError(operation, `not a valid HTTP answer: ${code}`, undefined, error);
  }
  return unreachableError(base.display, code === '' ? 'connection failed' : code, operation, error);
}

/** Sends one request and reads the whole answer; rejects only with ImmutaApiError. */
export function sendHttp(base: ImmutaBase, spec: HttpRequestSpec, options: HttpCallOptions): Promise<HttpAnswer> {
  const { operation } = options;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let request: http.ClientRequest | undefined;
    const cleanups: (() => void)[] = [];
    const settle = (outcome: { error: ImmutaApiError } | { answer: HttpAnswer }): void => {
      if (settled) {
        return;
      }
      settled = true;
      cleanups.forEach((cleanup) => cleanup());
      if ('error' in outcome) {
        request?.destroy();
        reject(outcome.error);
      } else {
        resolve(outcome.answer);
      }
    };
    const fail = (error: ImmutaApiError): void => settle({ error });

    const watch = (signal: AbortSignal | undefined, disposed: boolean): boolean => {
      if (signal === undefined) {
        return false;
      }
      if (signal.aborted) {
        fail(cancelledError(operation, disposed));
        return true;
      }
      const onAbort = (): void => fail(cancelledError(operation, disposed));
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
      return false;
    };
    if (watch(options.lifetime, true) || watch(options.signal, false)) {
      return;
    }
    const timer = setTimeout(() => fail(timeoutError(base.display, options.timeoutMs, operation)), options.timeoutMs);
    cleanups.push(() => clearTimeout(timer));

    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'immuta-worksheets', ...spec.headers };
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(spec.body));
    }
    const onResponse = (response: http.IncomingMessage): void => {
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        fail(badResponseError(operation, `the answer is larger than ${describeBytes(options.maxBytes)}`, response.statusCode));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          fail(badResponseError(operation, `the answer is larger than ${describeBytes(options.maxBytes)}`, response.statusCode));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        settle({ answer: { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') } });
      });
      response.on('error', (error) => fail(mapTransportError(error, base, operation)));
      response.on('close', () => {
        if (!response.complete) {
          fail(unreachableError(base.display, 'ECONNRESET', operation));
        }
      });
    };
    const attempt = (mayRetry: boolean): void => {
      let answered = false;
      let current: http.ClientRequest;
      try {
        const transport = base.protocol === 'https:' ? https : http;
        current = transport.request(
          { protocol: base.protocol, hostname: base.hostname, port: base.port, path: base.pathPrefix + spec.path, method: spec.method, headers, agent: options.agent },
          (response) => {
            answered = true;
            onResponse(response);
          },
        );
      } catch (error) {
        fail(mapTransportError(error, base, operation));
        return;
      }
      request = current;
      current.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed while idle fails on reuse before any answer:
        // nothing reached Immuta, so one fresh connection is safe.
        if (mayRetry && !settled && !answered && current.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          attempt(false);
          return;
        }
        fail(mapTransportError(error, base, operation));
      });
      current.end(spec.body);
    };
    attempt(true);
  });
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${bytes} bytes`;
}
