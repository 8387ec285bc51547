import { Emitter, type Event } from '../../common/events';
import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import { RowBatcher } from '../row-batcher';
import type {
  CellValue,
  ExecutionSummary,
  PlatformSession,
  ResultSink,
  SessionClosed,
  SessionImpersonation,
  SnowflakeProfile,
  StatementParameters,
  TransactionState,
} from '../types';
import { hasParameters, markParameters, relocateError, valuesOf, type MarkedStatement } from '../parameter-markers';
import { stripLeadingComments } from '../sql-text';
import { renderSetStatement, statementWithoutUser } from '../impersonation-template';
import { classifyFor, IMPERSONATION_RENDERING, quoteIdentifier, SNOWFLAKE_LINE_COMMENTS } from './dialect';
import { isSessionGone, mapStatementError } from './errors';
import type { SdkConnection, SdkError, SdkStatement } from './sdk';
import { cellConverter, columnInfo, FETCH_AS_STRING } from './values';
import { changesImpersonation } from '../embedded-impersonation';

/** Rows handed to the sink at once; small enough for the first rows to show early. */
/** How long close() waits for the server to end the session before giving up on it. */
const CLOSE_GRACE_MS = 3000;
/** Snowflake's error for reading a session variable that is not set. */
const VARIABLE_NOT_SET = /^0*2211$/;

interface QueryResult {
  readonly rows: readonly (readonly unknown[])[];
  readonly role: string | undefined;
}

export class SnowflakeSession implements PlatformSession {
  readonly login: string;
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;
  readonly impersonation: SessionImpersonation;
  private isAlive = true;
  private closing: Promise<void> | undefined;
  private running: SdkStatement | undefined;
  /** The role the session holds, as the server last reported it. */
  private currentRole: string | undefined;
  private readonly roleToRestore: string | undefined;

  constructor(
    private readonly connection: SdkConnection,
    readonly id: string,
    initialRole: string | undefined,
    private readonly profile: SnowflakeProfile,
    private readonly logger: Logger,
  ) {
    this.login = profile.user;
    this.currentRole = initialRole;
    // After impersonating, the session goes back to the profile's role, or the one it logged in with.
    this.roleToRestore = profile.role ?? initialRole;
    const templates = profile.impersonation ?? {};
    this.impersonation = {
      apply: (user) => this.apply(user, templates.set),
      clear: () => this.clear(templates.clear),
      readBack: () => this.readBack(templates.readBack),
    };
  }

  get alive(): boolean {
    // The driver gives the session up on its own when a heartbeat finds it gone.
    return this.isAlive && this.connection.isUp();
  }

  get transactionState(): TransactionState {
    return 'unknown';
  }

  execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    if (!this.alive) {
      return Promise.reject(new PlatformError('connection-lost', 'The Snowflake session had already ended; the statement was not sent.', { notSent: true }));
    }
    const effect = classifyFor(sql, this.profile.impersonationVariable);
    if (changesImpersonation(effect)) {
      // The worksheet routes the default variable's statements itself; one that gets here names
      // this profile's own variable, and running it would change who the session is untracked.
      return Promise.reject(
        new PlatformError(
          'configuration',
          `Nothing was run: this statement changes ${this.profile.impersonationVariable}, the variable this connection impersonates with. Use "Immuta: Impersonate User" or "Stop Impersonating" instead.`,
        ),
      );
    }
    let marked: MarkedStatement | undefined;
    if (hasParameters(parameters)) {
      try {
        // Snowflake's numbered markers: one bind per name, however often the statement uses it.
        marked = markParameters(sql, parameters, (_name, n) => `:${n}`);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const bound = marked && parameters ? { text: marked.text, binds: valuesOf(parameters, marked.names) } : undefined;
    const started = performance.now();
    return new Promise<ExecutionSummary>((resolve, reject) => {
      // Once the server gave the statement a query id it had it: an ended session may have run it.
      // (The driver may answer before execute() returns, when it has already given the session up.)
      let statement: SdkStatement | undefined = undefined;
      // The server places errors in the text it got; the user's text is the one to underline.
      const fail = (error: unknown) => reject(relocateError(this.failure(error, bound?.text ?? sql, Boolean(statement?.getQueryId())), marked));
      statement = this.connection.execute({
        sqlText: bound?.text ?? sql,
        // The driver sends these as the request's `bindings` (TEXT, or a null value), never in the text.
        ...(bound ? { binds: bound.binds } : {}),
        streamResult: true,
        // streamRows() ignores a rowMode of its own: it has to be given here.
        rowMode: 'array',
        fetchAsString: [...FETCH_AS_STRING],
        complete: (error, completed) => {
          if (error) {
            this.running = undefined;
            fail(error);
            return;
          }
          this.noteRole(completed);
          const updated = completed.getNumUpdatedRows();
          if (updated !== undefined && updated >= 0) {
            // DML: Snowflake answers with a one-row count table; the worksheet shows rows affected.
            this.running = undefined;
            resolve(this.summary(started, completed, updated, false, sql));
            return;
          }
          this.stream(completed, sink).then(
            (rowCount) => resolve(this.summary(started, completed, rowCount, true, sql)),
            fail,
          );
        },
      });
      this.running = statement;
    });
  }

  async cancel(): Promise<void> {
    const statement = this.running;
    if (!statement || !this.alive) {
      return;
    }
    await new Promise<void>((resolve) => {
      statement.cancel((error) => {
        if (error) {
          // Usually the statement finished first; there is nothing left to cancel.
          this.logger.warn(`snowflake cancel: ${error.message}`);
        }
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.isAlive = false;
      await this.destroyConnection();
      this.closeEmitter.dispose();
    })();
    return this.closing;
  }

  // ---- results ------------------------------------------------------------------------------

  private stream(statement: SdkStatement, sink: ResultSink): Promise<number> {
    const columns = statement.getColumns() ?? [];
    sink.columns(columns.map(columnInfo));
    const converters = columns.map(cellConverter);
    return new Promise<number>((resolve, reject) => {
      const rows = statement.streamRows();
      const batcher = new RowBatcher(sink, rows);
      rows.on('data', (raw: unknown[]) => {
        batcher.push(raw.map((value, index): CellValue => (converters[index] ? converters[index](value) : null)));
      });
      rows.on('error', (error: unknown) => {
        this.running = undefined;
        batcher.drain().then(() => reject(error), () => reject(error));
      });
      rows.on('end', () => {
        this.running = undefined;
        batcher.drain().then(() => resolve(batcher.count), reject);
      });
    });
  }

  private summary(started: number, statement: SdkStatement, rowCount: number, hasResultSet: boolean, sql: string): ExecutionSummary {
    return {
      rowCount,
      // Snowflake reports no command tag; the statement's first keyword is what a person reads.
      command: /^[A-Za-z]+/.exec(stripLeadingComments(sql, SNOWFLAKE_LINE_COMMENTS))?.[0].toUpperCase() ?? null,
      hasResultSet,
      durationMs: performance.now() - started,
      queryId: statement.getQueryId() ?? null,
    };
  }

  // ---- impersonation ------------------------------------------------------------------------

  private async apply(user: string, template: string | undefined): Promise<void> {
    // Rendered first: a template the renderer refuses must not leave the role switched.
    const set = renderSetStatement(template ?? `SET ${this.profile.impersonationVariable} = {user}`, user, IMPERSONATION_RENDERING);
    // Immuta only honours the variable while its impersonation role is the current role.
    await this.query(`USE ROLE ${quoteIdentifier(this.profile.impersonationRole)}`);
    await this.query(set.text);
  }

  private async clear(template: string | undefined): Promise<void> {
    try {
      await this.query(statementWithoutUser(template ?? `UNSET ${this.profile.impersonationVariable}`, 'clear'));
    } catch (error) {
      // Unsetting what was never set is not a failure to stop impersonating.
      if (!(error instanceof PlatformError && /does not exist/i.test(error.serverMessage ?? ''))) {
        throw error;
      }
    }
    if (this.roleToRestore !== undefined) {
      await this.query(`USE ROLE ${quoteIdentifier(this.roleToRestore)}`);
    }
  }

  private async readBack(template: string | undefined): Promise<string | null> {
    let result: QueryResult;
    try {
      result = await this.query(statementWithoutUser(template ?? `SELECT $${this.profile.impersonationVariable}`, 'readBack'));
    } catch (error) {
      if (error instanceof PlatformError && (VARIABLE_NOT_SET.test(error.code ?? '') || /Session variable .* does not exist/i.test(error.serverMessage ?? ''))) {
        return null;
      }
      throw error;
    }
    const value = result.rows[0]?.[0];
    if (value === undefined || value === null || value === '') {
      return null;
    }
    if (template === undefined && result.role !== undefined && !this.sameRole(result.role, this.profile.impersonationRole)) {
      // The variable is set but its role is not current: Immuta does not impersonate.
      return null;
    }
    return String(value);
  }

  private sameRole(reported: string, configured: string): boolean {
    const quoted = /^"((?:[^"]|"")+)"$/.exec(configured);
    return quoted ? reported === quoted[1].replace(/""/g, '"') : reported.toUpperCase() === configured.toUpperCase();
  }

  /** Runs one of our own statements and collects its (small) result. */
  private query(sql: string): Promise<QueryResult> {
    if (!this.alive) {
      return Promise.reject(new PlatformError('connection-lost', 'The Snowflake session had already ended.', { notSent: true }));
    }
    return new Promise<QueryResult>((resolve, reject) => {
      this.connection.execute({
        sqlText: sql,
        streamResult: false,
        rowMode: 'array',
        fetchAsString: [...FETCH_AS_STRING],
        complete: (error, statement, rows) => {
          if (error) {
            reject(this.failure(error, sql));
            return;
          }
          this.noteRole(statement);
          resolve({ rows: (rows ?? []) as unknown[][], role: statement.getSessionState()?.getCurrentRole?.() });
        },
      });
    });
  }

  // ---- session lifetime ---------------------------------------------------------------------

  private noteRole(statement: SdkStatement): void {
    const role = statement.getSessionState()?.getCurrentRole?.();
    if (role) {
      this.currentRole = role;
    }
  }

  /** Maps an error; one that says the session is gone also ends this session, before anyone hears of it. */
  private failure(error: unknown, sql: string, accepted = false): PlatformError {
    const mapped = mapStatementError(error, sql, accepted);
    if (error instanceof Error && isSessionGone(error as SdkError)) {
      this.markGone(mapped);
    }
    return mapped;
  }

  private markGone(error: PlatformError): void {
    if (!this.isAlive || this.closing) {
      return;
    }
    this.isAlive = false;
    this.logger.warn(`snowflake session ${this.id} (role ${this.currentRole ?? 'unknown'}) ended by the server: ${error.message}`);
    this.closeEmitter.fire({ error });
    // Stop the driver's keep-alive timer and release its sockets; the session is gone anyway.
    void this.destroyConnection();
  }

  private destroyConnection(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      try {
        this.connection.destroy((error) => {
          if (error && !/disconnected/i.test(error.message)) {
            this.logger.warn(`closing snowflake session ${this.id}: ${error.message}`);
          }
          clearTimeout(timer);
          resolve();
        });
      } catch (error) {
        this.logger.warn(`closing snowflake session ${this.id}: ${error instanceof Error ? error.message : String(error)}`);
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
