/**
 * An Immuta REST API (v1) for the test lab: plain HTTP on 127.0.0.1, answering from the lab
 * PostgreSQL's `immuta.users` / `immuta.projects` / `immuta.project_members`, read again on
 * every request, so that an `UPDATE immuta.users ...` in a test shows in the API at once and
 * the API always agrees with what the policy views enforce.
 *
 *   const immuta = await startImmutaLab(lab);         // { port, tokenTtlMs, authModes, ... } optional
 *   immuta.url; immuta.port;                           // http://127.0.0.1:PORT
 *   immuta.keys.governor;                              // 'lab-immuta-key-governor' (also analyst, owner)
 *   fetch(`${immuta.url}/bim/rpc/user/current`, { headers: { Authorization: immuta.keys.owner } });
 *   immuta.received;                                   // method, path, query, raw/bearer/none, user, status
 *   immuta.expireTokens();                             // every issued bearer token answers 401 from now on
 *   immuta.failNext(500, 2);                           // the next two API requests (not the key exchange) fail
 *   immuta.failNext(502, 1, '<html>Bad Gateway</html>', { includeAuth: true });   // a proxy's HTML page
 *   immuta.delay(5000); immuta.delay(0);               // hold every answer (timeouts)
 *   immuta.extraFields(true); immuta.legacy(true);     // a newer / an older Immuta's shapes
 *   immuta.reset();                                    // no failures, no delay, today's shapes
 *   await immuta.close();
 *
 * Endpoints: POST /bim/apikey/authenticate {apikey} → {authenticated, token};
 * GET /bim/rpc/user/current; GET /bim/user?name=&email=&userid=&iamid=&permission=&size=&offset=;
 * GET /bim/iam/{iamid}/user/{userid or id}; GET /project/{projectId}; GET /project?searchText=;
 * data sources (immuta-data-sources.ts): GET /dataSource?searchText=&schema=&subscription=;
 * GET /dataSource/{id}; GET /dataSource/name/{name}; GET /dataSource/{id}/access?states=&searchText=;
 * GET /project/{projectId}/dataSources.
 * Anything else is a 404. Errors are hapi's `{statusCode, error, message}`.
 *
 * Auth: the API key raw (`Authorization: <key>`) or a token from the exchange
 * (`Authorization: Bearer <token>`); a key never works as a bearer token, nor a token raw.
 * Keys: `lab-immuta-key-<login>` for each user with a login_role (resolved by login_role on
 * every request), plus `extraKeys` / `addKey()` mapped to an Immuta user name.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import {
  findUser,
  ImmutaLabError,
  loadProjects,
  loadUsers,
  projectJson,
  searchProjects,
  searchUsers,
  topLevel,
  userJson,
  type Json,
  type Shape,
  type UserRow,
} from './immuta-model';
import { accessJson, dataSourceHitJson, dataSourceJson, type DataSourceHost, type DataSourceRow, loadDataSources, projectDataSourcesJson, searchDataSources } from './immuta-data-sources';
import { LOOPBACK } from './ports';
import type { LabPostgres } from './postgres';

/** The lab's API keys, one per login of the fixture. Deterministic: tests and demos may hard-code them. */
export const LAB_IMMUTA_KEYS = {
  governor: 'lab-immuta-key-governor',
  analyst: 'lab-immuta-key-analyst',
  owner: 'lab-immuta-key-owner',
} as const;

export type LabImmutaKeys = typeof LAB_IMMUTA_KEYS;

export interface ImmutaLabOptions {
  /** A fixed port on 127.0.0.1; default 0 (a free one). */
  readonly port?: number;
  /** How long an exchanged token is valid; default one hour. */
  readonly tokenTtlMs?: number;
  /** Which Authorization forms are accepted; default both. Without bearer, the exchange answers 404. */
  readonly authModes?: { readonly raw?: boolean; readonly bearer?: boolean };
  /** When set, GET /bim/user answers 403 to callers without this permission. */
  readonly searchNeedsPermission?: string;
  /** More API keys: key → Immuta user name (immuta.users.name). */
  readonly extraKeys?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export type AuthorizationKind = 'raw' | 'bearer' | 'none';

export interface ImmutaReceivedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** Repeated parameters (`iamid`) become arrays. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** The form of the Authorization header; the key or token itself is never kept. */
  readonly authorization: AuthorizationKind;
  /** The Immuta user the request was authorised as (for the exchange: the key's user). */
  user?: string;
  /** The HTTP status answered; 0 until answered (or when the client went away first). */
  status: number;
}

export interface FailNextOptions {
  /** Count POST /bim/apikey/authenticate too; by default the key exchange is never failed. */
  readonly includeAuth?: boolean;
}

