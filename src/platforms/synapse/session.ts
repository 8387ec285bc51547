import type { Connection as TediousConnection } from 'tedious';
import { Emitter, type Event } from '../../common/events';
import type { Logger } from '../../common/logger';
import { PlatformError, isPlatformError } from '../errors';
import { caseClash, hasParameters, markParameters, relocateError, valuesOf } from '../parameter-markers';
import { RowBatcher } from '../row-batcher';
import type {
  ConnectionSecret,
  ExecutionSummary,
  PlatformSession,
  ResultSink,
  SessionClosed,
  SessionImpersonation,
  StatementParameters,
  SynapseProfile,
  TransactionState,
} from '../types';
import { EncryptionRefused, guardedConnector, poolConfig } from './connect';
import { renderSetStatement, statementWithoutUser } from '../impersonation-template';
import { CLEAR_SQL, IMPERSONATION_RENDERING, READ_BACK_SQL, SET_SQL, immutaUserFor, synapseUserFor } from './dialect';
import { SendGate, sessionEndedError } from '../session-end';
import { mapConnectError, mapStatementError, serverMessageLine } from './errors';
import { loadMssql, type MssqlColumn, type MssqlPool, type MssqlRequest, type MssqlRequestError } from './mssql';
import { RowCountMessages } from './row-count-messages';
import { cellValue, columnInfo } from './values';

const CLOSE_GRACE_MS = 2000;

/** tedious fields the typings do not declare. */
interface TediousState {
  closed?: boolean;
  inTransaction?: boolean;
}

export async function openSynapseSession(profile: SynapseProfile, secret: ConnectionSecret, logger: Logger): Promise<PlatformSession> {
  const where = `${profile.server}:${profile.port}/${profile.database}`;
  const mssql = loadMssql();
  let refused: EncryptionRefused | undefined;
  const created: TediousConnection[] = [];
  // Filled in once the session exists; the pool's hook below reads them on every new connection.
  const binding: { connection?: TediousConnection; onReplaced?: () => void } = {};
  const config = poolConfig(profile, secret, guardedConnector(where, profile.encrypt, (error) => (refused = error)), (connection) => {
    if (binding.connection !== undefined) {
      // The pool is replacing the session's connection: a new server session would run without
      // the impersonation. Never let it sign in; the session is already reported lost.
      connection.close();
      binding.onReplaced?.();
      return;
    }
    created.push(connection);
  });
  const pool = new mssql.ConnectionPool(config);
  // An unhandled pool 'error' event would end the extension host's process.
  pool.on('error', (error) => logger.warn(`synapse pool: ${error.message}`));
  let spid: string;
  try {
    // mssql's connect() signs in once as a probe and closes that connection; the session is
    // the connection the pool opens for the first request, the one that answers @@SPID.
    await pool.connect();
    const request = pool.request();
    const result = await request.query('SELECT @@SPID AS spid');
    const rows = (result.recordset ?? []) as unknown[][];
    spid = String(rows[0]?.[0] ?? 'unknown');
  } catch (error) {
    await pool.close().catch(() => undefined);
    if (refused) {
      throw new PlatformError('connection', refused.message, {
        hint: 'Synapse always encrypts. Set "encrypt": false only for a server you reach over a network you trust.',
        cause: refused,
      });
    }
    throw isPlatformError(error) ? error : mapConnectError(error, where);
  }
  const connection = created[created.length - 1];
  if (connection === undefined) {
    // Without its connection the session could not notice being lost: fail closed.
    await pool.close().catch(() => undefined);
    throw new PlatformError('connection', `Could not open a session on ${where}: the driver opened no connection of its own.`);
  }
  binding.connection = connection;
  const session = new SynapseSession(pool, connection, spid, profile, logger);
  binding.onReplaced = () => session.replaced();
  return session;
}

class SynapseSession implements PlatformSession {
  readonly login: string;
  readonly impersonation: SessionImpersonation;
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;
  private isAlive = true;
  private closingByUs = false;
  private running: MssqlRequest | undefined;
  /** The Immuta user last applied, to read the Synapse name back as the Immuta one. */
  private lastApplied: string | undefined;
  private wasReplaced = false;
  /** A statement about to be sent; a cancel meanwhile must stop it from going out. */
  private readonly gate = new SendGate();
  /** Why the session ended, for statements refused afterwards. */
  private endReason: PlatformError | undefined;

