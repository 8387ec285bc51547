/**
 * The Immuta REST client: who am I, search users, one user's current project, a project's name,
 * and data sources (search, one in full, its access list, a project's data sources).
 * Authentication exchanges the API key for a bearer token when Immuta offers that, and keeps the
 * key and the token out of every message and log line.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import {
  badKeyError,
  badResponseError,
  cancelledError,
  configurationError,
  endpointNotFoundError,
  forbiddenError,
  ImmutaApiError,
  isImmutaApiError,
  redirectError,
  serverError,
} from './errors';
import { apiPath, type HttpAnswer, type HttpRequestSpec, type ImmutaBase, parseImmutaBaseUrl, sendHttp } from './http';
import { maskSecrets, parseJsonBody, parseProjectAnswer, parseSearchAnswer, parseTokenAnswer, parseUserAnswer, serverMessageOf } from './parse';
import { parseAccessAnswer, parseDataSourceAnswer, parseDataSourceList } from './data-source-parse';
import type { DataSourceAccessResult, DataSourceSearchResult, ImmutaDataSource, ImmutaProject, ImmutaUser, UserSearchResult } from './types';

export interface ImmutaClientOptions {
  /** e.g. https://tenant.immuta.com, or with a path prefix; a trailing slash is fine. */
  readonly baseUrl: string;
  /** Read before each request (SecretStorage in the extension); undefined → 'configuration'. */
  readonly apiKey: () => Promise<string | undefined>;
  /** 'auto' (default) exchanges the key for a token and falls back to the raw key where Immuta cannot. */
  readonly auth?: 'auto' | 'raw' | 'bearer';
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** Extra CA certificate(s), PEM, trusted besides the system's for https. */
  readonly ca?: string;
  /** Default true. */
  readonly rejectUnauthorized?: boolean;
  /** Diagnostics; never receives secrets. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_SEARCH_SIZE = 20;
export const MAX_ANSWER_BYTES = 5 * 1024 * 1024;
/** `/bim/user?userid=` matches partially; enough rows that the exact name is among them. */
const FIND_USER_SIZE = 100;
const EXCHANGE_PATH = '/bim/apikey/authenticate';
/** GET /project/{id}/dataSources pages (Immuta's default size is 15). */
const PROJECT_SOURCE_PAGE = 100;
const PROJECT_SOURCE_PAGES = 50;

interface Credential {
  readonly key: string;
  readonly header: string;
  /** The token, when the header carries one (it may be refreshed on a 401). */
  readonly token?: string;
}

interface Reply {
  readonly status: number;
  readonly json?: unknown;
}

export function hasPermission(user: ImmutaUser, permission: string): boolean {
  const wanted = permission.toUpperCase();
  return user.permissions.some((held) => held.toUpperCase() === wanted);
}

export class ImmutaClient {
  private readonly options: ImmutaClientOptions;
  private readonly base: ImmutaBase | ImmutaApiError;
  private readonly agent: http.Agent;
  private readonly lifetime = new AbortController();
  /** 'auto' learnt that this Immuta has no key exchange. */
  private rawOnly = false;
  private session: { readonly key: string; readonly token: string } | undefined;
  private exchanging: { readonly key: string; readonly promise: Promise<Credential> } | undefined;

