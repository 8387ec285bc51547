/**
 * A Snowflake account for the unmodified snowflake-sdk: its REST protocol over plain HTTP on
 * 127.0.0.1, backed by the lab's PostgreSQL with one PostgreSQL connection per Snowflake
 * session (connected as the login, so Immuta's policies apply to it).
 *
 *   const sf = await startSnowflakeLab(lab, { asyncAfterMs: 200 });
 *   createConnection({ account: sf.account, accessUrl: sf.accessUrl, username: 'governor', password })
 *   sf.received            // every request (path, query, parsed body, gzip or not, session)
 *   sf.bound               // statements run with bindings: as received, as sent to PostgreSQL ($n), values
 *   sf.sessions()          // id, login, role, variables, whom PostgreSQL impersonates, pid
 *   await sf.expireSession(id)   // the session is over: variables gone, the next request fails
 *   sf.expireSessionToken(id)    // only the token expires: the driver renews it, session intact
 *   sf.ignoreImpersonation(true) // "wrong on purpose": variables set and read back, nobody impersonated
 *   await sf.close()
 *
 * Endpoints: login-request, token-request (renewal with the master token), heartbeat,
 * session delete, telemetry, query-request (held up to `asyncAfterMs`, then 333333 with a
 * getResultUrl the driver polls), /queries/<id>/result, abort-request by request id or query id.
 */
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Client } from 'pg';
import type { BoundRecord } from './bind-markers';
import { LOOPBACK } from './ports';
import type { LabLogin, LabPostgres } from './postgres';
import { LabSnowflakeSession, normalizeIdentifier, SnowflakeLabError, type StatementResult } from './snowflake-session';

export interface SnowflakeLabOptions {
  /** Account name the driver sends (and signs into key-pair JWTs), default 'LAB'. */
  readonly account?: string;
  readonly impersonationRole?: string;
  readonly impersonationVariable?: string;
  /** Roles each login may take (USE ROLE, or the role asked for at login); PUBLIC always. */
  readonly roleGrants?: Readonly<Record<string, readonly string[]>>;
  /** How long a query request waits for its result before answering 333333 (Snowflake: about 45 s). */
  readonly asyncAfterMs?: number;
  readonly log?: (line: string) => void;
}

export interface ReceivedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly gzip: boolean;
  readonly body: unknown;
  /** The session whose token authorised the request, if any. */
  readonly sessionId: string | undefined;
}

export interface LabSessionView {
  readonly id: string;
  readonly login: string;
  readonly role: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly impersonating: string | null;
  /** The PostgreSQL backend pid behind the session. */
  readonly pid: number;
  readonly ended: 'expired' | 'gone' | 'closed' | undefined;
}

export interface SnowflakeLab {
  readonly accessUrl: string;
  readonly port: number;
  readonly account: string;
  readonly received: ReceivedRequest[];
  /** Every statement that came with `bindings`, and how it went to PostgreSQL (bound, as `$n`). */
  readonly bound: BoundRecord[];
  sessions(): LabSessionView[];
  /** Accepts key-pair logins for `login` signed by the private key of this SPKI/PEM public key. */
  registerPublicKey(login: string, publicKeyPem: string): void;
  /**
   * Ends a session on the server. 'expired' (default) is Snowflake's idle timeout: the next
   * request gets 390112, the driver's renewal with the master token gets 390114. 'gone' answers
   * 390111 at once. Either way its PostgreSQL connection is closed, so its variables are gone.
   */
  expireSession(sessionId: string, how?: 'expired' | 'gone'): Promise<void>;
  /** Expires only the session token: the driver renews it and the session goes on unchanged. */
  expireSessionToken(sessionId: string): void;
  /**
   * "Wrong on purpose": while on, the account behaves like a tenant whose Immuta integration
   * reads another variable. SET and SELECT $IMMUTA_IMP_USER still store and return the value,
   * but no session's PostgreSQL connection impersonates anyone: statements run as the login.
   * Takes effect at each session's next statement; off (the default) restores the mapping.
   */
  ignoreImpersonation(on: boolean): void;
  close(): Promise<void>;
}

