import * as assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { PlatformError } from '../../src/platforms/errors';
import type { RunObserver, StatementOutcome } from '../../src/worksheets/run-types';
import { Worksheet } from '../../src/worksheets/worksheet';
import { YourselfResults } from '../../src/worksheets/yourself-results';
import { deferred, FakePlatform, PROFILE } from './fakes/fake-platform';

const COUNT = 'SELECT count(*) FROM public.notes';
const COUNT_COLUMNS = [{ name: 'count', type: 'int8' }];

function setup() {
  const fake = new FakePlatform();
  const clock = { now: 1_000 };
  const ws = new Worksheet('ws-same', { loadDriver: async () => fake, getSecret: async () => ({ password: 'not-a-real-password' }), logger: silentLogger, now: () => clock.now }, PROFILE);
  // A table without a policy: everyone gets the same answer.
  fake.script(COUNT, { columns: COUNT_COLUMNS, batches: [[['3']]] });
  const run = async (sql: string, observer?: RunObserver): Promise<StatementOutcome> => {
    const [outcome] = await ws.run([{ text: sql }], observer).outcomes;
    return outcome;
  };
  return { fake, ws, clock, run };
}

function flag(outcome: StatementOutcome): unknown {
  assert.equal(outcome.status, 'succeeded', `expected success, got ${outcome.status}`);
  return (outcome as Extract<StatementOutcome, { status: 'succeeded' }>).sameAsYourself;
}

