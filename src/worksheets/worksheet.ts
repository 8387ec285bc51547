import { Emitter, type Event } from '../common/events';
import type { Logger } from '../common/logger';
import { assuranceFacts, describeAssurance } from '../platforms/assurance';
import { isPlatformError, PlatformError } from '../platforms/errors';
import type {
  ConnectionProfile,
  ConnectionSecret,
  ExecutionSummary,
  PlatformDriver,
  PlatformId,
  PlatformSession,
  ResultSink,
  StatementParameters,
} from '../platforms/types';
import { WorksheetError, embeddedImpersonationMessage, isWorksheetError } from './errors';
import type { Assurance, IdentityState, RanAs } from './identity';
import type { RunHandle, RunObserver, RunStamp, StatementInput, StatementOutcome } from './run-types';
import { differsOnlyInProbe } from './effect-probe';
import { IdentityKeeper, describe, type AuditAction, type VerifyResult } from './identity-keeper';
import { notSentAfterFailedReconnect, withNextStep } from './lost-session';
import { ResultFingerprint } from './result-fingerprint';
import { SerialQueue, type QueuedTask } from './serial-queue';
import type { ConnectionStatus } from './session-slot';
import { YourselfResults } from './yourself-results';
import { parameterNames } from '../sql/parameters';
import { redactParameterValues } from '../sql/parameter-secrets';

export type { AuditAction, VerifyResult } from './identity-keeper';

export type WorksheetId = string;

export interface WorksheetServices {
  loadDriver(platform: PlatformId): Promise<PlatformDriver>;
  getSecret(profile: ConnectionProfile): Promise<ConnectionSecret>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type { ConnectionStatus } from './session-slot';

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

export interface AuditEntry {
  readonly at: number;
  readonly worksheetId: WorksheetId;
  readonly profileName: string | undefined;
  readonly platform: PlatformId | undefined;
  readonly action: AuditAction;
  readonly user: string | null;
  readonly outcome: 'ok' | 'failed';
  /** How sure the worksheet is of an impersonation it applied or checked (absent: not one). */
  readonly assurance?: Assurance;
  readonly detail?: string;
}

interface Executed {
  readonly stamp: RunStamp;
  readonly summary: ExecutionSummary;
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
  private readonly keeper: IdentityKeeper;
  /** Digests of this worksheet's runs as yourself, for "same result as yourself" (memory only). */
  private readonly yourselfResults = new YourselfResults();
  private closed = false;

  readonly onDidChange: Event<WorksheetSnapshot> = this.changeEmitter.event;
  readonly onDidAudit: Event<AuditEntry> = this.auditEmitter.event;

  constructor(
    readonly id: WorksheetId,
    private readonly services: WorksheetServices,
    profile?: ConnectionProfile,
  ) {
    this.profileValue = profile;
    this.keeper = new IdentityKeeper({
      logger: services.logger,
      now: () => this.now(),
      isClosed: () => this.closed,
      profile: () => this.requireProfile(),
      driver: () => this.driver(),
      secret: (bound) => services.getSecret(bound),
      audit: (action, user, outcome, detail, assurance) => this.audit(action, user, outcome, detail, assurance),
      changed: () => this.emitChange(),
    });
  }

  get profile(): ConnectionProfile | undefined {
    return this.profileValue;
  }

  get identity(): IdentityState {
    return this.keeper.identity;
  }

  snapshot(): WorksheetSnapshot {
    const live = this.keeper.liveSession();
    return {
      id: this.id,
      profile: this.profileValue,
      identity: this.keeper.identity,
      connection: this.keeper.connection,
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
      await this.keeper.dropSession();
      this.profileValue = profile;
      // Results from another connection (or the same name pointing elsewhere) compare with nothing here.
      if (previous === undefined || JSON.stringify(previous) !== JSON.stringify(profile)) {
        this.yourselfResults.clear();
      }
      if (!sameTarget && this.keeper.identity.kind !== 'yourself') {
        this.keeper.setIdentity({ kind: 'yourself' });
        this.audit('clear', null, 'ok', `connection changed to ${profile.name}`);
      }
      this.emitChange();
    });
  }

  /**
   * The same connection with another effect probe (its settings were edited): the session and
   * the identity stay, since nothing the session holds changed. A level the old probe confirmed
   * is confirmed no more; the next apply or Verify runs the new probe, and a worksheet the old
   * probe stopped stays stopped until then. False, with nothing changed, when the profile
   * differs in more than its probe: that takes `bind`.
   */
  adoptEffectProbe(profile: ConnectionProfile): Promise<boolean> {
    return this.enqueue(async () => {
      const previous = this.profileValue;
      if (previous === undefined || !differsOnlyInProbe(previous, profile)) return false;
      this.profileValue = profile;
      const identity = this.keeper.identity;
      if (identity.kind === 'impersonating' && identity.assurance === 'confirmed') {
        this.keeper.setIdentity({ ...identity, assurance: assuranceFacts(profile).withoutProbe });
      } else {
        this.emitChange();
      }
      return true;
    });
  }