export const DEFAULT_ROLE_GRANTS: Readonly<Record<string, readonly string[]>> = {
  governor: ['SYSADMIN', 'IMMUTA_IMPERSONATION'],
  owner: ['IMMUTA_IMPERSONATION'],
  analyst: ['ANALYST'],
};

interface SessionRecord {
  readonly session: LabSnowflakeSession;
  sessionToken: string;
  readonly masterToken: string;
  tokenExpired: boolean;
  readonly keepAlive: boolean;
  readonly requested: Readonly<Record<string, unknown>>;
}

interface QueryRecord {
  readonly id: string;
  readonly requestId: string | undefined;
  readonly record: SessionRecord;
  readonly control: { cancelled: boolean; started: boolean };
  readonly done: Promise<object>;
}

type Json = Record<string, unknown>;

const MESSAGES = {
  '390100': 'Incorrect username or password was specified.',
  '390104': 'Invalid session token.',
  '390111': 'Session no longer exists.  New login required to access the service.',
  '390112': 'Session token has expired.',
  '390114': 'Authentication token has expired.  The user must authenticate again.',
  '390144': 'JWT token is invalid.',
} as const;

function failure(code: keyof typeof MESSAGES | string, message?: string, data: Json | null = null): Json {
  return { success: false, code, message: message ?? MESSAGES[code as keyof typeof MESSAGES] ?? code, data, headers: null };
}

