import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { isPlatformError, PlatformError } from '../../src/platforms/errors';
import type { ConnectionProfile } from '../../src/platforms/types';
import { embeddedImpersonationMessage, isWorksheetError, WorksheetError, type WorksheetErrorKind } from '../../src/worksheets/errors';
import type { IdentityState } from '../../src/worksheets/identity';
import type { RunObserver, RunStamp, StatementOutcome } from '../../src/worksheets/run-types';
import { Worksheet, type AuditEntry, type WorksheetServices, type WorksheetSnapshot } from '../../src/worksheets/worksheet';
import { deferred, defaultError, FakePlatform, PROFILE } from './fakes/fake-platform';

// ---- harness ----------------------------------------------------------------------------------


interface Harness {
  readonly fake: FakePlatform;
  readonly ws: Worksheet;
  readonly snapshots: WorksheetSnapshot[];
  readonly audits: AuditEntry[];
  readonly clock: { now: number };
  /** The identity kinds seen through onDidChange, repeated kinds collapsed. */
  kinds(): string[];
  /** Identity states seen through onDidChange, in order. */
  identities(): IdentityState[];
  /** Runs the statements and waits for their outcomes. */
  run(...sql: string[]): Promise<StatementOutcome[]>;
}

function setup(options: { profile?: ConnectionProfile | null } = {}): Harness {
  const fake = new FakePlatform();
  const clock = { now: 1_000 };
  const services: WorksheetServices = {
    loadDriver: async () => fake,
    getSecret: async () => ({ password: 'not-a-real-password' }),
    logger: silentLogger,
    now: () => clock.now,
  };
  const profile = options.profile === null ? undefined : options.profile ?? PROFILE;
  const ws = new Worksheet('ws-1', services, profile);
  const snapshots: WorksheetSnapshot[] = [];
  const audits: AuditEntry[] = [];
  ws.onDidChange((snapshot) => snapshots.push(snapshot));
  ws.onDidAudit((entry) => audits.push(entry));
  fake.identityProbe = () => ws.identity;
  return {
    fake,
    ws,
    snapshots,
    audits,
    clock,
    kinds: () => collapse(snapshots.map((snapshot) => snapshot.identity.kind)),
    identities: () => snapshots.map((snapshot) => snapshot.identity),
    run: (...sql) => ws.run(sql.map((text) => ({ text }))).outcomes,
  };
}

function collapse(values: string[]): string[] {
  return values.filter((value, index) => index === 0 || values[index - 1] !== value);
}

/** Lets pending promise callbacks and immediates run (a few event-loop turns, no timers). */
async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

type Succeeded = Extract<StatementOutcome, { status: 'succeeded' }>;

function succeeded(outcome: StatementOutcome | undefined): Succeeded {
  assert.ok(outcome, 'missing outcome');
  assert.equal(outcome.status, 'succeeded', `expected success, got ${describeOutcome(outcome)}`);
  return outcome as Succeeded;
}

function failure(outcome: StatementOutcome | undefined): PlatformError | WorksheetError {
  assert.ok(outcome, 'missing outcome');
  assert.equal(outcome.status, 'failed', `expected a failure, got ${describeOutcome(outcome)}`);
  return (outcome as Extract<StatementOutcome, { status: 'failed' }>).error;
}

function describeOutcome(outcome: StatementOutcome): string {
  return outcome.status === 'failed' ? `failed (${outcome.error.name} ${outcome.error.kind}: ${outcome.error.message})` : outcome.status;
}

function statuses(outcomes: StatementOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function assertWorksheetError(error: unknown, kind: WorksheetErrorKind, message?: RegExp): WorksheetError {
  assert.ok(isWorksheetError(error), `expected a WorksheetError(${kind}), got ${String(error)}`);
  assert.equal(error.kind, kind, `expected ${kind}, got ${error.kind}: ${error.message}`);
  if (message) {
    assert.match(error.message, message);
  }
  return error;
}

function rejectsWith(promise: Promise<unknown>, kind: WorksheetErrorKind, message?: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assertWorksheetError(error, kind, message);
    return true;
  });
}

function ranAsOf(outcome: StatementOutcome | undefined): string | null {
  const stamp = succeeded(outcome).stamp;
  return stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : null;
}

function serverSql(h: Harness, sessionId?: string): string[] {
  return h.fake.statements(sessionId).map((statement) => statement.sql);
}

function assertNoDisagreement(h: Harness): void {
  const bad = h.fake.disagreements();
  assert.deepEqual(
    bad.map((statement) => `${statement.sql} ran as ${statement.ranAs ?? 'login'} while the worksheet showed ${JSON.stringify(statement.shown)}`),
    [],
  );
}

function auditsOf(h: Harness, action: AuditEntry['action']): AuditEntry[] {
  return h.audits.filter((entry) => entry.action === action);
}

// ---- identity state machine -------------------------------------------------------------------

