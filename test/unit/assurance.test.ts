import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { ASSURANCE_LABEL, assuranceFacts, assuranceWarns, describeAssurance, type Assurance } from '../../src/platforms/assurance';
import { PlatformError } from '../../src/platforms/errors';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile, EffectProbe, SynapseProfile } from '../../src/platforms/types';
import { ASSURANCE_WORDS } from '../../src/results/protocol';
import { isWorksheetError } from '../../src/worksheets/errors';
import type { RunStamp, StatementOutcome } from '../../src/worksheets/run-types';
import { Worksheet, type AuditEntry } from '../../src/worksheets/worksheet';
import { FakePlatform, PROFILE } from './fakes/fake-platform';

const PROBE_SQL = 'SELECT effective_user FROM governance.whoami';
const PROBE: EffectProbe = { statement: PROBE_SQL, expect: '{user}' };

const SYNAPSE: SynapseProfile = {
  platform: 'synapse',
  name: 'synapse',
  server: 'fake',
  port: 1433,
  database: 'db',
  user: 'analyst',
  auth: 'sql',
  encrypt: true,
  trustServerCertificate: false,
  userMap: {},
  connectTimeoutMs: 1000,
};

function setup(profile: ConnectionProfile = PROFILE) {
  const fake = new FakePlatform();
  const audits: AuditEntry[] = [];
  const ws = new Worksheet('ws-1', { loadDriver: async () => fake, getSecret: async () => ({ password: 'x' }), logger: silentLogger, now: () => 1_000 }, profile);
  ws.onDidAudit((entry) => audits.push(entry));
  fake.identityProbe = () => ws.identity;
  return {
    fake,
    ws,
    audits,
    run: (...sql: string[]) => ws.run(sql.map((text) => ({ text }))).outcomes,
    /** The statements the server saw, the probe's included. */
    sent: () => fake.statements().map((statement) => statement.sql),
    probeAnswers(...rows: string[]) {
      fake.script(PROBE_SQL, { columns: [{ name: 'effective_user', type: 'text' }], batches: [rows.map((row) => [row])], command: 'SELECT' });
    },
  };
}

function stampOf(outcome: StatementOutcome): RunStamp {
  assert.ok(outcome.status === 'succeeded', `expected a success, got ${outcome.status}`);
  return outcome.stamp;
}

