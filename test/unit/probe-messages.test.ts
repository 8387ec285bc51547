import * as assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { PlatformError } from '../../src/platforms/errors';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile, EffectProbe } from '../../src/platforms/types';
import { probeRefusal, shownConnections, unconfirmedNoticeFor, type UnconfirmedNotice } from '../../src/ui/probe-messages';
import { WorksheetError } from '../../src/worksheets/errors';
import { Worksheet, type AuditEntry } from '../../src/worksheets/worksheet';
import { FakePlatform, PROFILE } from './fakes/fake-platform';

const PROBE_SQL = 'SELECT user_name FROM governance.immuta_whoami';
const PROBE: EffectProbe = { statement: PROBE_SQL, expect: '{user}' };

function profile(entry: Record<string, unknown>): ConnectionProfile {
  const parsed = parseProfile(entry, 'immutaWorksheets.connections[0]', () => '');
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
  return parsed.profile;
}

const SNOWFLAKE = profile({ name: 'sf', platform: 'snowflake', account: 'acct', user: 'governor', auth: 'password' });
const DATABRICKS = profile({ name: 'dbx', platform: 'databricks', host: 'h.example.com', httpPath: '/sql/1', auth: 'token' });
const REDSHIFT = profile({ name: 'rs', platform: 'redshift', host: 'db.example.com', user: 'governor' });
const REDSHIFT_OWN_SET = profile({ name: 'rs-own', platform: 'redshift', host: 'db.example.com', user: 'governor', impersonation: { set: 'CALL my.impersonate({user})' } });
const TRINO = profile({ name: 'trino', platform: 'trino', server: 'https://trino.example.com', user: 'governor', auth: 'basic' });

function entry(of: ConnectionProfile, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { at: 1, worksheetId: 'ws-1', profileName: of.name, platform: of.platform, action: 'apply', user: 'bob', outcome: 'ok', assurance: 'applied', ...overrides };
}

/** What the extension does with globalState: decide, and remember a notice once shown. */
function observeAll(entries: readonly [AuditEntry, ConnectionProfile | undefined][]): UnconfirmedNotice[] {
  let stored: unknown = undefined;
  const shownNotices: UnconfirmedNotice[] = [];
  for (const [audit, bound] of entries) {
    const shown = shownConnections(stored);
    const notice = unconfirmedNoticeFor(audit, bound, shown);
    if (notice) {
      stored = [...shown, notice.connection];
      shownNotices.push(notice);
    }
  }
  return shownNotices;
}

