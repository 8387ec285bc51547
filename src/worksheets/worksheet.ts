import { Emitter, type Event } from '../common/events';
import type { Logger } from '../common/logger';
import { isPlatformError, PlatformError } from '../platforms/errors';
import type {
  ConnectionProfile,
  ConnectionSecret,
  ExecutionSummary,
  PlatformDriver,
  PlatformId,
  PlatformSession,
  ResultSink,
} from '../platforms/types';
import { WorksheetError, isWorksheetError } from './errors';
import type { ApplyReason, IdentityState, RanAs } from './identity';
import type { RunHandle, RunObserver, RunStamp, StatementInput, StatementOutcome } from './run-types';
import { SerialQueue, type QueuedTask } from './serial-queue';

export type WorksheetId = string;

export interface WorksheetServices {
  loadDriver(platform: PlatformId): Promise<PlatformDriver>;
  getSecret(profile: ConnectionProfile): Promise<ConnectionSecret>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type ConnectionStatus = 'closed' | 'opening' | 'open' | 'lost';

export interface WorksheetSnapshot {
  readonly id: WorksheetId;
  readonly profile: ConnectionProfile | undefined;
  readonly identity: IdentityState;
  readonly connection: ConnectionStatus;
  readonly login: string | undefined;
  readonly sessionId: string | undefined;
  /** True while a run or an impersonation change holds the worksheet. */
  readonly busy: boolean;
  /** Operations waiting behind the one in progress. */
  readonly queued: number;
  readonly closed: boolean;
}

export type AuditAction = 'apply' | 'clear' | 'verify' | 'reapply' | 'connection-lost' | 'refused';

export interface AuditEntry {
  readonly at: number;
  readonly worksheetId: WorksheetId;
  readonly profileName: string | undefined;
  readonly platform: PlatformId | undefined;
  readonly action: AuditAction;
  readonly user: string | null;
  readonly outcome: 'ok' | 'failed';
  readonly detail?: string;
}

export type VerifyResult =
  | { readonly kind: 'verified'; readonly user: string | null }
  | { readonly kind: 'not-available'; readonly user: string | null }
  | { readonly kind: 'mismatch'; readonly expected: string | null; readonly actual: string | null };

/** What the worksheet knows its current session holds. */
interface Held {
  readonly session: PlatformSession;
  readonly user: string | null;
}

interface RunControl {
  cancelled: boolean;
  executing: PlatformSession | undefined;
}

/**
 * One worksheet: one connection profile, at most one live session of its own, and the
 * impersonation state of that session. Every operation goes through one serial queue, so a
 * statement never overlaps an impersonation change. Runs are refused unless the session is
 * known to hold exactly the identity the worksheet shows (fail closed).
 */
export class Worksheet {
  private readonly queue = new SerialQueue();
  private readonly waitingTasks = new Set<QueuedTask<unknown>>();
  private readonly activeRuns = new Set<RunControl>();
  private readonly changeEmitter = new Emitter<WorksheetSnapshot>();
  private readonly auditEmitter = new Emitter<AuditEntry>();
  private profileValue: ConnectionProfile | undefined;
  private identityValue: IdentityState = { kind: 'yourself' };
  private connectionValue: ConnectionStatus = 'closed';
  private session: PlatformSession | undefined;
  private held: Held | undefined;
  private sessionListener: { dispose(): void } | undefined;
  private closed = false;

  readonly onDidChange: Event<WorksheetSnapshot> = this.changeEmitter.event;
  readonly onDidAudit: Event<AuditEntry> = this.auditEmitter.event;

  constructor(
    readonly id: WorksheetId,
    private readonly services: WorksheetServices,
    profile?: ConnectionProfile,
  ) {
    this.profileValue = profile;
  }

  get profile(): ConnectionProfile | undefined {
    return this.profileValue;
  }

  get identity(): IdentityState {
    return this.identityValue;
  }

  snapshot(): WorksheetSnapshot {
    const live = this.liveSession();
    return {
      id: this.id,
      profile: this.profileValue,
      identity: this.identityValue,
      connection: this.connectionValue,
      login: live?.login,
      sessionId: live?.id,
      busy: this.queue.busy,
      queued: this.queue.pending,
      closed: this.closed,
    };
  }