describe('same result as yourself', () => {
  it('flags a run as bob that returns exactly what yourself got, naming when yourself ran it', async () => {
    const h = setup();
    h.clock.now = 5_000;
    assert.equal(flag(await h.run(COUNT)), undefined, 'a run as yourself is never flagged');
    await h.ws.impersonate('bob');
    h.clock.now = 9_000;
    assert.deepEqual(flag(await h.run(COUNT)), { at: 5_000, rows: 1 });
  });

  it('matches the statement as sent, give or take surrounding whitespace', async () => {
    const h = setup();
    h.fake.script(`${COUNT}\n`, { columns: COUNT_COLUMNS, batches: [[['3']]] });
    await h.run(`  ${COUNT}\n`);
    await h.ws.impersonate('bob');
    assert.ok(flag(await h.run(COUNT)));
    h.fake.script('SELECT  count(*)  FROM public.notes', { columns: COUNT_COLUMNS, batches: [[['3']]] });
    assert.equal(flag(await h.run('SELECT  count(*)  FROM public.notes')), undefined, 'inner whitespace is part of the statement');
  });

  it('does not flag different rows (the fake answers each SELECT with whom it ran as)', async () => {
    const h = setup();
    await h.run('SELECT current_user');
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run('SELECT current_user')), undefined);
  });

  it('does not flag a run as yourself after bob, nor bob when yourself never ran the statement', async () => {
    const h = setup();
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run(COUNT)), undefined, 'nothing to compare with yet');
    await h.ws.stopImpersonating();
    assert.equal(flag(await h.run(COUNT)), undefined, 'yourself after bob');
  });

  it('remembers nothing from a run that asks for no digest (a Compare as… side), so a later run as bob is not flagged', async () => {
    const h = setup();
    const [own] = await h.ws.run([{ text: COUNT, digest: false }]).outcomes;
    assert.equal(flag(own), undefined);
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run(COUNT)), undefined, 'no digest of yourself\u2019s run was kept');
    const [bob] = await h.ws.run([{ text: COUNT, digest: false }]).outcomes;
    assert.equal(flag(bob), undefined, 'and a run without a digest is never flagged');
  });

  it('does not flag identical empty results', async () => {
    const h = setup();
    h.fake.script('SELECT * FROM t WHERE false', { columns: COUNT_COLUMNS, batches: [] });
    await h.run('SELECT * FROM t WHERE false');
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run('SELECT * FROM t WHERE false')), undefined);
  });

  it('forgets when the worksheet is bound to another connection, or its profile changes', async () => {
    const h = setup();
    await h.run(COUNT);
    await h.ws.bind({ ...PROFILE });
    await h.ws.impersonate('bob');
    assert.ok(flag(await h.run(COUNT)), 'binding the same profile again keeps what it knows');
    await h.ws.bind({ ...PROFILE, name: 'other' });
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run(COUNT)), undefined, 'another connection');
    await h.ws.stopImpersonating();
    await h.run(COUNT);
    await h.ws.bind({ ...PROFILE, name: 'other', host: 'elsewhere' });
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run(COUNT)), undefined, 'the same name pointing at another server');
  });

  it('remembers only runs that ended completely, and flags only those', async () => {
    const h = setup();
    h.fake.script('SELECT n FROM big', { columns: COUNT_COLUMNS, batches: [[['1']], [['2']]] });
    // Yourself, cancelled after the first batch: not remembered.
    const firstBatch = deferred();
    const hold = deferred();
    const handle = h.ws.run([{ text: 'SELECT n FROM big' }], {
      rows: () => {
        firstBatch.resolve();
        return hold.promise;
      },
    });
    await firstBatch.promise;
    handle.cancel();
    const [cancelled] = await handle.outcomes;
    assert.equal(cancelled.status, 'cancelled');
    hold.resolve();
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run('SELECT n FROM big')), undefined, 'the cancelled run as yourself compares with nothing');

    // Yourself complete; bob cancelled: no flag on a partial result, and the memory stays.
    await h.ws.stopImpersonating();
    await h.run('SELECT n FROM big');
    await h.ws.impersonate('bob');
    const again = deferred();
    const bobHandle = h.ws.run([{ text: 'SELECT n FROM big' }], {
      rows: () => {
        again.resolve();
        return new Promise<void>(() => undefined);
      },
    });
    await again.promise;
    bobHandle.cancel();
    const [bobCancelled] = await bobHandle.outcomes;
    assert.deepEqual(bobCancelled.status, 'cancelled');
    assert.equal('sameAsYourself' in bobCancelled, false);
    assert.ok(flag(await h.run('SELECT n FROM big')), 'complete again: flagged');
  });

  it('does not flag a failed run, nor a statement without a result set', async () => {
    const h = setup();
    await h.run('UPDATE t SET x = 1');
    await h.run(COUNT);
    await h.ws.impersonate('bob');
    assert.equal(flag(await h.run('UPDATE t SET x = 1')), undefined);
    h.fake.script(COUNT, { columns: COUNT_COLUMNS, batches: [[['3']]], error: new PlatformError('server', 'permission denied for table notes') });
    const failed = await h.run(COUNT);
    assert.equal(failed.status, 'failed');
    assert.equal('sameAsYourself' in failed, false);
  });

  it('a result too large to fingerprint as yourself forgets the earlier one', () => {
    const memory = new YourselfResults();
    const yourself = { profileName: 'p', ranAs: { kind: 'yourself' } as const, startedAt: 1 };
    const bob = { profileName: 'p', ranAs: { kind: 'impersonating', user: 'bob', assurance: 'applied' } as const, startedAt: 2 };
    const digest = { kind: 'digest', digest: 'abc', rows: 2 } as const;
    memory.settle(yourself, 'SELECT 1', digest);
    assert.deepEqual(memory.settle(bob, 'SELECT 1', digest), { at: 1, rows: 2 });
    memory.settle(yourself, 'SELECT 1', { kind: 'too-large' });
    assert.equal(memory.settle(bob, 'SELECT 1', digest), undefined);
    assert.equal(memory.settle(bob, 'SELECT 1', { kind: 'too-large' }), undefined);
  });

  it('keeps the last 200 statements, least recently used out first', () => {
    const memory = new YourselfResults(3);
    const fingerprint = (digest: string) => ({ kind: 'digest', digest, rows: 1 }) as const;
    for (const statement of ['a', 'b', 'c']) memory.remember('p', statement, fingerprint(statement), 1);
    assert.ok(memory.match('p', 'a', fingerprint('a')), 'a is used again');
    memory.remember('p', 'd', fingerprint('d'), 1);
    assert.equal(memory.size, 3);
    assert.equal(memory.match('p', 'b', fingerprint('b')), undefined, 'b was the least recently used');
    assert.ok(memory.match('p', 'a', fingerprint('a')));
    assert.equal(memory.match('q', 'a', fingerprint('a')), undefined, 'another profile name');
    assert.equal(new YourselfResults().settle({ profileName: 'p', ranAs: { kind: 'yourself' }, startedAt: 1 }, 'x', undefined), undefined);
  });
});

