/**
 * A fake platform for the worksheet engine's unit tests. It implements the adapter contract of
 * `src/platforms/types.ts` faithfully and simulates the server behind it:
 *
 * - every session keeps the user it impersonates as real server-side state, changed only by
 *   `impersonation.apply/clear`, by statements the server understands (`CALL
 *   immuta_procedures.impersonate_user(...)`, `DISCARD ALL`, `ROLLBACK`) or by `tamper()`;
 * - every statement that reaches the server is recorded with the identity it ran as (and, when a
 *   probe is installed, with the identity the worksheet showed at that moment);
 * - tests can make any operation fail (`failNext`, `failAlways`) or hang until they release it
 *   (`hold` returns a {@link Gate}), kill a connection (`FakeSession.kill`), open a transaction,
 *   and switch read-back on and off.
 *
 * Statements are classified like the Redshift adapter does.
 */
import { Emitter, type Event } from '../../../src/common/events';
import { PlatformError } from '../../../src/platforms/errors';
import { profileLogin } from '../../../src/platforms/profile';
import { sessionEndedError } from '../../../src/platforms/session-end';
import type {
  RedshiftProfile,
  ColumnInfo,
  ConnectionProfile,
  ConnectionSecret,
  ExecutionSummary,
  OpenOptions,
  PlatformDriver,
  PlatformSession,
  ResultSink,
  Row,
  ServerNotice,
  SessionClosed,
  SessionImpersonation,
  StatementEffect,
  StatementParameters,
  TransactionState,
} from '../../../src/platforms/types';
import type { IdentityState } from '../../../src/worksheets/identity';

// ---- deferred promises and gates ------------------------------------------------------------

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Where one operation waits until the test lets it continue (or fail). */
export class Gate {
  private readonly arrival = deferred<void>();
  private readonly release = deferred<void>();
  private arrivedFlag = false;

  /** Resolves as soon as an operation is waiting at this gate. */
  readonly reached: Promise<void> = this.arrival.promise;

  constructor(readonly operation: FakeOperation) {
    // A gate failed before anyone reached it must not count as an unhandled rejection.
    this.release.promise.catch(() => undefined);
  }

  get isReached(): boolean {
    return this.arrivedFlag;
  }

  /** Lets the waiting operation carry on as it would have. */
  open(): void {
    this.release.resolve();
  }

  /** Makes the waiting operation fail with `error`. */
  fail(error: Error): void {
    this.release.reject(error);
  }

  /** Called by the fake: announces arrival, then waits for the test. */
  pass(): Promise<void> {
    this.arrivedFlag = true;
    this.arrival.resolve();
    return this.release.promise;
  }
}

// ---- what the fake server records -------------------------------------------------------------

export type FakeOperation = 'open' | 'apply' | 'clear' | 'readBack' | 'execute';

export type StatementStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ServerStatement {
  readonly sessionId: string;
  readonly sql: string;
  /** Whom the server ran it as: the impersonated user, or null for the login itself. */
  readonly ranAs: string | null;
  /** What the worksheet showed when the statement reached the server (when a probe is set). */
  readonly shown: IdentityState | undefined;
  /** The parameters that came with it, as the session received them (absent: none). */
  readonly parameters?: StatementParameters;
  status: StatementStatus;
}

export type ServerEvent =
  | { readonly kind: 'open'; readonly sessionId: string }
  | { readonly kind: 'apply'; readonly sessionId: string; readonly user: string; readonly accepted: boolean }
  | { readonly kind: 'clear'; readonly sessionId: string; readonly accepted: boolean }
  | { readonly kind: 'read-back'; readonly sessionId: string; readonly reported: string | null | 'error' }
  | { readonly kind: 'statement'; readonly sessionId: string; readonly statement: ServerStatement }
  | { readonly kind: 'cancel'; readonly sessionId: string }
  | { readonly kind: 'closed'; readonly sessionId: string; readonly by: 'client' | 'server' };