describe('Worksheet identity', () => {
  it('starts as yourself, with no session and nothing running', () => {
    const h = setup();
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    const snapshot = h.ws.snapshot();
    assert.equal(snapshot.id, 'ws-1');
    assert.equal(snapshot.connection, 'closed');
    assert.equal(snapshot.sessionId, undefined);
    assert.equal(snapshot.login, undefined);
    assert.equal(snapshot.busy, false);
    assert.equal(snapshot.queued, 0);
    assert.equal(snapshot.closed, false);
    assert.equal(h.fake.openCalls, 0);
  });

  it('impersonate goes yourself → applying → impersonating, and the server session holds the user', async () => {
    const h = setup();
    h.clock.now = 5_000;
    await h.ws.impersonate('bob');
    assert.deepEqual(h.kinds(), ['yourself', 'applying', 'impersonating']);
    assert.deepEqual(
      h.identities().find((identity) => identity.kind === 'applying'),
      { kind: 'applying', user: 'bob', reason: 'requested' },
    );
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since: 5_000, assurance: 'applied' });
    assert.equal(h.fake.lastSession.serverUser, 'bob');
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob']);
    const snapshot = h.ws.snapshot();
    assert.equal(snapshot.connection, 'open');
    assert.equal(snapshot.login, 'analyst');
    assert.equal(snapshot.sessionId, 'fake-1');
    assert.equal(snapshot.busy, false);
  });

  it('runs statements as the impersonated user once impersonating', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const [outcome] = await h.run('SELECT current_user');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'run SELECT current_user as bob']);
    assertNoDisagreement(h);
  });

  it('the full cycle emits exactly yourself → applying → impersonating → clearing → yourself', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.stopImpersonating();
    assert.deepEqual(h.kinds(), ['yourself', 'applying', 'impersonating', 'clearing', 'yourself']);
    assert.deepEqual(
      h.identities().find((identity) => identity.kind === 'clearing'),
      { kind: 'clearing', user: 'bob' },
    );
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.lastSession.serverUser, null);
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), null);
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'clear', 'run SELECT 1 as login']);
    assertNoDisagreement(h);
  });

  it('reads the user back after applying where the platform can (Redshift: still only applied)', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'applied');
    assert.deepEqual(h.fake.trace(undefined, { readBacks: true }), ['open', 'apply bob', 'read-back bob']);
  });

  it("assurance is 'applied' when the platform has no read-back, and the stamp says so", async () => {
    const h = setup();
    h.fake.readBackAvailable = false;
    await h.ws.impersonate('bob');
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since: 1_000, assurance: 'applied' });
    assert.deepEqual(h.fake.trace(undefined, { readBacks: true }), ['open', 'apply bob']);
    const [outcome] = await h.run('SELECT 1');
    assert.deepEqual(succeeded(outcome).stamp.ranAs, { kind: 'impersonating', user: 'bob', assurance: 'applied' });
  });

  it('switching straight from bob to carol restarts `since` and later statements run as carol', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.clock.now = 2_000;
    await h.ws.impersonate('carol');
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'carol', since: 2_000, assurance: 'applied' });
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'carol');
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'apply carol', 'run SELECT 1 as carol']);
    assert.equal(h.fake.sessions.length, 1, 'the change happens on the same session');
  });

  it('keeps `since` across reconnects and shows the re-apply as applying(reconnect)', async () => {
    const h = setup();
    h.clock.now = 1_000;
    await h.ws.impersonate('bob');
    h.clock.now = 9_000;
    h.fake.lastSession.kill();
    h.clock.now = 9_500;
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since: 1_000, assurance: 'applied' });
    assert.ok(
      h.identities().some((identity) => identity.kind === 'applying' && identity.reason === 'reconnect' && identity.user === 'bob'),
      'the re-apply on the new session is visible as applying(reconnect)',
    );
    assert.equal(succeeded(outcome).stamp.sessionId, 'fake-2');
  });

  it('becomes unknown when the server reads back a different user, and refuses runs', async () => {
    const h = setup();
    h.fake.resolveUser = (requested) => requested.toUpperCase(); // the server folds the name
    await rejectsWith(h.ws.impersonate('bob'), 'impersonation-not-established', /"BOB".*"bob"/);
    assert.deepEqual(h.kinds(), ['yourself', 'applying', 'unknown']);
    const identity = h.ws.identity;
    assert.equal(identity.kind, 'unknown');
    assert.equal(identity.kind === 'unknown' && identity.intendedUser, 'bob');
    assert.match(identity.kind === 'unknown' ? identity.reason : '', /server reports "BOB"/);

    const [outcome] = await h.run('SELECT 1');
    assertWorksheetError(failure(outcome), 'identity-unknown', /Nothing was run/);
    assert.deepEqual(h.fake.statements(), [], 'nothing may run while the identity is unknown');
  });

  it('after a read-back mismatch, impersonating again (server agrees now) lets runs through', async () => {
    const h = setup();
    h.fake.resolveUser = () => 'mallory';
    await rejectsWith(h.ws.impersonate('bob'), 'impersonation-not-established');
    h.fake.resolveUser = (requested) => requested;
    await h.ws.impersonate('bob');
    assert.equal(h.ws.identity.kind, 'impersonating');
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(serverSql(h), ['SELECT 1']);
    assertNoDisagreement(h);
  });

  it('after a read-back mismatch, stopping impersonation returns to yourself and runs as the login', async () => {
    const h = setup();
    h.fake.resolveUser = () => 'mallory';
    await rejectsWith(h.ws.impersonate('bob'), 'impersonation-not-established');
    await h.ws.stopImpersonating();
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.lastSession.serverUser, null);
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), null);
    assert.deepEqual(h.fake.statements().map((statement) => statement.ranAs), [null]);
  });

  it('verify() reports a mismatch when the server changed behind the worksheet, then agreement restores it', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.tamper('mallory');
    assert.deepEqual(await h.ws.verify(), { kind: 'mismatch', expected: 'bob', actual: 'mallory' });
    assert.equal(h.ws.identity.kind, 'unknown');
    const [refused] = await h.run('SELECT 1');
    assertWorksheetError(failure(refused), 'identity-unknown');
    assert.deepEqual(h.fake.statements(), [], 'nothing ran as mallory');

    h.fake.lastSession.tamper('bob');
    h.clock.now = 3_000;
    assert.deepEqual(await h.ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'applied' });
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since: 3_000, assurance: 'applied' });
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assertNoDisagreement(h);
  });

  it('verify() without read-back says applied and changes nothing', async () => {
    const h = setup();
    h.fake.readBackAvailable = false;
    await h.ws.impersonate('bob');
    const before = h.ws.identity;
    assert.deepEqual(await h.ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'applied' });
    assert.equal(h.ws.identity, before);
  });

  it('a rejected impersonation keeps yourself, surfaces the server error, and runs stay as the login', async () => {
    const h = setup();
    h.fake.failNext('apply');
    await assert.rejects(h.ws.impersonate('bob'), (error: unknown) => {
      assert.ok(isPlatformError(error), `expected the platform's error, got ${String(error)}`);
      assert.equal(error.kind, 'permission');
      assert.match(error.message, /IMPERSONATE_USER/);
      return true;
    });
    assert.deepEqual(h.kinds(), ['yourself', 'applying', 'yourself']);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), null);
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob (rejected)', 'run SELECT 1 as login']);
    assertNoDisagreement(h);
  });

  it('a rejected switch while impersonating bob keeps bob (same `since`)', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const before = h.ws.identity;
    h.clock.now = 2_000;
    h.fake.failNext('apply');
    await assert.rejects(h.ws.impersonate('carol'), (error: unknown) => isPlatformError(error) && error.kind === 'permission');
    assert.deepEqual(h.ws.identity, before);
    assert.deepEqual(h.kinds(), ['yourself', 'applying', 'impersonating', 'applying', 'impersonating']);
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assertNoDisagreement(h);
  });

  it('a rejected switch keeps the previous user on platforms without read-back too', async () => {
    const h = setup();
    h.fake.readBackAvailable = false;
    await h.ws.impersonate('bob');
    h.fake.failNext('apply');
    await assert.rejects(h.ws.impersonate('carol'));
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.user, 'bob');
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
  });

  it('stopping with no open session sends nothing and opens nothing', async () => {
    const h = setup();
    await h.ws.stopImpersonating();
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.openCalls, 0);
    assert.deepEqual(h.fake.events, []);
  });

  it('stopping after the connection was lost sends nothing; the next run is a fresh session as yourself', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    await h.ws.stopImpersonating();
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.openCalls, 1);
    assert.deepEqual(h.fake.trace('fake-1'), ['open', 'apply bob']);
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), null);
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'run SELECT 1 as login']);
    assertNoDisagreement(h);
  });
});

// ---- fail closed --------------------------------------------------------------------------------

