/**
 * A Trino coordinator for the test lab: Trino's HTTP client protocol in front of the lab's
 * real PostgreSQL, so that the unmodified trino-client is tested end to end.
 *
 *   const trino = await startTrinoLab(lab);            // binds 127.0.0.1, a free port
 *   trino.url;                                         // http://127.0.0.1:PORT ({ tls: true }: https, trino.caPem)
 *   trino.received;                                    // every request: method, path, headers, body, status
 *   trino.bound;                                       // EXECUTE IMMEDIATE … USING: as received, as run ($n), values
 *   trino.statements();                                // the POSTs of /v1/statement that were answered 200
 *   trino.failNext(503, 2, 'GET');                     // the next two GETs get HTTP 503
 *   await trino.killBackends();                        // terminates the lab's PostgreSQL connections
 *   trino.jwt('governor');                             // an HS256 token the lab accepts
 *   await trino.close();
 *
 * Protocol: POST /v1/statement answers QUEUED with an absolute nextUri (built from the Host
 * header); GETs of nextUri long-poll (up to maxWaitMs) and answer RUNNING pages without data
 * while PostgreSQL works, then pages of rows with columns, then the final page carrying any
 * X-Trino-Set-Session / X-Trino-Clear-Session / X-Trino-Set-Catalog / X-Trino-Set-Schema
 * headers. Failures are an `error` on a page (FAILED). DELETE of /v1/query/{id} or of a nextUri
 * cancels (pg_cancel_backend), and the next page is USER_CANCELED.
 *
 * Session state comes from each POST's headers only, as in Trino: X-Trino-User (native
 * impersonation when it differs from the authenticated login), X-Trino-Session (the
 * impersonation property becomes `CALL immuta_procedures.impersonate_user($1)` before every
 * query, NULL when absent), X-Trino-Catalog / X-Trino-Schema (search_path). Any other
 * property must be one the lab knows (`otherProperties` adds some that impersonate nobody).
 */
import type { BoundRecord } from './bind-markers';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LabPostgres } from './postgres';
import { findFreePort, LOOPBACK } from './ports';
import { LoginPools, newJwtSecret, signJwt, verifyJwt, type Principal } from './trino-auth';
import { execute, knownProperties, type RequestSession, type SessionProperty } from './trino-exec';
import { LabQuery, type Page } from './trino-query';
import { makeTlsFiles } from './tls';

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query string as received. */
  readonly path: string;
  /** Lower-cased names; repeated headers joined with ", " (as Node presents them). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body (the SQL of a POST). */
  readonly body: string;
  /** The HTTP status answered (0 until answered). */
  status: number;
  readonly at: number;
}

export interface TrinoLabOptions {
  /** The session property mapped onto Immuta impersonation; default immuta.immuta_user. */
  readonly impersonationProperty?: string;
  /**
   * More varchar session properties the coordinator knows and Immuta does not read (as another
   * plugin's would): a profile that impersonates through one of them sets it, reads it back,
   * and runs as the login ("wrong on purpose"). Trino refuses a property it does not know.
   */
  readonly otherProperties?: readonly string[];
  /** Rows per result page; default 1000. */
  readonly pageRows?: number;
  /** How long a GET of nextUri waits for progress before answering RUNNING; default 1000 ms (Trino's default). */
  readonly maxWaitMs?: number;
  /** The one catalog; default `lab`. */
  readonly catalog?: string;
  readonly log?: (line: string) => void;
  /** Serve HTTPS with a certificate for 127.0.0.1 from a throwaway CA (see `TrinoLab.caPem`). */
  readonly tls?: boolean;
  /** Answer as a Trino older than 418, whose parser has no EXECUTE IMMEDIATE. */
  readonly withoutExecuteImmediate?: boolean;
}

