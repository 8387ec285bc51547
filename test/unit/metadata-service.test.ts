import * as assert from 'node:assert/strict';
import { MetadataService } from '../../src/metadata/metadata-service';
import type { MetadataScope, LevelResult } from '../../src/metadata/types';
import type { RedshiftProfile } from '../../src/platforms/types';
import { WorksheetError } from '../../src/worksheets/errors';
import { FAKE_QUERIES, fakeTimers, fakeWorld, schema, table, type FakeWorksheet, type FakeWorld } from './metadata-fakes';

const PROFILE = { name: 'lab', platform: 'redshift', host: 'localhost', port: 5439, database: 'dev', user: 'governor' } as RedshiftProfile;
const YOU: MetadataScope = { profile: PROFILE, user: undefined };
const BOB: MetadataScope = { profile: PROFILE, user: 'bob@example.com' };

function names(result: LevelResult): string[] {
  assert.equal(result.kind, 'nodes', result.kind === 'nodes' ? '' : `${result.kind}: ${result.message}`);
  return result.kind === 'nodes' ? result.nodes.map((node) => node.name) : [];
}

function world(): FakeWorld {
  const fake = fakeWorld();
  fake.answers.set('schemas', { rows: [['public'], ['sales']] });
  fake.answers.set('tables of sales', { rows: [['customers', 'TABLE'], ['orders', 'VIEW']] });
  fake.answers.set('columns of sales.customers', { rows: [['id', 'integer'], ['full_name', 'text']] });
  return fake;
}

