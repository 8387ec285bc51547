import type { Agent } from 'node:https';
import { Emitter, type Event } from '../../common/events';
import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import type {
  DatabricksProfile,
  ExecutionSummary,
  PlatformSession,
  ResultSink,
  SessionClosed,
  SessionImpersonation,
  StatementParameters,
  TransactionState,
} from '../types';
import { bindNamedParameters, type BoundStatement } from './parameters';
import { relocateError } from '../parameter-markers';
import { stripLeadingComments } from '../sql-text';
import { statementWithoutUser } from '../impersonation-template';
import { classifyFor, readBackValue, renderSet, UNITY_CATALOG_UNSUPPORTED, type ImpersonationStatements } from './dialect';
import { endsSession, isSessionGone, mapStatementError, messageOf } from './errors';
import type { SdkClient, SdkOperation, SdkSession } from './sdk';
import { collect, drain, EXECUTE_OPTIONS } from './statement';
import { changesImpersonation } from '../embedded-impersonation';

/** Rows fetched per FetchResults call: small enough for the first rows to show early. */
const BATCH_ROWS = 5000;
/** How long close() waits for CloseSession before giving up on it. */
const CLOSE_GRACE_MS = 3000;

export class DatabricksSession implements PlatformSession {
  readonly id: string;
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;
  readonly impersonation: SessionImpersonation;
  private isAlive = true;
  private closing: Promise<void> | undefined;
  private running: SdkOperation | undefined;
  /** A cancel that came while ExecuteStatement was on its way, before there was a handle. */
  private cancelWhenStarted = false;

  private readonly client: SdkClient;
  private readonly agent: Agent;

  constructor(
    connection: { readonly client: SdkClient; readonly agent: Agent },
    private readonly session: SdkSession,
    readonly login: string,
    private readonly profile: DatabricksProfile,
    private readonly statements: ImpersonationStatements,
    private readonly logger: Logger,
  ) {
    this.id = session.id;
    this.client = connection.client;
    this.agent = connection.agent;
    this.impersonation = {
      apply: (user) => this.apply(user),
      clear: () => this.clear(),
      readBack: () => this.readBack(),
    };
  }

  get alive(): boolean {
    return this.isAlive;
  }

  get transactionState(): TransactionState {
    // Spark has no multi-statement transactions a worksheet could leave open.
    return 'idle';
  }

  async execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    this.assertAlive();
    const effect = classifyFor(sql, this.statements.key);
    if (changesImpersonation(effect)) {
      // The worksheet routes these itself; one that gets here would change who the session is untracked.
      throw new PlatformError(
        'configuration',
        `Nothing was run: this statement changes ${this.statements.key ?? 'the impersonation key'}, which this connection impersonates with. Use "Immuta: Impersonate User" or "Stop Impersonating" instead.`,
      );
    }
    const bound = bindNamedParameters(sql, parameters, this.session);
    const started = performance.now();
    this.cancelWhenStarted = false;
    const operation = await this.start(bound);
    this.running = operation;
    try {
      if (this.cancelWhenStarted) {
        await operation.cancel();
      }
      const drained = await drain(operation, sink, BATCH_ROWS);
      return {
        rowCount: drained.rowCount,
        // Spark reports no command tag; the statement's first keyword is what a person reads.
        command: /^[A-Za-z]+/.exec(stripLeadingComments(sql))?.[0].toUpperCase() ?? null,
        hasResultSet: drained.hasResultSet,
        durationMs: performance.now() - started,
        queryId: operation.id,
      };
    } catch (error) {
      // The server places errors in the text it got; the user's text is the one to underline.
      throw relocateError(this.failure(error, bound.text, false), bound.marked);
    } finally {
      this.running = undefined;
      await operation.close().catch((error: unknown) => this.logger.debug(`databricks: closing operation ${operation.id}: ${messageOf(error)}`));
    }
  }

  async cancel(): Promise<void> {
    const operation = this.running;
    if (!this.isAlive) {
      return;
    }
    if (!operation) {
      this.cancelWhenStarted = true;
      return;
    }
    try {
      await operation.cancel();
    } catch (error) {
      // Usually the statement finished first; there is nothing left to cancel.
      this.logger.warn(`databricks cancel: ${messageOf(error)}`);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasAlive = this.isAlive;
      this.isAlive = false;
      if (wasAlive) {
        await this.endServerSession();
      } else {
        await this.client.close().catch(() => undefined);
      }
      // Idle keep-alive sockets would otherwise linger until the server drops them.
      this.agent.destroy();
      this.closeEmitter.dispose();
    })();
    return this.closing;
  }

  // ---- impersonation ------------------------------------------------------------------------

  private async apply(user: string): Promise<void> {
    if (this.profile.unityCatalog) {
      throw new PlatformError('unsupported', UNITY_CATALOG_UNSUPPORTED);
    }
    await this.run(renderSet(this.statements.set, user));
  }

  private async clear(): Promise<void> {
    if (this.profile.unityCatalog) {
      return; // never impersonated: nothing to clear
    }
    await this.run(statementWithoutUser(this.statements.clear, 'clear'));
  }

  private async readBack(): Promise<string | null> {
    if (this.profile.unityCatalog) {
      return null;
    }
    const result = await this.run(statementWithoutUser(this.statements.readBack, 'readBack'));
    return readBackValue(
      result.columns.map((column) => column.name),
      result.rows[0],
    );
  }

  /** Runs one of our own statements; a lost session ends this session object. */
  private async run(sql: string): Promise<Awaited<ReturnType<typeof collect>>> {
    this.assertAlive();
    try {
      return await collect(this.session, sql);
    } catch (error) {
      throw this.failure(error, sql, false);
    }
  }

  // ---- session lifetime ---------------------------------------------------------------------

  private async start(bound: BoundStatement): Promise<SdkOperation> {
    const { text, namedParameters } = bound;
    try {
      return await this.session.executeStatement(text, namedParameters ? { ...EXECUTE_OPTIONS, namedParameters } : EXECUTE_OPTIONS);
    } catch (error) {
      // Refused before it ran (the session is gone): the worksheet may send it again elsewhere.
      throw relocateError(this.failure(error, text, isSessionGone(error)), bound.marked);
    }
  }

  private assertAlive(): void {
    if (!this.isAlive) {
      throw new PlatformError('connection-lost', 'The Databricks session had already ended; the statement was not sent.', { notSent: true });
    }
  }

  private failure(error: unknown, sql: string, notSent: boolean): PlatformError {
    if (error instanceof PlatformError) {
      return error;
    }
    const mapped = mapStatementError(error, sql, notSent);
    if (endsSession(error)) {
      // Gone at once, before the statement's promise settles.
      this.markGone(mapped);
    }
    return mapped;
  }

  private markGone(error: PlatformError): void {
    if (!this.isAlive || this.closing) {
      return;
    }
    this.isAlive = false;
    this.logger.warn(`databricks session ${this.id} ended by the server: ${error.message}`);
    this.closeEmitter.fire({ error });
    // The server forgot the session: only the client's own resources are left to release.
    void this.client.close().catch(() => undefined);
  }

  private async endServerSession(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    const closing = (async () => {
      try {
        // client.close() closes the client's sessions (CloseSession) and releases its agent.
        await this.client.close();
      } catch (error) {
        this.logger.warn(`closing databricks session ${this.id}: ${messageOf(error)}`);
      }
    })();
    await Promise.race([closing, grace]);
    clearTimeout(timer);
  }
}