describe('assurance: applied, read back, confirmed', () => {
  describe('what a worksheet reaches', () => {
    it('Redshift reads nothing back where Immuta reads it: applied, even when its read-back matches', async () => {
      const h = setup();
      await h.ws.impersonate('bob');
      assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'applied');
      const [outcome] = await h.run('SELECT 1');
      assert.deepEqual(stampOf(outcome).ranAs, { kind: 'impersonating', user: 'bob', assurance: 'applied' });
      assert.match(stampOf(outcome).assuranceNote ?? '', /^Applied, not confirmed: Immuta documents no way to read impersonation back on Redshift/);
      assert.equal(h.audits.at(-1)?.assurance, 'applied');
    });

    it('Synapse reads SESSION_CONTEXT back: read back', async () => {
      const h = setup(SYNAPSE);
      await h.ws.impersonate('bob');
      assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'read-back');
      assert.equal(h.audits.at(-1)?.assurance, 'read-back');
    });

    it('Synapse with its own readBack statement is only applied, and says why', async () => {
      const h = setup({ ...SYNAPSE, impersonation: { readBack: "SELECT SESSION_CONTEXT(N'other')" } });
      await h.ws.impersonate('bob');
      assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'applied');
    });

    it('a probe that answers the user confirms it, for one statement per apply and none per run', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('bob');
      await h.ws.impersonate('bob');
      assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'confirmed');
      const outcomes = await h.run('SELECT 1', 'SELECT 2', 'SELECT 3');
      assert.deepEqual(outcomes.map((outcome) => stampOf(outcome).ranAs), Array(3).fill({ kind: 'impersonating', user: 'bob', assurance: 'confirmed' }));
      assert.deepEqual(h.sent(), [PROBE_SQL, 'SELECT 1', 'SELECT 2', 'SELECT 3']);
      assert.equal(h.audits.at(-1)?.detail, 'confirmed by the effect probe');
    });

    it('the probe runs again when impersonation is re-applied on a new connection', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('bob');
      await h.ws.impersonate('bob');
      h.fake.lastSession.kill('server restarted');
      const [outcome] = await h.run('SELECT 1');
      assert.equal(outcome.status, 'succeeded');
      assert.deepEqual(h.sent(), [PROBE_SQL, PROBE_SQL, 'SELECT 1']);
      assert.deepEqual(h.fake.trace().filter((line) => line.startsWith('apply')), ['apply bob', 'apply bob']);
    });

    it('a probe expectation may wrap the user: expect "user:{user}"', async () => {
      const h = setup({ ...PROFILE, effectProbe: { statement: PROBE_SQL, expect: 'user:{user}' } });
      h.probeAnswers('user:bob');
      await h.ws.impersonate('bob');
      assert.equal(h.ws.identity.kind === 'impersonating' && h.ws.identity.assurance, 'confirmed');
    });
  });

  describe('a probe that disagrees fails closed', () => {
    const wrongAnswers: readonly [string, (h: ReturnType<typeof setup>) => void, RegExp][] = [
      ['answers as yourself', (h) => h.probeAnswers('analyst@example.com'), /answered "analyst@example\.com", but "bob" was expected/],
      ['returns no rows', (h) => h.probeAnswers(), /answered no rows/],
      ['returns several rows (the first happening to be the user)', (h) => h.probeAnswers('bob', 'carol'), /answered 2 rows \(it must return one\)/],
      ['fails', (h) => h.fake.script(PROBE_SQL, { error: new PlatformError('server', 'relation "governance.whoami" does not exist') }), /answered an error \(relation "governance\.whoami" does not exist\)/],
    ];
    for (const [what, arrange, message] of wrongAnswers) {
      it(`when it ${what}: the change is refused, the identity is unknown and nothing runs`, async () => {
        const h = setup({ ...PROFILE, effectProbe: PROBE });
        arrange(h);
        await assert.rejects(h.ws.impersonate('bob'), (error: unknown) => isWorksheetError(error) && error.kind === 'probe-disagrees' && message.test(error.message));
        assert.equal(h.ws.identity.kind, 'unknown');
        assert.equal(h.ws.identity.kind === 'unknown' && h.ws.identity.cause, 'probe');
        assert.equal(h.ws.identity.kind === 'unknown' && h.ws.identity.intendedUser, 'bob');
        const [outcome] = await h.run('SELECT secret FROM t');
        assert.equal(outcome.status, 'failed');
        assert.deepEqual(h.sent(), [PROBE_SQL], 'only the probe reached the server');
        assert.equal(h.audits.at(-1)?.outcome, 'failed');
      });
    }

    it('Verify reports the disagreement, and confirms once the probe agrees', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('analyst@example.com');
      await assert.rejects(h.ws.impersonate('bob'));
      assert.deepEqual(await h.ws.verify(), { kind: 'probe-disagrees', user: 'bob', expected: 'bob', answer: '"analyst@example.com"' });
      h.probeAnswers('bob');
      assert.deepEqual(await h.ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'confirmed' });
      const [outcome] = await h.run('SELECT 1');
      assert.deepEqual(stampOf(outcome).ranAs, { kind: 'impersonating', user: 'bob', assurance: 'confirmed' });
    });

    it('a probe that starts disagreeing on Verify stops the runs', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('bob');
      await h.ws.impersonate('bob');
      h.probeAnswers('analyst@example.com');
      assert.equal((await h.ws.verify()).kind, 'probe-disagrees');
      const [outcome] = await h.run('SELECT 1');
      assert.equal(outcome.status, 'failed');
      assert.ok(outcome.status === 'failed' && isWorksheetError(outcome.error) && outcome.error.kind === 'identity-unknown');
      assert.match(outcome.status === 'failed' ? outcome.error.message : '', /effect probe answered "analyst@example\.com"/);
    });

    it('Verify after a lost session re-applies and reports a disagreeing probe as its answer, not as a failure', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('bob');
      await h.ws.impersonate('bob');
      h.fake.lastSession.kill('server restarted');
      h.probeAnswers('analyst@example.com');
      assert.deepEqual(await h.ws.verify(), { kind: 'probe-disagrees', user: 'bob', expected: 'bob', answer: '"analyst@example.com"' });
      assert.equal(h.ws.identity.kind === 'unknown' && h.ws.identity.cause, 'probe');
      assert.deepEqual(h.audits.at(-1) && [h.audits.at(-1)?.action, h.audits.at(-1)?.outcome], ['verify', 'failed']);
      const [outcome] = await h.run('SELECT 1');
      assert.ok(outcome.status === 'failed' && isWorksheetError(outcome.error) && outcome.error.kind === 'identity-unknown');
      assert.deepEqual(h.sent(), [PROBE_SQL, PROBE_SQL], 'only the probes reached the server');
    });

    it('stopping impersonation after a disagreement runs as yourself again', async () => {
      const h = setup({ ...PROFILE, effectProbe: PROBE });
      h.probeAnswers('nobody');
      await assert.rejects(h.ws.impersonate('bob'));
      await h.ws.stopImpersonating();
      assert.deepEqual(h.ws.identity, { kind: 'yourself' });
      const [outcome] = await h.run('SELECT 1');
      assert.deepEqual(stampOf(outcome).ranAs, { kind: 'yourself' });
    });
  });

  describe('the words per platform', () => {
    const profiles: readonly [string, ConnectionProfile, Assurance][] = [
      ['Redshift', PROFILE, 'applied'],
      ['Synapse', SYNAPSE, 'read-back'],
      ['Trino (session property)', trino('session-property', 'immuta.immuta_user'), 'read-back'],
      ['Trino (native)', trino('native', 'immuta.immuta_user'), 'read-back'],
      ['Trino (another property)', trino('session-property', 'tenant.user'), 'applied'],
      ['Snowflake', snowflake(), 'applied'],
      ['Databricks', databricks(), 'applied'],
    ];
    for (const [name, profile, withoutProbe] of profiles) {
      it(`${name}: reaches ${withoutProbe} without a probe and confirmed with one`, () => {
        const facts = assuranceFacts(profile);
        assert.equal(facts.withoutProbe, withoutProbe);
        assert.equal(facts.ceiling, withoutProbe);
        assert.ok(facts.why.length > 0);
        assert.match(facts.why, /effect probe/);
        const probed = assuranceFacts({ ...profile, effectProbe: PROBE });
        assert.equal(probed.ceiling, 'confirmed');
        assert.equal(probed.why, '');
      });
    }

    it('"verified" is never said, and "applied" always says why', () => {
      for (const [, profile] of profiles) {
        for (const level of ['applied', 'read-back', 'confirmed'] as const) {
          const text = describeAssurance(level, assuranceFacts(profile), 'bob');
          assert.doesNotMatch(text, /verified/i);
          assert.ok(text.toLowerCase().startsWith(ASSURANCE_LABEL[level].split(' ')[0]), text);
        }
      }
    });

    it('Snowflake and Databricks name what is unconfirmed', () => {
      assert.match(assuranceFacts(snowflake()).why, /Immuta publishes no impersonation statement for Snowflake.*\$IMMUTA_IMP_USER/);
      assert.match(assuranceFacts(databricks()).why, /Immuta publishes no impersonation statement for Databricks Spark.*immuta\.impersonate\.user/);
    });

    it('warns below what the connection can reach, and on an undocumented statement until confirmed', () => {
      assert.equal(assuranceWarns('applied', assuranceFacts(PROFILE)), false, 'Redshift: applied is all it can reach, by a documented statement');
      assert.equal(assuranceWarns('read-back', assuranceFacts(SYNAPSE)), false);
      assert.equal(assuranceWarns('applied', assuranceFacts(SYNAPSE)), true);
      assert.equal(assuranceWarns('applied', assuranceFacts(snowflake())), true);
      assert.equal(assuranceWarns('confirmed', assuranceFacts({ ...snowflake(), effectProbe: PROBE })), false);
      assert.equal(assuranceWarns('applied', assuranceFacts(databricks())), true);
    });

    it('the webview prints the levels with the same words as the host', () => {
      assert.deepEqual(ASSURANCE_WORDS, ASSURANCE_LABEL);
    });
  });

  describe('the effectProbe setting', () => {
    const read = () => {
      throw new Error('no files');
    };
    it('reads a statement and an expected answer (default {user})', () => {
      const parsed = parseProfile({ name: 'r', platform: 'redshift', host: 'h', user: 'u', effectProbe: { statement: PROBE_SQL } }, 'c[0]', read);
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.profile.effectProbe, { statement: PROBE_SQL, expect: '{user}' });
    });

    it('refuses {user} in the statement (it is sent as written)', () => {
      const parsed = parseProfile({ name: 'r', platform: 'redshift', host: 'h', user: 'u', effectProbe: { statement: "SELECT '{user}'" } }, 'c[0]', read);
      assert.ok(!parsed.ok);
      assert.match(parsed.problems[0], /^c\[0\]\.effectProbe\.statement must not contain \{user\}/);
    });

    it('refuses an expectation without {user}, and a missing statement, naming the setting', () => {
      const parsed = parseProfile({ name: 'r', platform: 'redshift', host: 'h', user: 'u', effectProbe: { expect: 'bob' } }, 'c[0]', read);
      assert.ok(!parsed.ok);
      assert.deepEqual(parsed.problems, [
        'c[0].effectProbe.statement must be a non-empty string (it is missing).',
        'c[0].effectProbe.expect must contain {user}, the impersonated user, or the probe could not tell one user from another.',
      ]);
    });
  });
});

