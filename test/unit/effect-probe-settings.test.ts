import * as assert from 'node:assert/strict';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile } from '../../src/platforms/types';
import {
  listWithProbe,
  probeFrom,
  probeTarget,
  profileWithProbe,
  validateProbeExpect,
  validateProbeStatement,
  type ScopedConnections,
} from '../../src/ui/effect-probe-settings';

const SNOWFLAKE = { name: 'sf', platform: 'snowflake', account: 'myorg-acct', user: 'governor', auth: 'password', role: 'ANALYST' };
const REDSHIFT = { name: 'rs', platform: 'redshift', host: 'db.example.com', user: 'governor', tls: { mode: 'verify-full' } };
const PROBE = { statement: 'SELECT user_name FROM governance.immuta_whoami', expect: '{user}' };

function scopes(user: unknown, workspace: unknown, trusted = true): ScopedConnections {
  return { user, workspace, trusted };
}

function parsed(entry: unknown): ConnectionProfile {
  const result = parseProfile(entry, 'immutaWorksheets.connections[0]', () => '');
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result.profile;
}

describe('Set Effect Probe: the settings edit', () => {
  describe('which scope holds the connection', () => {
    it('a connection in the user settings is written there', () => {
      const target = probeTarget(scopes([REDSHIFT, SNOWFLAKE], undefined), 'sf');
      assert.deepEqual(target, { kind: 'entry', scope: 'user', list: [REDSHIFT, SNOWFLAKE], index: 1, shadowedInUser: false });
    });

    it('a connection in the workspace settings is written there, never moved to the user settings', () => {
      const target = probeTarget(scopes([REDSHIFT], [SNOWFLAKE]), 'sf');
      assert.equal(target.kind === 'entry' && target.scope, 'workspace');
      assert.equal(target.kind === 'entry' && target.index, 0);
    });

    it('in both scopes, the workspace entry is the one in effect; the user one is left and said to be', () => {
      const target = probeTarget(scopes([SNOWFLAKE], [REDSHIFT, SNOWFLAKE]), 'sf');
      assert.deepEqual(target, { kind: 'entry', scope: 'workspace', list: [REDSHIFT, SNOWFLAKE], index: 1, shadowedInUser: true });
    });

    it('a workspace list without the connection hides the user one: refused, since editing it would change nothing here', () => {
      const target = probeTarget(scopes([SNOWFLAKE], [REDSHIFT]), 'sf');
      assert.equal(target.kind, 'refused');
      assert.match(target.kind === 'refused' ? target.message : '', /"sf" is no longer in this workspace\u2019s connections/);
    });

    it('Restricted Mode: a user connection is written to the user settings', () => {
      // VS Code withholds the workspace's list there: inspect() shows it as undefined.
      const target = probeTarget(scopes([SNOWFLAKE], undefined, false), 'sf');
      assert.equal(target.kind === 'entry' && target.scope, 'user');
    });

    it('Restricted Mode: a connection not in the user settings is refused, naming Restricted Mode and offering trust', () => {
      const target = probeTarget(scopes([REDSHIFT], undefined, false), 'sf');
      assert.ok(target.kind === 'refused');
      assert.equal(target.restricted, true);
      assert.match(target.message, /not in your user settings, and this workspace\u2019s settings can be neither read nor changed in Restricted Mode/);
    });

    it('a workspace entry is never written while the workspace is untrusted', () => {
      const target = probeTarget(scopes([], [SNOWFLAKE], false), 'sf');
      assert.ok(target.kind === 'refused' && target.restricted);
    });

    it('a connection gone from the settings is refused, not added', () => {
      const target = probeTarget(scopes([REDSHIFT], undefined), 'sf');
      assert.ok(target.kind === 'refused' && !target.restricted);
      assert.match(target.message, /"sf" is no longer in the settings/);
    });
  });

  describe('the edit of one entry', () => {
    it('adds the probe to the named entry only; every other entry and field stays as it was', () => {
      const list = [REDSHIFT, SNOWFLAKE, { name: 'broken', platform: 'nowhere' }, 'not even an object'];
      const edited = listWithProbe(list, 1, PROBE);
      assert.equal(edited.length, 4);
      assert.equal(edited[0], REDSHIFT, 'other entries are the very same values');
      assert.equal(edited[2], list[2]);
      assert.equal(edited[3], list[3]);
      assert.deepEqual(edited[1], { ...SNOWFLAKE, effectProbe: PROBE });
      assert.deepEqual(Object.keys(edited[1] as object), [...Object.keys(SNOWFLAKE), 'effectProbe']);
      assert.deepEqual(SNOWFLAKE, { name: 'sf', platform: 'snowflake', account: 'myorg-acct', user: 'governor', auth: 'password', role: 'ANALYST' }, 'the input is not changed');
    });

    it('replaces a probe where it stood, keeping the key order of the entry', () => {
      const entry = { name: 'sf', platform: 'snowflake', effectProbe: { statement: 'SELECT 1', expect: 'x{user}' }, account: 'a', user: 'u' };
      const [edited] = listWithProbe([entry], 0, PROBE);
      assert.deepEqual(Object.keys(edited as object), ['name', 'platform', 'effectProbe', 'account', 'user']);
      assert.deepEqual((edited as Record<string, unknown>).effectProbe, PROBE);
    });

    it('removes a probe and nothing else', () => {
      const entry = { ...SNOWFLAKE, effectProbe: PROBE };
      const [edited] = listWithProbe([REDSHIFT, entry], 1, undefined).slice(1);
      assert.deepEqual(edited, SNOWFLAKE);
      assert.ok(!('effectProbe' in (edited as object)));
    });

    it('the entry written loads with exactly that probe', () => {
      const [edited] = listWithProbe([SNOWFLAKE], 0, probeFrom('  SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI \n', ' {user}@example.com '));
      assert.deepEqual(parsed(edited).effectProbe, { statement: 'SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI', expect: '{user}@example.com' });
      assert.equal(parsed(listWithProbe([{ ...SNOWFLAKE, effectProbe: PROBE }], 0, undefined)[0]).effectProbe, undefined);
    });

    it('the profile handed to open worksheets carries the new probe, or none at all', () => {
      const profile = parsed(SNOWFLAKE);
      assert.deepEqual(profileWithProbe(profile, PROBE), { ...profile, effectProbe: PROBE });
      const without = profileWithProbe({ ...profile, effectProbe: PROBE }, undefined);
      assert.deepEqual(without, profile);
      assert.ok(!('effectProbe' in without));
    });
  });

  describe('the prompts\u2019 checks', () => {
    it('the expected answer must name the user', () => {
      assert.equal(validateProbeExpect('{user}'), undefined);
      assert.equal(validateProbeExpect('{user}@example.com'), undefined);
      assert.match(validateProbeExpect('bob') ?? '', /Write \{user\} where the impersonated user goes/);
      assert.match(validateProbeExpect('   ') ?? '', /An expected answer is needed/);
    });

    it('a statement naming {user} is refused: it is sent as written, and echoing the user would prove nothing', () => {
      assert.equal(validateProbeStatement('SELECT user_name FROM governance.immuta_whoami'), undefined);
      assert.match(validateProbeStatement("SELECT '{user}'") ?? '', /sent as written/);
    });
  });
});