/** What a scripted statement returns. */
export interface StatementScript {
  readonly columns?: readonly ColumnInfo[];
  readonly batches?: readonly (readonly Row[])[];
  readonly notices?: readonly ServerNotice[];
  readonly command?: string;
  /** The server rejects the statement with this error (after it reached the server). */
  readonly error?: PlatformError;
}

export function describeEvent(event: ServerEvent): string {
  switch (event.kind) {
    case 'open':
      return 'open';
    case 'apply':
      return event.accepted ? `apply ${event.user}` : `apply ${event.user} (rejected)`;
    case 'clear':
      return event.accepted ? 'clear' : 'clear (rejected)';
    case 'read-back':
      return event.reported === 'error' ? 'read-back (error)' : `read-back ${event.reported ?? 'null'}`;
    case 'statement':
      return `run ${event.statement.sql} as ${event.statement.ranAs ?? 'login'}`;
    case 'cancel':
      return 'cancel';
    case 'closed':
      return `closed by ${event.by}`;
  }
}

// ---- errors the fake server produces ----------------------------------------------------------

export function defaultError(operation: FakeOperation): PlatformError {
  switch (operation) {
    case 'open':
      return new PlatformError('connection', 'Could not open a session on fake-host:5439/dev: connect ECONNREFUSED', {
        serverMessage: 'connect ECONNREFUSED',
      });
    case 'apply':
      return new PlatformError('permission', 'permission denied: the login lacks the IMPERSONATE_USER permission in Immuta', {
        serverMessage: 'permission denied: the login lacks the IMPERSONATE_USER permission in Immuta',
        code: '42501',
      });
    case 'clear':
      return new PlatformError('server', 'impersonate_user(NULL) failed: internal error in immuta_procedures', {
        serverMessage: 'internal error in immuta_procedures',
        code: 'XX000',
      });
    case 'readBack':
      return new PlatformError('server', 'could not read the impersonated user back: function immuta_procedures.current_impersonation() does not exist', {
        code: '42883',
      });
    case 'execute':
      return new PlatformError('server', 'relation "missing_table" does not exist', {
        serverMessage: 'relation "missing_table" does not exist',
        code: '42P01',
      });
  }
}

function notSentError(): PlatformError {
  return new PlatformError('connection-lost', 'The connection was already closed; the statement was not sent.', { notSent: true });
}

/** What an adapter reports for a statement in flight when the server ends the session. */
function lostError(message: string, code = '57P01'): PlatformError {
  return sessionEndedError({ reason: message, serverSaid: true, sent: true, code });
}

// ---- classification (as the Redshift adapter does it) ----------------------------------------

const CALL_PATTERN = /^CALL\s+(?:"?immuta_procedures"?\s*\.\s*)?"?impersonate_user"?\s*\(\s*([\s\S]*?)\s*\)\s*;?\s*$/i;
const MENTION_PATTERN = /\bimpersonate_user\b/i;
const RESET_PATTERN = /^(?:DISCARD\s+ALL|RESET\s+ALL)\b/i;

export function classifyLikeRedshift(sql: string): StatementEffect {
  const text = sql.trim();
  const code = text.replace(/'(?:[^']|'')*'/g, "''");
  // Inside a DO block or next to other statements: the adapter refuses it as embedded.
  if (MENTION_PATTERN.test(code) && (/^DO\b/i.test(code) || /;\s*\S/.test(code))) {
    return { kind: 'impersonation-embedded' };
  }
  const call = CALL_PATTERN.exec(text);
  if (call) {
    const argument = call[1];
    if (/^NULL$/i.test(argument)) {
      return { kind: 'stop-impersonating' };
    }
    const literal = /^'((?:[^']|'')*)'$/.exec(argument);
    if (literal) {
      const user = literal[1].replace(/''/g, "'");
      return user === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user };
    }
    return { kind: 'impersonation-unparsed' };
  }
  // Mentions inside string literals do not count.
  if (MENTION_PATTERN.test(text.replace(/'(?:[^']|'')*'/g, "''"))) {
    return { kind: 'impersonation-unparsed' };
  }
  if (RESET_PATTERN.test(text)) {
    return { kind: 'session-reset' };
  }
  return { kind: 'ordinary' };
}

// ---- the driver -------------------------------------------------------------------------------