function trino(mode: 'native' | 'session-property', property: string): ConnectionProfile {
  return {
    platform: 'trino',
    name: `trino-${mode}`,
    server: 'https://fake',
    user: 'analyst',
    auth: 'none',
    impersonationMode: mode,
    impersonationProperty: property,
    tls: { verify: true },
    source: 'test',
    requestTimeoutMs: 1000,
  };
}

function snowflake(): ConnectionProfile {
  return {
    platform: 'snowflake',
    name: 'snowflake',
    account: 'acct',
    user: 'analyst',
    auth: 'password',
    impersonationRole: 'IMMUTA_IMPERSONATION',
    impersonationVariable: 'IMMUTA_IMP_USER',
    keepAlive: false,
    connectTimeoutMs: 1000,
  };
}

function databricks(): ConnectionProfile {
  return {
    platform: 'databricks',
    name: 'databricks',
    host: 'fake',
    port: 443,
    httpPath: '/sql',
    auth: 'token',
    unityCatalog: false,
    tls: { verify: true },
    connectTimeoutMs: 1000,
  };
}

describe('assurance: Verify on a session that ended unnoticed', () => {
  it('reopens, re-applies and probes instead of failing when the read-back was never sent', async () => {
    const fake = new FakePlatform();
    const ws = new Worksheet('ws-2', { loadDriver: async () => fake, getSecret: async () => ({ password: 'x' }), logger: silentLogger, now: () => 1_000 }, { ...PROFILE, effectProbe: PROBE });
    fake.script(PROBE_SQL, { columns: [{ name: 'effective_user', type: 'text' }], batches: [[['bob']]], command: 'SELECT' });
    await ws.impersonate('bob');
    fake.failNext('readBack', new PlatformError('connection-lost', 'The connection was already closed; the statement was not sent.', { notSent: true }));
    assert.deepEqual(await ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'confirmed' });
    assert.equal(fake.sessions.length, 2, 'a new session was opened');
    assert.deepEqual(fake.trace(fake.sessions[1].id).filter((line) => line.startsWith('apply')), ['apply bob']);
  });
});

describe('assurance: Verify without a read-back after a probe stopped the worksheet', () => {
  it('with the probe removed, vouches for what the worksheet applied on that session: applied', async () => {
    const fake = new FakePlatform();
    fake.readBackAvailable = false;
    const ws = new Worksheet('ws-3', { loadDriver: async () => fake, getSecret: async () => ({ password: 'x' }), logger: silentLogger, now: () => 1_000 }, { ...PROFILE, effectProbe: PROBE });
    fake.script(PROBE_SQL, { columns: [{ name: 'effective_user', type: 'text' }], batches: [[['someone else']]], command: 'SELECT' });
    await assert.rejects(ws.impersonate('bob'));
    assert.equal(ws.identity.kind, 'unknown');
    assert.equal(await ws.adoptEffectProbe(PROFILE), true);
    assert.equal(ws.identity.kind, 'unknown', 'removing the probe does not resolve the doubt by itself');
    assert.deepEqual(await ws.verify(), { kind: 'impersonating', user: 'bob', assurance: 'applied' });
  });
});