describe('effect probe messages', () => {
  describe('the one-time notice on an unconfirmed connection', () => {
    it('the first impersonation on Snowflake, Databricks or a custom template says it is applied, not confirmed', () => {
      for (const unconfirmed of [SNOWFLAKE, DATABRICKS, REDSHIFT_OWN_SET]) {
        const notice = unconfirmedNoticeFor(entry(unconfirmed), unconfirmed, []);
        assert.ok(notice, unconfirmed.name);
        assert.equal(notice.connection, unconfirmed.name);
        assert.match(notice.message, new RegExp(`^Impersonation on "${unconfirmed.name}" is applied, not confirmed\\. .*An effect probe on this connection would confirm it\\.$`));
      }
      assert.match(unconfirmedNoticeFor(entry(SNOWFLAKE), SNOWFLAKE, [])?.message ?? '', /session variable \$IMMUTA_IMP_USER/);
    });

    it('says nothing where Immuta documents the statement, or once the connection has a probe', () => {
      assert.equal(unconfirmedNoticeFor(entry(REDSHIFT), REDSHIFT, []), undefined);
      assert.equal(unconfirmedNoticeFor(entry(TRINO), TRINO, []), undefined);
      const probed = { ...SNOWFLAKE, effectProbe: PROBE };
      assert.equal(unconfirmedNoticeFor(entry(probed, { assurance: 'confirmed' }), probed, []), undefined);
    });

    it('only a requested apply that succeeded counts: not a failure, a re-apply after reconnecting, a verify or a clear', () => {
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE, { outcome: 'failed' }), SNOWFLAKE, []), undefined);
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE, { action: 'reapply' }), SNOWFLAKE, []), undefined);
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE, { action: 'verify' }), SNOWFLAKE, []), undefined);
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE, { action: 'clear', user: null }), SNOWFLAKE, []), undefined);
    });

    it('not when the worksheet has since been bound to another connection', () => {
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE), DATABRICKS, []), undefined);
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE), undefined, []), undefined);
    });

    it('once per connection, never again for it, whichever worksheet or user comes next', () => {
      const shown = observeAll([
        [entry(REDSHIFT), REDSHIFT],
        [entry(SNOWFLAKE), SNOWFLAKE],
        [entry(SNOWFLAKE, { worksheetId: 'ws-2', user: 'carol' }), SNOWFLAKE],
        [entry(DATABRICKS), DATABRICKS],
        [entry(SNOWFLAKE), SNOWFLAKE],
        [entry(DATABRICKS, { worksheetId: 'ws-3' }), DATABRICKS],
      ]);
      assert.deepEqual(shown.map((notice) => notice.connection), ['sf', 'dbx']);
    });

    it('reads whatever globalState holds as a list of names', () => {
      assert.deepEqual(shownConnections(undefined), []);
      assert.deepEqual(shownConnections('sf'), []);
      assert.deepEqual(shownConnections(['sf', 3, null, 'dbx']), ['sf', 'dbx']);
      assert.equal(unconfirmedNoticeFor(entry(SNOWFLAKE), SNOWFLAKE, shownConnections(['sf'])), undefined);
    });
  });

  describe('a refusal because the probe disagreed', () => {
    function setup(bound: ConnectionProfile) {
      const fake = new FakePlatform();
      const ws = new Worksheet('ws-1', { loadDriver: async () => fake, getSecret: async () => ({ password: 'x' }), logger: silentLogger }, bound);
      const answers = (...rows: string[]) => fake.script(PROBE_SQL, { columns: [{ name: 'user_name', type: 'text' }], batches: [rows.map((row) => [row])], command: 'SELECT' });
      return { ws, answers };
    }

    it('from the picker: the probe-disagrees error quotes both answers', async () => {
      const { ws, answers } = setup({ ...PROFILE, effectProbe: PROBE });
      answers('governor');
      const error = await ws.impersonate('bob').then(() => undefined, (caught: unknown) => caught);
      const refusal = probeRefusal(error, ws.identity, 'dev');
      assert.ok(refusal);
      assert.equal(refusal.connection, 'dev');
      assert.match(refusal.message, /effect probe answered "governor", but "bob" was expected/);
    });

    it('a run refused afterwards quotes both answers too', async () => {
      const { ws, answers } = setup({ ...PROFILE, effectProbe: PROBE });
      answers('governor');
      await assert.rejects(ws.impersonate('bob'));
      const [outcome] = await ws.run([{ text: 'SELECT 1' }]).outcomes;
      assert.ok(outcome.status === 'failed');
      const refusal = probeRefusal(outcome.error, ws.identity, 'dev');
      assert.ok(refusal, `no refusal for: ${outcome.error.message}`);
      assert.equal(
        refusal.message,
        'Nothing was run: impersonation of bob is not confirmed. The effect probe answered "governor" where "bob" was expected, so statements would not run as bob. ' +
          'Check the impersonation statement this connection uses (Immuta may read another variable or key) and the effect probe, then verify.',
      );
    });

    it('any other refusal or failure is not a probe refusal', async () => {
      const { ws } = setup(PROFILE);
      assert.equal(probeRefusal(new WorksheetError('identity-unknown', 'Nothing was run: the session state is not known.'), { kind: 'unknown', reason: 'the server reports "x"' }, 'dev'), undefined);
      assert.equal(probeRefusal(new PlatformError('server', 'relation does not exist'), ws.identity, 'dev'), undefined);
      assert.equal(probeRefusal(new Error('socket hang up'), ws.identity, 'dev'), undefined);
      assert.equal(probeRefusal(new WorksheetError('in-transaction', 'Finish the open transaction'), { kind: 'unknown', reason: 'r', cause: 'probe', intendedUser: 'bob' }, 'dev'), undefined);
    });
  });
});
