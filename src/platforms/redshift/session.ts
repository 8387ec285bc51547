import { isIP } from 'node:net';
import type * as tls from 'node:tls';
import pg from 'pg';
import { Emitter, type Event } from '../../common/events';
import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import { hasParameters, markParameters, relocateError, valuesOf } from '../parameter-markers';
import { RowBatcher, type PausableSource } from '../row-batcher';
import type {
  CellValue,
  ColumnInfo,
  ConnectionSecret,
  ExecutionSummary,
  PlatformSession,
  RedshiftProfile,
  ResultSink,
  SessionClosed,
  SessionImpersonation,
  StatementParameters,
  TransactionState,
} from '../types';
import { sendCancelRequest } from './cancel-request';
import { renderSetStatement, statementWithoutUser } from '../impersonation-template';
import { DEFAULT_CLEAR_SQL, DEFAULT_SET_SQL, IMPERSONATION_RENDERING } from './dialect';
import { isSessionEndingSqlState, SendGate, sessionEndedError } from '../session-end';
import { mapConnectError, mapStatementError } from './errors';
import { cellParser, typeName } from './types';

/** How long close() waits for the server to end the session before dropping the socket. */
const CLOSE_GRACE_MS = 2000;

/** Rows handed to the sink at once; small enough for the first rows to show early. */

interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
}

interface NoticeFields {
  readonly message?: string;
  readonly severity?: string;
  readonly code?: string;
}

/** The parts of node-postgres' Query (a documented Submittable) that streaming relies on. */
interface StreamingQuery extends NodeJS.EventEmitter {
  handleRowDescription(message: { fields: FieldDescription[] }): void;
  submit(connection: unknown): unknown;
  /** Set once node-postgres handed the statement to the socket; until then it provably was not sent. */
  sent: boolean;
}

type QueryConstructor = new (config: { text: string; values?: (string | null)[]; rowMode: 'array'; types: typeof rawTypes }) => StreamingQuery;

/**
 * A Query that also announces its columns, so results without rows still show them, and knows
 * whether it was sent: node-postgres queues a query until the connection is ready for it, and a
 * connection that dies first fails the queued query without ever writing it.
 */
function createStreamingQuery(text: string, values: readonly (string | null)[] | undefined): StreamingQuery {
  // With values, node-postgres uses the extended protocol: the text goes in Parse, the values in Bind.
  const query = new (pg.Query as unknown as QueryConstructor)(values === undefined ? { text, rowMode: 'array', types: rawTypes } : { text, values: [...values], rowMode: 'array', types: rawTypes });
  const describeRows = query.handleRowDescription.bind(query);
  query.handleRowDescription = (message) => {
    describeRows(message);
    query.emit('fields', message.fields);
  };
  const submit = query.submit.bind(query);
  query.sent = false;
  query.submit = (connection) => {
    query.sent = true;
    return submit(connection);
  };
  return query;
}


const rawTypes = { getTypeParser: (oid: number) => cellParser(oid) };

export function tlsOptions(profile: RedshiftProfile): tls.ConnectionOptions | false {
  switch (profile.tls.mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // Trust the chain but not the host name (e.g. connecting through an SSH tunnel or IP).
      return { rejectUnauthorized: true, ca: profile.tls.ca, checkServerIdentity: () => undefined };
    case 'verify-full':
      // Node checks the certificate against the host (name or IP); SNI only takes a name.
      return { rejectUnauthorized: true, ca: profile.tls.ca, ...(isIP(profile.host) ? {} : { servername: profile.host }) };
  }
}

export async function openRedshiftSession(profile: RedshiftProfile, secret: ConnectionSecret, logger: Logger): Promise<PlatformSession> {
  const ssl = tlsOptions(profile);
  const client = new pg.Client({
    host: profile.host,
    port: profile.port,
    database: profile.database,
    user: profile.user,
    password: secret.password ?? '',
    ssl,
    connectionTimeoutMillis: profile.connectTimeoutMs,
    application_name: profile.applicationName,
    keepAlive: true,
    types: rawTypes,
  });
  // Until the session takes over, a connection error must not become an unhandled 'error' event.
  const early = (error: Error) => logger.warn(`redshift connect: ${error.message}`);
  client.on('error', early);
  try {
    await client.connect();
  } catch (error) {
    client.removeListener('error', early);
    await client.end().catch(() => undefined);
    throw mapConnectError(error, `${profile.host}:${profile.port}/${profile.database}`);
  }
  client.removeListener('error', early);
  return new RedshiftSession(client, profile, ssl, logger);
}