export interface ImmutaLab {
  readonly url: string;
  readonly port: number;
  readonly keys: LabImmutaKeys;
  readonly received: ImmutaReceivedRequest[];
  /** Accepts `key` from now on as the API key of the Immuta user `userName`. */
  addKey(key: string, userName: string): void;
  /** Invalidates every token issued so far; clients must exchange their key again. */
  expireTokens(): void;
  /**
   * The next `count` requests are answered `status` without being processed, as a failing
   * Immuta or a proxy in front of it would. `body`: a string is sent as text/html, anything
   * else as JSON; default `{statusCode, error, message}`.
   */
  failNext(status: number, count?: number, body?: unknown, options?: FailNextOptions): void;
  /** Holds every answer `ms` milliseconds (0: none). Held answers end with close() or when the client leaves. */
  delay(ms: number): void;
  /** Unknown fields everywhere and `projectId` as a string, as a newer Immuta might answer. */
  extraFields(on: boolean): void;
  /** No `profile` (name and email at the top level) and no `groupPermissions`, as an older Immuta. */
  legacy(on: boolean): void;
  /** Back to normal answers: no pending failures, no delay, today's shapes. Keeps `received` and tokens. */
  reset(): void;
  /** Stops listening, destroys open sockets, ends the PostgreSQL connection. Idempotent. */
  close(): Promise<void>;
}

type KeyOwner = { readonly by: 'login'; readonly login: string } | { readonly by: 'name'; readonly name: string };

interface TokenRecord {
  readonly userId: number;
  readonly expiresAt: number;
}

interface Failure {
  readonly status: number;
  readonly body: unknown;
  readonly includeAuth: boolean;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const AUTHENTICATE = '/bim/apikey/authenticate';
const IAM_USER = /^\/bim\/iam\/([^/]+)\/user\/([^/]+)$/;
const PROJECT = /^\/project\/([^/]+)$/;
const PROJECT_DATA_SOURCES = /^\/project\/([^/]+)\/dataSources$/;
const DATA_SOURCE_BY_NAME = /^\/dataSource\/name\/([^/]+)$/;
const DATA_SOURCE = /^\/dataSource\/([^/]+)$/;
const DATA_SOURCE_ACCESS = /^\/dataSource\/([^/]+)\/access$/;

function errorBody(status: number, message: string): Json {
  return { statusCode: status, error: http.STATUS_CODES[status] ?? 'Error', message };
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    record[name] = values.length === 1 ? values[0] : values;
  }
  return record;
}

function authorizationKind(header: string | undefined): AuthorizationKind {
  if (header === undefined || header === '') return 'none';
  return /^Bearer\s/i.test(header) ? 'bearer' : 'raw';
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ImmutaLabError(404, 'Not Found');
  }
}

/** One admin connection for the server's life, opened again if something terminated it. */
class AdminConnection {
  private client: Promise<Client> | undefined;
  private broken = false;

  constructor(
    private readonly lab: LabPostgres,
    private readonly log: (line: string) => void,
  ) {}

  /** Queries take turns on the one connection (pg no longer queues them for its callers). */
  private turn: Promise<unknown> = Promise.resolve();