  /**
   * Binds the worksheet to a profile. A different profile starts over as yourself; the same
   * profile (edited settings) keeps the identity and re-applies it on the next connection.
   */
  bind(profile: ConnectionProfile): Promise<void> {
    return this.enqueue(async () => {
      const previous = this.profileValue;
      const sameTarget = previous !== undefined && previous.name === profile.name && previous.platform === profile.platform;
      await this.dropSession();
      this.profileValue = profile;
      if (!sameTarget && this.identityValue.kind !== 'yourself') {
        this.setIdentity({ kind: 'yourself' });
        this.audit('clear', null, 'ok', `connection changed to ${profile.name}`);
      }
      this.emitChange();
    });
  }

  /** Impersonates `user` on this worksheet's session, opening it if needed. */
  impersonate(user: string): Promise<void> {
    return this.enqueue(() => this.applyRequested(user));
  }

  /** Ends impersonation; the worksheet runs as yourself afterwards. */
  stopImpersonating(): Promise<void> {
    return this.enqueue(() => this.clearRequested());
  }

  /** Reads the impersonated user back from the server where the platform allows it. */
  verify(): Promise<VerifyResult> {
    return this.enqueue(() => this.verifyNow());
  }

  /** Closes the session; the next run opens a new one and re-applies the identity. */
  reconnect(): Promise<void> {
    return this.enqueue(async () => {
      await this.dropSession();
      this.emitChange();
    });
  }

  run(statements: readonly StatementInput[], observer: RunObserver = {}): RunHandle {
    const control: RunControl = { cancelled: false, executing: undefined };
    if (this.closed) {
      return { outcomes: Promise.resolve(statements.map(() => ({ status: 'cancelled' as const }))), cancel: () => undefined };
    }
    const task = this.queue.add(() => this.runBatch(statements, observer, control));
    this.track(task);
    this.emitChange();
    // runBatch never rejects; only a run withdrawn before it started ends up here.
    const outcomes = task.result.catch(() => statements.map(() => ({ status: 'cancelled' as const })));
    return {
      outcomes,
      cancel: () => {
        control.cancelled = true;
        if (task.withdraw(new Error('cancelled before it started'))) {
          this.emitChange();
          return;
        }
        const session = control.executing;
        if (session) {
          session.cancel().catch((error: unknown) => this.services.logger.warn(`cancel failed: ${describe(error)}`));
        }
      },
    };
  }

