import type { Logger } from '../common/logger';
import { isPlatformError, PlatformError } from '../platforms/errors';
import { assuranceFacts, type Assurance } from '../platforms/assurance';
import type { ConnectionProfile, ConnectionSecret, PlatformDriver, PlatformSession } from '../platforms/types';
import { assess, assuranceDetail, probeDisagreement } from './effect-probe';
import { WorksheetError } from './errors';
import type { ApplyReason, IdentityState, RanAs } from './identity';
import { SessionSlot, type ConnectionStatus } from './session-slot';

export type AuditAction = 'apply' | 'clear' | 'verify' | 'reapply' | 'connection-lost' | 'refused';

export type VerifyResult =
  /** Impersonating `user`, as sure as `assurance` says. */
  | { readonly kind: 'impersonating'; readonly user: string; readonly assurance: Assurance }
  /** Running as yourself; `readBack`: the server confirmed no impersonation is set. */
  | { readonly kind: 'yourself'; readonly readBack: boolean }
  /** The server's read-back contradicts the worksheet: runs are refused. */
  | { readonly kind: 'mismatch'; readonly expected: string | null; readonly actual: string | null }
  /** The effect probe answered as someone else: runs are refused. */
  | { readonly kind: 'probe-disagrees'; readonly user: string; readonly expected: string; readonly answer: string }
  /** The worksheet does not know whom it runs as and the platform cannot read it back. */
  | { readonly kind: 'cannot-tell' };

/** What the identity keeper needs from its worksheet. */
export interface KeeperHost {
  readonly logger: Logger;
  now(): number;
  isClosed(): boolean;
  /** The bound profile; throws `not-bound` when there is none. */
  profile(): ConnectionProfile;
  driver(): Promise<PlatformDriver>;
  secret(profile: ConnectionProfile): Promise<ConnectionSecret>;
  audit(action: AuditAction, user: string | null, outcome: 'ok' | 'failed', detail?: string, assurance?: Assurance): void;
  changed(): void;
}

/** What the worksheet knows its current session holds. */
interface Held {
  readonly session: PlatformSession;
  readonly user: string | null;
}

/**
 * The fail-closed core of a worksheet: its one session and whom that session runs as. It
 * applies, clears, verifies and re-applies impersonation, and hands out a session only when it
 * provably holds the identity the worksheet shows. Its worksheet calls it from inside its serial
 * queue, so no two of these operations overlap.
 */
export class IdentityKeeper {
  private identityValue: IdentityState = { kind: 'yourself' };
  private held: Held | undefined;
  private readonly slot: SessionSlot;
  /** Sessions the server ended, and in its words why: nothing more may be sent on them. */
  private readonly lost = new WeakMap<PlatformSession, string>();

  constructor(private readonly host: KeeperHost) {
    this.slot = new SessionSlot(
      {
        changed: () => host.changed(),
        lost: (event, session) => {
          this.lost.set(session, event.error ? describeEnd(event.error) : 'closed by the server');
          this.held = undefined;
          host.audit('connection-lost', this.intendedUser() ?? null, 'failed', event.error ? describe(event.error) : 'closed by the server');
          host.changed();
        },
      },
      host.logger,
    );
  }

  get identity(): IdentityState {
    return this.identityValue;
  }

  get connection(): ConnectionStatus {
    return this.slot.status;
  }

  async applyRequested(user: string): Promise<void> {
    const driver = await this.host.driver();
    const profile = this.host.profile();
    const unsupported = driver.impersonationUnsupported(profile);
    if (unsupported !== undefined) {
      throw new WorksheetError('unsupported', unsupported);
    }
    const problem = driver.validateUserName(user, profile);
    if (problem !== undefined) {
      this.host.audit('refused', user, 'failed', problem);
      throw new WorksheetError('invalid-user', problem);
    }
    const session = await this.liveOrNewSession();
    this.assertNoTransaction(session, user);
    await this.establish(session, user, 'requested');
  }

  async clearRequested(): Promise<void> {
    const previous = this.identityValue;
    const session = this.liveSession();
    if (!session) {
      // A new session starts as yourself: nothing to send.
      this.held = undefined;
      this.setIdentity({ kind: 'yourself' });
      this.host.audit('clear', null, 'ok', 'no open session');
      return;
    }
    this.assertNoTransaction(session, null);
    const user = previous.kind === 'impersonating' ? previous.user : previous.kind === 'unknown' ? (previous.intendedUser ?? '?') : '?';
    this.setIdentity({ kind: 'clearing', user });
    try {
      await session.impersonation.clear();
    } catch (error) {
      await this.settleAfterFailure(session, previous, null, error);
      this.host.audit('clear', null, 'failed', describe(error));
      throw error;
    }
    let check: 'read-back' | 'not-available';
    try {
      check = await this.readBackOrFail(session, null);
    } catch (error) {
      this.host.audit('clear', null, 'failed', describe(error));
      throw error;
    }
    this.held = { session, user: null };
    this.setIdentity({ kind: 'yourself' });
    this.host.audit('clear', null, 'ok', check === 'read-back' ? 'the server reports no impersonation' : undefined);
  }