function service(fake: FakeWorld, options: { idleMs?: number; maxEntries?: number; timers?: ReturnType<typeof fakeTimers> } = {}): MetadataService<FakeWorksheet> {
  return new MetadataService({ sessions: fake.sessions, queries: () => FAKE_QUERIES, timers: options.timers ?? fakeTimers(), ...options });
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = () => undefined as void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('metadata service: one session per scope, levels cached', () => {
  it('lists level by level through one session of its own, and answers a loaded level from the cache without the server', async () => {
    const fake = world();
    const meta = service(fake);
    assert.deepEqual(names(await meta.children(YOU, undefined)), ['public', 'sales']);
    const tables = await meta.children(YOU, schema('sales'));
    assert.deepEqual(tables.kind === 'nodes' ? tables.nodes.map((node) => `${node.kind} ${node.path.join('.')}`) : tables, ['table sales.customers', 'view sales.orders']);
    assert.deepEqual(names(await meta.children(YOU, undefined)), ['public', 'sales']);
    assert.deepEqual(meta.cached(YOU, schema('sales'))?.map((node) => node.name), ['customers', 'orders']);
    assert.equal(meta.cached(YOU, table('sales', 'customers')), undefined, 'a level never asked for is not cached');
    assert.deepEqual(fake.log, ['open 1', 'run 1 schemas', 'run 1 tables of sales']);
  });

  it('gives yourself and bob a session each; bob\u2019s impersonates before its first catalog statement', async () => {
    const fake = world();
    const meta = service(fake);
    await meta.children(YOU, undefined);
    await meta.children(BOB, undefined);
    await meta.children(BOB, schema('sales'));
    assert.deepEqual(fake.log, ['open 1', 'run 1 schemas', 'open 2', 'impersonate 2 bob@example.com', 'run 2 schemas', 'run 2 tables of sales']);
    assert.equal(meta.openSessions(), 2);
  });

  it('lists nothing for an identity it cannot impersonate (unverified, with the server\u2019s words), and sends no catalog statement', async () => {
    const fake = world();
    fake.refused.set('nobody@example.com', 'Immuta: no Immuta user named nobody@example.com');
    const meta = service(fake);
    const nobody: MetadataScope = { profile: PROFILE, user: 'nobody@example.com' };
    const [top, again] = [await meta.children(nobody, undefined), await meta.children(nobody, schema('sales'))];
    assert.equal(top.kind, 'unverified');
    assert.match(top.kind === 'unverified' ? top.message : '', /^Immuta: no Immuta user named nobody@example\.com\b/);
    assert.equal(again.kind, 'unverified');
    assert.equal(meta.cached(nobody, undefined), undefined);
    assert.deepEqual(fake.log, ['open 1', 'impersonate 1 nobody@example.com', 'close 1'], 'one attempt, then the worksheet is closed; nothing ran');
    assert.equal(fake.open(), 0);
    // Refresh tries the identity again.
    fake.refused.clear();
    meta.invalidate(nobody);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(names(await meta.children(nobody, undefined)), ['public', 'sales']);
  });

  it('shows a failing level\u2019s server message on that level, and the next level still loads', async () => {
    const fake = world();
    fake.answers.set('tables of public', { error: 'permission denied for schema public' });
    const meta = service(fake);
    await meta.children(YOU, undefined);
    const failed = await meta.children(YOU, schema('public'));
    assert.equal(failed.kind, 'failed');
    assert.match(failed.kind === 'failed' ? failed.message : '', /permission denied for schema public/);
    assert.deepEqual(names(await meta.children(YOU, schema('sales'))), ['customers', 'orders']);
    assert.deepEqual(meta.cachedLevel(YOU, schema('public')), failed, 'the failure stays on its node until a refresh');
  });

  it('lists nothing once the session can no longer vouch for its identity, and closes that session', async () => {
    const fake = world();
    fake.answers.set('tables of public', { refused: new WorksheetError('impersonation-not-established', 'Impersonation of bob@example.com could not be re-applied after a reconnect.') });
    const meta = service(fake);
    await meta.children(BOB, undefined);
    const result = await meta.children(BOB, schema('public'));
    assert.deepEqual(result, { kind: 'unverified', message: 'Impersonation of bob@example.com could not be re-applied after a reconnect.' });
    assert.equal(fake.open(), 0, 'the session was closed');
    assert.deepEqual(names(await meta.children(BOB, schema('sales'))), ['customers', 'orders'], 'the next level opens a new session, impersonated again');
    assert.deepEqual(fake.log.filter((line) => line.startsWith('impersonate')), ['impersonate 1 bob@example.com', 'impersonate 2 bob@example.com']);
  });

  it('shares one load between concurrent requests for the same level', async () => {
    const fake = world();
    const gate = deferred();
    fake.answers.set('tables of sales', { gate: gate.promise, rows: [['customers']] });
    const meta = service(fake);
    const loads = [meta.children(YOU, schema('sales')), meta.children(YOU, schema('sales')), meta.children(YOU, schema('sales'))];
    meta.prefetch(YOU, schema('sales'));
    gate.release();
    const results = await Promise.all(loads);
    assert.deepEqual(results.map(names), [['customers'], ['customers'], ['customers']]);
    assert.equal(fake.log.filter((line) => line.startsWith('run')).length, 1);
  });

  it('keeps the first entries of a level that has too many, says so, and stops reading', async () => {
    const fake = world();
    fake.answers.set('schemas', { rows: [['a'], ['b'], ['c'], ['d'], ['e'], ['f']] });
    const meta = service(fake, { maxEntries: 3 });
    const result = await meta.children(YOU, undefined);
    assert.deepEqual(result, { kind: 'nodes', truncated: true, nodes: ['a', 'b', 'c'].map(schema) });
    assert.ok(fake.log.includes('cancel 1'), 'the rest of the level was not read');
    const small = service(world(), { maxEntries: 3 });
    assert.deepEqual(await small.children(YOU, undefined), { kind: 'nodes', nodes: ['public', 'sales'].map(schema) }, 'a level within the bound is not marked');
  });

  it('forgets a level and everything below it, not its siblings, and reloads it when asked again', async () => {
    const fake = world();
    fake.answers.set('tables of public', { rows: [['notes']] });
    const meta = service(fake);
    await meta.children(YOU, schema('sales'));
    await meta.children(YOU, schema('public'));
    await meta.children(YOU, table('sales', 'customers'));
    meta.invalidate(YOU, schema('sales'));
    assert.equal(meta.cached(YOU, schema('sales')), undefined);
    assert.equal(meta.cached(YOU, table('sales', 'customers')), undefined);
    assert.deepEqual(meta.cached(YOU, schema('public'))?.map((node) => node.name), ['notes']);
    await meta.children(YOU, schema('sales'));
    assert.equal(fake.log.filter((line) => line === 'run 1 tables of sales').length, 2);
  });

  it('does not cache a level invalidated while it loaded', async () => {
    const fake = world();
    const gate = deferred();
    fake.answers.set('schemas', { gate: gate.promise, rows: [['stale']] });
    const meta = service(fake);
    const loading = meta.children(YOU, undefined);
    await new Promise((resolve) => setImmediate(resolve));
    meta.invalidate(YOU, undefined);
    gate.release();
    assert.deepEqual(names(await loading), ['stale']);
    assert.equal(meta.cached(YOU, undefined), undefined);
  });

  it('prefetches in the background and tells listeners when a level is loaded', async () => {
    const fake = world();
    const meta = service(fake);
    const told: string[] = [];
    meta.onDidLoad((scope, parent) => told.push(`${scope.user ?? 'yourself'}: ${parent?.path.join('.') ?? 'top'}`));
    meta.prefetch(BOB, schema('sales'));
    assert.equal(meta.cached(BOB, schema('sales')), undefined, 'prefetch never waits');
    const deadline = Date.now() + 2000;
    while (meta.cached(BOB, schema('sales')) === undefined) {
      if (Date.now() > deadline) throw new Error(`the prefetched level never arrived; log: ${fake.log.join(', ')}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(told, ['bob@example.com: sales']);
    meta.prefetch(BOB, schema('sales'));
    assert.equal(fake.log.filter((line) => line.startsWith('run')).length, 1, 'a cached level is not fetched again');
  });

  it('cancels the statement when the only caller gives up, and does not cache the level', async () => {
    const fake = world();
    const gate = deferred();
    fake.answers.set('schemas', { gate: gate.promise, rows: [['public']] });
    const meta = service(fake);
    const controller = new AbortController();
    const loading = meta.children(YOU, undefined, controller.signal);
    while (!fake.log.some((line) => line.startsWith('run'))) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    assert.equal((await loading).kind, 'failed');
    assert.ok(fake.log.includes('cancel 1'));
    gate.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(meta.cached(YOU, undefined), undefined);
  });

  it('closes a session idle for the configured time, keeps its levels, and opens a new one for the next load', async () => {
    const fake = world();
    const timers = fakeTimers();
    const meta = service(fake, { idleMs: 1234, timers });
    await meta.children(BOB, undefined);
    assert.deepEqual(timers.pending(), [1234]);
    timers.fireAll();
    while (fake.open() > 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(meta.openSessions(), 0);
    assert.deepEqual(meta.cached(BOB, undefined)?.map((node) => node.name), ['public', 'sales'], 'the cache outlives the session');
    await meta.children(BOB, schema('sales'));
    assert.deepEqual(fake.log, ['open 1', 'impersonate 1 bob@example.com', 'run 1 schemas', 'close 1', 'open 2', 'impersonate 2 bob@example.com', 'run 2 tables of sales']);
  });

  it('starts over when the profile behind a name changed', async () => {
    const fake = world();
    const meta = service(fake);
    await meta.children(YOU, undefined);
    const moved: MetadataScope = { profile: { ...PROFILE, database: 'other' }, user: undefined };
    assert.equal(meta.cached(moved, undefined), undefined, 'another database\u2019s levels are not this one\u2019s');
    await meta.children(moved, undefined);
    assert.deepEqual([...fake.log].sort(), ['close 1', 'open 1', 'open 2', 'run 1 schemas', 'run 2 schemas']);
    assert.equal(fake.open(), 1, 'the old database\u2019s session is closed');
  });

  it('closes every session on dispose and answers nothing after', async () => {
    const fake = world();
    const meta = service(fake);
    await meta.children(YOU, undefined);
    await meta.children(BOB, undefined);
    await meta.dispose();
    assert.equal(fake.open(), 0);
    assert.equal((await meta.children(YOU, schema('sales'))).kind, 'failed');
  });
});
