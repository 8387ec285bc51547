import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../../common/events';
import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import type {
  CellValue,
  ColumnInfo,
  ConnectionSecret,
  ExecutionSummary,
  PlatformSession,
  ResultSink,
  Row,
  SessionClosed,
  SessionImpersonation,
  StatementParameters,
  TransactionState,
  TrinoProfile,
} from '../types';
import { executeImmediate, executeImmediateFailure } from './parameters';
import { propertyReference, quoteStringLiteral, readSessionCommand, setSessionStatement, validateUserName } from './dialect';
import { QueryRunner, type Receiver, type StatementRequest } from './query-runner';
import { TrinoSessionState } from './session-state';

interface Collected {
  columns: ColumnInfo[];
  rows: Row[];
}

export async function openTrinoSession(profile: TrinoProfile, secret: ConnectionSecret, logger: Logger): Promise<PlatformSession> {
  if (profile.auth === 'jwt' && !secret.token) {
    throw new PlatformError('configuration', `The connection ${profile.name} uses JWT authentication but has no token.`);
  }
  const session = new TrinoSession(profile, secret, logger);
  // Trino keeps no server-side session, so nothing is "opened"; a first statement proves the
  // server is reachable and the credentials are accepted before the worksheet relies on it.
  await session.probe();
  return session;
}

/**
 * A worksheet's Trino session. All of its state (catalog, schema, session properties, the
 * impersonated user) lives here and travels with every statement, as Trino's protocol has it.
 */
class TrinoSession implements PlatformSession {
  readonly id = `trino-${randomUUID()}`;
  readonly login: string;
  readonly impersonation: SessionImpersonation;
  readonly transactionState: TransactionState = 'idle';
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;
  private readonly state: TrinoSessionState;
  /** Lower-cased: Trino folds property names. */
  private readonly property: string;
  private readonly protectedProperties: ReadonlySet<string>;
  /** Native mode: the user sent as X-Trino-User instead of the login. */
  private nativeUser: string | null = null;
  private running: QueryRunner | undefined;
  private closed = false;

  constructor(
    private readonly profile: TrinoProfile,
    private readonly secret: ConnectionSecret,
    private readonly logger: Logger,
  ) {
    this.login = profile.user;
    this.state = new TrinoSessionState({ catalog: profile.catalog, schema: profile.schema });
    this.property = profile.impersonationProperty.toLowerCase();
    this.protectedProperties = new Set([this.property]);
    this.impersonation =
      profile.impersonationMode === 'native'
        ? { apply: (user) => this.applyNative(user), clear: () => this.clearNative(), readBack: () => this.readBackNative() }
        : { apply: (user) => this.applyProperty(user), clear: () => this.clearProperty(), readBack: () => this.readBackProperty() };
  }

  get alive(): boolean {
    return !this.closed;
  }

  async probe(): Promise<void> {
    await this.collect('SELECT 1', 'open');
  }

  execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    const refusal = this.refusal(sql);
    if (refusal) {
      return Promise.reject(refusal);
    }
    let text: string;
    try {
      text = executeImmediate(sql, parameters);
    } catch (error) {
      return Promise.reject(error);
    }
    if (text === sql) {
      return this.run(text, sink, false, 'statement');
    }
    return this.run(text, sink, false, 'statement').catch((error: unknown) => Promise.reject(executeImmediateFailure(error)));
  }

  async cancel(): Promise<void> {
    await this.running?.cancel();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      await this.running?.cancel();
    } catch (error) {
      this.logger.warn(`trino: cancel on close of ${this.id}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.closeEmitter.dispose();
    }
  }

  // ---- impersonation --------------------------------------------------------------------------

  private async applyProperty(user: string): Promise<void> {
    this.assertSendable(user, 'session-property');
    await this.collect(setSessionStatement(this.property, user), 'statement', true);
  }

  private async clearProperty(): Promise<void> {
    await this.collect(`RESET SESSION ${propertyReference(this.property)}`, 'statement', true);
  }

  /** As Immuta documents it: the value Trino holds for the property in this session. */
  private async readBackProperty(): Promise<string | null> {
    const result = await this.collect(`SHOW SESSION LIKE ${quoteStringLiteral(this.property)}`, 'statement');
    const name = result.columns.findIndex((column) => column.name.toLowerCase() === 'name');
    const value = result.columns.findIndex((column) => column.name.toLowerCase() === 'value');
    if (name < 0 || value < 0) {
      throw new PlatformError('server', `SHOW SESSION answered without Name and Value columns (${result.columns.map((column) => column.name).join(', ')}).`);
    }
    // LIKE treats `_` as a wildcard: pick the exact property.
    const row = result.rows.find((candidate) => String(candidate[name]).toLowerCase() === this.property);
    return nonEmpty(row?.[value]);
  }

  private applyNative(user: string): Promise<void> {
    this.assertSendable(user, 'native');
    this.nativeUser = user;
    return Promise.resolve();
  }

  private clearNative(): Promise<void> {
    this.nativeUser = null;
    return Promise.resolve();
  }

  /** Trino's current_user is the session user, which is what native impersonation changes. */
  private async readBackNative(): Promise<string | null> {
    const result = await this.collect('SELECT current_user', 'statement');
    const user = nonEmpty(result.rows[0]?.[0]);
    return user === this.login ? null : user;
  }

  private assertSendable(user: string, mode: TrinoProfile['impersonationMode']): void {
    const problem = validateUserName(user, mode);
    if (problem !== undefined) {
      throw new PlatformError('configuration', problem);
    }
  }

  // ---- statements -----------------------------------------------------------------------------

  /**
   * Statements that would change whom the session runs as behind the worksheet's back. The
   * worksheet routes the documented forms through its impersonation path before they get here;
   * what still arrives is refused rather than sent.
   */
  private refusal(sql: string): PlatformError | undefined {
    if (this.closed) {
      return new PlatformError('connection-lost', 'The session was closed; the statement was not sent.', { notSent: true });
    }
    const command = readSessionCommand(sql);
    const touchesProperty = (command?.kind === 'set-property' || command?.kind === 'reset-property') && this.protectedProperties.has(command.name);
    if (touchesProperty || command?.kind === 'set-authorization' || command?.kind === 'reset-authorization') {
      return new PlatformError(
        'configuration',
        `Nothing was run: this statement changes whom the session runs as. Use "Immuta: Impersonate User" or "Immuta: Stop Impersonating", or write the user as a plain string literal in SET SESSION ${this.profile.impersonationProperty} = '...'.`,
      );
    }
    return undefined;
  }

  private collect(sql: string, phase: StatementRequest['phase'], changesImpersonation = false): Promise<Collected> {
    const collected: Collected = { columns: [], rows: [] };
    const receiver: Receiver = {
      columns: (columns) => {
        collected.columns = [...columns];
      },
      rows: (batch) => {
        collected.rows.push(...batch);
      },
    };
    return this.run(sql, receiver, changesImpersonation, phase).then(() => collected);
  }

  private async run(sql: string, receiver: Receiver, changesImpersonation: boolean, phase: StatementRequest['phase']): Promise<ExecutionSummary> {
    if (this.closed) {
      throw new PlatformError('connection-lost', 'The session was closed; the statement was not sent.', { notSent: true });
    }
    const runner = new QueryRunner(this.profile, this.secret, this.logger);
    this.running = runner;
    try {
      const result = await runner.run(
        {
          sql,
          user: this.nativeUser ?? this.login,
          catalog: this.state.catalog,
          schema: this.state.schema,
          properties: this.state.encodedProperties(),
          phase,
        },
        receiver,
      );
      for (const changes of result.changes) {
        const skipped = this.state.apply(changes, changesImpersonation ? new Set() : this.protectedProperties);
        if (skipped.length > 0) {
          this.logger.warn(`trino: ignored the server's change of ${skipped.join(', ')}: only the worksheet's impersonation commands may change it`);
        }
      }
      return result.summary;
    } finally {
      if (this.running === runner) this.running = undefined;
    }
  }
}

function nonEmpty(value: CellValue | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : String(value);
}