  /** Reads back and, for an impersonated user, runs the effect probe: the Verify command. */
  async verifyNow(reopened = false): Promise<VerifyResult> {
    let session = this.liveSession();
    if (session === undefined) {
      // No session: opening one re-applies the identity, and with it the probe. A probe that
      // disagrees there is Verify's answer, as on a live session, not a failure of Verify.
      try {
        session = await this.readySession();
      } catch (error) {
        const disagreement = probeDisagreement(error, this.intendedUser());
        if (disagreement === undefined) throw error;
        this.host.audit('verify', disagreement.user, 'failed', describe(error));
        return disagreement;
      }
    }
    const expected = this.intendedUser();
    const readBack = session.impersonation.readBack;
    if (expected === undefined && !readBack) {
      this.host.audit('verify', null, 'failed', 'the identity is unknown and this platform cannot read it back');
      return { kind: 'cannot-tell' };
    }
    if (readBack) {
      let actual: string | null;
      try {
        actual = await readBack();
      } catch (error) {
        if (!reopened && isPlatformError(error) && error.notSent) {
          // The session had ended unnoticed and the read-back never left: verify on a new one
          // (which re-applies, and probes), as a run would.
          await this.dropSession();
          return this.verifyNow(true);
        }
        await this.failClosed(expected, `reading impersonation back failed: ${describe(error)}`);
        this.host.audit('verify', expected ?? null, 'failed', describe(error));
        throw new WorksheetError('impersonation-not-established', `Could not read impersonation back: ${describe(error)}`, { cause: error });
      }
      if (expected === undefined || !sameUser(actual, expected)) {
        this.held = { session, user: actual };
        this.setIdentity({
          kind: 'unknown',
          reason: `the server reports ${label(actual)} but the worksheet expected ${label(expected ?? null)}`,
          ...(expected !== undefined ? { intendedUser: expected } : {}),
        });
        this.host.audit('verify', expected ?? null, 'failed', `server reports ${label(actual)}`);
        return { kind: 'mismatch', expected: expected ?? null, actual };
      }
    }
    // Without a read-back, only what the worksheet itself knows the session holds can be vouched for.
    const holds = (user: string | null) => readBack !== undefined || (this.held?.session === session && this.held.user === user);
    if (expected === null) {
      if (!holds(null)) {
        this.host.audit('verify', null, 'failed', 'the session state is not known and this platform cannot read it back');
        return { kind: 'cannot-tell' };
      }
      this.held = { session, user: null };
      if (this.identityValue.kind === 'unknown') this.setIdentity({ kind: 'yourself' });
      this.host.audit('verify', null, 'ok', readBack ? 'the server reports no impersonation' : 'read-back not available on this platform');
      return { kind: 'yourself', readBack: readBack !== undefined };
    }
    const user = expected as string;
    if (!holds(user) && assuranceFacts(this.host.profile()).probe === undefined) {
      this.host.audit('verify', user, 'failed', 'the session state is not known and this platform cannot read it back');
      return { kind: 'cannot-tell' };
    }
    let assurance: Assurance;
    try {
      assurance = await this.probeOrFail(session, user, readBack !== undefined);
    } catch (error) {
      this.host.audit('verify', user, 'failed', describe(error));
      const disagreement = probeDisagreement(error, user);
      if (disagreement !== undefined) return disagreement;
      throw error;
    }
    this.held = { session, user };
    const previous = this.identityValue;
    if (previous.kind !== 'impersonating' || previous.user !== user || previous.assurance !== assurance) {
      const since = previous.kind === 'impersonating' && previous.user === user ? previous.since : this.host.now();
      this.setIdentity({ kind: 'impersonating', user, since, assurance });
    }
    this.host.audit('verify', user, 'ok', assuranceDetail(assurance), assurance);
    return { kind: 'impersonating', user, assurance };
  }

  // ---- the fail-closed core -----------------------------------------------------------------

