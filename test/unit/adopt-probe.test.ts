/**
 * A probe set while worksheets are open reaches them at once (Set Effect Probe… offers Verify
 * Now right after saving): the session and the identity stay, a confirmation by the old probe
 * does not outlive it, and any other edit of the connection is not slipped in this way.
 */
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import type { ConnectionProfile, EffectProbe } from '../../src/platforms/types';
import { differsOnlyInProbe } from '../../src/worksheets/effect-probe';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { FakePlatform, PROFILE } from './fakes/fake-platform';

const PROBE_SQL = 'SELECT user_name FROM governance.immuta_whoami';
const PROBE: EffectProbe = { statement: PROBE_SQL, expect: '{user}' };

function setup() {
  const fake = new FakePlatform();
  const registry = new WorksheetRegistry({ loadDriver: async () => fake, getSecret: async () => ({ password: 'x' }), logger: silentLogger, now: () => 1_000 });
  return {
    fake,
    registry,
    answers(...rows: string[]) {
      fake.script(PROBE_SQL, { columns: [{ name: 'user_name', type: 'text' }], batches: [rows.map((row) => [row])], command: 'SELECT' });
    },
    sent: () => fake.statements().map((statement) => statement.sql),
  };
}

describe('a worksheet takes its connection\u2019s new effect probe', () => {
  it('keeps its session and identity; Verify then runs the new probe and confirms', async () => {
    const h = setup();
    const ws = h.registry.create(PROFILE);
    await ws.impersonate('bob');
    assert.equal(ws.identity.kind === 'impersonating' && ws.identity.assurance, 'applied');
    const session = h.fake.lastSession;
    assert.equal(await h.registry.adoptEffectProbes([{ ...PROFILE, effectProbe: PROBE }]), 1);
    assert.deepEqual(ws.profile?.effectProbe, PROBE);
    assert.equal(ws.identity.kind === 'impersonating' && ws.identity.assurance, 'applied', 'not confirmed before the probe ran');
    h.answers('bob');
    assert.deepEqual(await ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'confirmed' });
    assert.equal(h.fake.sessions.length, 1, 'no new session was opened');
    assert.equal(h.fake.lastSession, session);
    assert.deepEqual(h.sent(), [PROBE_SQL]);
  });

  it('a confirmation by the old probe does not outlive it: removed, the level falls back to what the connection reaches', async () => {
    const h = setup();
    const ws = h.registry.create({ ...PROFILE, effectProbe: PROBE });
    h.answers('bob');
    await ws.impersonate('bob');
    assert.equal(ws.identity.kind === 'impersonating' && ws.identity.assurance, 'confirmed');
    assert.equal(await h.registry.adoptEffectProbes([PROFILE]), 1);
    assert.equal(ws.profile?.effectProbe, undefined);
    assert.equal(ws.identity.kind === 'impersonating' && ws.identity.assurance, 'applied');
  });

  it('a changed probe needs to run before it confirms anything', async () => {
    const h = setup();
    const ws = h.registry.create({ ...PROFILE, effectProbe: PROBE });
    h.answers('bob');
    await ws.impersonate('bob');
    const other: EffectProbe = { statement: 'SELECT who FROM other.whoami', expect: '{user}@example.com' };
    assert.equal(await h.registry.adoptEffectProbes([{ ...PROFILE, effectProbe: other }]), 1);
    assert.equal(ws.identity.kind === 'impersonating' && ws.identity.assurance, 'applied');
  });

  it('a worksheet the old probe stopped stays stopped until Verify runs the new one', async () => {
    const h = setup();
    const ws = h.registry.create({ ...PROFILE, effectProbe: PROBE });
    h.answers('governor');
    await assert.rejects(ws.impersonate('bob'));
    const fixed: EffectProbe = { statement: 'SELECT fixed FROM governance.whoami', expect: '{user}' };
    assert.equal(await h.registry.adoptEffectProbes([{ ...PROFILE, effectProbe: fixed }]), 1);
    assert.equal(ws.identity.kind === 'unknown' && ws.identity.cause, 'probe');
    const [refused] = await ws.run([{ text: 'SELECT 1' }]).outcomes;
    assert.equal(refused.status, 'failed', 'still refused');
    h.fake.script('SELECT fixed FROM governance.whoami', { columns: [{ name: 'fixed', type: 'text' }], batches: [[['bob']]], command: 'SELECT' });
    assert.deepEqual(await ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'confirmed' });
    const [ran] = await ws.run([{ text: 'SELECT 1' }]).outcomes;
    assert.equal(ran.status, 'succeeded');
  });

  it('only worksheets on that connection whose probe changed take it', async () => {
    const h = setup();
    const a = h.registry.create(PROFILE);
    const b = h.registry.create(PROFILE);
    const other = h.registry.create({ ...PROFILE, name: 'other' });
    const unbound = h.registry.create();
    assert.equal(await h.registry.adoptEffectProbes([{ ...PROFILE, effectProbe: PROBE }]), 2);
    assert.deepEqual([a, b, other, unbound].map((ws) => ws.profile?.effectProbe), [PROBE, PROBE, undefined, undefined]);
    assert.equal(await h.registry.adoptEffectProbes([{ ...PROFILE, effectProbe: { ...PROBE } }]), 0, 'the same probe again changes nothing');
  });

  it('an edit beyond the probe is not taken this way: the worksheet keeps the profile it connected with', async () => {
    const h = setup();
    const ws = h.registry.create(PROFILE);
    const moved: ConnectionProfile = { ...PROFILE, host: 'elsewhere.example.com', effectProbe: PROBE };
    assert.equal(await h.registry.adoptEffectProbes([moved]), 0);
    assert.equal(ws.profile, PROFILE);
    assert.equal(differsOnlyInProbe(PROFILE, moved), false);
    assert.equal(differsOnlyInProbe(PROFILE, { ...PROFILE, tls: { mode: 'disable' }, effectProbe: PROBE }), true, 'equal nested values count as equal');
  });
});