  /** Closes the worksheet: cancels what runs, drops what waits, closes the session. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const task of this.waitingTasks) {
      task.withdraw(new WorksheetError('closed', 'The worksheet was closed.'));
    }
    this.waitingTasks.clear();
    const interrupted: Promise<void>[] = [];
    for (const control of this.activeRuns) {
      control.cancelled = true;
      // Closing a connection does not stop a statement the server is busy with: cancel it first.
      const session = control.executing;
      if (session) {
        interrupted.push(session.cancel().catch((error: unknown) => this.services.logger.warn(`cancel on close failed: ${describe(error)}`)));
      }
    }
    await Promise.all(interrupted);
    await this.dropSession();
    this.emitChange();
    this.changeEmitter.dispose();
    this.auditEmitter.dispose();
  }

  // ---- operations (always inside the queue) -------------------------------------------------

  private async runBatch(statements: readonly StatementInput[], observer: RunObserver, control: RunControl): Promise<StatementOutcome[]> {
    this.activeRuns.add(control);
    this.emitChange();
    const outcomes: StatementOutcome[] = [];
    try {
      let stopped = false;
      for (let index = 0; index < statements.length; index++) {
        if (stopped || control.cancelled || this.closed) {
          const outcome: StatementOutcome = !stopped && (control.cancelled || this.closed) ? { status: 'cancelled' } : { status: 'skipped' };
          outcomes.push(outcome);
          stopped = true;
          contain(() => observer.finished?.(index, outcome), this.services.logger);
          continue;
        }
        const outcome = await this.runStatement(index, statements[index], observer, control);
        outcomes.push(outcome);
        contain(() => observer.finished?.(index, outcome), this.services.logger);
        stopped = outcome.status !== 'succeeded';
      }
      return outcomes;
    } finally {
      this.activeRuns.delete(control);
    }
  }

  private async runStatement(index: number, input: StatementInput, observer: RunObserver, control: RunControl): Promise<StatementOutcome> {
    let stamp: RunStamp | undefined;
    try {
      const driver = await this.driver();
      const effect = driver.classifyStatement(input.text);
      if (effect.kind === 'impersonate' || effect.kind === 'stop-impersonating') {
        // Statements copied from Immuta's docs go through the same tracked path as the picker.
        if (effect.kind === 'impersonate') {
          await this.applyRequested(effect.user);
        } else {
          await this.clearRequested();
        }
        // Stopping with no open session sends nothing; the stamp still needs one, and a new one is yourself.
        stamp = this.stampFor(this.liveSession() ?? (await this.readySession()), this.ranAs());
        contain(() => observer.started?.(index, stamp as RunStamp), this.services.logger);
        const summary: ExecutionSummary = {
          rowCount: null,
          command: effect.kind === 'impersonate' ? 'IMPERSONATE' : 'STOP IMPERSONATING',
          hasResultSet: false,
          durationMs: 0,
          queryId: null,
        };
        return { status: 'succeeded', stamp, summary };
      }
      if (effect.kind === 'impersonation-unparsed') {
        throw new WorksheetError(
          'untracked-impersonation',
          'This statement changes impersonation with an argument the worksheet cannot read, so it could no longer vouch for whom later statements run as. Use "Immuta: Impersonate User" or write the user name as a plain string literal.',
        );
      }

      let session = await this.readySession();
      stamp = this.stampFor(session, this.ranAs());
      contain(() => observer.started?.(index, stamp as RunStamp), this.services.logger);
      let summary: ExecutionSummary;
      try {
        summary = await this.execute(session, index, input.text, observer, control);
      } catch (error) {
        if (!(isPlatformError(error) && error.notSent) || control.cancelled) {
          throw error;
        }
        // The connection was already gone and nothing reached the server: reconnect, re-apply, run once.
        this.services.logger.info(`worksheet ${this.id}: connection was gone before sending; reconnecting`);
        session = await this.readySession();
        stamp = this.stampFor(session, this.ranAs());
        summary = await this.execute(session, index, input.text, observer, control);
      }
      if (effect.kind === 'session-reset') {
        await this.reestablishAfterReset(session);
      }
      return { status: 'succeeded', stamp, summary };
    } catch (error) {
      if (control.cancelled || this.closed) {
        return { status: 'cancelled', stamp };
      }
      if (isPlatformError(error) && error.kind === 'cancelled') {
        return { status: 'cancelled', stamp };
      }
      return { status: 'failed', stamp, error: asRunError(error) };
    }
  }

  private async execute(session: PlatformSession, index: number, sql: string, observer: RunObserver, control: RunControl): Promise<ExecutionSummary> {
    const logger = this.services.logger;
    const sink: ResultSink = {
      columns: (columns) => contain(() => observer.columns?.(index, columns), logger),
      rows: (batch) => {
        try {
          const pending: unknown = observer.rows?.(index, batch);
          if (isThenable(pending)) {
            // Keep the backpressure, but an observer that fails asynchronously must not fail the statement.
            return Promise.resolve(pending).then(
              () => undefined,
              (error: unknown) => logger.error(`result observer failed: ${describe(error)}`),
            );
          }
          return undefined;
        } catch (error) {
          logger.error(`result observer failed: ${describe(error)}`);
          return undefined;
        }
      },
      notice: (notice) => contain(() => observer.notice?.(index, notice), logger),
    };
    this.assertHolds(session);
    if (control.cancelled || this.closed) {
      // Cancelled while the session was being opened or the user re-applied: never send it.
      throw new PlatformError('cancelled', 'The run was cancelled before the statement was sent.');
    }
    control.executing = session;
    try {
      return await session.execute(sql, sink);
    } finally {
      control.executing = undefined;
    }
  }

  private async applyRequested(user: string): Promise<void> {
    const driver = await this.driver();
    const profile = this.requireProfile();
    const unsupported = driver.impersonationUnsupported(profile);
    if (unsupported !== undefined) {
      throw new WorksheetError('unsupported', unsupported);
    }
    const problem = driver.validateUserName(user);
    if (problem !== undefined) {
      this.audit('refused', user, 'failed', problem);
      throw new WorksheetError('invalid-user', problem);
    }
    const session = await this.liveOrNewSession();
    this.assertNoTransaction(session, user);
    await this.establish(session, user, 'requested');
  }

  private async clearRequested(): Promise<void> {
    const previous = this.identityValue;
    const session = this.liveSession();
    if (!session) {
      // A new session starts as yourself: nothing to send.
      this.held = undefined;
      this.setIdentity({ kind: 'yourself' });
      this.audit('clear', null, 'ok', 'no open session');
      return;
    }
    this.assertNoTransaction(session, null);
    const user = previous.kind === 'impersonating' ? previous.user : previous.kind === 'unknown' ? (previous.intendedUser ?? '?') : '?';
    this.setIdentity({ kind: 'clearing', user });
    try {
      await session.impersonation.clear();
    } catch (error) {
      await this.settleAfterFailure(session, previous, null, error);
      this.audit('clear', null, 'failed', describe(error));
      throw error;
    }
    let check: 'read-back' | 'not-available';
    try {
      check = await this.readBackOrFail(session, null);
    } catch (error) {
      this.audit('clear', null, 'failed', describe(error));
      throw error;
    }
    this.held = { session, user: null };
    this.setIdentity({ kind: 'yourself' });
    this.audit('clear', null, 'ok', check === 'read-back' ? 'verified by read-back' : undefined);
  }

  private async verifyNow(): Promise<VerifyResult> {
    const session = this.liveSession() ?? (await this.readySession());
    const expected = this.intendedUser();
    const readBack = session.impersonation.readBack;
    if (!readBack) {
      this.audit('verify', expected ?? null, 'ok', 'read-back not available on this platform');
      return { kind: 'not-available', user: expected ?? null };
    }
    const actual = await readBack();
    if (expected !== undefined && sameUser(actual, expected)) {
      this.held = { session, user: expected };
      if (this.identityValue.kind === 'unknown') {
        this.setIdentity(expected === null ? { kind: 'yourself' } : { kind: 'impersonating', user: expected, since: this.now(), verification: 'read-back' });
      }
      this.audit('verify', expected, 'ok');
      return { kind: 'verified', user: expected };
    }
    this.held = { session, user: actual };
    this.setIdentity({
      kind: 'unknown',
      reason: `the server reports ${label(actual)} but the worksheet expected ${label(expected ?? null)}`,
      ...(expected !== undefined ? { intendedUser: expected } : {}),
    });
    this.audit('verify', expected ?? null, 'failed', `server reports ${label(actual)}`);
    return { kind: 'mismatch', expected: expected ?? null, actual };
  }

  // ---- the fail-closed core -----------------------------------------------------------------

  /** A live session that holds exactly the worksheet's identity, or an error saying why not. */
  private async readySession(): Promise<PlatformSession> {
    const state = this.identityValue;
    const live = this.liveSession();
    if (state.kind === 'unknown' && (live !== undefined || state.intendedUser === undefined)) {
      throw new WorksheetError(
        'identity-unknown',
        `Nothing was run: the worksheet cannot vouch for whom it would run as (${state.reason}). Choose a user to impersonate, stop impersonating, or verify.`,
      );
    }
    const session = live ?? (await this.liveOrNewSession());
    const intended = this.intendedUser();
    if (intended === undefined) {
      throw new WorksheetError('identity-unknown', 'Nothing was run: the worksheet does not know whom to run as.');
    }
    if (this.held?.session !== session || this.held.user !== intended) {
      if (intended === null) {
        // Only a fresh session is known to be yourself; anything else must be cleared explicitly.
        if (this.held?.session !== session) {
          throw new WorksheetError('identity-unknown', 'Nothing was run: the session state is not known.');
        }
        await this.clearRequested();
      } else {
        await this.establish(session, intended, 'reconnect');
      }
    } else if (state.kind === 'unknown') {
      // A new session holds exactly the intent (yourself): the doubt is resolved.
      this.setIdentity({ kind: 'yourself' });
      this.audit('clear', null, 'ok', 'a new session starts as yourself');
    }
    return session;
  }