interface Failure {
  readonly error: Error;
  remaining: number;
}

export class FakePlatform implements PlatformDriver {
  readonly platform = 'redshift' as const;
  readonly displayName = 'Fake Redshift';
  readonly sqlDialect = 'postgres' as const;

  /** Every session ever opened, oldest first. */
  readonly sessions: FakeSession[] = [];
  /** Everything the server saw, in order, across sessions. */
  readonly events: ServerEvent[] = [];

  /** Why impersonation is unsupported for every profile; undefined = supported. */
  unsupportedReason: string | undefined;
  /** Whether sessions offer `impersonation.readBack` (checked each time the engine looks). */
  readBackAvailable = true;
  /** Whom the server really impersonates when asked for `requested` (identity by default). */
  resolveUser: (requested: string) => string = (requested) => requested;
  /** Called when a statement reaches the server, to record what the worksheet showed then. */
  identityProbe: ((sessionId: string) => IdentityState | undefined) | undefined;

  private readonly failures = new Map<FakeOperation, Failure[]>();
  private readonly gates = new Map<FakeOperation, Gate[]>();
  private readonly scripts = new Map<string, StatementScript>();
  private dropsBeforeSend = 0;
  private nextId = 1;
  openCalls = 0;

  // -- test controls --

  /** The next `times` calls of `operation` fail with `error` (the server rejects them). */
  failNext(operation: FakeOperation, error: Error = defaultError(operation), times = 1): void {
    const list = this.failures.get(operation) ?? [];
    list.push({ error, remaining: times });
    this.failures.set(operation, list);
  }

  /** Every call of `operation` fails until {@link heal} is called. */
  failAlways(operation: FakeOperation, error: Error = defaultError(operation)): void {
    this.failNext(operation, error, Number.POSITIVE_INFINITY);
  }

  /** The server recovers: no more planned failures (for one operation, or all). */
  heal(operation?: FakeOperation): void {
    if (operation) {
      this.failures.delete(operation);
    } else {
      this.failures.clear();
    }
  }

  /** The next call of `operation` waits at the returned gate until the test opens or fails it. */
  hold(operation: FakeOperation): Gate {
    const gate = new Gate(operation);
    const list = this.gates.get(operation) ?? [];
    list.push(gate);
    this.gates.set(operation, list);
    return gate;
  }

  /** What the server answers to `sql` (matched after trimming). */
  script(sql: string, script: StatementScript): void {
    this.scripts.set(sql.trim(), script);
  }

  /**
   * The next `times` executions find the connection already gone: the session dies (onDidClose
   * fires) and `execute` rejects with a `notSent` connection-lost error. Nothing reaches the server.
   */
  dropConnectionOnNextSend(times = 1): void {
    this.dropsBeforeSend += times;
  }

  // -- inspection --

  get lastSession(): FakeSession {
    const session = this.sessions[this.sessions.length - 1];
    if (!session) {
      throw new Error('no session was opened');
    }
    return session;
  }

  session(id: string): FakeSession {
    const session = this.sessions.find((candidate) => candidate.id === id);
    if (!session) {
      throw new Error(`no session ${id}`);
    }
    return session;
  }

  /** Statements that reached the server (optionally of one session), in order. */
  statements(sessionId?: string): ServerStatement[] {
    const result: ServerStatement[] = [];
    for (const event of this.events) {
      if (event.kind === 'statement' && (sessionId === undefined || event.sessionId === sessionId)) {
        result.push(event.statement);
      }
    }
    return result;
  }

  /**
   * The server's log as text, e.g. `['open', 'apply bob', 'run SELECT 1 as bob']`. Read-backs and
   * closes are left out unless asked for.
   */
  trace(sessionId?: string, options: { readBacks?: boolean; lifecycle?: boolean } = {}): string[] {
    return this.events
      .filter((event) => sessionId === undefined || event.sessionId === sessionId)
      .filter((event) => options.readBacks || event.kind !== 'read-back')
      .filter((event) => options.lifecycle || (event.kind !== 'closed' && event.kind !== 'cancel'))
      .map(describeEvent);
  }