class RedshiftSession implements PlatformSession {
  readonly id: string;
  readonly login: string;
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;
  readonly impersonation: SessionImpersonation;
  private isAlive = true;
  private closingByUs = false;
  private running: StreamingQuery | undefined;
  private activeSink: ResultSink | undefined;
  /** A statement about to be sent; a cancel meanwhile must stop it from going out. */
  private readonly gate = new SendGate();
  /** Why the session ended, for statements refused afterwards. */
  private endReason: PlatformError | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly profile: RedshiftProfile,
    private readonly ssl: tls.ConnectionOptions | false,
    private readonly logger: Logger,
  ) {
    const internals = client as unknown as { processID: number | null };
    this.id = String(internals.processID ?? 'unknown');
    this.login = profile.user;
    // A FATAL that answers no statement (the session was idle) arrives as the client's 'error'.
    client.on('error', (error: Error) => this.markGone(mapStatementError(error, '', false)));
    client.on('end', () => this.markGone(undefined));
    client.on('notice', (notice: NoticeFields) => {
      if (isSessionEndingSqlState(notice.code)) {
        this.markGone(sessionEndedError({ reason: notice.message ?? notice.code ?? 'notice', serverSaid: true, sent: true, ...(notice.code ? { code: notice.code } : {}) }));
      }
      const message = { severity: notice.severity ?? 'NOTICE', message: notice.message ?? '', ...(notice.code ? { code: notice.code } : {}) };
      if (this.activeSink) {
        this.activeSink.notice(message);
      } else {
        logger.info(`redshift notice: ${notice.message}`);
      }
    });
    const templates = profile.impersonation ?? {};
    this.impersonation = {
      // async: a template the renderer refuses rejects, like any other failure to impersonate.
      apply: async (user) => {
        const statement = renderSetStatement(templates.set ?? DEFAULT_SET_SQL, user, IMPERSONATION_RENDERING);
        await this.runImpersonation(statement.text, statement.bindsUser ? [user] : []);
      },
      clear: async () => this.runImpersonation(statementWithoutUser(templates.clear ?? DEFAULT_CLEAR_SQL, 'clear'), []),
      ...(templates.readBack ? { readBack: async () => this.readBack(statementWithoutUser(templates.readBack as string, 'readBack')) } : {}),
    };
  }

  get alive(): boolean {
    const stream = (this.client as unknown as { connection?: { stream?: { destroyed?: boolean } } }).connection?.stream;
    return this.isAlive && stream?.destroyed !== true;
  }

  get transactionState(): TransactionState {
    switch (this.client.getTransactionStatus()) {
      case 'I':
        return 'idle';
      case 'T':
        return 'in-transaction';
      case 'E':
        return 'failed-transaction';
      default:
        return 'unknown';
    }
  }

  async execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    // Each distinct name becomes one `$n`; a text that no longer matches its uses is refused before anything is sent.
    const marked = hasParameters(parameters) ? markParameters(sql, parameters, (_name, ordinal) => `$${ordinal}`) : undefined;
    // A server that ended the session may already have said so; what it said may still wait
    // unread in the socket. Read it first rather than write the statement to a dead session.
    const cancelled = await this.gate.pass();
    if (!this.alive) {
      throw this.notSent(sql);
    }
    if (cancelled) {
      throw new PlatformError('cancelled', 'The run was cancelled before the statement was sent.');
    }
    if (marked === undefined || parameters === undefined) return this.send(sql, sink);
    try {
      return await this.send(marked.text, sink, valuesOf(parameters, marked.names));
    } catch (error) {
      throw relocateError(error, marked);
    }
  }

  private send(sql: string, sink: ResultSink, values?: readonly (string | null)[]): Promise<ExecutionSummary> {
    const started = performance.now();
    const query = createStreamingQuery(sql, values);
    let hasResultSet = false;
    let resultSets = 0;
    const stream = (this.client as unknown as { connection: { stream: PausableSource } }).connection.stream;
    const rows = new RowBatcher(sink, stream);

    return new Promise<ExecutionSummary>((resolve, reject) => {
      query.on('fields', (fields: FieldDescription[]) => {
        resultSets++;
        if (resultSets > 1) {
          sink.notice({ severity: 'WARNING', message: 'The statement returned more than one result set; only the first is shown.' });
          return;
        }
        hasResultSet = true;
        const columns: ColumnInfo[] = fields.map((field) => ({ name: field.name, type: typeName(field.dataTypeID) }));
        sink.columns(columns);
      });
      query.on('row', (row: CellValue[]) => {
        if (resultSets > 1) {
          return;
        }
        rows.push(row);
      });
      query.on('error', (error: unknown) => {
        this.finish();
        const mapped = mapStatementError(error, sql, !query.sent);
        if (mapped.kind === 'connection-lost') {
          // Gone at once, before the statement's promise settles: the next statement must not
          // be queued on this connection while its end is still on its way.
          this.markGone(mapped);
        }
        rows.drain().then(() => reject(mapped), () => reject(mapped));
      });
      query.on('end', (results: pg.QueryResult | pg.QueryResult[]) => {
        this.finish();
        const drained = rows.drain();
        const first = Array.isArray(results) ? results[0] : results;
        const summary: ExecutionSummary = {
          rowCount: hasResultSet ? rows.count : first?.rowCount ?? null,
          command: first?.command ?? null,
          hasResultSet,
          durationMs: performance.now() - started,
          queryId: null,
        };
        drained.then(() => resolve(summary), (error: unknown) => reject(mapStatementError(error, sql, false)));
      });
      this.running = query;
      this.activeSink = sink;
      this.client.query(query as unknown as pg.Submittable);
    });
  }

  async cancel(): Promise<void> {
    if (this.gate.cancel()) {
      return;
    }
    if (!this.running || !this.alive) {
      return;
    }
    const internals = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (internals.processID === null || internals.secretKey === null) {
      throw new PlatformError('server', 'The server gave no cancel key for this session; cancel is not possible.');
    }
    await sendCancelRequest({
      host: this.profile.host,
      port: this.profile.port,
      processId: internals.processID,
      secretKey: internals.secretKey,
      tls: this.ssl === false ? undefined : this.ssl,
      timeoutMs: Math.max(this.profile.connectTimeoutMs, 1000),
    });
  }

  async close(): Promise<void> {
    if (this.closingByUs) {
      return;
    }
    this.closingByUs = true;
    this.isAlive = false;
    const stream = (this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    // A polite Terminate first; a server that does not answer in time gets its socket dropped.
    const timer = setTimeout(() => stream?.destroy(), CLOSE_GRACE_MS);
    try {
      await this.client.end();
    } catch (error) {
      this.logger.warn(`closing session ${this.id}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      this.closeEmitter.dispose();
    }
  }

  private finish(): void {
    this.running = undefined;
    this.activeSink = undefined;
  }

  /** The refusal of a statement that was never sent because the session had ended. */
  private notSent(sql: string): PlatformError {
    const reason = this.endReason?.serverMessage;
    if (reason !== undefined) {
      return sessionEndedError({ reason, serverSaid: this.endReason?.code !== undefined, sent: false, ...(this.endReason?.code ? { code: this.endReason.code } : {}) });
    }
    return mapStatementError(new Error('the connection was closed'), sql, true);
  }

  private markGone(error: PlatformError | undefined): void {
    if (!this.isAlive && this.closingByUs) {
      return;
    }
    this.endReason ??= error;
    const wasAlive = this.isAlive;
    this.isAlive = false;
    if (wasAlive && !this.closingByUs) {
      this.logger.warn(`session ${this.id} lost: ${error?.message ?? 'connection ended'}`);
      this.closeEmitter.fire(error ? { error } : {});
    }
  }

  /** Runs a rendered impersonation statement, the user (if any) bound as $1, never spliced into the SQL. */
  private async runImpersonation(text: string, values: string[]): Promise<void> {
    // "Not sent" only if the session was already gone before this statement: one that dies while
    // it runs may have reached the server.
    const wasGone = !this.alive;
    try {
      await this.client.query({ text, values, types: rawTypes });
    } catch (error) {
      throw mapStatementError(error, text, wasGone);
    }
  }

  private async readBack(template: string): Promise<string | null> {
    const wasGone = !this.alive;
    try {
      const result = await this.client.query<CellValue[]>({ text: template, rowMode: 'array', types: rawTypes });
      const value = result.rows[0]?.[0];
      return value === undefined || value === null || value === '' ? null : String(value);
    } catch (error) {
      throw mapStatementError(error, template, wasGone);
    }
  }
}