  constructor(
    private readonly pool: MssqlPool,
    private readonly connection: TediousConnection,
    readonly id: string,
    private readonly profile: SynapseProfile,
    private readonly logger: Logger,
  ) {
    this.login = profile.user;
    connection.on('end', () => this.connectionLost('the server closed the connection'));
    connection.on('error', (error: Error) => this.connectionLost(error.message));
    const templates = profile.impersonation ?? {};
    this.impersonation = {
      apply: async (user) => {
        const synapseUser = synapseUserFor(user, profile.userMap);
        const statement = renderSetStatement(templates.set ?? SET_SQL, synapseUser, IMPERSONATION_RENDERING);
        await this.runInternal(statement.text, statement.bindsUser ? synapseUser : undefined);
        this.lastApplied = user;
      },
      clear: async () => {
        await this.runInternal(statementWithoutUser(templates.clear ?? CLEAR_SQL, 'clear'), undefined);
        this.lastApplied = undefined;
      },
      readBack: async () => {
        const value = await this.readValue(statementWithoutUser(templates.readBack ?? READ_BACK_SQL, 'readBack'));
        return value === null ? null : immutaUserFor(value, profile.userMap, this.lastApplied);
      },
    };
  }

  get alive(): boolean {
    return this.isAlive && (this.connection as TediousState).closed !== true;
  }

  get transactionState(): TransactionState {
    const state = this.connection as TediousState;
    return state.inTransaction === undefined ? 'unknown' : state.inTransaction ? 'in-transaction' : 'idle';
  }

  /** The pool found the connection dead and tried to open another: the request was not sent. */
  replaced(): void {
    this.wasReplaced = true;
    this.connectionLost('the connection was gone before the statement was sent');
  }

  /** Marks the session lost once and tells the worksheet, which re-applies on a new one. */
  connectionLost(reason: string, error?: PlatformError): void {
    if (!this.isAlive) return;
    this.isAlive = false;
    this.endReason = error;
    if (this.closingByUs) return;
    this.logger.warn(`synapse session ${this.id} lost: ${reason}`);
    this.closeEmitter.fire({ error: error ?? new PlatformError('connection-lost', `The connection to ${this.profile.server} was lost: ${reason}.`, { serverMessage: reason }) });
  }