  query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    const mine = this.turn.then(() => this.queryNow<T>(sql, params));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async queryNow<T>(sql: string, params?: unknown[]): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } catch (error) {
        if (!this.broken || attempt > 1) throw error;
        this.client = undefined; // e.g. pg_terminate_backend from another test: reconnect once
      }
    }
  }

  private connect(): Promise<Client> {
    if (!this.client) {
      this.broken = false;
      const connecting = this.lab.adminClient().then((client) => {
        client.on('error', (error) => {
          this.broken = true;
          this.log(`[immuta-lab] postgres: ${error.message}`);
        });
        client.on('end', () => {
          this.broken = true;
        });
        return client;
      });
      connecting.catch(() => {
        if (this.client === connecting) this.client = undefined;
      });
      this.client = connecting;
    }
    return this.client;
  }

  async end(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

export async function startImmutaLab(lab: LabPostgres, options: ImmutaLabOptions = {}): Promise<ImmutaLab> {
  const log = options.log ?? (() => undefined);
  const tokenTtlMs = options.tokenTtlMs ?? 3_600_000;
  const acceptRaw = options.authModes?.raw ?? true;
  const acceptBearer = options.authModes?.bearer ?? true;
  const db = new AdminConnection(lab, log);
  const received: ImmutaReceivedRequest[] = [];
  const keys = new Map<string, KeyOwner>();
  for (const [login, key] of Object.entries(LAB_IMMUTA_KEYS)) keys.set(key, { by: 'login', login });
  for (const [key, name] of Object.entries(options.extraKeys ?? {})) keys.set(key, { by: 'name', name });
  const tokens = new Map<string, TokenRecord>();
  const failures: Failure[] = [];
  const closing = new AbortController();
  let delayMs = 0;
  let shape: Shape = { extraFields: false, legacy: false };

  const ownerOf = (key: string, users: readonly UserRow[]): UserRow | undefined => {
    const owner = keys.get(key);
    if (!owner) return undefined;
    return owner.by === 'login' ? users.find((user) => user.login_role === owner.login) : users.find((user) => user.name === owner.name);
  };

  /** The caller, or the 401 Immuta gives. Users are looked up afresh: a deleted user's key stops working. */
  function caller(header: string | undefined, users: readonly UserRow[]): UserRow {
    const kind = authorizationKind(header);
    if (kind === 'none') throw new ImmutaLabError(401, 'Missing authentication');
    if (kind === 'bearer') {
      const record = acceptBearer ? tokens.get((header ?? '').replace(/^Bearer\s+/i, '').trim()) : undefined;
      const user = record && record.expiresAt > Date.now() ? users.find((candidate) => candidate.id === record.userId) : undefined;
      if (!user) throw new ImmutaLabError(401, 'Invalid token');
      return user;
    }
    const user = acceptRaw ? ownerOf((header ?? '').trim(), users) : undefined;
    if (!user) throw new ImmutaLabError(401, 'Invalid API key');
    return user;
  }

  async function exchange(body: string, entry: ImmutaReceivedRequest): Promise<Answer> {
    let apikey: unknown;
    try {
      apikey = (JSON.parse(body === '' ? '{}' : body) as Json | null)?.apikey;
    } catch {
      throw new ImmutaLabError(400, 'Invalid request payload JSON format');
    }
    if (typeof apikey !== 'string' || apikey === '') throw new ImmutaLabError(400, '"apikey" is required');
    const user = ownerOf(apikey, await loadUsers(db));
    if (!user) throw new ImmutaLabError(401, 'Invalid API key');
    entry.user = user.name;
    const token = randomBytes(24).toString('hex');
    tokens.set(token, { userId: user.id, expiresAt: Date.now() + tokenTtlMs });
    return { status: 200, body: topLevel({ authenticated: true, token }, shape) };
  }

  async function route(request: http.IncomingMessage, url: URL, body: string, entry: ImmutaReceivedRequest): Promise<Answer> {
    const path = url.pathname;
    const method = request.method ?? '';
    if (path === AUTHENTICATE && method === 'POST' && acceptBearer) {
      return exchange(body, entry);
    }
    const iamUser = IAM_USER.exec(path);
    const project = PROJECT.exec(path);
    const dataSourcePath = /^\/dataSource(\/|$)/.test(path) || PROJECT_DATA_SOURCES.test(path);
    const known = ['/bim/rpc/user/current', '/bim/user', '/project'].includes(path) || iamUser !== null || project !== null || dataSourcePath;
    if (method !== 'GET' || !known) throw new ImmutaLabError(404, 'Not Found');

    const users = await loadUsers(db);
    const me = caller(request.headers.authorization, users);
    entry.user = me.name;
    const current = shape;
    if (path === '/bim/rpc/user/current') {
      return { status: 200, body: topLevel(userJson(me, current), current) };
    }
    if (path === '/bim/user') {
      const needed = options.searchNeedsPermission;
      if (needed !== undefined && !me.permissions.includes(needed)) {
        throw new ImmutaLabError(403, `${me.name} does not have the ${needed} permission`);
      }
      const found = searchUsers(users, url.searchParams);
      return { status: 200, body: topLevel({ count: found.count, hits: found.hits.map((user) => userJson(user, current)) }, current) };
    }
    if (iamUser) {
      const [iamid, id] = [decodeSegment(iamUser[1]), decodeSegment(iamUser[2])];
      const user = findUser(users, iamid, id);
      if (!user) throw new ImmutaLabError(404, `User ${id} not found in IAM ${iamid}`);
      return { status: 200, body: topLevel(userJson(user, current), current) };
    }
    if (dataSourcePath) {
      return routeDataSources(path, url.searchParams, me, users, current);
    }
    const projects = await loadProjects(db);
    if (project) {
      const id = decodeSegment(project[1]);
      if (!/^\d+$/.test(id)) throw new ImmutaLabError(400, '"projectId" must be a number');
      const found = projects.find((candidate) => candidate.id === Number(id));
      if (!found) throw new ImmutaLabError(404, `Project ${id} not found`);
      return { status: 200, body: topLevel(projectJson(found, me.id, current), current) };
    }
    const found = searchProjects(projects, url.searchParams);
    return { status: 200, body: topLevel({ count: found.count, hits: found.hits.map((row) => projectJson(row, me.id, current)) }, current) };
  }

  const host: DataSourceHost = { hostname: lab.host, port: lab.port, database: lab.database };

  async function routeDataSources(path: string, params: URLSearchParams, me: UserRow, users: readonly UserRow[], current: Shape): Promise<Answer> {
    const sources = await loadDataSources(db);
    const byId = (segment: string): DataSourceRow => {
      const id = decodeSegment(segment);
      if (!/^\d+$/.test(id)) throw new ImmutaLabError(400, '"dataSourceId" must be a number');
      const found = sources.find((source) => source.id === Number(id));
      if (!found) throw new ImmutaLabError(404, `Data source ${id} not found`);
      return found;
    };
    const includeSubscribers = params.get('includeSubscribers') !== 'false';
    const projectSources = PROJECT_DATA_SOURCES.exec(path);
    if (projectSources) {
      const id = decodeSegment(projectSources[1]);
      if (!/^\d+$/.test(id)) throw new ImmutaLabError(400, '"projectId" must be a number');
      const found = (await loadProjects(db)).find((candidate) => candidate.id === Number(id));
      if (!found) throw new ImmutaLabError(404, `Project ${id} not found`);
      return { status: 200, body: topLevel(projectDataSourcesJson(found, sources, me, host, params), current) };
    }
    if (path === '/dataSource') {
      const found = searchDataSources(sources, me, params);
      return { status: 200, body: topLevel({ count: found.count, hits: found.hits.map((source) => dataSourceHitJson(source, me, host, current)) }, current) };
    }
    const named = DATA_SOURCE_BY_NAME.exec(path);
    if (named) {
      const name = decodeSegment(named[1]);
      const found = sources.find((source) => source.name === name);
      if (!found) throw new ImmutaLabError(404, `Data source ${name} not found`);
      return { status: 200, body: topLevel(dataSourceJson(found, me, users, host, current, includeSubscribers), current) };
    }
    const access = DATA_SOURCE_ACCESS.exec(path);
    if (access) {
      return { status: 200, body: topLevel(accessJson(byId(access[1]), users, params, current), current) };
    }
    const one = DATA_SOURCE.exec(path);
    if (one) {
      return { status: 200, body: topLevel(dataSourceJson(byId(one[1]), me, users, host, current, includeSubscribers), current) };
    }
    throw new ImmutaLabError(404, 'Not Found');
  }

  function takeFailure(isAuth: boolean): Failure | undefined {
    const index = failures.findIndex((failure) => failure.includeAuth || !isAuth);
    return index < 0 ? undefined : failures.splice(index, 1)[0];
  }

  async function serve(request: http.IncomingMessage, response: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
    const entry: ImmutaReceivedRequest = {
      at: Date.now(),
      method: request.method ?? '',
      path: url.pathname,
      query: queryRecord(url.searchParams),
      authorization: authorizationKind(request.headers.authorization),
      status: 0,
    };
    received.push(entry);
    // The client leaving (a timeout) or close() ends a held answer and its timer.
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    const signal = AbortSignal.any([gone.signal, closing.signal]);
    let answer: Answer;
    try {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal });
      const failure = takeFailure(url.pathname === AUTHENTICATE);
      answer = failure
        ? { status: failure.status, body: failure.body ?? errorBody(failure.status, failure.status === 500 ? 'An internal server error occurred' : `lab failNext ${failure.status}`) }
        : await route(request, url, body, entry);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ImmutaLabError) {
        answer = { status: error.status, body: errorBody(error.status, error.message) };
      } else {
        log(`[immuta-lab] ${request.method ?? ''} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        answer = { status: 500, body: errorBody(500, 'An internal server error occurred') };
      }
    }
    if (signal.aborted || response.destroyed) return;
    const html = typeof answer.body === 'string';
    const payload = html ? (answer.body as string) : JSON.stringify(answer.body);
    entry.status = answer.status;
    response.writeHead(answer.status, {
      'Content-Type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
    });
    response.end(payload);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void serve(request, response, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: LOOPBACK, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK}:${port}`;
  log(`[immuta-lab] listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    keys: LAB_IMMUTA_KEYS,
    received,
    addKey(key, userName) {
      keys.set(key, { by: 'name', name: userName });
    },
    expireTokens() {
      tokens.clear();
    },
    failNext(status, count = 1, body, failOptions = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, body, includeAuth: failOptions.includeAuth ?? false });
    },
    delay(ms) {
      delayMs = Math.max(0, ms);
    },
    extraFields(on) {
      shape = { ...shape, extraFields: on };
    },
    legacy(on) {
      shape = { ...shape, legacy: on };
    },
    reset() {
      failures.length = 0;
      delayMs = 0;
      shape = { extraFields: false, legacy: false };
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        await db.end();
        tokens.clear();
      })();
      return closed;
    },
  };
}