  /** Statements whose server identity differs from what the worksheet showed at that moment. */
  disagreements(): ServerStatement[] {
    return this.statements().filter((statement) => {
      const shown = statement.shown;
      if (shown === undefined) {
        return false;
      }
      if (shown.kind === 'yourself') {
        return statement.ranAs !== null;
      }
      if (shown.kind === 'impersonating') {
        return statement.ranAs !== shown.user;
      }
      // Nothing may run while the worksheet shows a transition or an unknown identity.
      return true;
    });
  }

  // -- PlatformDriver --

  impersonationUnsupported(_profile: ConnectionProfile): string | undefined {
    return this.unsupportedReason;
  }

  validateUserName(user: string): string | undefined {
    if (user.length === 0) {
      return 'The user name is empty.';
    }
    if (user.trim() !== user) {
      return 'The user name starts or ends with spaces; Immuta user names do not. Remove them and try again.';
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(user)) {
      return 'The user name contains a control character (such as a line break or NUL), which no Immuta user name has.';
    }
    return undefined;
  }

  classifyStatement(sql: string): StatementEffect {
    return classifyLikeRedshift(sql);
  }

  async open(profile: ConnectionProfile, _secret: ConnectionSecret, _options: OpenOptions): Promise<PlatformSession> {
    this.openCalls++;
    const gate = this.takeGate('open');
    const failure = this.takeFailure('open');
    if (gate) {
      await gate.pass();
    }
    if (failure) {
      throw failure;
    }
    const session = new FakeSession(this, `fake-${this.nextId++}`, profileLogin(profile));
    this.sessions.push(session);
    this.events.push({ kind: 'open', sessionId: session.id });
    return session;
  }

  // -- used by sessions --

  /** @internal */
  takeGate(operation: FakeOperation): Gate | undefined {
    return this.gates.get(operation)?.shift();
  }

  /** @internal */
  takeFailure(operation: FakeOperation): Error | undefined {
    const list = this.failures.get(operation);
    const first = list?.[0];
    if (!list || !first) {
      return undefined;
    }
    first.remaining--;
    if (first.remaining <= 0) {
      list.shift();
    }
    return first.error;
  }

  /** @internal */
  takeDropBeforeSend(): boolean {
    if (this.dropsBeforeSend > 0) {
      this.dropsBeforeSend--;
      return true;
    }
    return false;
  }

  /** @internal */
  scriptFor(sql: string): StatementScript | undefined {
    return this.scripts.get(sql.trim());
  }
}

// ---- the session ------------------------------------------------------------------------------

interface Call {
  aborted: boolean;
  abort(error: PlatformError): void;
}

export class FakeSession implements PlatformSession {
  readonly impersonation: SessionImpersonation;
  private readonly closeEmitter = new Emitter<SessionClosed>();
  readonly onDidClose: Event<SessionClosed> = this.closeEmitter.event;

  private aliveValue = true;
  private transaction: TransactionState = 'idle';
  /** The server-side truth: whom this session impersonates now (null = the login itself). */
  private impersonated: string | null = null;
  private impersonatedAtBegin: string | null = null;
  private readonly calls = new Set<Call>();
  private runningCall: Call | undefined;

  closedBy: 'client' | 'server' | undefined;
  closeCalls = 0;
  cancelRequests = 0;

  constructor(
    private readonly platform: FakePlatform,
    readonly id: string,
    readonly login: string,
  ) {
    const readBack = () => this.readBack();
    this.impersonation = {
      apply: (user) => this.apply(user),
      clear: () => this.clear(),
      get readBack() {
        return platform.readBackAvailable ? readBack : undefined;
      },
    };
  }

  get alive(): boolean {
    return this.aliveValue;
  }

  get transactionState(): TransactionState {
    return this.transaction;
  }

  /** The server's view of whom this session impersonates. */
  get serverUser(): string | null {
    return this.impersonated;
  }

  // -- test controls --