export interface TrinoLab {
  readonly url: string;
  /** With `tls: true`: the PEM of the CA that signed the server's certificate. */
  readonly caPem?: string;
  readonly port: number;
  readonly catalog: string;
  readonly impersonationProperty: string;
  readonly jwtSecret: string;
  readonly received: ReceivedRequest[];
  /** Every `EXECUTE IMMEDIATE … USING`, and how it went to PostgreSQL (bound, as `$n`). */
  readonly bound: BoundRecord[];
  /** The POSTs of /v1/statement that were accepted (status 200), in order. */
  statements(): ReceivedRequest[];
  /** An HS256 token for `login` (its `sub`), valid for an hour unless `expiresInSeconds` says otherwise. */
  jwt(login: string, expiresInSeconds?: number): string;
  /**
   * The next `count` requests (of `method` only, when given) are answered with `status` and not
   * processed, as a gateway in front of Trino would.
   */
  failNext(status: number, count: number, method?: 'GET' | 'POST' | 'DELETE'): void;
  /** Terminates every PostgreSQL connection of the lab; returns how many. */
  killBackends(): Promise<number>;
  /** Drops every open HTTP connection mid-request, as a proxy restart would; queries carry on. */
  dropConnections(): void;
  /** Stops listening and drops every connection, as a crashed coordinator would; close() still cleans up. */
  crash(): void;
  /** Queries that have not finished. */
  activeQueries(): number;
  close(): Promise<void>;
}

const STATEMENT_PATH = /^\/v1\/statement\/(?:queued|executing)\/([^/]+)\/([^/]+)\/(\d+)$/;
const QUERY_PATH = /^\/v1\/query\/([^/]+)$/;

/** X-Trino-Session: `name=urlencoded,name2=...`, possibly over several headers. */
export function parseSessionHeader(header: string | undefined): Map<string, string> {
  const properties = new Map<string, string>();
  for (const item of (header ?? '').split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    if (equals <= 0) throw new Error(`Invalid X-Trino-Session header: ${trimmed}`);
    properties.set(trimmed.slice(0, equals).trim(), decodeURIComponent(trimmed.slice(equals + 1).trim().replace(/\+/g, ' ')));
  }
  return properties;
}