  /** Applies `user` to `session` and verifies it where possible. Throws if it cannot. */
  private async establish(session: PlatformSession, user: string, reason: ApplyReason): Promise<void> {
    const previous = this.identityValue;
    const since = previous.kind === 'impersonating' && previous.user === user && reason !== 'requested' ? previous.since : this.now();
    this.setIdentity({ kind: 'applying', user, reason });
    const action: AuditAction = reason === 'requested' ? 'apply' : 'reapply';
    try {
      await session.impersonation.apply(user);
    } catch (error) {
      this.audit(action, user, 'failed', describe(error));
      if (reason === 'requested') {
        await this.settleAfterFailure(session, previous, user, error);
        throw error;
      }
      await this.failClosed(user, `re-applying ${user} failed: ${describe(error)}`);
      throw new WorksheetError(
        'impersonation-not-established',
        `Nothing was run: impersonation of ${user} could not be re-applied on the new connection. ${describe(error)}`,
        { cause: error },
      );
    }
    let verification: 'read-back' | 'not-available';
    try {
      verification = await this.readBackOrFail(session, user);
    } catch (error) {
      this.audit(action, user, 'failed', describe(error));
      throw error;
    }
    this.held = { session, user };
    this.setIdentity({ kind: 'impersonating', user, since, verification });
    this.audit(action, user, 'ok', verification === 'read-back' ? 'verified by read-back' : 'read-back not available');
  }