function sessionParameters(record: SessionRecord | undefined): Json[] {
  return [
    { name: 'TIMEZONE', value: 'UTC' },
    { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
    { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
    { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
    { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
    { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
    { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
    { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
    { name: 'CLIENT_SESSION_KEEP_ALIVE', value: record?.keepAlive ?? false },
    // Session parameters the client asked for at login come back with every result, as in Snowflake.
    ...Object.entries(record?.requested ?? {})
      .filter(([name]) => name !== 'CLIENT_SESSION_KEEP_ALIVE')
      .map(([name, value]) => ({ name, value })),
    { name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', value: 3600 },
  ];
}

export async function startSnowflakeLab(lab: LabPostgres, options: SnowflakeLabOptions = {}): Promise<SnowflakeLab> {
  const account = (options.account ?? 'LAB').toUpperCase();
  const impersonationRole = options.impersonationRole ?? 'IMMUTA_IMPERSONATION';
  const impersonationVariable = options.impersonationVariable ?? 'IMMUTA_IMP_USER';
  const grants = options.roleGrants ?? DEFAULT_ROLE_GRANTS;
  const asyncAfterMs = options.asyncAfterMs ?? 45_000;
  const log = options.log ?? (() => undefined);
  const received: ReceivedRequest[] = [];
  const bound: BoundRecord[] = [];
  const records = new Map<string, SessionRecord>();
  const bySessionToken = new Map<string, SessionRecord>();
  const byMasterToken = new Map<string, SessionRecord>();
  const queries = new Map<string, QueryRecord>();
  const publicKeys = new Map<string, string[]>();
  let nextSessionId = 1_000_000_000_000 + Math.floor(Math.random() * 1_000_000);
  let ignoringImpersonation = false;

  const loginNamed = (name: string): LabLogin | undefined =>
    Object.values(lab.logins).find((login) => login.user.toUpperCase() === name.toUpperCase());

  // ---- login ------------------------------------------------------------------------------

  async function login(query: Record<string, string>, body: Json): Promise<Json> {
    const data = (body.data ?? {}) as Json;
    const name = String(data.LOGIN_NAME ?? '');
    const labLogin = loginNamed(name);
    if (!labLogin) {
      return failure('390100');
    }
    let password: string;
    if (data.AUTHENTICATOR === 'SNOWFLAKE_JWT') {
      if (!verifyJwt(String(data.TOKEN ?? ''), labLogin.user)) {
        return failure('390144');
      }
      password = labLogin.password; // the key proved who it is; the lab knows the login's password
    } else if (data.AUTHENTICATOR === undefined || data.AUTHENTICATOR === 'SNOWFLAKE') {
      password = String(data.PASSWORD ?? '');
    } else {
      return failure('390195', `The lab does not support the authenticator ${String(data.AUTHENTICATOR)}.`);
    }
    const granted = ['PUBLIC', ...(grants[labLogin.user] ?? [])];
    const role = query.roleName !== undefined ? normalizeIdentifier(query.roleName) : 'PUBLIC';
    if (!granted.includes(role)) {
      return failure('390189', `Role '${role}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`);
    }
    // The password is checked by PostgreSQL itself, as this very login.
    const client = new Client({ host: lab.host, port: lab.port, database: lab.database, user: labLogin.user, password, options: '-c TimeZone=UTC' });
    client.on('error', (error) => log(`[snowflake-lab] postgres: ${error.message}`));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      return (error as { code?: string }).code === '28P01' ? failure('390100') : failure('390000', `Login failed: ${(error as Error).message}`);
    }
    const pid = (client as unknown as { processID: number }).processID;
    const id = String(nextSessionId++);
    const session = new LabSnowflakeSession(id, labLogin.user, client, pid, role, {
      impersonationRole,
      impersonationVariable,
      grantedRoles: granted,
      ignoringImpersonation: () => ignoringImpersonation,
      lab,
      recordBound: (entry) => bound.push(entry),
    });
    const requested = (data.SESSION_PARAMETERS ?? {}) as Json;
    const record: SessionRecord = {
      session,
      sessionToken: `ST-${randomUUID()}`,
      masterToken: `MT-${randomUUID()}`,
      tokenExpired: false,
      keepAlive: requested.CLIENT_SESSION_KEEP_ALIVE === true,
      requested,
    };
    records.set(id, record);
    bySessionToken.set(record.sessionToken, record);
    byMasterToken.set(record.masterToken, record);
    log(`[snowflake-lab] session ${id} for ${labLogin.user} as ${role} (pid ${pid})`);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: record.sessionToken,
        validityInSeconds: 3600,
        masterToken: record.masterToken,
        masterValidityInSeconds: 14400,
        sessionId: Number(id),
        displayUserName: labLogin.user.toUpperCase(),
        serverVersion: 'lab',
        firstLogin: false,
        healthCheckInterval: 45,
        newClientForUpgrade: null,
        parameters: sessionParameters(record),
        sessionInfo: { databaseName: query.databaseName ?? null, schemaName: query.schemaName ?? null, warehouseName: query.warehouse ?? null, roleName: role },
        idToken: null,
        mfaToken: null,
      },
    };
  }

  function verifyJwt(token: string, user: string): boolean {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return false;
    let claims: { iss?: string; sub?: string };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string; sub?: string };
    } catch {
      return false;
    }
    const subject = `${account}.${user.toUpperCase()}`;
    if (claims.sub !== subject) return false;
    return (publicKeys.get(user) ?? []).some((pem) => {
      const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
      const fingerprint = `SHA256:${createHash('sha256').update(spki).digest('base64')}`;
      return claims.iss === `${subject}.${fingerprint}` && verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), pem, Buffer.from(signature, 'base64url'));
    });
  }

  // ---- tokens -----------------------------------------------------------------------------

  function tokenOf(request: http.IncomingMessage): string | undefined {
    return /Snowflake Token="([^"]*)"/.exec(request.headers.authorization ?? '')?.[1];
  }

  /** The session a session token names, or the error Snowflake gives for it. */
  function authorise(request: http.IncomingMessage): { record: SessionRecord } | { error: Json } {
    const record = bySessionToken.get(tokenOf(request) ?? '');
    if (!record) {
      return { error: failure('390104') };
    }
    const ended = record.session.ended;
    if (ended === 'gone' || ended === 'closed') {
      return { error: failure('390111') };
    }
    if (ended === 'expired' || record.tokenExpired) {
      return { error: failure('390112') };
    }
    return { record };
  }

  function renew(request: http.IncomingMessage): Json {
    const record = byMasterToken.get(tokenOf(request) ?? '');
    if (!record || record.session.ended !== undefined) {
      return failure('390114');
    }
    bySessionToken.delete(record.sessionToken);
    record.sessionToken = `ST-${randomUUID()}`;
    record.tokenExpired = false;
    bySessionToken.set(record.sessionToken, record);
    return {
      success: true,
      code: null,
      message: null,
      data: { sessionToken: record.sessionToken, validityInSecondsST: 3600, masterToken: record.masterToken, validityInSecondsMT: 14400, sessionId: Number(record.session.id) },
    };
  }

  // ---- queries ----------------------------------------------------------------------------

  function resultBody(query: QueryRecord, result: StatementResult): Json {
    const session = query.record.session;
    return {
      success: true,
      code: null,
      message: null,
      data: {
        parameters: sessionParameters(query.record),
        rowtype: result.rowtype,
        rowset: result.rowset,
        total: result.rowset.length,
        returned: result.rowset.length,
        queryId: query.id,
        databaseProvider: null,
        finalDatabaseName: 'LAB',
        finalSchemaName: 'PUBLIC',
        finalWarehouseName: null,
        finalRoleName: session.role,
        numberOfBinds: 0,
        arrayBindSupported: false,
        statementTypeId: result.statementTypeId,
        version: 1,
        sendResultTime: Date.now(),
        queryResultFormat: 'json',
      },
    };
  }

  function errorBody(query: QueryRecord, error: unknown): Json {
    if (error instanceof SnowflakeLabError) {
      return failure(error.code, error.message, { queryId: query.id, sqlState: error.sqlState, errorCode: error.code, internalError: false, line: -1, pos: -1 });
    }
    return failure('000603', `Internal error: ${error instanceof Error ? error.message : String(error)}`, { queryId: query.id, sqlState: 'XX000' });
  }

  function startQuery(record: SessionRecord, requestId: string | undefined, body: Json): QueryRecord {
    const existing = requestId !== undefined ? [...queries.values()].find((query) => query.requestId === requestId) : undefined;
    if (existing) {
      return existing; // the driver retried the same request
    }
    const bindings = (body.bindings ?? {}) as Record<string, { value?: unknown }>;
    const binds = Object.keys(bindings)
      .sort((a, b) => Number(a) - Number(b))
      .map((key) => (bindings[key].value === null || bindings[key].value === undefined ? null : String(bindings[key].value)));
    const control = { cancelled: false, started: false };
    const id = randomUUID();
    const query: QueryRecord = {
      id,
      requestId,
      record,
      control,
      done: record.session.run(String(body.sqlText ?? ''), binds, control).then(
        (result) => resultBody(query, result),
        (error: unknown) => errorBody(query, error),
      ),
    };
    queries.set(id, query);
    return query;
  }

  /** The result if it is ready within asyncAfterMs, else "in progress" with where to ask again. */
  async function answer(query: QueryRecord): Promise<Json> {
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), asyncAfterMs);
    });
    const done = await Promise.race([query.done, pending]);
    clearTimeout(timer);
    if (done !== undefined) {
      return done as Json;
    }
    return {
      success: true,
      code: '333333',
      message: 'Query execution in progress. Query will be aborted unless request for result is received within 300 seconds.',
      data: { queryId: query.id, getResultUrl: `/queries/${query.id}/result`, queryAbortsAfterSecs: 300, progressDesc: null },
    };
  }

  async function abort(query: QueryRecord | undefined): Promise<Json> {
    if (!query) {
      return { success: true, code: null, message: null, data: null };
    }
    query.control.cancelled = true;
    if (query.control.started) {
      await lab.adminQuery('SELECT pg_cancel_backend($1)', [query.record.session.pid]);
    }
    return { success: true, code: null, message: null, data: null };
  }

  // ---- HTTP -------------------------------------------------------------------------------

  async function route(request: http.IncomingMessage, url: URL, body: Json): Promise<Json> {
    const query = Object.fromEntries(url.searchParams);
    const path = url.pathname;
    if (path === '/session/v1/login-request') {
      return login(query, body);
    }
    if (path === '/session/token-request') {
      return renew(request);
    }
    if (path === '/telemetry/send') {
      return { success: true, code: null, message: null, data: null };
    }
    const auth = authorise(request);
    if ('error' in auth) {
      // Also for closing an ended session: the driver takes 390111/390112 there as closed.
      return auth.error;
    }
    const record = auth.record;
    if (path === '/session' && url.searchParams.get('delete') === 'true') {
      await record.session.end('closed');
      bySessionToken.delete(record.sessionToken);
      return { success: true, code: null, message: null, data: null };
    }
    if (path === '/session/heartbeat') {
      return { success: true, code: null, message: null, data: null };
    }
    if (path === '/queries/v1/query-request') {
      return answer(startQuery(record, query.requestId, body));
    }
    if (path === '/queries/v1/abort-request') {
      const requestId = String(body.requestId ?? '');
      return abort([...queries.values()].find((candidate) => candidate.requestId === requestId && candidate.record === record));
    }
    const byId = /^\/queries\/([0-9a-f-]{36})\/(result|abort-request)$/.exec(path);
    if (byId) {
      const found = queries.get(byId[1]);
      if (!found || found.record !== record) {
        return failure('000709', `Statement ${byId[1]} not found`);
      }
      return byId[2] === 'result' ? answer(found) : abort(found);
    }
    return failure('000404', `The lab has no endpoint ${request.method ?? ''} ${path}`);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
        let body: Json = {};
        try {
          const text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
          body = text === '' ? {} : (JSON.parse(text) as Json);
        } catch (error) {
          log(`[snowflake-lab] unreadable body: ${(error as Error).message}`);
        }
        const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
        // Recorded on arrival, so a test sees a cancel as soon as the driver sent it.
        const sessionId = bySessionToken.get(tokenOf(request) ?? '')?.session.id;
        received.push({ at: Date.now(), method: request.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), gzip, body, sessionId });
        let status = 200;
        let json: Json;
        try {
          json = await route(request, url, body);
        } catch (error) {
          status = 500;
          json = failure('000603', `lab error: ${error instanceof Error ? error.message : String(error)}`);
        }
        const payload = JSON.stringify(json);
        response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
        response.end(payload);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    accessUrl: `http://${LOOPBACK}:${port}`,
    port,
    account,
    received,
    bound,
    sessions: () =>
      [...records.values()].map(({ session }) => ({
        id: session.id,
        login: session.login,
        role: session.role,
        variables: Object.fromEntries(session.variables),
        impersonating: session.impersonating,
        pid: session.pid,
        ended: session.ended,
      })),
    registerPublicKey(login, publicKeyPem) {
      publicKeys.set(login, [...(publicKeys.get(login) ?? []), publicKeyPem]);
    },
    async expireSession(sessionId, how = 'expired') {
      const record = records.get(sessionId);
      if (!record) {
        throw new Error(`no Snowflake lab session ${sessionId}`);
      }
      await record.session.end(how);
    },
    expireSessionToken(sessionId) {
      const record = records.get(sessionId);
      if (!record) {
        throw new Error(`no Snowflake lab session ${sessionId}`);
      }
      record.tokenExpired = true;
    },
    ignoreImpersonation(on) {
      ignoringImpersonation = on;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...records.values()].map(({ session }) => session.end('closed')));
    },
  };
}
