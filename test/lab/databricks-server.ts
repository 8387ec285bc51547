/**
 * A Databricks SQL endpoint for the test lab: Databricks' Thrift-over-HTTPS protocol
 * (TCLIService, binary protocol, one POST per call to the HTTP path) in front of the lab's
 * real PostgreSQL, one PostgreSQL connection per Thrift session, so that the unmodified
 * @databricks/sql driver is tested end to end.
 *
 *   const dbx = await startDatabricksLab(lab);      // HTTPS on 127.0.0.1, a free port
 *   dbx.host; dbx.port; dbx.httpPath; dbx.caPem;    // the profile's tls.ca (the adapter's agent trusts it)
 *   dbx.tokenFor('governor');                       // a personal access token of that lab login
 *   dbx.received;                                   // every call: name, login, session, statement
 *   dbx.sessions();                                 // open sessions: id, login, backend pid, conf
 *   await dbx.expireSession(id);                    // "Invalid SessionHandle" from now on
 *   dbx.ignoreImpersonation(true);                  // "wrong on purpose": the key is kept, nobody impersonated
 *   await dbx.close();
 *
 * Calls: OpenSession (RFC 4122 UUID handles), ExecuteStatement (asynchronous; the statement runs
 * on the session's connection after the ones before it), GetOperationStatus (RUNNING while
 * PostgreSQL works), GetResultSetMetadata and FetchResults (COLUMN_BASED_SET, whatever the client
 * offers), CancelOperation (pg_cancel_backend), CloseOperation, CloseSession. Authentication is
 * `Authorization: Bearer <token>`: none is HTTP 401, an unknown token HTTP 403, as Databricks.
 *
 * Spark's `SET key=value`, `SET key`, `SET`, `RESET [key]`, `USE ...` and `SELECT current_user()`
 * are answered by the lab (session conf per Thrift session); the impersonation key of the conf
 * becomes `CALL immuta_procedures.impersonate_user($1)` (bound) before every other statement,
 * which goes to PostgreSQL unchecked: the lab does not check Spark SQL. With
 * `ignoreImpersonation(true)` that CALL names nobody (NULL) whatever the conf holds: a
 * workspace whose Immuta integration reads another key, where `SET key` still answers the value.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { LabPostgres } from './postgres';
import { LOOPBACK } from './ports';
import { makeTlsFiles } from './tls';
import type { LabSession } from './databricks-session';
import { createHandler, PROTOCOL_V8, type LabState, type ReceivedCall } from './databricks-service';
import type { BoundRecord } from './bind-markers';

export type { ReceivedCall } from './databricks-service';

export type LabLoginName = 'governor' | 'analyst' | 'owner';

export interface DatabricksLabOptions {
  /** The session conf key mapped onto Immuta impersonation; default immuta.impersonate.user. */
  readonly impersonationKey?: string;
  /** The one catalog; default hive_metastore (a workspace without Unity Catalog). */
  readonly catalog?: string;
  /** Default /sql/protocolv1/o/0/lab-cluster. */
  readonly httpPath?: string;
  /** Fixed tokens by login (the demo prints them for a person to paste); random by default. */
  readonly tokens?: Readonly<Partial<Record<LabLoginName, string>>>;
  /** Rows per FetchResults at most; default 10 000. */
  readonly pageRows?: number;
  /** GetOperationStatus waits this long for a running statement before answering RUNNING; default 200 ms. */
  readonly statusWaitMs?: number;
  /** serverProtocolVersion in OpenSession; default SPARK_CLI_SERVICE_PROTOCOL_V8 (parameters need it). */
  readonly protocolVersion?: number;
  readonly log?: (line: string) => void;
}

export interface DatabricksLabSessionInfo {
  readonly id: string;
  readonly login: string;
  readonly pid: number | undefined;
  readonly conf: Readonly<Record<string, string>>;
}

export interface DatabricksLab {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly httpPath: string;
  /** The PEM of the throwaway CA that signed the server's certificate (valid for 127.0.0.1). */
  readonly caPem: string;
  readonly catalog: string;
  readonly impersonationKey: string;
  readonly received: ReceivedCall[];
  /** Every statement that came with parameters, and how it went to PostgreSQL (bound, as `$n`). */
  readonly bound: BoundRecord[];
  /** The personal access token of a lab login. */
  tokenFor(login: LabLoginName): string;
  sessions(): DatabricksLabSessionInfo[];
  /** The session expires: its connection is closed and every later call on it is an invalid handle. */
  expireSession(id: string): Promise<void>;
  /**
   * "Wrong on purpose": while on, the workspace behaves like one whose Immuta integration reads
   * another key. `SET <impersonation key> = …` and `SET <impersonation key>` store and return the
   * value exactly as before, but statements run on PostgreSQL as the login, impersonating nobody.
   * Takes effect at every session's next statement; off (the default) restores the mapping.
   */
  ignoreImpersonation(on: boolean): void;
  close(): Promise<void>;
}