  async execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    // Each distinct name becomes one `@p_<name>`; a text that no longer matches its uses is refused before anything is sent.
    const marked = hasParameters(parameters) ? markParameters(sql, parameters, (name) => `@p_${name}`) : undefined;
    const clash = marked && caseClash(marked.names);
    if (clash) {
      throw new PlatformError('configuration', `The parameters :${clash[0]} and :${clash[1]} differ only in case, and SQL Server variable names do not: write them alike (or rename one). Nothing was sent.`);
    }
    // A server that ended the session may already have said so (or closed the socket) without
    // this process having read it yet: read first rather than write the statement into it.
    const cancelled = await this.gate.pass();
    if (!this.alive) {
      const reason = this.endReason?.serverMessage;
      throw reason !== undefined
        ? sessionEndedError({ reason, serverSaid: this.endReason?.code !== undefined && /^\d+$/.test(this.endReason.code), sent: false })
        : mapStatementError(new Error('the connection was closed'), sql, true, true);
    }
    if (cancelled) {
      throw new PlatformError('cancelled', 'The run was cancelled before the statement was sent.');
    }
    if (marked === undefined || parameters === undefined) return this.send(sql, sink);
    try {
      return await this.send(marked.text, sink, { names: marked.names, values: valuesOf(parameters, marked.names) });
    } catch (error) {
      throw relocateError(error, marked);
    }
  }

  /**
   * Sends `sql` as one SQLBatch, as SQL Server tools send a batch. Every result set it returns
   * goes to the sink (columns before each), with its messages (PRINT, warnings, row counts) in
   * the order the server sent them. With parameters, the batch goes as RPC sp_executesql with
   * each value bound as NVARCHAR(MAX) (the server converts it where the statement compares it).
   */
  private send(sql: string, sink: ResultSink, parameters?: { readonly names: readonly string[]; readonly values: readonly (string | null)[] }): Promise<ExecutionSummary> {
    const started = performance.now();
    const request = this.pool.request();
    if (parameters !== undefined) {
      const mssql = loadMssql();
      parameters.names.forEach((name, index) => request.input(`p_${name}`, mssql.NVarChar(mssql.MAX), parameters.values[index]));
    }
    request.stream = true;
    request.arrayRowMode = true;
    let columns: MssqlColumn[] = [];
    let resultSets = 0;
    /** Rows of the latest result set (the summary's count when there was one). */
    let rowsInSet = 0;
    /** A result set's rows are arriving; the next row count is the one that ends it. */
    let setOpen = false;
    let affected: number | null = null;
    const errors: MssqlRequestError[] = [];
    const counts = new RowCountMessages((notice) => sink.notice(notice));
    // tedious stops parsing while paused; the server's packets wait in the socket.
    const rows = new RowBatcher(sink, request);

    request.on('recordset', (received) => {
      counts.other();
      // The previous result set's rows reach the sink before this one's columns.
      rows.flush();
      resultSets++;
      rowsInSet = 0;
      setOpen = true;
      columns = received;
      sink.columns(columnInfo(received));
    });
    request.on('row', (row) => {
      rowsInSet++;
      rows.push(row.map((value, index) => cellValue(value, columns[index] ?? { index, name: '', nullable: true })));
    });
    request.on('rowsaffected', (count) => {
      if (setOpen) {
        setOpen = false;
        return;
      }
      affected = (affected ?? 0) + count;
      counts.count(count);
    });
    request.on('info', (info) => {
      counts.other();
      rows.flush();
      sink.notice({ severity: 'INFO', message: info.message, ...(info.number !== undefined ? { code: String(info.number) } : {}) });
    });
    request.on('error', (error) => {
      // SQL Server goes on after many errors (a failed INSERT, a divide by zero): the batch fails
      // with its first error, and each later one shows among its messages, where it came.
      const line = errors.some((earlier) => serverMessageLine(earlier) !== undefined) ? serverMessageLine(error) : undefined;
      errors.push(error);
      if (line !== undefined) {
        counts.other();
        rows.flush();
        sink.notice({ severity: 'ERROR', message: line });
      }
    });

    this.running = request;
    const finished = (parameters === undefined ? request.batch(sql) : request.query(sql)).then(
      () => undefined,
      (error: MssqlRequestError) => void errors.push(error),
    );
    return finished
      .then(() => {
        this.running = undefined;
        counts.end(errors.length === 0);
        return rows.drain();
      })
      .then(() => {
        if (errors.length > 0) {
          // After a cancel the driver reports ECANCEL, possibly behind what the server said first.
          const first = errors.find((error) => error.code === 'ECANCEL') ?? errors.find((error) => typeof error.number === 'number') ?? errors[0];
          // A replaced connection means the pool never sent the statement: the worksheet may reconnect and run it once.
          const mapped = mapStatementError(first, sql, !this.alive, this.wasReplaced && resultSets === 0 && affected === null);
          if (mapped.kind === 'connection-lost') {
            // Gone at once, before the statement's promise settles (a severity-20 error leaves the socket open a moment).
            this.connectionLost(mapped.serverMessage ?? mapped.message, mapped);
          }
          throw mapped;
        }
        return {
          rowCount: resultSets > 0 ? rowsInSet : affected,
          command: null,
          hasResultSet: resultSets > 0,
          durationMs: performance.now() - started,
          queryId: null,
        };
      });
  }

  async cancel(): Promise<void> {
    if (this.gate.cancel()) {
      return;
    }
    // ATTENTION: tedious sends it at once and resumes a paused request to read the server's ack.
    this.running?.cancel();
  }

  async close(): Promise<void> {
    if (this.closingByUs) return;
    this.closingByUs = true;
    this.isAlive = false;
    const timer = setTimeout(() => this.connection.close(), CLOSE_GRACE_MS);
    try {
      await this.pool.close();
    } catch (error) {
      this.logger.warn(`closing synapse session ${this.id}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      this.closeEmitter.dispose();
    }
  }

  /** Impersonation statements: RPC sp_executesql with the user bound as NVARCHAR(4000). */
  private async runInternal(sql: string, user: string | undefined): Promise<void> {
    if (!this.alive) throw mapStatementError(new Error('connection closed'), sql, true, true);
    const request = this.pool.request();
    if (user !== undefined) {
      request.input('user', loadMssql().NVarChar(4000), user);
    }
    try {
      await request.query(sql);
    } catch (error) {
      throw mapStatementError(error, sql, !this.alive);
    }
  }

  private async readValue(sql: string): Promise<string | null> {
    if (!this.alive) throw mapStatementError(new Error('connection closed'), sql, true, true);
    try {
      const result = await this.pool.request().query(sql);
      const value = ((result.recordset ?? []) as unknown[][])[0]?.[0];
      return value === undefined || value === null ? null : String(value);
    } catch (error) {
      throw mapStatementError(error, sql, !this.alive);
    }
  }
}