describe('Worksheet fail-closed behaviour', () => {
  it('after the session is killed, the next run opens a new session and re-applies the user before the statement', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.run('SELECT 1');
    h.fake.lastSession.kill();
    assert.equal(h.ws.snapshot().connection, 'lost');
    const [outcome] = await h.run('SELECT 2');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.equal(succeeded(outcome).stamp.sessionId, 'fake-2');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 2 as bob']);
    assert.deepEqual(
      h.fake.statements().map((statement) => statement.ranAs),
      ['bob', 'bob'],
      'no statement ever ran as the login',
    );
    assertNoDisagreement(h);
  });

  it('notices a connection that died without an event (alive turned false) and re-applies first', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill('socket destroyed', false);
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 1 as bob']);
    assertNoDisagreement(h);
  });

  it('refuses the run when re-applying fails, and a later run retries on a fresh session once the server recovers', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    h.fake.failAlways('apply');

    const [refused] = await h.run('SELECT 1');
    const error = assertWorksheetError(failure(refused), 'impersonation-not-established', /Nothing was run.*bob/);
    assert.match(error.message, /IMPERSONATE_USER/, 'the server reason is part of the message');
    assert.deepEqual(h.fake.statements(), [], 'nothing was executed');
    const identity = h.ws.identity;
    assert.equal(identity.kind, 'unknown');
    assert.equal(identity.kind === 'unknown' && identity.intendedUser, 'bob');
    assert.equal(h.fake.session('fake-2').closedBy, 'client', 'the session that could not be trusted was closed');

    const [stillRefused] = await h.run('SELECT 2');
    assertWorksheetError(failure(stillRefused), 'impersonation-not-established');
    assert.deepEqual(h.fake.statements(), []);

    h.fake.heal();
    const [outcome] = await h.run('SELECT 3');
    assert.equal(ranAsOf(outcome), 'bob');
    const sessionId = succeeded(outcome).stamp.sessionId;
    assert.equal(sessionId, 'fake-4', 'each retry uses a fresh session');
    assert.deepEqual(h.fake.trace(sessionId), ['open', 'apply bob', 'run SELECT 3 as bob']);
    assert.equal(h.ws.identity.kind, 'impersonating');
    assertNoDisagreement(h);
  });

  it('when the new connection cannot be opened, the run fails with the connection error and nothing runs', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    h.fake.failNext('open');
    const [outcome] = await h.run('SELECT 1');
    const error = failure(outcome);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection');
    assert.deepEqual(h.fake.statements(), []);
    const [retried] = await h.run('SELECT 2');
    assert.equal(ranAsOf(retried), 'bob');
    assertNoDisagreement(h);
  });

  it('when the re-applied user reads back differently, the identity is unknown and runs stay refused', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    h.fake.resolveUser = () => 'mallory';
    const [first] = await h.run('SELECT 1');
    assertWorksheetError(failure(first), 'impersonation-not-established', /mallory/);
    const [second] = await h.run('SELECT 2');
    assertWorksheetError(failure(second), 'identity-unknown');
    assert.deepEqual(h.fake.statements(), []);
  });

  it('DISCARD ALL while impersonating: the user is re-applied right after it, before the next statement', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const since = h.ws.identity.kind === 'impersonating' ? h.ws.identity.since : -1;
    h.clock.now = 4_000;
    const outcomes = await h.run('DISCARD ALL', 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['succeeded', 'succeeded']);
    assert.equal(ranAsOf(outcomes[1]), 'bob');
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'run DISCARD ALL as bob', 'apply bob', 'run SELECT 1 as bob']);
    assert.ok(h.identities().some((identity) => identity.kind === 'applying' && identity.reason === 'after-reset'));
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since, assurance: 'applied' });
    assertNoDisagreement(h);
  });

  it('DISCARD ALL as yourself re-applies nothing', async () => {
    const h = setup();
    const outcomes = await h.run('DISCARD ALL', 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['succeeded', 'succeeded']);
    assert.deepEqual(h.fake.trace(), ['open', 'run DISCARD ALL as login', 'run SELECT 1 as login']);
  });

  it('when re-applying after DISCARD ALL fails, the rest of the run is skipped and the identity is unknown', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.failNext('apply');
    const outcomes = await h.run('DISCARD ALL', 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['failed', 'skipped']);
    assertWorksheetError(failure(outcomes[0]), 'impersonation-not-established');
    assert.deepEqual(serverSql(h), ['DISCARD ALL'], 'SELECT 1 never ran as the login');
    assert.equal(h.ws.identity.kind, 'unknown');
    assert.equal(h.ws.identity.kind === 'unknown' && h.ws.identity.intendedUser, 'bob');
    assertNoDisagreement(h);
  });

  it('a statement the adapter could not send (notSent) is run once more on a new session after re-applying', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.dropConnectionOnNextSend();
    const [outcome] = await h.run('INSERT INTO audit_log VALUES (1)');
    const ok = succeeded(outcome);
    assert.equal(ok.stamp.sessionId, 'fake-2');
    assert.deepEqual(ok.stamp.ranAs, { kind: 'impersonating', user: 'bob', assurance: 'applied' });
    assert.deepEqual(h.fake.trace('fake-1'), ['open', 'apply bob']);
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run INSERT INTO audit_log VALUES (1) as bob']);
    assert.equal(h.fake.statements().length, 1, 'the statement ran exactly once');
    assertNoDisagreement(h);
  });

  it('a statement that cannot be sent twice fails with connection-lost after a single retry', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.dropConnectionOnNextSend(2);
    const [outcome] = await h.run('SELECT 1');
    const error = failure(outcome);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection-lost');
    assert.equal(h.fake.openCalls, 2, 'one reconnect, no loop');
    assert.deepEqual(h.fake.statements(), []);
  });

  it('a connection lost while a statement runs fails it without running it again', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('execute');
    const handle = h.ws.run([{ text: 'UPDATE t SET x = 1' }, { text: 'SELECT 2' }]);
    await gate.reached;
    h.fake.lastSession.kill();
    const outcomes = await handle.outcomes;
    assert.deepEqual(statuses(outcomes), ['failed', 'skipped']);
    const error = failure(outcomes[0]);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection-lost');
    assert.equal(h.fake.openCalls, 1, 'it may have reached the server: no automatic retry');
    assert.deepEqual(serverSql(h), ['UPDATE t SET x = 1']);
  });

  it('refuses a CALL with a computed argument (untracked-impersonation) and runs nothing', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const outcomes = await h.run("CALL immuta_procedures.impersonate_user(current_setting('app.user'))", 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['failed', 'skipped']);
    assertWorksheetError(failure(outcomes[0]), 'untracked-impersonation', /plain string literal/);
    assert.deepEqual(h.fake.statements(), []);
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.user, 'bob');
    assert.equal(h.fake.lastSession.serverUser, 'bob');
  });

  it('refuses an impersonation CALL inside a block or a batch (impersonation-embedded), says to run it alone, and sends nothing', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const eventsBefore = h.fake.events.length;
    const outcomes = await h.run("DO $$ BEGIN CALL immuta_procedures.impersonate_user('eve'); END $$", 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['failed', 'skipped']);
    const error = assertWorksheetError(failure(outcomes[0]), 'impersonation-embedded', /Run the impersonation statement alone, as a statement of its own/);
    assert.match(error.message, /Immuta: Impersonate User/);
    assert.doesNotMatch(error.message, /in a batch of its own/, 'the T-SQL advice is for T-SQL only');
    const [stop] = await h.run('SELECT 1; CALL immuta_procedures.impersonate_user(NULL)');
    assertWorksheetError(failure(stop), 'impersonation-embedded');
    assert.deepEqual(h.fake.events.slice(eventsBefore), [], 'nothing reached the server');
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.user, 'bob');
    assert.equal(h.fake.lastSession.serverUser, 'bob');
  });

  it('tells a T-SQL user to give the impersonation statement a batch of its own', () => {
    assert.match(embeddedImpersonationMessage('tsql'), /in a batch of its own \(set apart from other statements by GO lines\)/);
    for (const dialect of ['postgres', 'snowflake', 'trino', 'spark'] as const) {
      assert.match(embeddedImpersonationMessage(dialect), /as a statement of its own/);
    }
  });

  it('refuses other statements that mention impersonate_user, without opening a session', async () => {
    const h = setup();
    const [outcome] = await h.run("SELECT immuta_procedures.impersonate_user('bob')");
    assertWorksheetError(failure(outcome), 'untracked-impersonation');
    assert.equal(h.fake.openCalls, 0);
  });

  it("a typed CALL immuta_procedures.impersonate_user('bob') goes through the tracked path", async () => {
    const h = setup();
    const outcomes = await h.run("CALL immuta_procedures.impersonate_user('bob')", 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['succeeded', 'succeeded']);
    assert.equal(succeeded(outcomes[0]).summary.command, 'IMPERSONATE');
    assert.equal(ranAsOf(outcomes[0]), 'bob');
    assert.equal(ranAsOf(outcomes[1]), 'bob');
    assert.deepEqual(h.ws.identity, { kind: 'impersonating', user: 'bob', since: 1_000, assurance: 'applied' });
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'run SELECT 1 as bob'], 'the CALL text itself is not sent');
    assertNoDisagreement(h);
  });

  it('a typed CALL immuta_procedures.impersonate_user(NULL) stops impersonating', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const outcomes = await h.run('CALL immuta_procedures.impersonate_user(NULL)', 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['succeeded', 'succeeded']);
    assert.equal(succeeded(outcomes[0]).summary.command, 'STOP IMPERSONATING');
    assert.deepEqual(succeeded(outcomes[0]).stamp.ranAs, { kind: 'yourself' });
    assert.equal(ranAsOf(outcomes[1]), null);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.deepEqual(h.fake.trace(), ['open', 'apply bob', 'clear', 'run SELECT 1 as login']);
  });

  it('a typed CALL ...(NULL) works when no session is open yet (or the old one was lost)', async () => {
    const h = setup();
    const fresh = await h.run('CALL immuta_procedures.impersonate_user(NULL)', 'SELECT 1');
    assert.deepEqual(fresh.map(describeOutcome), ['succeeded', 'succeeded']);
    assert.equal(ranAsOf(fresh[1]), null);

    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    const afterLoss = await h.run('CALL immuta_procedures.impersonate_user(NULL)', 'SELECT 2');
    assert.deepEqual(afterLoss.map(describeOutcome), ['succeeded', 'succeeded']);
    assert.deepEqual(succeeded(afterLoss[0]).stamp.ranAs, { kind: 'yourself' });
    assert.equal(ranAsOf(afterLoss[1]), null);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.deepEqual(h.fake.statements().map((statement) => statement.ranAs), [null, null]);
    assertNoDisagreement(h);
  });

  it('reconnect() drops the session; the next run re-applies the user on a new one first', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.reconnect();
    assert.equal(h.fake.session('fake-1').closedBy, 'client');
    assert.equal(h.ws.snapshot().connection, 'closed');
    assert.equal(h.ws.identity.kind, 'impersonating');
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 1 as bob']);
  });

  it('a connection lost during a requested switch keeps the previous user, re-applied on the next run', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('apply');
    const change = h.ws.impersonate('carol');
    await gate.reached;
    h.fake.lastSession.kill();
    await assert.rejects(change, (error: unknown) => isPlatformError(error) && error.kind === 'connection-lost');
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.user, 'bob');
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 1 as bob']);
    assertNoDisagreement(h);
  });

  it('refuses to impersonate inside an open transaction and keeps the state; works after COMMIT', async () => {
    const h = setup();
    await h.run('BEGIN');
    assert.equal(h.fake.lastSession.transactionState, 'in-transaction');
    await rejectsWith(h.ws.impersonate('bob'), 'in-transaction', /COMMIT or ROLLBACK/);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.deepEqual(h.fake.trace(), ['open', 'run BEGIN as login'], 'nothing was applied');
    await h.run('COMMIT');
    await h.ws.impersonate('bob');
    assert.equal(h.ws.identity.kind, 'impersonating');
  });

  it('refuses to stop impersonating inside a transaction (failed ones too) and keeps the user', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.beginTransaction();
    const before = h.ws.identity;
    await rejectsWith(h.ws.stopImpersonating(), 'in-transaction');
    assert.deepEqual(h.ws.identity, before);
    assert.equal(h.fake.lastSession.serverUser, 'bob');

    h.fake.script('SELECT broken', { error: defaultError('execute') });
    await h.run('SELECT broken');
    assert.equal(h.fake.lastSession.transactionState, 'failed-transaction');
    await rejectsWith(h.ws.stopImpersonating(), 'in-transaction');
    assert.deepEqual(h.ws.identity, before);
  });

  it('refuses a typed impersonation CALL after BEGIN in the same run', async () => {
    const h = setup();
    const outcomes = await h.run('BEGIN', "CALL immuta_procedures.impersonate_user('bob')", 'SELECT 1');
    assert.deepEqual(statuses(outcomes), ['succeeded', 'failed', 'skipped']);
    assertWorksheetError(failure(outcomes[1]), 'in-transaction');
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.lastSession.serverUser, null);
  });

  it('refuses user names the platform rejects (invalid-user) before anything is sent', async () => {
    const h = setup();
    await rejectsWith(h.ws.impersonate(''), 'invalid-user', /empty/);
    await rejectsWith(h.ws.impersonate(' bob'), 'invalid-user', /spaces/);
    await rejectsWith(h.ws.impersonate('bob\nDROP TABLE x'), 'invalid-user', /control character/);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.openCalls, 0);
  });

  it('refuses when the profile cannot impersonate (unsupported), with the platform reason', async () => {
    const h = setup();
    h.fake.unsupportedReason = 'This profile signs in with IAM credentials, which Immuta cannot impersonate from.';
    await rejectsWith(h.ws.impersonate('bob'), 'unsupported', /IAM credentials/);
    const [outcome] = await h.run("CALL immuta_procedures.impersonate_user('bob')");
    assertWorksheetError(failure(outcome), 'unsupported');
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.fake.openCalls, 0);
  });

  it('an unbound worksheet refuses with not-bound, and works once bound', async () => {
    const h = setup({ profile: null });
    await rejectsWith(h.ws.impersonate('bob'), 'not-bound', /Select a connection/);
    const [outcome] = await h.run('SELECT 1');
    assertWorksheetError(failure(outcome), 'not-bound');
    await rejectsWith(h.ws.verify(), 'not-bound');
    assert.equal(h.fake.openCalls, 0);
    await h.ws.bind(PROFILE);
    await h.ws.impersonate('bob');
    const [bound] = await h.run('SELECT 1');
    assert.equal(ranAsOf(bound), 'bob');
  });

  it('binding another profile starts over as yourself; the same profile keeps the user and re-applies it', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.bind({ ...PROFILE, connectTimeoutMs: 2_000 });
    assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.user, 'bob');
    assert.equal(h.fake.session('fake-1').closedBy, 'client');
    const [same] = await h.run('SELECT 1');
    assert.equal(ranAsOf(same), 'bob');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 1 as bob']);

    await h.ws.bind({ ...PROFILE, name: 'prod' });
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    const [other] = await h.run('SELECT 2');
    assert.equal(ranAsOf(other), null);
    assert.deepEqual(h.fake.trace('fake-3'), ['open', 'run SELECT 2 as login']);
    assertNoDisagreement(h);
  });
});

