import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { isWorksheetError } from '../../src/worksheets/errors';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { StatementOutcome } from '../../src/worksheets/run-types';
import type { AuditEntry, Worksheet, WorksheetSnapshot } from '../../src/worksheets/worksheet';
import { FakePlatform, PROFILE } from './fakes/fake-platform';


function setup(): { fake: FakePlatform; registry: WorksheetRegistry } {
  const fake = new FakePlatform();
  const registry = new WorksheetRegistry({
    loadDriver: async () => fake,
    getSecret: async () => ({ password: 'not-a-real-password' }),
    logger: silentLogger,
  });
  // Record which worksheet's identity was showing when each statement reached the server.
  fake.identityProbe = (sessionId) => registry.all().find((worksheet) => worksheet.snapshot().sessionId === sessionId)?.identity;
  return { fake, registry };
}

function ranAs(outcome: StatementOutcome | undefined): string | null {
  assert.ok(outcome);
  assert.equal(outcome.status, 'succeeded', `expected success, got ${outcome.status}`);
  const stamp = (outcome as Extract<StatementOutcome, { status: 'succeeded' }>).stamp;
  return stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : null;
}

function run(worksheet: Worksheet, sql: string): Promise<StatementOutcome[]> {
  return worksheet.run([{ text: sql }]).outcomes;
}

describe('WorksheetRegistry', () => {
  it('creates worksheets with distinct ids and finds them again', () => {
    const { registry } = setup();
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    const unbound = registry.create();
    assert.notEqual(a.id, b.id);
    assert.equal(registry.get(a.id), a);
    assert.equal(registry.get(b.id), b);
    assert.equal(registry.get('no-such-id'), undefined);
    assert.deepEqual(registry.all(), [a, b, unbound]);
    assert.equal(a.profile, PROFILE);
    assert.equal(unbound.profile, undefined);
  });

  it("forwards every worksheet's changes and audit entries", async () => {
    const { registry } = setup();
    const changes: WorksheetSnapshot[] = [];
    const audits: AuditEntry[] = [];
    registry.onDidChange((snapshot) => changes.push(snapshot));
    registry.onDidAudit((entry) => audits.push(entry));
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    await a.impersonate('alice');
    await b.impersonate('bob');
    assert.ok(changes.some((snapshot) => snapshot.id === a.id && snapshot.identity.kind === 'impersonating'));
    assert.ok(changes.some((snapshot) => snapshot.id === b.id && snapshot.identity.kind === 'impersonating'));
    assert.deepEqual(
      audits.map((entry) => [entry.worksheetId, entry.action, entry.user]),
      [
        [a.id, 'apply', 'alice'],
        [b.id, 'apply', 'bob'],
      ],
    );
  });

  it('close(id) closes that worksheet and its session, forwards its last snapshot, then forgets it', async () => {
    const { fake, registry } = setup();
    const changes: WorksheetSnapshot[] = [];
    registry.onDidChange((snapshot) => changes.push(snapshot));
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    await a.impersonate('alice');
    await b.impersonate('bob');
    const sessionOfA = a.snapshot().sessionId;
    await registry.close(a.id);
    assert.equal(registry.get(a.id), undefined);
    assert.deepEqual(registry.all(), [b]);
    assert.equal(fake.session(sessionOfA ?? '').closedBy, 'client');
    assert.equal(fake.session(b.snapshot().sessionId ?? '').alive, true, 'the other worksheet keeps its session');
    const lastOfA = changes.filter((snapshot) => snapshot.id === a.id).pop();
    assert.equal(lastOfA?.closed, true);
    await assert.rejects(a.impersonate('carol'), (error: unknown) => isWorksheetError(error) && error.kind === 'closed');
    await registry.close(a.id); // already gone: nothing happens
    await registry.close('no-such-id');
  });

  it('dispose() closes every worksheet and every session', async () => {
    const { fake, registry } = setup();
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    const c = registry.create(PROFILE);
    await a.impersonate('alice');
    await run(b, 'SELECT 1');
    await registry.dispose();
    assert.deepEqual(registry.all(), []);
    assert.equal(fake.sessions.length, 2);
    assert.ok(fake.sessions.every((session) => session.closedBy === 'client'));
    for (const worksheet of [a, b, c]) {
      assert.equal(worksheet.snapshot().closed, true);
    }
    assert.deepEqual(await run(c, 'SELECT 2'), [{ status: 'cancelled' }]);
  });

  it('two worksheets impersonating different users never see each other’s identity', async () => {
    const { fake, registry } = setup();
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    await a.impersonate('alice');
    await b.impersonate('bob');
    assert.notEqual(a.snapshot().sessionId, b.snapshot().sessionId, 'each worksheet has its own session');

    // Interleave runs on both worksheets.
    const results = await Promise.all([run(a, 'SELECT 1'), run(b, 'SELECT 2'), run(a, 'SELECT 3'), run(b, 'SELECT 4')]);
    assert.deepEqual(results.map(([outcome]) => ranAs(outcome)), ['alice', 'bob', 'alice', 'bob']);

    const sessionA = a.snapshot().sessionId ?? '';
    const sessionB = b.snapshot().sessionId ?? '';
    assert.deepEqual(fake.trace(sessionA), ['open', 'apply alice', 'run SELECT 1 as alice', 'run SELECT 3 as alice']);
    assert.deepEqual(fake.trace(sessionB), ['open', 'apply bob', 'run SELECT 2 as bob', 'run SELECT 4 as bob']);
    assert.deepEqual(fake.disagreements(), []);
  });

  it('one worksheet stopping, failing or losing its connection leaves the other untouched', async () => {
    const { fake, registry } = setup();
    const a = registry.create(PROFILE);
    const b = registry.create(PROFILE);
    await a.impersonate('alice');
    await b.impersonate('bob');
    const sessionB = b.snapshot().sessionId ?? '';

    await a.stopImpersonating();
    fake.failNext('apply');
    await assert.rejects(a.impersonate('carol'));
    fake.session(a.snapshot().sessionId ?? '').kill();

    assert.deepEqual(b.identity, { kind: 'impersonating', user: 'bob', since: (b.identity as { since: number }).since, assurance: 'applied' });
    const [outcome] = await run(b, 'SELECT 1');
    assert.equal(ranAs(outcome), 'bob');
    assert.deepEqual(fake.trace(sessionB), ['open', 'apply bob', 'run SELECT 1 as bob'], 'no re-apply, no clear on the other session');

    const [fromA] = await run(a, 'SELECT 2');
    assert.equal(ranAs(fromA), null);
    assert.deepEqual(fake.disagreements(), []);
  });
});