interface ThriftLib {
  readonly TBufferedTransport: {
    new (buffer: undefined, onFlush: (message: Buffer) => void): object;
    receiver(callback: (transport: object) => void): (data: Buffer) => void;
  };
  readonly TBinaryProtocol: new (transport: object) => object;
}

const requireHere = createRequire(__filename);
const thrift = requireHere('thrift') as ThriftLib;
const { Processor } = requireHere('@databricks/sql/thrift/TCLIService') as { Processor: new (handler: object) => { process(input: object, output: object): void } };

export async function startDatabricksLab(lab: LabPostgres, options: DatabricksLabOptions = {}): Promise<DatabricksLab> {
  const log = options.log ?? (() => undefined);
  const httpPath = options.httpPath ?? '/sql/protocolv1/o/0/lab-cluster';
  const catalog = options.catalog ?? 'hive_metastore';
  const impersonationKey = options.impersonationKey ?? 'immuta.impersonate.user';
  const tokens = new Map<string, LabLoginName>(
    (Object.keys(lab.logins) as LabLoginName[]).map((login) => [options.tokens?.[login] ?? `dapi${randomBytes(16).toString('hex')}`, login]),
  );
  let ignoringImpersonation = false;
  const bound: BoundRecord[] = [];
  const state: LabState = {
    lab,
    context: { impersonationKey, ignoringImpersonation: () => ignoringImpersonation, catalog, log, lab, recordBound: (entry) => bound.push(entry) },
    sessions: new Map<string, LabSession>(),
    expired: new Set<string>(),
    received: [],
    pageRows: options.pageRows ?? 10000,
    statusWaitMs: options.statusWaitMs ?? 200,
    protocolVersion: options.protocolVersion ?? PROTOCOL_V8,
  };

  const refuse = (response: http.ServerResponse, status: number, body: string) => {
    state.received.push({ call: 'http', login: undefined, httpStatus: status, at: Date.now() });
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(body);
  };

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || new URL(request.url ?? '/', 'https://lab').pathname !== httpPath) {
        return refuse(response, 404, 'Not found');
      }
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (!bearer) return refuse(response, 401, 'Unauthorized: no credentials');
      const loginName = tokens.get(bearer[1]);
      if (loginName === undefined) return refuse(response, 403, 'Invalid access token.');
      const handler = createHandler(state, lab.logins[loginName]);
      try {
        thrift.TBufferedTransport.receiver((transport) => {
          const input = new thrift.TBinaryProtocol(transport);
          const output = new thrift.TBinaryProtocol(
            new thrift.TBufferedTransport(undefined, (message) => {
              response.writeHead(200, { 'Content-Type': 'application/x-thrift' });
              response.end(message);
            }),
          );
          new Processor(handler).process(input, output);
        })(Buffer.concat(chunks));
      } catch (error) {
        log(`databricks-lab: ${error instanceof Error ? error.stack : String(error)}`);
        if (!response.headersSent) refuse(response, 500, 'lab failure');
      }
    });
  };

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'immuta-lab-databricks-tls-'));
  let server: https.Server;
  let caPem: string;
  try {
    const files = await makeTlsFiles(dir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    caPem = files.caPem;
    server = https.createServer({ cert: await fs.readFile(files.certFile), key: await fs.readFile(files.keyFile) }, onRequest);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log(`databricks-lab: listening on https://${LOOPBACK}:${port}${httpPath}`);

  return {
    host: LOOPBACK,
    port,
    httpPath,
    caPem,
    catalog,
    impersonationKey,
    received: state.received,
    bound,
    tokenFor(login) {
      for (const [token, name] of tokens) if (name === login) return token;
      throw new Error(`no lab login ${login}`);
    },
    sessions: () =>
      [...state.sessions.values()]
        .filter((session) => !state.expired.has(session.id))
        .map((session) => ({ id: session.id, login: session.login, pid: session.pid, conf: Object.fromEntries(session.conf) })),
    async expireSession(id) {
      const session = state.sessions.get(id);
      if (!session) throw new Error(`the Databricks lab has no session ${id}`);
      state.expired.add(id);
      const pid = session.pid;
      if (pid !== undefined) await lab.adminQuery('SELECT pg_terminate_backend($1)', [pid]);
      await session.close();
    },
    ignoreImpersonation(on) {
      ignoringImpersonation = on;
    },
    async close() {
      await Promise.all([...state.sessions.values()].map((session) => session.close()));
      state.sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
