/**
 * The lab's SQL Server (Azure Synapse) peer: TDS 7.4 over TCP on 127.0.0.1, backed by the lab
 * PostgreSQL with one PostgreSQL connection per TDS connection, so an unmodified mssql/tedious
 * (and FreeTDS) is tested end to end.
 *
 *   const tds = await startTdsLab(lab);            // { encryption: 'not-supported' } is the default
 *   tds.host; tds.port; tds.received;              // what clients sent, in order
 *   tds.sessions();                                // [{ spid, pid, login }]
 *   await tds.killSession(spid); await tds.killConnections();   // the server side dies
 *   await tds.close();
 *
 * Without the `tls` option its PRELOGIN answer says "encryption not supported" (or "off"), the
 * answer of a server that cannot encrypt: clients must set encrypt off, or refuse (as the
 * adapter does). With `tls`, a client that asks for encryption gets TLS inside TDS (tds-tls.ts).
 */
import * as net from 'node:net';
import { Client } from 'pg';
import type { LabPostgres } from './postgres';
import { parseLogin7, parseRpc, parseSqlBatch, type ParamValue } from './tds-parse';
import { LabTdsSession, SERVER_NAME, type SessionRecord } from './tds-session';
import { upgradeToTls, type TlsUpgrade } from './tds-tls';
import { DONE_STATUS, PACKET, done, envCollation, envDatabase, envPacketSize, errorToken, loginAck, packets, preloginAnswer, preloginEncryptionRequest, MessageReader, type TdsMessage } from './tds-wire';

const ENCRYPT_OFF = 0x00;
const ENCRYPT_ON = 0x01;
const ENCRYPT_NOT_SUP = 0x02;
const ENCRYPT_REQ = 0x03;

export type TdsReceived =
  | { readonly spid: number | null; readonly kind: 'prelogin'; readonly encryptionRequested: number | undefined }
  | { readonly spid: number | null; readonly kind: 'login'; readonly user: string; readonly database: string }
  | { readonly spid: number; readonly kind: 'batch'; readonly text: string }
  | { readonly spid: number; readonly kind: 'rpc'; readonly procedure: string; readonly text: string; readonly params: Readonly<Record<string, ParamValue>> }
  | { readonly spid: number; readonly kind: 'attention' }
  | { readonly spid: null; readonly kind: 'tls' }
  | ({ readonly spid: number; readonly kind: 'session-context' } & SessionRecord);

export interface TdsLabOptions {
  /** Without `tls`: what the PRELOGIN answer says about encryption, not supported (default) or off. */
  readonly encryption?: 'not-supported' | 'off';
  /** Serve TLS inside TDS with this key and certificate (PEM) to clients that ask for encryption. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface TdsLab {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly received: TdsReceived[];
  sessions(): { spid: number; pid: number; login: string }[];
  /** Drops one session as a dying server would: socket closed, PostgreSQL backend terminated. */
  killSession(spid: number | string): Promise<void>;
  killConnections(): Promise<void>;
  close(): Promise<void>;
}

interface Live {
  readonly socket: net.Socket;
  session?: LabTdsSession;
  client?: Client;
}