export async function startTrinoLab(lab: LabPostgres, options: TrinoLabOptions = {}): Promise<TrinoLab> {
  const log = options.log ?? (() => undefined);
  const catalog = options.catalog ?? 'lab';
  const impersonationProperty = options.impersonationProperty ?? 'immuta.immuta_user';
  const properties: ReadonlyMap<string, SessionProperty> = knownProperties(impersonationProperty, options.otherProperties);
  const pageRows = options.pageRows ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const jwtSecret = newJwtSecret();
  const pools = new LoginPools(lab, log);
  const queries = new Map<string, LabQuery>();
  const received: ReceivedRequest[] = [];
  const bound: BoundRecord[] = [];
  let failures: { status: number; remaining: number; method: string | undefined } | undefined;

  async function authenticate(request: http.IncomingMessage): Promise<Principal | undefined> {
    const authorization = request.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(authorization);
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const principal = { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      return (await pools.verify(principal)) ? principal : undefined;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) {
      const subject = verifyJwt(jwtSecret, bearer[1]);
      const login = Object.values(lab.logins).find((candidate) => candidate.user === subject);
      return login ? { user: login.user, password: login.password } : undefined;
    }
    return undefined;
  }

  async function cancel(query: LabQuery): Promise<void> {
    if (query.done) return;
    query.canceled = true;
    const pid = query.backendPid;
    if (pid !== undefined) {
      await lab.adminQuery('SELECT pg_cancel_backend($1)', [pid]);
    } else {
      query.fail({ message: 'Query was canceled', errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' });
    }
  }

  async function handle(request: http.IncomingMessage, body: string, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://lab');
    const base = `${scheme}://${request.headers.host ?? `${LOOPBACK}:${port}`}`;
    if (request.method === 'GET' && url.pathname === '/v1/info') {
      return send(response, 200, JSON.stringify({ nodeVersion: { version: 'lab' }, environment: 'lab', coordinator: true, starting: false }));
    }
    const principal = await authenticate(request);
    if (!principal) {
      response.setHeader('WWW-Authenticate', ['Basic realm="Trino"', 'Bearer realm="Trino"']);
      return send(response, 401, 'Access Denied: Invalid credentials', 'text/plain');
    }
    if (request.method === 'POST' && url.pathname === '/v1/statement') {
      if (body.trim() === '') return send(response, 400, 'SQL statement is empty', 'text/plain');
      let session: RequestSession;
      try {
        session = {
          principal,
          user: header(request, 'x-trino-user') ?? principal.user,
          catalog: header(request, 'x-trino-catalog'),
          schema: header(request, 'x-trino-schema'),
          properties: parseSessionHeader(header(request, 'x-trino-session')),
        };
      } catch (error) {
        return send(response, 400, (error as Error).message, 'text/plain');
      }
      const query = new LabQuery(body, pageRows);
      queries.set(query.id, query);
      void execute(query, session, { pools, lab, catalog, impersonationProperty, knownProperties: properties, recordBound: (entry) => bound.push(entry), executeImmediate: options.withoutExecuteImmediate !== true });
      return sendPage(response, query.firstPage(base));
    }
    const statement = STATEMENT_PATH.exec(url.pathname);
    const byId = QUERY_PATH.exec(url.pathname);
    const query = statement ? queries.get(statement[1]) : byId ? queries.get(byId[1]) : undefined;
    if (!query || (statement && statement[2] !== query.slug)) {
      return send(response, 404, 'Query not found', 'text/plain');
    }
    if (request.method === 'DELETE') {
      await cancel(query);
      return send(response, 204, '');
    }
    if (request.method === 'GET' && statement) {
      const token = Number(statement[3]);
      if (!query.done) await query.waitForChange(maxWaitMs);
      const page = query.pageFor(token, base);
      if (page === 'gone') return send(response, 410, 'Token is no longer valid', 'text/plain');
      return sendPage(response, page);
    }
    return send(response, 404, 'Not found', 'text/plain');
  }

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: ReceivedRequest = { method: request.method ?? '', path: request.url ?? '', headers: flatHeaders(request), body, status: 0, at: Date.now() };
      received.push(record);
      response.on('finish', () => {
        record.status = response.statusCode;
      });
      if (failures && failures.remaining > 0 && (failures.method === undefined || failures.method === request.method)) {
        failures.remaining--;
        return send(response, failures.status, 'Service Unavailable (lab failNext)', 'text/plain');
      }
      handle(request, body, response).catch((error: unknown) => {
        log(`trino-lab: ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`);
        if (!response.headersSent) send(response, 500, 'lab failure', 'text/plain');
      });
    });
  };

  let caPem: string | undefined;
  let server: http.Server;
  if (options.tls) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'immuta-lab-trino-tls-'));
    try {
      const files = await makeTlsFiles(dir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
      caPem = files.caPem;
      server = https.createServer({ cert: await fs.readFile(files.certFile), key: await fs.readFile(files.keyFile) }, onRequest);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  } else {
    server = http.createServer(onRequest);
  }
  const scheme = options.tls ? 'https' : 'http';
  const port = await listen(server);
  const url = `${scheme}://${LOOPBACK}:${port}`;
  log(`trino-lab: listening on ${url}`);

  return {
    url,
    ...(caPem !== undefined ? { caPem } : {}),
    port,
    catalog,
    impersonationProperty,
    jwtSecret,
    received,
    bound,
    statements: () => received.filter((request) => request.method === 'POST' && request.path === '/v1/statement' && request.status === 200),
    jwt: (login, expiresInSeconds = 3600) => signJwt(jwtSecret, { sub: login, exp: Math.floor(Date.now() / 1000) + expiresInSeconds }),
    failNext(status, count, method) {
      failures = { status, remaining: count, method };
    },
    async killBackends() {
      const pids = pools.pids();
      if (pids.length > 0) {
        await lab.adminQuery('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      }
      pools.dropIdle();
      return pids.length;
    },
    dropConnections: () => server.closeAllConnections(),
    crash() {
      server.close();
      server.closeAllConnections();
    },
    activeQueries: () => [...queries.values()].filter((query) => !query.done).length,
    async close() {
      await Promise.all([...queries.values()].map((query) => cancel(query).catch(() => undefined)));
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await pools.close();
    },
  };
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

function flatHeaders(request: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function send(response: http.ServerResponse, status: number, body: string, type = 'application/json'): void {
  response.statusCode = status;
  if (status !== 204) response.setHeader('Content-Type', `${type}; charset=utf-8`);
  response.end(status === 204 ? undefined : body);
}

function sendPage(response: http.ServerResponse, page: Page): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of page.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) response.setHeader(name, values);
  send(response, 200, page.body);
}

function listen(server: http.Server): Promise<number> {
  const attempt = async (left: number): Promise<number> => {
    const port = await findFreePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && left > 0) return attempt(left - 1);
      throw error;
    }
  };
  return attempt(3);
}