  /** Reads back after a change; on a contradiction the identity becomes unknown and this throws. */
  private async readBackOrFail(session: PlatformSession, expected: string | null): Promise<'read-back' | 'not-available'> {
    const readBack = session.impersonation.readBack;
    if (!readBack) {
      return 'not-available';
    }
    let actual: string | null;
    try {
      actual = await readBack();
    } catch (error) {
      await this.failClosed(expected, `reading impersonation back failed: ${describe(error)}`);
      throw new WorksheetError('impersonation-not-established', `Could not verify impersonation: ${describe(error)}`, { cause: error });
    }
    if (!sameUser(actual, expected)) {
      this.held = { session, user: actual };
      this.setIdentity({
        kind: 'unknown',
        reason: `the server reports ${label(actual)} after the worksheet set ${label(expected)}`,
        intendedUser: expected,
      });
      throw new WorksheetError('impersonation-not-established', `The server reports ${label(actual)}, not ${label(expected)}. Nothing was run.`);
    }
    return 'read-back';
  }

  /** After DISCARD ALL and the like, put the impersonation back before anything else runs. */
  private async reestablishAfterReset(session: PlatformSession): Promise<void> {
    const intended = this.intendedUser();
    if (intended === null || intended === undefined || !session.alive) {
      return;
    }
    await this.establish(session, intended, 'after-reset');
  }

  /**
   * A requested change failed. The server rejected the statement, so the session normally still
   * holds what it held before; confirm by read-back where possible, otherwise keep the previous
   * state (or, if the connection died, the next connection re-applies it).
   */
  private async settleAfterFailure(session: PlatformSession, previous: IdentityState, attempted: string | null, error: unknown): Promise<void> {
    const before = previous.kind === 'impersonating' ? previous.user : previous.kind === 'yourself' ? null : undefined;
    if (before === undefined) {
      await this.failClosed(attempted, `changing impersonation failed: ${describe(error)}`);
      return;
    }
    const readBack = session.impersonation.readBack;
    if (session.alive && readBack) {
      try {
        const actual = await readBack();
        if (!sameUser(actual, before)) {
          this.held = { session, user: actual };
          this.setIdentity({ kind: 'unknown', reason: `after a failed change the server reports ${label(actual)}`, intendedUser: before });
          return;
        }
      } catch (readError) {
        await this.failClosed(before, `changing impersonation failed and reading it back failed too: ${describe(readError)}`);
        return;
      }
    }
    this.setIdentity(previous);
  }

  /** Nothing may run on this session any more: forget it and mark the identity unknown. */
  private async failClosed(intendedUser: string | null | undefined, reason: string): Promise<void> {
    await this.dropSession();
    this.setIdentity({ kind: 'unknown', reason, ...(intendedUser !== undefined ? { intendedUser } : {}) });
  }

  private assertHolds(session: PlatformSession): void {
    const intended = this.intendedUser();
    if (this.held?.session !== session || intended === undefined || this.held.user !== intended || !session.alive) {
      throw new WorksheetError('identity-unknown', 'Nothing was run: the session does not hold the identity the worksheet shows.');
    }
  }

  private assertNoTransaction(session: PlatformSession, user: string | null): void {
    const state = session.transactionState;
    if (state === 'in-transaction' || state === 'failed-transaction') {
      this.audit('refused', user, 'failed', 'open transaction');
      throw new WorksheetError(
        'in-transaction',
        'Finish the open transaction (COMMIT or ROLLBACK) before changing impersonation: a rollback could silently undo the change.',
      );
    }
  }

  // ---- session lifetime ---------------------------------------------------------------------

