import * as assert from 'node:assert/strict';
import { impersonationUnavailable, parseProfile, secretNeeded } from '../../src/platforms/profile';

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

  it('keeps `parameters: false` (named parameters off for the connection); true and absent are the default; anything else is a problem', () => {
    const raw = { name: 'prod', platform: 'synapse', server: 'ws.sql.azuresynapse.net', database: 'db', user: 'gov' };
    const off = parseProfile({ ...raw, parameters: false }, 'c[0]', noFiles);
    assert.ok(off.ok && off.profile.parameters === false);
    const on = parseProfile({ ...raw, parameters: true }, 'c[0]', noFiles);
    assert.ok(on.ok && !('parameters' in on.profile));
    const wrong = parseProfile({ ...raw, parameters: 'no' }, 'c[0]', noFiles);
    assert.deepEqual(wrong.ok ? [] : wrong.problems, ['c[0].parameters must be true or false.']);
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

  describe('impersonation templates are checked at load time by the rules every platform renders with', () => {
    const minimal: Readonly<Record<string, Record<string, unknown>>> = {
      redshift: { platform: 'redshift', host: 'h', user: 'u' },
      synapse: { platform: 'synapse', server: 's', database: 'd', user: 'u' },
      snowflake: { platform: 'snowflake', account: 'a', user: 'u' },
      databricks: { platform: 'databricks', host: 'h', httpPath: '/p' },
    };
    const problemsOf = (platform: string, impersonation: Record<string, string>): string[] => {
      const parsed = parseProfile({ name: 'p', ...minimal[platform], impersonation }, 'immutaWorksheets.connections[3]', noFiles);
      return parsed.ok ? [] : [...parsed.problems];
    };

    it('takes {user} bare or as a string of its own on every platform', () => {
      const templates: Readonly<Record<string, readonly string[]>> = {
        redshift: ['CALL immuta_procedures.impersonate_user({user})', "CALL immuta_procedures.impersonate_user('{user}')", "CALL p({user}, E'{user}')"],
        synapse: ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = {user}", "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'{user}'"],
        snowflake: ['SET IMMUTA_IMP_USER = {user}', "SET IMMUTA_IMP_USER = '{user}'", 'SET V = $${user}$$'],
        databricks: ['SET immuta.impersonate.user = {user}', "SET immuta.impersonate.user = '{user}'", "SELECT immuta.impersonate(\"{user}\")"],
      };
      for (const [platform, sets] of Object.entries(templates)) {
        for (const set of sets) assert.deepEqual(problemsOf(platform, { set }), [], `${platform}: ${set}`);
      }
    });

    it('names the setting and says what to write', () => {
      const cases: readonly [string, Record<string, string>, string][] = [
        ['redshift', { set: 'CALL p(NULL)' }, 'immutaWorksheets.connections[3].impersonation.set must contain the placeholder {user} where the user name goes'],
        ['redshift', { set: 'CALL p({user}) -- as {user}' }, 'immutaWorksheets.connections[3].impersonation.set has {user} inside a comment (-- as {user}), where no user name is filled in: move it out of the comment.'],
        ['synapse', { set: "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'x{user}'" }, "immutaWorksheets.connections[3].impersonation.set has {user} inside the longer string N'x{user}'"],
        ['snowflake', { set: 'SET V = {user} // for {user}' }, 'immutaWorksheets.connections[3].impersonation.set has {user} inside a comment (// for {user})'],
        ['databricks', { set: 'SET k = `{user}`' }, 'immutaWorksheets.connections[3].impersonation.set writes {user} as a quoted name (`{user}`), but a user name is a value'],
        ['synapse', { set: 'EXEC p @value = [{user}]' }, 'immutaWorksheets.connections[3].impersonation.set writes {user} as a quoted name ([{user}])'],
        ['redshift', { set: 'CALL p({user})', clear: 'CALL p({user})' }, 'immutaWorksheets.connections[3].impersonation.clear contains {user}, but no user name is filled in there: only impersonation.set takes one.'],
        ['snowflake', { readBack: "SELECT '{user}'" }, 'immutaWorksheets.connections[3].impersonation.readBack contains {user}, but no user name is filled in there'],
      ];
      for (const [platform, impersonation, expected] of cases) {
        const problems = problemsOf(platform, impersonation);
        assert.equal(problems.length, 1, `${platform} ${JSON.stringify(impersonation)}: ${problems.join(' | ')}`);
        assert.ok(problems[0].startsWith(expected), `${problems[0]}\ndoes not start with\n${expected}`);
      }
    });

    it('leaves Trino\u2019s unused templates alone (its statement is fixed by impersonationMode and impersonationProperty)', () => {
      const parsed = parseProfile({ name: 't', platform: 'trino', server: 'https://t', user: 'u', impersonation: { set: 'anything' } }, 'c', noFiles);
      assert.equal(parsed.ok, true);
    });
  });

  it('refuses unknown platforms clearly', () => {
    const unknown = parseProfile({ name: 'x', platform: 'oracle' }, 'c[0]', noFiles);
    assert.deepEqual(unknown.ok ? [] : unknown.problems, ['c[0].platform must be one of redshift, synapse, databricks, snowflake, trino.']);
    assert.equal(parseProfile('nope', 'c[3]', noFiles).ok, false);
  });

  it('fills the defaults for Synapse and Databricks, and names what a sign-in method lacks', () => {
    const synapse = parseProfile({ name: 's', platform: 'synapse', server: 'ws.sql.azuresynapse.net', database: 'dw', user: 'gov', userMap: { 'bob@example.com': 'bob' } }, 'c[0]', noFiles);
    assert.ok(synapse.ok);
    if (synapse.ok) {
      assert.deepEqual(synapse.profile, {
        name: 's',
        platform: 'synapse',
        server: 'ws.sql.azuresynapse.net',
        port: 1433,
        database: 'dw',
        user: 'gov',
        auth: 'sql',
        encrypt: true,
        trustServerCertificate: false,
        userMap: { 'bob@example.com': 'bob' },
        connectTimeoutMs: 15000,
      });
    }
    const principal = parseProfile({ name: 's', platform: 'synapse', server: 'h', database: 'd', user: 'app', auth: 'azure-ad-service-principal', userMap: { x: 3 } }, 'c[1]', noFiles);
    assert.deepEqual(principal.ok ? [] : principal.problems, ['c[1].tenantId is needed for azure-ad-service-principal sign-in.', 'c[1].userMap["x"] must be the Synapse user name (a non-empty string).']);
    const databricks = parseProfile({ name: 'd', platform: 'databricks', host: 'https://adb-1.2.azuredatabricks.net/', httpPath: '/sql/protocolv1/o/1/abc', unityCatalog: true }, 'c[0]', noFiles);
    assert.ok(databricks.ok);
    if (databricks.ok) {
      assert.deepEqual(databricks.profile, {
        name: 'd',
        platform: 'databricks',
        host: 'adb-1.2.azuredatabricks.net',
        port: 443,
        httpPath: '/sql/protocolv1/o/1/abc',
        auth: 'token',
        unityCatalog: true,
        tls: { verify: true },
        connectTimeoutMs: 30000,
      });
      assert.match(impersonationUnavailable(databricks.profile) ?? '', /does not support user impersonation on Databricks Unity Catalog/);
      assert.equal(secretNeeded(databricks.profile)?.label, 'Personal access token');
    }
    const m2m = parseProfile({ name: 'd', platform: 'databricks', host: 'h', httpPath: 'p', auth: 'oauth-m2m' }, 'c[2]', noFiles);
    assert.deepEqual(m2m.ok ? [] : m2m.problems, ['c[2].clientId is needed for oauth-m2m sign-in (the service principal\'s application id).']);
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