  /** Impersonates `user` on this worksheet's session, opening it if needed. */
  impersonate(user: string): Promise<void> {
    return this.enqueue(() => this.keeper.applyRequested(user));
  }

  /** Ends impersonation; the worksheet runs as yourself afterwards. */
  stopImpersonating(): Promise<void> {
    return this.enqueue(() => this.keeper.clearRequested());
  }

  /** Reads the impersonated user back from the server where the platform allows it. */
  verify(): Promise<VerifyResult> {
    return this.enqueue(() => this.keeper.verifyNow());
  }

  /** Closes the session; the next run opens a new one and re-applies the identity. */
  reconnect(): Promise<void> {
    return this.enqueue(async () => {
      await this.keeper.dropSession();
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
    await this.keeper.dropSession();
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
      const effect = driver.classifyStatement(input.text, this.requireProfile());
      if (effect.kind === 'impersonate' || effect.kind === 'stop-impersonating') {
        // Statements copied from Immuta's docs go through the same tracked path as the picker.
        if (effect.kind === 'impersonate') {
          await this.keeper.applyRequested(effect.user);
        } else {
          await this.keeper.clearRequested();
        }
        // Stopping with no open session sends nothing; the stamp still needs one, and a new one is yourself.
        stamp = this.stampFor(this.keeper.liveSession() ?? (await this.keeper.readySession()), this.keeper.ranAs());
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
      if (effect.kind === 'impersonation-embedded') {
        throw new WorksheetError('impersonation-embedded', embeddedImpersonationMessage(driver.sqlDialect));
      }
      if (effect.kind === 'impersonation-unparsed') {
        throw new WorksheetError(
          'untracked-impersonation',
          'This statement changes impersonation with an argument the worksheet cannot read, so it could no longer vouch for whom later statements run as. Use "Immuta: Impersonate User" or write the user name as a plain string literal.',
        );
      }

      // The stamp is taken as the statement goes out, so it names the session that ran it.
      const sent = (at: RunStamp) => {
        stamp = at;
      };
      // One digest over every result set of every repeat: that is the statement's result.
      // A comparison side's worksheet lives for one statement: a digest it would remember is never used.
      const fingerprint = input.digest === false ? undefined : new ResultFingerprint();
      const repeat = repeatCount(input.repeat);
      const resets = effect.kind === 'session-reset';
      const parameters = input.parameters !== undefined && input.parameters.uses.length > 0 ? input.parameters : undefined;
      let { session, ran } = await this.sendOnce(index, input.text, parameters, observer, control, sent, fingerprint, true);
      if (resets) await this.keeper.reestablishAfterReset(session);
      let durationMs = ran.summary.durationMs;
      for (let round = 1; round < repeat; round++) {
        if (control.cancelled || this.closed) {
          throw new PlatformError('cancelled', `The run was cancelled after ${round} of ${repeat} repeats.`);
        }
        ({ session, ran } = await this.sendOnce(index, input.text, parameters, observer, control, sent, fingerprint, false));
        if (resets) await this.keeper.reestablishAfterReset(session);
        durationMs += ran.summary.durationMs;
      }
      // The stamp the run was announced with: where and as whom its first request went.
      const announced = (stamp as RunStamp | undefined) ?? ran.stamp;
      // Only here, once the statement ended well with every row read, is its result complete.
      // (Repeats digest every result set, so `GO 3` never matches a single run of the same text.)
      // Other values make another result: the values are part of what is compared.
      const compared = parameters === undefined ? input.text : `${input.text}\n-- parameters ${JSON.stringify(parameters.values)}`;
      const sameAsYourself = fingerprint && this.yourselfResults.settle(announced, compared, fingerprint.result());
      const summary = repeat > 1 ? { ...ran.summary, durationMs } : ran.summary;
      return { status: 'succeeded', stamp: announced, summary, ...(sameAsYourself ? { sameAsYourself } : {}) };
    } catch (error) {
      if (control.cancelled || this.closed) {
        return { status: 'cancelled', stamp };
      }
      if (isPlatformError(error) && error.kind === 'cancelled') {
        return { status: 'cancelled', stamp };
      }
      if (isPlatformError(error) && error.kind === 'connection-lost') {
        return { status: 'failed', stamp, error: withNextStep(error, this.keeper.intendedUser()) };
      }
      return { status: 'failed', stamp, error: asRunError(error) };
    }
  }

  /**
   * Sends the statement once on a session that holds the worksheet's identity. When the session
   * had ended and nothing reached the server, reconnects (re-applying the identity) and sends it
   * once more. `first`: the first of its repeats, announced to the observer as the start.
   */
  private async sendOnce(
    index: number,
    sql: string,
    parameters: StatementParameters | undefined,
    observer: RunObserver,
    control: RunControl,
    sent: (stamp: RunStamp) => void,
    fingerprint: ResultFingerprint | undefined,
    first: boolean,
  ): Promise<{ session: PlatformSession; ran: Executed }> {
    let session = await this.keeper.readySession();
    try {
      return { session, ran: await this.execute(session, index, sql, parameters, observer, control, sent, fingerprint, first) };
    } catch (error) {
      if (!(isPlatformError(error) && error.notSent) || control.cancelled || this.closed) {
        throw error;
      }
      // The session had ended and nothing reached the server: reconnect, re-apply (and verify),
      // then send it once. readySession() refuses rather than run as anyone but the worksheet shows.
      this.services.logger.info(`worksheet ${this.id}: the session had ended before the statement was sent (${error.serverMessage ?? error.message}); reconnecting`);
      try {
        session = await this.keeper.readySession();
      } catch (reconnectError) {
        if (control.cancelled || this.closed) {
          throw reconnectError;
        }
        throw notSentAfterFailedReconnect(error, reconnectError, this.keeper.intendedUser());
      }
      // A new session: its stamp is announced again, whichever repeat this is.
      return { session, ran: await this.execute(session, index, sql, parameters, observer, control, sent, fingerprint, true) };
    }
  }

  private async execute(
    session: PlatformSession,
    index: number,
    sql: string,
    parameters: StatementParameters | undefined,
    observer: RunObserver,
    control: RunControl,
    sent: (stamp: RunStamp) => void,
    fingerprint: ResultFingerprint | undefined,
    announce: boolean,
  ): Promise<Executed> {
    const logger = this.services.logger;
    const sink: ResultSink = {
      columns: (columns) => {
        fingerprint?.columns(columns);
        contain(() => observer.columns?.(index, columns), logger);
      },
      rows: (batch) => {
        // Before the observer, which may hold the batch back: the digest sees every row the driver read.
        fingerprint?.rows(batch);
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
    this.keeper.assertHolds(session);
    if (control.cancelled || this.closed) {
      // Cancelled while the session was being opened or the user re-applied: never send it.
      throw new PlatformError('cancelled', 'The run was cancelled before the statement was sent.');
    }
    const stamp = this.stampFor(session, this.keeper.ranAs(), parameters);
    if (announce) {
      sent(stamp);
      contain(() => observer.started?.(index, stamp), this.services.logger);
    }
    control.executing = session;
    try {
      return { stamp, summary: await (parameters === undefined ? session.execute(sql, sink) : session.execute(sql, sink, parameters)) };
    } finally {
      control.executing = undefined;
    }
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





  private stampFor(session: PlatformSession, ranAs: RanAs, parameters?: StatementParameters): RunStamp {
    const profile = this.requireProfile();
    const note = ranAs.kind === 'impersonating' ? describeAssurance(ranAs.assurance, assuranceFacts(profile), ranAs.user) : undefined;
    return {
      platform: profile.platform,
      profileName: profile.name,
      login: session.login,
      sessionId: session.id,
      ranAs,
      ...(note !== undefined ? { assuranceNote: note } : {}),
      startedAt: this.now(),
      ...(parameters !== undefined ? { parameters: recordedValues(parameters) } : {}),
    };
  }



  private emitChange(): void {
    this.changeEmitter.fire(this.snapshot());
  }

  private audit(action: AuditAction, user: string | null, outcome: 'ok' | 'failed', detail?: string, assurance?: Assurance): void {
    this.auditEmitter.fire({
      at: this.now(),
      worksheetId: this.id,
      profileName: this.profileValue?.name,
      platform: this.profileValue?.platform,
      action,
      user,
      outcome,
      ...(assurance !== undefined ? { assurance } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  private now(): number {
    return this.services.now ? this.services.now() : Date.now();
  }
}

/** A statement's repeat count (T-SQL `GO n`): a whole number of at least one. */
function repeatCount(repeat: number | undefined): number {
  return repeat !== undefined && Number.isSafeInteger(repeat) && repeat > 1 ? repeat : 1;
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

/** The values of the names the statement used, as the stamp keeps them: secret ones redacted, NULL as null. */
function recordedValues(parameters: StatementParameters): Record<string, string | null> {
  const used: Record<string, string | null> = {};
  for (const name of parameterNames(parameters.uses)) {
    used[name] = Object.prototype.hasOwnProperty.call(parameters.values, name) ? (parameters.values[name] ?? null) : null;
  }
  return redactParameterValues(used);
}