  private async openSession(): Promise<PlatformSession> {
    if (this.closed) {
      throw new WorksheetError('closed', 'The worksheet was closed.');
    }
    const profile = this.requireProfile();
    const driver = await this.driver();
    this.connectionValue = 'opening';
    this.emitChange();
    let session: PlatformSession;
    try {
      const secret = await this.services.getSecret(profile);
      session = await driver.open(profile, secret, { logger: this.services.logger });
    } catch (error) {
      this.connectionValue = 'closed';
      this.emitChange();
      throw error;
    }
    if (this.closed) {
      await session.close();
      throw new WorksheetError('closed', 'The worksheet was closed.');
    }
    this.session = session;
    this.held = { session, user: null };
    this.sessionListener = session.onDidClose((event) => {
      if (this.session !== session) {
        return;
      }
      this.connectionValue = 'lost';
      this.held = undefined;
      this.audit('connection-lost', this.intendedUser() ?? null, 'failed', event.error ? describe(event.error) : 'closed by the server');
      this.emitChange();
    });
    this.connectionValue = 'open';
    this.emitChange();
    return session;
  }

  private async dropSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.held = undefined;
    this.sessionListener?.dispose();
    this.sessionListener = undefined;
    this.connectionValue = 'closed';
    if (session) {
      try {
        await session.close();
      } catch (error) {
        this.services.logger.warn(`closing session ${session.id} failed: ${describe(error)}`);
      }
    }
  }

  private liveSession(): PlatformSession | undefined {
    return this.session?.alive ? this.session : undefined;
  }

  /** The live session, or a new one; a session found dead is closed and forgotten first. */
  private async liveOrNewSession(): Promise<PlatformSession> {
    const live = this.liveSession();
    if (live) {
      return live;
    }
    if (this.session) {
      await this.dropSession();
    }
    return this.openSession();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new WorksheetError('closed', 'The worksheet was closed.'));
    }
    const task = this.queue.add(work);
    this.track(task);
    this.emitChange();
    return task.result;
  }

  private track<T>(task: QueuedTask<T>): void {
    this.waitingTasks.add(task as QueuedTask<unknown>);
    const settle = () => {
      this.waitingTasks.delete(task as QueuedTask<unknown>);
      this.emitChange();
    };
    task.result.then(settle, settle);
  }

  private driver(): Promise<PlatformDriver> {
    return this.services.loadDriver(this.requireProfile().platform);
  }

  private requireProfile(): ConnectionProfile {
    if (!this.profileValue) {
      throw new WorksheetError('not-bound', 'Select a connection for this worksheet first.');
    }
    return this.profileValue;
  }

  /** The user the worksheet means to run as: null = yourself, undefined = it does not know. */
  private intendedUser(): string | null | undefined {
    const state = this.identityValue;
    switch (state.kind) {
      case 'yourself':
        return null;
      case 'impersonating':
      case 'applying':
        return state.user;
      case 'clearing':
        return null;
      case 'unknown':
        return state.intendedUser;
    }
  }

  private ranAs(): RanAs {
    const state = this.identityValue;
    if (state.kind === 'yourself') {
      return { kind: 'yourself' };
    }
    if (state.kind === 'impersonating') {
      return { kind: 'impersonating', user: state.user, verification: state.verification };
    }
    throw new WorksheetError('identity-unknown', `Nothing was run: the identity is ${state.kind}.`);
  }

  private stampFor(session: PlatformSession, ranAs: RanAs): RunStamp {
    const profile = this.requireProfile();
    return { platform: profile.platform, profileName: profile.name, login: session.login, sessionId: session.id, ranAs, startedAt: this.now() };
  }

  private setIdentity(state: IdentityState): void {
    this.identityValue = state;
    this.emitChange();
  }

  private emitChange(): void {
    this.changeEmitter.fire(this.snapshot());
  }

  private audit(action: AuditAction, user: string | null, outcome: 'ok' | 'failed', detail?: string): void {
    this.auditEmitter.fire({
      at: this.now(),
      worksheetId: this.id,
      profileName: this.profileValue?.name,
      platform: this.profileValue?.platform,
      action,
      user,
      outcome,
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  private now(): number {
    return this.services.now ? this.services.now() : Date.now();
  }
}

function sameUser(actual: string | null, expected: string | null | undefined): boolean {
  return (actual ?? null) === (expected ?? null);
}

function label(user: string | null): string {
  return user === null ? 'no impersonation' : JSON.stringify(user);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

function asRunError(error: unknown): PlatformError | WorksheetError {
  if (isPlatformError(error) || isWorksheetError(error)) {
    return error;
  }
  return new PlatformError('server', describe(error), { cause: error });
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function contain(callback: () => void, logger: Logger): void {
  try {
    callback();
  } catch (error) {
    logger.error(`observer failed: ${describe(error)}`);
  }
}