  constructor(options: ImmutaClientOptions) {
    this.options = options;
    let base: ImmutaBase | ImmutaApiError;
    try {
      base = parseImmutaBaseUrl(options.baseUrl);
    } catch (error) {
      // Reported by every call rather than thrown here, so the UI handles it where it handles the rest.
      base = isImmutaApiError(error) ? error : configurationError('The Immuta URL setting could not be read.', 'connect');
    }
    this.base = base;
    this.agent =
      !isImmutaApiError(base) && base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: options.ca === undefined ? undefined : [...tls.rootCertificates, options.ca],
            rejectUnauthorized: options.rejectUnauthorized ?? true,
          })
        : new http.Agent({ keepAlive: true });
  }

  /** GET /bim/rpc/user/current: the API key's own user, with its permissions. */
  async currentUser(signal?: AbortSignal): Promise<ImmutaUser> {
    const operation = 'read the current user';
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['bim', 'rpc', 'user', 'current']) }, signal, false);
    return parseUserAnswer(reply.json, operation);
  }

  /**
   * Name and email matches, asked in parallel and merged: exact user id first, then by user id.
   * Blank text lists the first users.
   */
  async searchUsers(text: string, options: { size?: number; signal?: AbortSignal } = {}): Promise<UserSearchResult> {
    const operation = 'search users';
    const size = Math.max(1, Math.min(1000, Math.trunc(options.size ?? DEFAULT_SEARCH_SIZE)));
    const wanted = text.trim();
    const search = async (query: Record<string, string | number>): Promise<UserSearchResult> => {
      const reply = await this.call(operation, { method: 'GET', path: apiPath(['bim', 'user'], query) }, options.signal, false);
      return parseSearchAnswer(reply.json, operation);
    };
    if (wanted === '') {
      const all = await search({ size });
      return { count: all.count, users: sortForSearch(dedupe(all.users), '') };
    }
    const [byName, byEmail] = await Promise.allSettled([search({ name: wanted, size }), search({ email: wanted, size })]);
    if (byName.status === 'rejected' && byEmail.status === 'rejected') {
      throw byName.reason;
    }
    const answered = [byName, byEmail].filter((result): result is PromiseFulfilledResult<UserSearchResult> => result.status === 'fulfilled').map((result) => result.value);
    const users = dedupe(answered.flatMap((result) => result.users));
    return { count: Math.max(users.length, ...answered.map((result) => result.count)), users: sortForSearch(users, wanted) };
  }

  /** GET /bim/iam/{iamid}/user/{userid}: includes the current project; undefined when Immuta has no such user. */
  async user(iamid: string, userid: string, signal?: AbortSignal): Promise<ImmutaUser | undefined> {
    const operation = `read user "${userid}"`;
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['bim', 'iam', iamid, 'user', userid]) }, signal, true);
    return reply.status === 404 ? undefined : parseUserAnswer(reply.json, operation);
  }

  /**
   * The user whose user id is exactly `userid` (case-sensitive first, then case-insensitive when
   * that is unambiguous), read in full when the search answer did not say its current project.
   */
  async findUser(userid: string, signal?: AbortSignal): Promise<ImmutaUser | undefined> {
    const operation = `look up user "${userid}"`;
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['bim', 'user'], { userid, size: FIND_USER_SIZE }) }, signal, false);
    const { users } = parseSearchAnswer(reply.json, operation);
    let found = users.find((user) => user.userid === userid);
    if (found === undefined) {
      const folded = users.filter((user) => user.userid.toLowerCase() === userid.toLowerCase());
      found = folded.length === 1 ? folded[0] : undefined;
    }
    if (found === undefined || found.projectId !== undefined || found.iamid === '') {
      return found;
    }
    const full = await this.user(found.iamid, found.userid, signal);
    return full === undefined ? found : { ...found, ...full };
  }

  /** GET /project/{id}; undefined when Immuta has no such project. */
  async project(id: number, signal?: AbortSignal): Promise<ImmutaProject | undefined> {
    const operation = `read project ${id}`;
    if (!Number.isSafeInteger(id) || id < 0) {
      throw configurationError(`${String(id)} is not an Immuta project id.`, operation);
    }
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['project', String(id)]) }, signal, true);
    return reply.status === 404 ? undefined : parseProjectAnswer(reply.json, id, operation);
  }

  /**
   * GET /dataSource: data sources whose name contains `searchText` and/or whose remote schema is
   * `schema`, with the API key owner's subscription status. Hits say where they live only when
   * the tenant includes handler metadata; `dataSource(id)` always does.
   */
  async searchDataSources(options: { searchText?: string; schema?: string; size?: number; offset?: number; signal?: AbortSignal } = {}): Promise<DataSourceSearchResult> {
    const operation = 'search data sources';
    const size = Math.max(1, Math.min(1000, Math.trunc(options.size ?? DEFAULT_SEARCH_SIZE)));
    const query = { searchText: blankToUndefined(options.searchText), schema: blankToUndefined(options.schema), size, offset: options.offset };
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['dataSource'], query) }, options.signal, false);
    return parseDataSourceList(reply.json, 'hits', operation);
  }

  /** GET /dataSource/{id}, with where it lives (handler metadata); undefined when Immuta has no such data source. */
  async dataSource(id: number, signal?: AbortSignal): Promise<ImmutaDataSource | undefined> {
    const operation = `read data source ${id}`;
    requireId(id, 'data source', operation);
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['dataSource', String(id)], { includeSubscribers: 'false' }) }, signal, true);
    return reply.status === 404 ? undefined : parseDataSourceAnswer(reply.json, operation);
  }

  /**
   * GET /dataSource/{id}/access?states=subscribed: the users subscribed to a data source whose
   * name or email contains `searchText` (Immuta matches it as a substring).
   */
  async dataSourceAccess(id: number, options: { searchText?: string; size?: number; signal?: AbortSignal } = {}): Promise<DataSourceAccessResult> {
    const operation = `read who is subscribed to data source ${id}`;
    requireId(id, 'data source', operation);
    const query = { states: 'subscribed', searchText: blankToUndefined(options.searchText), size: Math.max(1, Math.min(1000, Math.trunc(options.size ?? FIND_USER_SIZE))) };
    const reply = await this.call(operation, { method: 'GET', path: apiPath(['dataSource', String(id), 'access'], query) }, options.signal, false);
    return parseAccessAnswer(reply.json, operation);
  }

  /** GET /project/{id}/dataSources, every page: the data sources a project includes. */
  async projectDataSources(projectId: number, signal?: AbortSignal): Promise<readonly ImmutaDataSource[]> {
    const operation = `read the data sources of project ${projectId}`;
    requireId(projectId, 'project', operation);
    const all: ImmutaDataSource[] = [];
    for (let page = 0; page < PROJECT_SOURCE_PAGES; page++) {
      const query = { offset: all.length, size: PROJECT_SOURCE_PAGE };
      const reply = await this.call(operation, { method: 'GET', path: apiPath(['project', String(projectId), 'dataSources'], query) }, signal, false);
      const { count, dataSources } = parseDataSourceList(reply.json, 'dataSources', operation);
      all.push(...dataSources);
      if (dataSources.length === 0 || all.length >= count) return all;
    }
    // A project this large is not shown in full anywhere; say so rather than answer half.
    throw badResponseError(operation, `the project has more than ${PROJECT_SOURCE_PAGES * PROJECT_SOURCE_PAGE} data sources`);
  }

  /** Aborts requests in flight; later calls fail as 'cancelled'. */
  dispose(): void {
    this.lifetime.abort();
    this.agent.destroy();
    this.session = undefined;
  }

  /** One authorized request, with a single token refresh on 401; answers 2xx (and 404 when allowed). */
  private async call(operation: string, request: Omit<HttpRequestSpec, 'headers'>, signal: AbortSignal | undefined, allowNotFound: boolean): Promise<Reply> {
    const base = this.requireBase();
    const key = await this.readKey(operation);
    let credential = await this.credential(key, operation, signal);
    let answer = await this.send(base, { ...request, headers: { Authorization: credential.header } }, operation, signal);
    if (answer.status === 401 && credential.token !== undefined) {
      this.log(`Immuta rejected the token (HTTP 401) to ${operation}; exchanging the API key again`);
      this.dropToken(credential.token);
      credential = await this.credential(key, operation, signal);
      answer = await this.send(base, { ...request, headers: { Authorization: credential.header } }, operation, signal);
    }
    const secrets = credential.token === undefined ? [key] : [key, credential.token];
    if (answer.status === 404 && allowNotFound) {
      return { status: 404 };
    }
    this.throwUnlessOk(base, request, answer, operation, secrets);
    return { status: answer.status, json: parseJsonBody(answer.body, headerText(answer.headers['content-type']), operation, answer.status) };
  }

  private throwUnlessOk(base: ImmutaBase, request: Omit<HttpRequestSpec, 'headers'>, answer: HttpAnswer, operation: string, secrets: readonly string[]): void {
    const { status } = answer;
    if (status >= 200 && status < 300) {
      return;
    }
    if (status >= 300 && status < 400) {
      throw redirectError(status, redirectTarget(base, headerText(answer.headers.location)), operation);
    }
    const serverMessage = serverMessageOf(answer.body, secrets);
    if (status === 401) {
      throw badKeyError(status, operation, serverMessage);
    }
    if (status === 403) {
      throw forbiddenError(operation, serverMessage);
    }
    if (status === 404) {
      throw endpointNotFoundError(base.display, `${request.method} ${request.path.split('?')[0]}`, operation, serverMessage);
    }
    if (status < 200) {
      throw badResponseError(operation, `HTTP ${status}`, status);
    }
    throw serverError(status, operation, serverMessage);
  }

  private requireBase(): ImmutaBase {
    if (isImmutaApiError(this.base)) {
      throw this.base;
    }
    return this.base;
  }

  private async readKey(operation: string): Promise<string> {
    if (this.lifetime.signal.aborted) {
      throw cancelledError(operation, true);
    }
    let raw: string | undefined;
    try {
      raw = await this.options.apiKey();
    } catch (error) {
      throw new ImmutaApiError('configuration', 'Could not read the Immuta API key from secret storage. Set the key again.', { operation, cause: error });
    }
    const key = raw?.trim() ?? '';
    if (key === '') {
      throw configurationError('No Immuta API key is set. Generate one in Immuta (Profile → API Keys) and set it in the extension.', operation);
    }
    // Node would refuse such a header anyway, with a less helpful error.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(key) || /[^\u0000-\u00ff]/.test(key)) {
      throw configurationError('The Immuta API key contains line breaks or other characters a key cannot have. Set it again, pasting the key alone.', operation);
    }
    if (this.session !== undefined && this.session.key !== key) {
      this.log('The Immuta API key changed; dropping the token of the previous key');
      this.session = undefined;
    }
    return key;
  }

  private async credential(key: string, operation: string, signal: AbortSignal | undefined): Promise<Credential> {
    const mode = this.options.auth ?? 'auto';
    if (mode === 'raw' || (mode === 'auto' && this.rawOnly)) {
      return { key, header: key };
    }
    if (this.session !== undefined && this.session.key === key) {
      return { key, header: `Bearer ${this.session.token}`, token: this.session.token };
    }
    if (this.exchanging === undefined || this.exchanging.key !== key) {
      const promise = this.exchange(key);
      const pending = { key, promise };
      this.exchanging = pending;
      const forget = (): void => {
        if (this.exchanging === pending) {
          this.exchanging = undefined;
        }
      };
      promise.then(forget, forget);
    }
    // The exchange is shared, so one caller's abort must not cancel it for the others.
    return raceAbort(this.exchanging.promise, signal, operation);
  }

  private async exchange(key: string): Promise<Credential> {
    const operation = 'exchange the API key for a token';
    const base = this.requireBase();
    const answer = await this.send(base, { method: 'POST', path: EXCHANGE_PATH, headers: {}, body: JSON.stringify({ apikey: key }) }, operation, undefined);
    if (answer.status === 404 || answer.status === 405) {
      if (this.options.auth === 'bearer') {
        throw configurationError(
          `Immuta at ${base.display} cannot exchange an API key for a token (POST ${EXCHANGE_PATH} answered HTTP ${answer.status}), ` +
            'but the Immuta authentication setting asks for bearer tokens. Set it to "auto" or "raw".',
          operation,
        );
      }
      this.log(`Immuta has no API key exchange (HTTP ${answer.status}); sending the API key itself from now on`);
      this.rawOnly = true;
      return { key, header: key };
    }
    if (answer.status === 401 || answer.status === 403) {
      throw badKeyError(answer.status, operation, serverMessageOf(answer.body, [key]));
    }
    this.throwUnlessOk(base, { method: 'POST', path: EXCHANGE_PATH }, answer, operation, [key]);
    const parsed = parseTokenAnswer(parseJsonBody(answer.body, headerText(answer.headers['content-type']), operation, answer.status), operation);
    if (parsed.refused) {
      throw badKeyError(answer.status, operation);
    }
    if (parsed.token === undefined) {
      throw badResponseError(operation, 'it has no "token"', answer.status);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/.test(parsed.token)) {
      throw badResponseError(operation, 'the token has characters an HTTP header cannot carry', answer.status);
    }
    this.session = { key, token: parsed.token };
    return { key, header: `Bearer ${parsed.token}`, token: parsed.token };
  }

  /** Forgets the token only if no other request has already replaced it. */
  private dropToken(token: string): void {
    if (this.session?.token === token) {
      this.session = undefined;
    }
  }

  private async send(base: ImmutaBase, spec: HttpRequestSpec, operation: string, signal: AbortSignal | undefined): Promise<HttpAnswer> {
    const started = Date.now();
    const shown = `${spec.method} ${spec.path}`;
    try {
      const answer = await sendHttp(base, spec, {
        operation,
        agent: this.agent,
        timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBytes: MAX_ANSWER_BYTES,
        signal,
        lifetime: this.lifetime.signal,
      });
      this.log(`${shown} → HTTP ${answer.status} (${Date.now() - started} ms)`);
      return answer;
    } catch (error) {
      this.log(`${shown} failed after ${Date.now() - started} ms: ${isImmutaApiError(error) ? error.kind : 'error'}`);
      throw error;
    }
  }

  private log(line: string): void {
    if (this.options.log === undefined) {
      return;
    }
    // Belt and braces: nothing logged above carries a secret, but a session token must never leak.
    const secrets = this.session === undefined ? [] : [this.session.token, this.session.key];
    this.options.log(maskSecrets(line, secrets));
  }
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function requireId(id: number, what: string, operation: string): void {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw configurationError(`${String(id)} is not an Immuta ${what} id.`, operation);
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  if (signal.aborted) {
    return Promise.reject(cancelledError(operation, false));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledError(operation, false));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Where a redirect pointed, without its query (which may hold state or tokens). */
function redirectTarget(base: ImmutaBase, location: string | undefined): string | undefined {
  if (location === undefined) {
    return undefined;
  }
  try {
    const url = new URL(location, `${base.protocol}//${base.hostname.includes(':') ? `[${base.hostname}]` : base.hostname}:${base.port}`);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

function dedupe(users: readonly ImmutaUser[]): ImmutaUser[] {
  const seen = new Map<string, ImmutaUser>();
  for (const user of users) {
    const identity = `${user.iamid}\u0000${user.userid}`;
    if (!seen.has(identity)) {
      seen.set(identity, user);
    }
  }
  return [...seen.values()];
}

function sortForSearch(users: readonly ImmutaUser[], wanted: string): ImmutaUser[] {
  const folded = wanted.toLowerCase();
  const rank = (user: ImmutaUser): number => (user.userid === wanted ? 0 : user.userid.toLowerCase() === folded ? 1 : 2);
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...users].sort(
    (a, b) => rank(a) - rank(b) || order(a.userid.toLowerCase(), b.userid.toLowerCase()) || order(a.userid, b.userid) || order(a.iamid, b.iamid),
  );
}