  /**
   * The server drops the connection: in-flight work fails with connection-lost, `alive` turns
   * false and `onDidClose` fires with the error (unless `notify` is false: the adapter has not
   * noticed yet).
   */
  kill(message = 'terminating connection due to administrator command', notify = true): void {
    if (!this.aliveValue) {
      return;
    }
    this.aliveValue = false;
    this.closedBy = 'server';
    const error = lostError(message);
    this.abortAll(error);
    this.platform.events.push({ kind: 'closed', sessionId: this.id, by: 'server' });
    if (notify) {
      this.closeEmitter.fire({ error });
    }
  }

  /** Something outside the worksheet changes the session's impersonation on the server. */
  tamper(user: string | null): void {
    this.impersonated = user;
  }

  /** As if `BEGIN` had run on the session. */
  beginTransaction(): void {
    this.transaction = 'in-transaction';
    this.impersonatedAtBegin = this.impersonated;
  }

  // -- PlatformSession --

  async execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary> {
    if (!this.aliveValue) {
      throw notSentError();
    }
    if (this.platform.takeDropBeforeSend()) {
      this.kill('connection reset by peer before the statement was sent');
      throw notSentError();
    }
    const statement: ServerStatement = {
      sessionId: this.id,
      sql,
      ranAs: this.impersonated,
      shown: this.platform.identityProbe?.(this.id),
      ...(parameters !== undefined ? { parameters } : {}),
      status: 'running',
    };
    this.platform.events.push({ kind: 'statement', sessionId: this.id, statement });
    try {
      const summary = await this.guard('execute', true, async (call) => {
        const script = this.platform.scriptFor(sql) ?? this.defaultScript(sql, statement.ranAs);
        if (script.error) {
          throw script.error;
        }
        let rowCount = 0;
        if (script.columns) {
          sink.columns(script.columns);
        }
        for (const notice of script.notices ?? []) {
          sink.notice(notice);
        }
        for (const batch of script.batches ?? []) {
          rowCount += batch.length;
          await sink.rows(batch);
          if (call.aborted) {
            return undefined;
          }
        }
        this.applyStatementEffects(sql);
        const result: ExecutionSummary = {
          rowCount: script.columns ? rowCount : null,
          command: script.command ?? firstKeyword(sql),
          hasResultSet: script.columns !== undefined,
          durationMs: 0,
          queryId: this.id,
        };
        return result;
      });
      if (summary === undefined) {
        throw lostError('aborted');
      }
      statement.status = 'succeeded';
      return summary;
    } catch (error) {
      statement.status = error instanceof PlatformError && error.kind === 'cancelled' ? 'cancelled' : 'failed';
      if (this.transaction === 'in-transaction') {
        this.transaction = 'failed-transaction';
      }
      throw error;
    }
  }

  async cancel(): Promise<void> {
    this.cancelRequests++;
    this.platform.events.push({ kind: 'cancel', sessionId: this.id });
    const running = this.runningCall;
    if (running && this.aliveValue) {
      running.abort(new PlatformError('cancelled', 'canceling statement due to user request', { code: '57014' }));
    }
  }

  async close(): Promise<void> {
    this.closeCalls++;
    if (this.closedBy === 'client') {
      return;
    }
    const wasAlive = this.aliveValue;
    this.aliveValue = false;
    this.abortAll(lostError('Connection terminated', '08006'));
    if (wasAlive) {
      this.closedBy = 'client';
      this.platform.events.push({ kind: 'closed', sessionId: this.id, by: 'client' });
    }
    // Closed by the client: no onDidClose, as with the real adapter.
    this.closeEmitter.dispose();
  }

  // -- impersonation, as the server does it --

  private apply(user: string): Promise<void> {
    return this.guard('apply', false, () => {
      this.impersonated = this.platform.resolveUser(user);
      this.platform.events.push({ kind: 'apply', sessionId: this.id, user, accepted: true });
      return Promise.resolve();
    }, () => this.platform.events.push({ kind: 'apply', sessionId: this.id, user, accepted: false }));
  }

  private clear(): Promise<void> {
    return this.guard('clear', false, () => {
      this.impersonated = null;
      this.platform.events.push({ kind: 'clear', sessionId: this.id, accepted: true });
      return Promise.resolve();
    }, () => this.platform.events.push({ kind: 'clear', sessionId: this.id, accepted: false }));
  }