  /** A live session that holds exactly the worksheet's identity, or an error saying why not. */
  async readySession(): Promise<PlatformSession> {
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
      this.host.audit('clear', null, 'ok', 'a new session starts as yourself');
    }
    return session;
  }

  /** Applies `user` to `session` and verifies it where possible. Throws if it cannot. */
  private async establish(session: PlatformSession, user: string, reason: ApplyReason): Promise<void> {
    const previous = this.identityValue;
    const since = previous.kind === 'impersonating' && previous.user === user && reason !== 'requested' ? previous.since : this.host.now();
    this.setIdentity({ kind: 'applying', user, reason });
    const action: AuditAction = reason === 'requested' ? 'apply' : 'reapply';
    try {
      await session.impersonation.apply(user);
    } catch (error) {
      this.host.audit(action, user, 'failed', describe(error));
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
    let assurance: Assurance;
    try {
      const readBack = await this.readBackOrFail(session, user);
      assurance = await this.probeOrFail(session, user, readBack === 'read-back');
    } catch (error) {
      this.host.audit(action, user, 'failed', describe(error));
      throw error;
    }
    this.held = { session, user };
    this.setIdentity({ kind: 'impersonating', user, since, assurance });
    this.host.audit(action, user, 'ok', assuranceDetail(assurance), assurance);
  }

  /**
   * The level a session that read `user` back (or could not) has reached, after the connection's
   * effect probe when it has one. A probe answering anything else leaves the session marked
   * unknown (runs refused, both answers in the reason) and throws `probe-disagrees`.
   */
  private async probeOrFail(session: PlatformSession, user: string, readBackMatched: boolean): Promise<Assurance> {
    const check = await assess(session, this.host.profile(), user, readBackMatched);
    if (check.ok) {
      return check.assurance;
    }
    // The session holds the setting; it just does not take effect. Keep it, refuse to run on it.
    this.held = { session, user };
    this.setIdentity({ kind: 'unknown', reason: check.reason, intendedUser: user, cause: 'probe' });
    throw check.error;
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
  async reestablishAfterReset(session: PlatformSession): Promise<void> {
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

  /**
   * The last check before a statement goes out on `session`. A session that ended meanwhile is
   * not an identity problem: the statement was not sent, and the worksheet may reconnect,
   * re-apply and send it (a `notSent` connection-lost error). Anything else that does not match
   * what the worksheet shows refuses the statement.
   */
  assertHolds(session: PlatformSession): void {
    const ended = this.lost.get(session);
    if (ended !== undefined || !session.alive) {
      const why = ended ?? 'the connection was closed';
      throw new PlatformError('connection-lost', `This worksheet's session had ended (${why}); the statement was not sent.`, { serverMessage: why, notSent: true });
    }
    const intended = this.intendedUser();
    if (this.held?.session !== session || intended === undefined || this.held.user !== intended) {
      throw new WorksheetError('identity-unknown', 'Nothing was run: the session does not hold the identity the worksheet shows.');
    }
  }

  private assertNoTransaction(session: PlatformSession, user: string | null): void {
    const state = session.transactionState;
    if (state === 'in-transaction' || state === 'failed-transaction') {
      this.host.audit('refused', user, 'failed', 'open transaction');
      throw new WorksheetError(
        'in-transaction',
        'Finish the open transaction (COMMIT or ROLLBACK) before changing impersonation: a rollback could silently undo the change.',
      );
    }
  }

  // ---- session lifetime ---------------------------------------------------------------------

  /** Opens the worksheet's session; a new session holds nobody (it runs as the login). */
  private async openSession(): Promise<PlatformSession> {
    if (this.host.isClosed()) {
      throw new WorksheetError('closed', 'The worksheet was closed.');
    }
    const profile = this.host.profile();
    const driver = await this.host.driver();
    const session = await this.slot.open(async () => driver.open(profile, await this.host.secret(profile), { logger: this.host.logger }));
    if (this.host.isClosed()) {
      await this.slot.drop();
      throw new WorksheetError('closed', 'The worksheet was closed.');
    }
    this.held = { session, user: null };
    return session;
  }

  private async liveOrNewSession(): Promise<PlatformSession> {
    return this.slot.live() ?? (await this.dropSession().then(() => this.openSession()));
  }

  async dropSession(): Promise<void> {
    this.held = undefined;
    await this.slot.drop();
  }

  liveSession(): PlatformSession | undefined {
    return this.slot.live();
  }


  /** The user the worksheet means to run as: null = yourself, undefined = it does not know. */
  intendedUser(): string | null | undefined {
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
  ranAs(): RanAs {
    const state = this.identityValue;
    if (state.kind === 'yourself') {
      return { kind: 'yourself' };
    }
    if (state.kind === 'impersonating') {
      return { kind: 'impersonating', user: state.user, assurance: state.assurance };
    }
    throw new WorksheetError('identity-unknown', `Nothing was run: the identity is ${state.kind}.`);
  }
  setIdentity(state: IdentityState): void {
    this.identityValue = state;
    this.host.changed();
  }
}

/** What a probe said and what it should have, in words: the cause of a `probe-disagrees` error. */
function sameUser(actual: string | null, expected: string | null | undefined): boolean {
  return (actual ?? null) === (expected ?? null);
}

function label(user: string | null): string {
  return user === null ? 'no impersonation' : JSON.stringify(user);
}

/** The server's own words about a session's end when it gave any, else the adapter's. */
function describeEnd(error: PlatformError): string {
  return error.serverMessage ?? error.message;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