export async function startTdsLab(lab: LabPostgres, options: TdsLabOptions = {}): Promise<TdsLab> {
  const received: TdsReceived[] = [];
  const live = new Set<Live>();
  let nextSpid = 51;
  let admin: Promise<Client> | undefined;
  const adminClient = () =>
    (admin ??= lab.adminClient().then((client) => {
      client.on('error', () => undefined);
      return client;
    }));
  const encryption = options.encryption === 'off' ? ENCRYPT_OFF : ENCRYPT_NOT_SUP;

  const immutaUserOf = async (synapseUser: string): Promise<string> => {
    const { rows } = await (await adminClient()).query<{ name: string }>('SELECT name FROM immuta.users WHERE synapse_user = $1', [synapseUser]);
    return rows.length === 1 ? rows[0].name : synapseUser;
  };

  const serve = (socket: net.Socket) => {
    const entry: Live = { socket };
    live.add(entry);
    let chain: Promise<void> = Promise.resolve();
    let inRequest = false;
    let attentionPending = false;
    /** A pg_cancel_backend in flight: the ack waits for it, so it can never hit a later statement. */
    let cancelling: Promise<unknown> = Promise.resolve();
    const spidOf = () => entry.session?.spid ?? null;
    let upgrade: TlsUpgrade | undefined;
    const send = (type: number, payload: Buffer, end = true) => {
      if (socket.destroyed) return;
      (upgrade?.secure ?? socket).write(packets(type, payload, entry.session?.spid ?? 0, 4096, end));
    };
    const ackAttention = () => {
      attentionPending = false;
      send(PACKET.TABULAR, done(DONE_STATUS.ATTN, 0, 0xfd, 0));
    };
    const request = (work: () => Promise<void>) => {
      inRequest = true;
      chain = chain
        .then(work)
        .catch((error: unknown) => {
          socket.destroy(error instanceof Error ? error : new Error(String(error)));
        })
        .then(async () => {
          await cancelling;
        })
        .finally(() => {
          inRequest = false;
          if (attentionPending) ackAttention();
        });
    };
    const runStatement = (sql: string, params: ReadonlyMap<string, ParamValue>, rpc: boolean) =>
      request(async () => {
        const session = entry.session;
        if (!session) throw new Error('a request before LOGIN7');
        // A batch's statements answer as they end; the ATTENTION of a cancel stops it between two.
        const result = await session.run(sql, params, rpc, () => attentionPending, (tokens) => send(PACKET.TABULAR, tokens, false));
        // A cancelled response ends without its error, as SQL Server discards it on ATTENTION;
        // the ack (DONE with ATTN) follows in its own message once this request is over.
        send(PACKET.TABULAR, result.cancelled && attentionPending ? done(DONE_STATUS.FINAL, 0, rpc ? 0xfe : 0xfd) : result.tokens);
      });

    const onMessage = (message: TdsMessage) => {
      switch (message.type) {
        case PACKET.PRELOGIN: {
          const requested = preloginEncryptionRequest(message.payload);
          received.push({ spid: null, kind: 'prelogin', encryptionRequested: requested });
          if (options.tls && (requested === ENCRYPT_ON || requested === ENCRYPT_REQ)) {
            send(PACKET.TABULAR, preloginAnswer(ENCRYPT_ON));
            upgrade = upgradeToTls(socket, options.tls, () => received.push({ spid: null, kind: 'tls' }));
            upgrade.secure.on('data', (chunk: Buffer) => {
              try {
                reader.push(chunk);
              } catch (error) {
                socket.destroy(error instanceof Error ? error : new Error(String(error)));
              }
            });
            return;
          }
          send(PACKET.TABULAR, preloginAnswer(encryption));
          return;
        }
        case PACKET.LOGIN7:
          request(() => login(message.payload));
          return;
        case PACKET.SQL_BATCH: {
          const text = parseSqlBatch(message.payload);
          received.push({ spid: spidOf() ?? 0, kind: 'batch', text });
          runStatement(text, new Map(), false);
          return;
        }
        case PACKET.RPC: {
          const rpc = parseRpc(message.payload);
          // sp_executesql (ProcID 10): @stmt, @params, then the bound values by name.
          const [statement, , ...rest] = rpc.params;
          const params = new Map(rest.map((param) => [param.name, param.value]));
          const text = String(statement?.value ?? '');
          received.push({ spid: spidOf() ?? 0, kind: 'rpc', procedure: rpc.procedure, text, params: Object.fromEntries(params) });
          if (rpc.procedure !== '#10' && !/sp_executesql$/i.test(rpc.procedure)) {
            send(PACKET.TABULAR, Buffer.concat([errorToken({ number: 2812, state: 62, class: 16, message: `Could not find stored procedure '${rpc.procedure}'.`, line: 1 }, SERVER_NAME), done(DONE_STATUS.ERROR, 0, 0xfe)]));
            return;
          }
          runStatement(text, params, true);
          return;
        }
        case PACKET.ATTENTION:
          received.push({ spid: spidOf() ?? 0, kind: 'attention' });
          if (!inRequest) {
            ackAttention();
            return;
          }
          attentionPending = true;
          if (entry.session?.busy) {
            const pid = entry.session.pid;
            cancelling = adminClient()
              .then((client) => client.query('SELECT pg_cancel_backend($1)', [pid]))
              .catch(() => undefined);
          }
          return;
        default:
          socket.destroy(new Error(`unexpected TDS packet type 0x${message.type.toString(16)}`));
      }
    };

    const login = async (payload: Buffer) => {
      const request7 = parseLogin7(payload);
      received.push({ spid: null, kind: 'login', user: request7.user, database: request7.database });
      const client = new Client({ host: lab.host, port: lab.port, database: lab.database, user: request7.user, password: request7.password, application_name: 'tds-lab' });
      client.on('error', () => socket.destroy());
      try {
        await client.connect();
      } catch {
        await client.end().catch(() => undefined);
        // SQL Server's answer to a bad login, whatever the reason: 18456, state 1, class 14.
        send(PACKET.TABULAR, Buffer.concat([errorToken({ number: 18456, state: 1, class: 14, message: `Login failed for user '${request7.user}'.`, line: 1 }, SERVER_NAME), done(DONE_STATUS.ERROR, 0, 0xfd, 0)]));
        socket.end();
        return;
      }
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      entry.client = client;
      entry.session = new LabTdsSession(nextSpid++, rows[0].pid, request7.user, client, immutaUserOf, (record) =>
        received.push({ spid: entry.session?.spid ?? 0, kind: 'session-context', ...record }),
      );
      send(PACKET.TABULAR, Buffer.concat([envDatabase(lab.database), envCollation(), envPacketSize(4096), loginAck('Microsoft SQL Server'), done(DONE_STATUS.FINAL, 0, 0xfd, 0)]));
    };

    const reader = new MessageReader(onMessage);
    socket.on('data', (chunk: Buffer) => {
      try {
        if (upgrade) upgrade.feed(chunk);
        else reader.push(chunk);
      } catch (error) {
        socket.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      live.delete(entry);
      void entry.client?.end().catch(() => undefined);
    });
  };

  const server = net.createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const kill = async (entries: Live[]) => {
    const pids = entries.map((entry) => entry.session?.pid).filter((pid): pid is number => pid !== undefined);
    for (const entry of entries) entry.socket.destroy();
    if (pids.length > 0) {
      await (await adminClient()).query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    }
  };

  return {
    host: '127.0.0.1',
    port,
    received,
    sessions: () => [...live].flatMap((entry) => (entry.session ? [{ spid: entry.session.spid, pid: entry.session.pid, login: entry.session.login }] : [])),
    killSession: (spid) => kill([...live].filter((entry) => String(entry.session?.spid) === String(spid))),
    killConnections: () => kill([...live]),
    close: async () => {
      await kill([...live]).catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (admin) await (await admin).end().catch(() => undefined);
    },
  };
}