// ---- ordering -----------------------------------------------------------------------------------

describe('Worksheet lost sessions: told truthfully, never-sent statements run after the reconnect', () => {
  /** Kills the worksheet's session the moment it holds `user` on session `sessionId`: after readySession, before the send. */
  function killOnceReady(h: Harness, sessionId: string, user: string, notify: boolean): void {
    let applying = false;
    let done = false;
    h.ws.onDidChange((snapshot) => {
      if (done || snapshot.sessionId !== sessionId) return;
      if (snapshot.identity.kind === 'applying') applying = true;
      if (!applying || snapshot.identity.kind !== 'impersonating' || snapshot.identity.user !== user) return;
      done = true;
      h.fake.session(sessionId).kill('terminating connection due to administrator command', notify);
    });
  }

  for (const notify of [true, false]) {
    it(`a session that dies between ready and send (${notify ? 'the adapter said so' : 'alive merely turned false'}) reconnects, re-applies and runs the statement once`, async () => {
      const h = setup();
      await h.ws.impersonate('bob');
      h.fake.lastSession.kill();
      // The next run opens fake-2 and re-applies bob; fake-2 dies right after, before the statement goes out.
      killOnceReady(h, 'fake-2', 'bob', notify);
      const started: string[] = [];
      const outcomes = await h.ws.run([{ text: 'INSERT INTO notes VALUES (1)' }], { started: (_index, stamp) => started.push(stamp.sessionId) }).outcomes;
      const ok = succeeded(outcomes[0]);
      assert.equal(ok.stamp.sessionId, 'fake-3', 'the stamp names the session that ran it');
      assert.deepEqual(ok.stamp.ranAs, { kind: 'impersonating', user: 'bob', assurance: 'applied' });
      assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob'], 'nothing was sent on the dead session');
      assert.deepEqual(h.fake.trace('fake-3'), ['open', 'apply bob', 'run INSERT INTO notes VALUES (1) as bob']);
      assert.deepEqual(serverSql(h), ['INSERT INTO notes VALUES (1)'], 'the statement ran exactly once');
      assert.deepEqual(started, ['fake-3'], 'started is reported once, for the send that happened');
      assertNoDisagreement(h);
    });
  }

  it('the session ends while the previous statement fails: the next one runs on a new session as bob, with no failure of its own', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('execute');
    const first = h.ws.run([{ text: 'SELECT 1' }]);
    const second = h.ws.run([{ text: 'SELECT 2' }]);
    await gate.reached;
    h.fake.lastSession.kill();
    const [[killed], [next]] = await Promise.all([first.outcomes, second.outcomes]);
    assert.match(failure(killed).message, /may or may not have completed/);
    assert.equal(ranAsOf(next), 'bob');
    assert.deepEqual(h.fake.trace('fake-2'), ['open', 'apply bob', 'run SELECT 2 as bob']);
    assertNoDisagreement(h);
  });

  it('a reconnect that fails after the session died unsent says the statement was not sent, and why', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.dropConnectionOnNextSend();
    h.fake.failNext('open');
    const [outcome] = await h.run('SELECT 1');
    const error = failure(outcome);
    assert.ok(isPlatformError(error), `a platform error, got ${error.name}`);
    assert.equal(error.kind, 'connection', 'the failure that stopped it: the new session could not be opened');
    assert.equal(error.notSent, true);
    assert.match(error.message, /^The statement was not sent: this worksheet's session had ended \(.+\), and reconnecting failed\. /);
    assert.match(error.message, /ECONNREFUSED/, 'the reason the reconnect failed is part of it');
    assert.match(error.message, /re-apply impersonation of bob/, 'it says what the next statement will do');
    assert.doesNotMatch(error.message, /may or may not/);
    assert.deepEqual(h.fake.statements(), [], 'nothing reached any server');
    const [retried] = await h.run('SELECT 2');
    assert.equal(ranAsOf(retried), 'bob');
    assertNoDisagreement(h);
  });

  it('a re-apply refused on the new session: not sent, impersonation-not-established, never run as the login', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.dropConnectionOnNextSend();
    h.fake.failNext('apply');
    const [outcome] = await h.run('SELECT 1');
    const error = assertWorksheetError(failure(outcome), 'impersonation-not-established', /^The statement was not sent: .*reconnecting failed\. Nothing was run: impersonation of bob could not be re-applied/);
    assert.match(error.message, /IMPERSONATE_USER/);
    assert.deepEqual(h.fake.statements(), []);
    assert.equal(h.ws.identity.kind, 'unknown', 'the worksheet no longer vouches for the identity');
  });

  it('a statement in flight when the connection died: "may or may not have completed", the server\'s words and the next step, not re-sent', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('execute');
    const handle = h.ws.run([{ text: 'UPDATE notes SET x = 1' }]);
    await gate.reached;
    h.fake.lastSession.kill('terminating connection due to administrator command');
    const [outcome] = await handle.outcomes;
    const error = failure(outcome);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection-lost');
    assert.equal(error.notSent, false);
    assert.equal(
      error.message,
      "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed. The next statement opens a new session and re-applies impersonation of bob before it runs.",
    );
    assert.equal(error.serverMessage, 'terminating connection due to administrator command', "the server's own words are kept");
    assert.equal(error.code, '57P01');
    assert.equal(h.fake.openCalls, 1, 'no reconnect to send it again');
    assert.deepEqual(serverSql(h), ['UPDATE notes SET x = 1'], 'sent once, never again');
  });

  it('as yourself, the next step says the new session runs as yourself', async () => {
    const h = setup();
    const gate = h.fake.hold('execute');
    const handle = h.ws.run([{ text: 'SELECT 1' }]);
    await gate.reached;
    h.fake.lastSession.kill();
    const [outcome] = await handle.outcomes;
    assert.match(failure(outcome).message, /may or may not have completed\. The next statement opens a new session, as yourself\.$/);
  });

  it('an identity mismatch on a live session still refuses (fail closed), even right after a reconnect', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    h.fake.resolveUser = () => 'mallory';
    const [outcome] = await h.run('SELECT 1');
    assertWorksheetError(failure(outcome), 'impersonation-not-established', /mallory/);
    assert.deepEqual(h.fake.statements(), [], 'nothing ran as mallory or as the login');
  });
});