  private readBack(): Promise<string | null> {
    return this.guard('readBack', false, () => {
      this.platform.events.push({ kind: 'read-back', sessionId: this.id, reported: this.impersonated });
      return Promise.resolve(this.impersonated);
    }, () => this.platform.events.push({ kind: 'read-back', sessionId: this.id, reported: 'error' }));
  }

  // -- machinery --

  /**
   * Runs one server call: refuses on a dead connection, waits at a gate if the test set one,
   * fails if the test planned it, and can be aborted by `kill`, `close` (and `cancel` for
   * statements) while in flight. Side effects happen only if the call was not aborted.
   */
  private async guard<T>(
    operation: FakeOperation,
    cancellable: boolean,
    work: (call: Call) => Promise<T>,
    onRejected?: () => void,
  ): Promise<T> {
    if (!this.aliveValue) {
      throw notSentError();
    }
    const gate = this.platform.takeGate(operation);
    const failure = this.platform.takeFailure(operation);
    let abort: (error: PlatformError) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    aborted.catch(() => undefined);
    const call: Call = {
      aborted: false,
      abort: (error) => {
        call.aborted = true;
        abort(error);
      },
    };
    this.calls.add(call);
    if (cancellable) {
      this.runningCall = call;
    }
    const body = async (): Promise<T> => {
      if (gate) {
        await gate.pass();
      }
      if (call.aborted) {
        throw lostError('aborted');
      }
      if (failure) {
        onRejected?.();
        throw failure;
      }
      return work(call);
    };
    try {
      return await Promise.race([body(), aborted]);
    } finally {
      this.calls.delete(call);
      if (this.runningCall === call) {
        this.runningCall = undefined;
      }
    }
  }

  private abortAll(error: PlatformError): void {
    for (const call of [...this.calls]) {
      call.abort(error);
    }
    this.calls.clear();
  }

  /** What the server does to the session's state after a statement succeeds. */
  private applyStatementEffects(sql: string): void {
    const text = sql.trim();
    if (/^(?:BEGIN|START\s+TRANSACTION)\b/i.test(text)) {
      if (this.transaction === 'idle') {
        this.beginTransaction();
      }
      return;
    }
    if (/^(?:ROLLBACK|ABORT)\b/i.test(text) || (/^(?:COMMIT|END)\b/i.test(text) && this.transaction === 'failed-transaction')) {
      // Session settings changed inside the transaction are undone with it.
      this.impersonated = this.impersonatedAtBegin;
      this.transaction = 'idle';
      return;
    }
    if (/^(?:COMMIT|END)\b/i.test(text)) {
      this.transaction = 'idle';
      return;
    }
    const effect = classifyLikeRedshift(text);
    switch (effect.kind) {
      case 'impersonate':
        this.impersonated = this.platform.resolveUser(effect.user);
        break;
      case 'stop-impersonating':
        this.impersonated = null;
        break;
      case 'session-reset':
        // Like PostgreSQL's DISCARD ALL: session state, impersonation included, is gone.
        this.impersonated = null;
        break;
      default:
        break;
    }
  }

  /** By default a SELECT answers with whom it ran as; anything else has no result set. */
  private defaultScript(sql: string, ranAs: string | null): StatementScript {
    if (/^\s*SELECT\b/i.test(sql)) {
      return { columns: [{ name: 'ran_as', type: 'text' }], batches: [[[ranAs ?? this.login]]], command: 'SELECT' };
    }
    return {};
  }
}

function firstKeyword(sql: string): string | null {
  const match = /^\s*([A-Za-z]+)/.exec(sql);
  return match ? match[1].toUpperCase() : null;
}

/** The profile the unit tests bind their worksheets to; the fake never connects anywhere. */
export const PROFILE: RedshiftProfile = {
  platform: 'redshift',
  name: 'dev',
  host: 'fake-host',
  port: 5439,
  database: 'dev',
  user: 'analyst',
  tls: { mode: 'disable' },
  connectTimeoutMs: 1000,
  applicationName: 'immuta-worksheets-test',
};
