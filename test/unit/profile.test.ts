import * as assert from 'node:assert/strict';
import { parseProfile } from '../../src/platforms/profile';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: no such file ${path}`);
};

describe('connection profiles from settings', () => {
  it('fills the documented defaults for Redshift', () => {
    const parsed = parseProfile({ name: 'prod', platform: 'redshift', host: 'cluster.example', user: 'gov' }, 'immutaWorksheets.connections[0]', noFiles);
    assert.ok(parsed.ok);
    if (parsed.ok) {
      assert.deepEqual(parsed.profile, {
        name: 'prod',
        platform: 'redshift',
        host: 'cluster.example',
        port: 5439,
        database: 'dev',
        user: 'gov',
        tls: { mode: 'verify-full' },
        connectTimeoutMs: 15000,
        applicationName: 'Immuta Worksheets',
      });
    }
  });

  it('reads the CA file and the impersonation templates', () => {
    const parsed = parseProfile(
      { name: 'p', platform: 'redshift', host: 'h', user: 'u', tls: { mode: 'verify-ca', caFile: '/ca.pem' }, impersonation: { set: 'CALL x.imp({user})', readBack: 'SELECT x.who()' } },
      'c',
      (path) => `PEM from ${path}`,
    );
    assert.ok(parsed.ok);
    if (parsed.ok && parsed.profile.platform === 'redshift') {
      assert.deepEqual(parsed.profile.tls, { mode: 'verify-ca', ca: 'PEM from /ca.pem' });
      assert.deepEqual(parsed.profile.impersonation, { set: 'CALL x.imp({user})', readBack: 'SELECT x.who()' });
    }
  });

  it('names every bad setting', () => {
    const parsed = parseProfile(
      { name: '', platform: 'redshift', port: 70000, user: 3, tls: { mode: 'sometimes', caFile: '/missing.pem' }, impersonation: { set: "CALL x.imp('bob')" } },
      'immutaWorksheets.connections[1]',
      noFiles,
    );
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      const text = parsed.problems.join('\n');
      for (const expected of [
        'immutaWorksheets.connections[1].name must be a non-empty string',
        'immutaWorksheets.connections[1].host must be a non-empty string (it is missing)',
        'immutaWorksheets.connections[1].port must be a whole number from 1 to 65535',
        'immutaWorksheets.connections[1].user must be a non-empty string',
        'immutaWorksheets.connections[1].tls.mode must be one of disable, require, verify-ca, verify-full',
        'immutaWorksheets.connections[1].tls.caFile could not be read (/missing.pem)',
        'immutaWorksheets.connections[1].impersonation.set must contain the placeholder {user}',
      ]) {
        assert.ok(text.includes(expected), `missing: ${expected}\nin:\n${text}`);
      }
    }
  });

  it('refuses unknown and not-yet-available platforms clearly', () => {
    const unknown = parseProfile({ name: 'x', platform: 'oracle' }, 'c[0]', noFiles);
    assert.deepEqual(unknown.ok ? [] : unknown.problems, ['c[0].platform must be one of redshift, synapse, databricks, snowflake, trino.']);
    const later = parseProfile({ name: 'x', platform: 'trino' }, 'c[0]', noFiles);
    assert.deepEqual(later.ok ? [] : later.problems, ['c[0].platform "trino" is not available in this version yet.']);
    assert.equal(parseProfile('nope', 'c[3]', noFiles).ok, false);
  });
});