describe('Worksheet intent after doubt', () => {
  it('after a stop that the server contradicted, a lost connection ends as yourself, never as the old user', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('readBack');
    const stop = h.ws.stopImpersonating();
    await gate.reached;
    h.fake.lastSession.tamper('bob');
    gate.open();
    await rejectsWith(stop, 'impersonation-not-established');
    const doubt = h.ws.identity;
    assert.equal(doubt.kind, 'unknown');
    assert.equal(doubt.kind === 'unknown' ? doubt.intendedUser : 'x', null, 'the user asked to stop: the intent is yourself');
    const first = h.fake.lastSession;
    first.kill();
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), null);
    assert.equal(h.ws.identity.kind, 'yourself');
    assert.notEqual(h.fake.lastSession, first);
    assert.equal(h.fake.lastSession.serverUser, null, 'bob was not re-applied on the new session');
    assertNoDisagreement(h);
  });

  it('verify resolves doubt about yourself once the server agrees', async () => {
    const h = setup();
    await h.run('SELECT 1');
    h.fake.lastSession.tamper('mallory');
    const mismatch = await h.ws.verify();
    assert.deepEqual(mismatch, { kind: 'mismatch', expected: null, actual: 'mallory' });
    assert.equal(h.ws.identity.kind, 'unknown');
    h.fake.lastSession.tamper(null);
    assert.deepEqual(await h.ws.verify(), { kind: 'yourself', readBack: true });
    assert.equal(h.ws.identity.kind, 'yourself');
    const [outcome] = await h.run('SELECT 2');
    assert.equal(ranAsOf(outcome), null);
  });

  it('closes a session found dead before opening the next one', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const dead = h.fake.lastSession;
    dead.kill('gone', false); // the adapter has not even reported it
    const [outcome] = await h.run('SELECT 1');
    assert.equal(ranAsOf(outcome), 'bob');
    assert.equal(dead.closeCalls, 1, 'the dead session was closed (its resources released)');
    assert.notEqual(h.fake.lastSession, dead);
  });
});

