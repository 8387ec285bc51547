import * as assert from 'node:assert/strict';
import { parseProfile, secretNeeded } from '../../src/platforms/profile';

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
    const later = parseProfile({ name: 'x', platform: 'synapse' }, 'c[0]', noFiles);
    assert.deepEqual(later.ok ? [] : later.problems, ['c[0].platform "synapse" is not available in this version yet.']);
    assert.equal(parseProfile('nope', 'c[3]', noFiles).ok, false);
  });

  it('fills the documented defaults for Trino and names its bad settings', () => {
    const parsed = parseProfile({ name: 'sb', platform: 'trino', server: 'https://sb.example:8443/', user: 'gov' }, 'c[0]', noFiles);
    assert.ok(parsed.ok);
    if (parsed.ok) {
      assert.deepEqual(parsed.profile, {
        name: 'sb',
        platform: 'trino',
        server: 'https://sb.example:8443',
        user: 'gov',
        auth: 'basic',
        impersonationMode: 'session-property',
        impersonationProperty: 'immuta.immuta_user',
        tls: { verify: true },
        source: 'immuta-worksheets',
        requestTimeoutMs: 30000,
      });
    }
    const bad = parseProfile({ name: 'sb', platform: 'trino', server: 'sb.example', user: 'gov', auth: 'kerberos', impersonationMode: 'header', tls: { verify: 'no' } }, 'c[1]', noFiles);
    assert.deepEqual(bad.ok ? [] : bad.problems, [
      'c[1].server must be a URL such as https://starburst.example.com:8443.',
      'c[1].auth must be one of basic, jwt, none.',
      'c[1].impersonationMode must be one of session-property, native.',
      'c[1].tls.verify must be true or false.',
    ]);
  });

  it('fills the documented defaults for Snowflake and reads the private key file', () => {
    const parsed = parseProfile({ name: 'sf', platform: 'snowflake', account: 'org-acct', user: 'GOV' }, 'c[0]', noFiles);
    assert.ok(parsed.ok);
    if (parsed.ok) {
      assert.deepEqual(parsed.profile, {
        name: 'sf',
        platform: 'snowflake',
        account: 'org-acct',
        user: 'GOV',
        auth: 'password',
        impersonationRole: 'IMMUTA_IMPERSONATION',
        impersonationVariable: 'IMMUTA_IMP_USER',
        keepAlive: true,
        connectTimeoutMs: 60000,
      });
    }
    const keyed = parseProfile({ name: 'sf', platform: 'snowflake', account: 'a', user: 'u', auth: 'key-pair', privateKeyFile: '/k.p8', role: 'ANALYST' }, 'c[0]', (path) => `KEY ${path}`);
    assert.ok(keyed.ok && keyed.profile.platform === 'snowflake' && keyed.profile.privateKey === 'KEY /k.p8' && keyed.profile.role === 'ANALYST');
    const missing = parseProfile({ name: 'sf', platform: 'snowflake', account: 'a', user: 'u', auth: 'key-pair' }, 'c[2]', noFiles);
    assert.deepEqual(missing.ok ? [] : missing.problems, ['c[2].privateKeyFile must name the PKCS#8 private key file when auth is key-pair.']);
    const unreadable = parseProfile({ name: 'sf', platform: 'snowflake', account: 'a', user: 'u', auth: 'key-pair', privateKeyFile: '/gone.p8' }, 'c[3]', noFiles);
    assert.ok(!unreadable.ok && unreadable.problems[0].startsWith('c[3].privateKeyFile could not be read (/gone.p8)'));
  });

  it('asks for the one secret each way of signing in needs, and none for SSO or no auth', () => {
    const profileOf = (raw: Record<string, unknown>) => {
      const parsed = parseProfile(raw, 'c', (path) => `KEY ${path}`);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
      return parsed.profile;
    };
    const fieldOf = (raw: Record<string, unknown>) => secretNeeded(profileOf(raw))?.field;
    assert.equal(fieldOf({ name: 'r', platform: 'redshift', host: 'h', user: 'u' }), 'password');
    assert.equal(fieldOf({ name: 't', platform: 'trino', server: 'https://t', user: 'u' }), 'password');
    assert.equal(fieldOf({ name: 't', platform: 'trino', server: 'https://t', user: 'u', auth: 'jwt' }), 'token');
    assert.equal(fieldOf({ name: 't', platform: 'trino', server: 'https://t', user: 'u', auth: 'none' }), undefined);
    assert.equal(fieldOf({ name: 's', platform: 'snowflake', account: 'a', user: 'u' }), 'password');
    assert.equal(fieldOf({ name: 's', platform: 'snowflake', account: 'a', user: 'u', auth: 'external-browser' }), undefined);
    const keyPair = secretNeeded(profileOf({ name: 's', platform: 'snowflake', account: 'a', user: 'u', auth: 'key-pair', privateKeyFile: '/k.p8' }));
    assert.deepEqual(keyPair, { field: 'passphrase', label: 'Private key passphrase', mayBeEmpty: true });
  });
});