describe('Worksheet ordering', () => {
  it('queues runs in FIFO order; busy and queued reflect the waiting run', async () => {
    const h = setup();
    const gate = h.fake.hold('execute');
    const first = h.ws.run([{ text: 'SELECT 1' }]);
    await gate.reached;
    const second = h.ws.run([{ text: 'SELECT 2' }]);
    const third = h.ws.run([{ text: 'SELECT 3' }]);
    const snapshot = h.ws.snapshot();
    assert.equal(snapshot.busy, true);
    assert.equal(snapshot.queued, 2);
    assert.equal(h.snapshots[h.snapshots.length - 1]?.queued, 2, 'listeners were told about the queue');
    await settle();
    assert.deepEqual(serverSql(h), ['SELECT 1'], 'the second run waits for the first');
    gate.open();
    const results = await Promise.all([first.outcomes, second.outcomes, third.outcomes]);
    assert.deepEqual(results.map(statuses), [['succeeded'], ['succeeded'], ['succeeded']]);
    assert.deepEqual(serverSql(h), ['SELECT 1', 'SELECT 2', 'SELECT 3']);
    const last = h.snapshots[h.snapshots.length - 1];
    assert.equal(last?.busy, false);
    assert.equal(last?.queued, 0);
  });

  it('an impersonation change requested while a statement runs waits for that statement', async () => {
    const h = setup();
    const gate = h.fake.hold('execute');
    const running = h.ws.run([{ text: 'SELECT 1' }]);
    await gate.reached;
    const change = h.ws.impersonate('bob');
    await settle();
    assert.deepEqual(h.fake.trace(), ['open', 'run SELECT 1 as login']);
    assert.deepEqual(h.ws.identity, { kind: 'yourself' });
    assert.equal(h.ws.snapshot().queued, 1);
    gate.open();
    await change;
    const [outcome] = await running.outcomes;
    assert.equal(ranAsOf(outcome), null, 'the statement ran as whom the worksheet showed when it started');
    assert.deepEqual(h.fake.trace(), ['open', 'run SELECT 1 as login', 'apply bob']);
  });

  it('a run queued behind an impersonation change runs as the new user', async () => {
    const h = setup();
    const gate = h.fake.hold('apply');
    const change = h.ws.impersonate('bob');
    await gate.reached;
    const run = h.ws.run([{ text: 'SELECT 1' }]);
    await settle();
    assert.deepEqual(h.fake.statements(), []);
    gate.open();
    await change;
    const [outcome] = await run.outcomes;
    assert.equal(ranAsOf(outcome), 'bob');
    assertNoDisagreement(h);
  });

  it('stops at the first failing statement: the rest are skipped and never sent', async () => {
    const h = setup();
    h.fake.script('SELECT * FROM missing_table', { error: defaultError('execute') });
    const finished: string[] = [];
    const outcomes = await h.ws.run(
      ['SELECT 1', 'SELECT * FROM missing_table', 'SELECT 3', 'SELECT 4'].map((text) => ({ text })),
      { finished: (index, outcome) => finished.push(`${index}:${outcome.status}`) },
    ).outcomes;
    assert.deepEqual(statuses(outcomes), ['succeeded', 'failed', 'skipped', 'skipped']);
    const error = failure(outcomes[1]);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'server');
    assert.match(error.message, /missing_table/);
    assert.deepEqual(finished, ['0:succeeded', '1:failed', '2:skipped', '3:skipped']);
    assert.deepEqual(serverSql(h), ['SELECT 1', 'SELECT * FROM missing_table']);
  });

  it('cancel() of a waiting run withdraws it: every statement is cancelled and nothing runs', async () => {
    const h = setup();
    const gate = h.fake.hold('execute');
    const first = h.ws.run([{ text: 'SELECT 1' }]);
    await gate.reached;
    const second = h.ws.run([{ text: 'SELECT 2' }, { text: 'SELECT 3' }]);
    assert.equal(h.ws.snapshot().queued, 1);
    second.cancel();
    assert.equal(h.ws.snapshot().queued, 0);
    assert.deepEqual(await second.outcomes, [{ status: 'cancelled' }, { status: 'cancelled' }]);
    gate.open();
    assert.deepEqual(statuses(await first.outcomes), ['succeeded']);
    await settle();
    assert.deepEqual(serverSql(h), ['SELECT 1']);
  });

  it('cancel() of a running run cancels the statement on the session and runs nothing after it', async () => {
    const h = setup();
    const gate = h.fake.hold('execute');
    const handle = h.ws.run([{ text: 'SELECT pg_sleep(600)' }, { text: 'SELECT 2' }]);
    const next = h.ws.run([{ text: 'SELECT 3' }]);
    await gate.reached;
    handle.cancel();
    const outcomes = await handle.outcomes;
    assert.deepEqual(statuses(outcomes), ['cancelled', 'skipped']);
    assert.equal(h.fake.lastSession.cancelRequests, 1);
    assert.equal(h.fake.statements()[0]?.status, 'cancelled');
    assert.deepEqual(statuses(await next.outcomes), ['succeeded'], 'a cancel does not touch the next run');
    assert.deepEqual(serverSql(h), ['SELECT pg_sleep(600)', 'SELECT 3']);
  });

  it('cancel() while the user is being re-applied on a new connection runs nothing', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    const gate = h.fake.hold('apply');
    const handle = h.ws.run([{ text: 'DELETE FROM t' }, { text: 'SELECT 2' }]);
    await gate.reached;
    handle.cancel();
    gate.open();
    const outcomes = await handle.outcomes;
    assert.equal(outcomes[0]?.status, 'cancelled', `expected cancelled, got ${outcomes[0] ? describeOutcome(outcomes[0]) : 'nothing'}`);
    assert.notEqual(outcomes[1]?.status, 'succeeded');
    assert.deepEqual(h.fake.statements(), [], 'a cancelled run must not run its statement once the re-apply completes');
  });
});

// ---- closing ------------------------------------------------------------------------------------

describe('Worksheet close', () => {
  it('close() during a statement cancels it, drops queued work, closes the session and says closed', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('execute');
    const running = h.ws.run([{ text: 'SELECT 1' }, { text: 'SELECT 2' }]);
    await gate.reached;
    const queued = h.ws.run([{ text: 'SELECT 3' }]);
    const change = h.ws.impersonate('carol').then(
      () => undefined,
      (error: unknown) => error,
    );
    await h.ws.close();

    const outcomes = await running.outcomes;
    assert.equal(outcomes[0]?.status, 'cancelled');
    assert.equal(outcomes[1]?.status, 'skipped');
    assert.deepEqual(await queued.outcomes, [{ status: 'cancelled' }]);
    assertWorksheetError(await change, 'closed');
    await settle();
    assert.deepEqual(serverSql(h), ['SELECT 1'], 'queued runs never execute');
    assert.deepEqual(h.fake.trace(undefined, { lifecycle: true }).filter((line) => line.startsWith('apply')), ['apply bob']);
    assert.equal(h.fake.session('fake-1').closedBy, 'client');
    assert.equal(h.fake.sessions.length, 1);
    const last = h.snapshots[h.snapshots.length - 1];
    assert.equal(last?.closed, true);
    assert.equal(last?.connection, 'closed');
    assert.equal(h.ws.snapshot().closed, true);
  });

  it('after close(), every operation is refused with closed and runs come back cancelled', async () => {
    const h = setup();
    await h.run('SELECT 1');
    await h.ws.close();
    await rejectsWith(h.ws.impersonate('bob'), 'closed', /closed/);
    await rejectsWith(h.ws.stopImpersonating(), 'closed');
    await rejectsWith(h.ws.verify(), 'closed');
    await rejectsWith(h.ws.reconnect(), 'closed');
    await rejectsWith(h.ws.bind(PROFILE), 'closed');
    assert.deepEqual(await h.run('SELECT 2', 'SELECT 3'), [{ status: 'cancelled' }, { status: 'cancelled' }]);
    assert.deepEqual(serverSql(h), ['SELECT 1']);
    assert.equal(h.fake.openCalls, 1);
  });

  it('close() twice closes the session once', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.close();
    await h.ws.close();
    assert.equal(h.fake.lastSession.closeCalls, 1);
  });

  it('close() while re-applying on a new connection runs nothing and keeps no session open', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill();
    const gate = h.fake.hold('apply');
    const handle = h.ws.run([{ text: 'SELECT 1' }]);
    await gate.reached;
    await h.ws.close();
    gate.open();
    const [outcome] = await handle.outcomes;
    assert.equal(outcome?.status, 'cancelled');
    await settle();
    assert.deepEqual(h.fake.statements(), []);
    assert.ok(h.fake.sessions.every((session) => !session.alive), 'no session is left open');
  });
});

// ---- observer -----------------------------------------------------------------------------------

describe('Worksheet run observer', () => {
  it('reports columns, rows, notices and the outcome per statement index', async () => {
    const h = setup();
    h.fake.script('SELECT a, b FROM t', {
      columns: [
        { name: 'a', type: 'int4' },
        { name: 'b', type: 'text' },
      ],
      notices: [{ severity: 'NOTICE', message: 'masked by Immuta policy' }],
      batches: [
        [
          [1, 'x'],
          [2, 'y'],
        ],
        [[3, 'z']],
      ],
      command: 'SELECT',
    });
    h.fake.script("INSERT INTO t VALUES (4, 'w')", { command: 'INSERT' });
    const log: string[] = [];
    const rows: unknown[] = [];
    const observer: RunObserver = {
      started: (index) => log.push(`${index}:started`),
      columns: (index, columns) => log.push(`${index}:columns ${columns.map((column) => `${column.name}/${column.type}`).join(',')}`),
      rows: (index, batch) => {
        log.push(`${index}:rows ${batch.length}`);
        rows.push(...batch);
      },
      notice: (index, notice) => log.push(`${index}:notice ${notice.message}`),
      finished: (index, outcome) => log.push(`${index}:finished ${outcome.status}`),
    };
    const outcomes = await h.ws.run([{ text: 'SELECT a, b FROM t' }, { text: "INSERT INTO t VALUES (4, 'w')" }], observer).outcomes;
    assert.deepEqual(log, [
      '0:started',
      '0:columns a/int4,b/text',
      '0:notice masked by Immuta policy',
      '0:rows 2',
      '0:rows 1',
      '0:finished succeeded',
      '1:started',
      '1:finished succeeded',
    ]);
    assert.deepEqual(rows, [
      [1, 'x'],
      [2, 'y'],
      [3, 'z'],
    ]);
    assert.equal(succeeded(outcomes[0]).summary.rowCount, 3);
    assert.equal(succeeded(outcomes[0]).summary.hasResultSet, true);
    assert.equal(succeeded(outcomes[1]).summary.command, 'INSERT');
    assert.equal(succeeded(outcomes[1]).summary.hasResultSet, false);
  });

  it('stamps each result with whom it ran as, the login, the session and when', async () => {
    const h = setup();
    const stamps: RunStamp[] = [];
    h.clock.now = 7_000;
    await h.ws.run([{ text: 'SELECT 1' }], { started: (_index, stamp) => stamps.push(stamp) }).outcomes;
    await h.ws.impersonate('bob');
    h.clock.now = 8_000;
    const [outcome] = await h.ws.run([{ text: 'SELECT 2' }], { started: (_index, stamp) => stamps.push(stamp) }).outcomes;
    assert.deepEqual(stamps, [
      { platform: 'redshift', profileName: 'dev', login: 'analyst', sessionId: 'fake-1', ranAs: { kind: 'yourself' }, startedAt: 7_000 },
      {
        platform: 'redshift',
        profileName: 'dev',
        login: 'analyst',
        sessionId: 'fake-1',
        ranAs: { kind: 'impersonating', user: 'bob', assurance: 'applied' },
        assuranceNote:
          'Applied, not confirmed: Immuta documents no way to read impersonation back on Redshift: the worksheet applied it on this session and re-applies it on every new connection. An effect probe on this connection would confirm it.',
        startedAt: 8_000,
      },
    ]);
    assert.deepEqual(succeeded(outcome).stamp, stamps[1]);
    assert.deepEqual(h.fake.statements().map((statement) => statement.ranAs), [null, 'bob'], 'the stamps match the server');
  });

  it('an observer that throws in every callback does not break the run', async () => {
    const h = setup();
    h.fake.script('SELECT a FROM t', { columns: [{ name: 'a', type: 'int4' }], batches: [[[1]]], notices: [{ severity: 'NOTICE', message: 'hi' }] });
    const boom = (): never => {
      throw new Error('observer bug');
    };
    const outcomes = await h.ws.run([{ text: 'SELECT a FROM t' }, { text: 'SELECT 2' }], {
      started: boom,
      columns: boom,
      rows: boom,
      notice: boom,
      finished: boom,
    }).outcomes;
    assert.deepEqual(statuses(outcomes), ['succeeded', 'succeeded']);
    assert.deepEqual(serverSql(h), ['SELECT a FROM t', 'SELECT 2']);
    assert.deepEqual(h.ws.snapshot().busy, false);
  });

  it('an async rows callback that rejects is contained too', async () => {
    const h = setup();
    h.fake.script('SELECT a FROM t', { columns: [{ name: 'a', type: 'int4' }], batches: [[[1]], [[2]]] });
    const outcomes = await h.ws.run([{ text: 'SELECT a FROM t' }, { text: 'SELECT 2' }], {
      rows: async () => {
        throw new Error('async observer bug');
      },
    }).outcomes;
    assert.deepEqual(
      outcomes.map((outcome) => describeOutcome(outcome)),
      ['succeeded', 'succeeded'],
    );
  });

  it('a rows callback that returns a promise holds the statement until it settles (backpressure)', async () => {
    const h = setup();
    h.fake.script('SELECT a FROM t', { columns: [{ name: 'a', type: 'int4' }], batches: [[[1]]] });
    const release = deferred();
    const rowsSeen = deferred();
    let finished = false;
    const handle = h.ws.run([{ text: 'SELECT a FROM t' }], {
      rows: () => {
        rowsSeen.resolve();
        return release.promise;
      },
      finished: () => {
        finished = true;
      },
    });
    await rowsSeen.promise;
    await settle();
    assert.equal(finished, false);
    assert.equal(h.fake.statements()[0]?.status, 'running');
    release.resolve();
    assert.deepEqual(statuses(await handle.outcomes), ['succeeded']);
    assert.equal(finished, true);
  });
});

// ---- audit --------------------------------------------------------------------------------------

describe('Worksheet audit events', () => {
  it('records apply ok (with how sure it is) and apply failed (with the server reason)', async () => {
    const h = setup();
    h.clock.now = 1_234;
    await h.ws.impersonate('bob');
    h.fake.failNext('apply');
    await assert.rejects(h.ws.impersonate('carol'));
    const applies = auditsOf(h, 'apply');
    assert.equal(applies.length, 2);
    assert.deepEqual(applies[0], {
      at: 1_234,
      worksheetId: 'ws-1',
      profileName: 'dev',
      platform: 'redshift',
      action: 'apply',
      user: 'bob',
      outcome: 'ok',
      assurance: 'applied',
      detail: 'applied; not read back from where Immuta reads it, not confirmed by a probe',
    });
    assert.equal(applies[1]?.user, 'carol');
    assert.equal(applies[1]?.outcome, 'failed');
    assert.match(applies[1]?.detail ?? '', /IMPERSONATE_USER/);
  });

  it('records clear, including a clear with no open session', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.stopImpersonating();
    h.fake.lastSession.kill();
    await h.ws.stopImpersonating();
    const clears = auditsOf(h, 'clear');
    assert.deepEqual(
      clears.map((entry) => [entry.user, entry.outcome]),
      [
        [null, 'ok'],
        [null, 'ok'],
      ],
    );
    assert.equal(clears[1]?.detail, 'no open session');
  });

  it('records connection-lost, then reapply ok, then reapply failed', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    h.fake.lastSession.kill('server closed the connection unexpectedly');
    const lost = auditsOf(h, 'connection-lost');
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.user, 'bob');
    assert.equal(lost[0]?.outcome, 'failed');
    assert.match(lost[0]?.detail ?? '', /server closed the connection unexpectedly/);

    await h.run('SELECT 1');
    h.fake.lastSession.kill();
    h.fake.failNext('apply');
    await h.run('SELECT 2');
    assert.deepEqual(
      auditsOf(h, 'reapply').map((entry) => [entry.user, entry.outcome]),
      [
        ['bob', 'ok'],
        ['bob', 'failed'],
      ],
    );
    assert.equal(auditsOf(h, 'connection-lost').length, 2);
  });

  it('records the re-apply after DISCARD ALL as a reapply', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.run('DISCARD ALL');
    assert.deepEqual(
      auditsOf(h, 'reapply').map((entry) => [entry.user, entry.outcome]),
      [['bob', 'ok']],
    );
  });

  it('records verify ok and verify failed with what the server reported', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    await h.ws.verify();
    h.fake.lastSession.tamper('mallory');
    await h.ws.verify();
    const verifies = auditsOf(h, 'verify');
    assert.deepEqual(
      verifies.map((entry) => [entry.user, entry.outcome]),
      [
        ['bob', 'ok'],
        ['bob', 'failed'],
      ],
    );
    assert.match(verifies[1]?.detail ?? '', /mallory/);
  });

  it('records refusals: invalid user names and changes inside a transaction', async () => {
    const h = setup();
    await assert.rejects(h.ws.impersonate(''));
    await h.run('BEGIN');
    await assert.rejects(h.ws.impersonate('bob'));
    const refused = auditsOf(h, 'refused');
    assert.deepEqual(
      refused.map((entry) => [entry.user, entry.outcome]),
      [
        ['', 'failed'],
        ['bob', 'failed'],
      ],
    );
    assert.match(refused[0]?.detail ?? '', /empty/);
    assert.match(refused[1]?.detail ?? '', /transaction/);
  });

  it('records a clear that the server contradicts on read-back as a failed clear', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    const gate = h.fake.hold('readBack');
    const stop = h.ws.stopImpersonating();
    await gate.reached;
    h.fake.lastSession.tamper('bob'); // the server still (again) impersonates bob
    gate.open();
    await rejectsWith(stop, 'impersonation-not-established', /"bob"/);
    assert.equal(h.ws.identity.kind, 'unknown');
    const [outcome] = await h.run('SELECT 1');
    assertWorksheetError(failure(outcome), 'identity-unknown');
    assert.deepEqual(
      auditsOf(h, 'clear').map((entry) => entry.outcome),
      ['failed'],
      'the audit trail must show that stopping impersonation did not take effect',
    );
  });
});
