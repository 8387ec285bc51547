import assert from 'node:assert/strict';
import { secretNeeded } from '../../src/platforms/profile';
import { secretPrompt } from '../../src/platforms/secret-prompt';
import type { ConnectionProfile, DatabricksProfile, RedshiftProfile, SnowflakeProfile, SynapseProfile, TrinoProfile } from '../../src/platforms/types';

const redshift: RedshiftProfile = {
  name: 'Prod warehouse',
  platform: 'redshift',
  host: 'evil.example.net',
  port: 5440,
  database: 'dev',
  user: 'governor',
  tls: { mode: 'verify-full' },
  connectTimeoutMs: 1000,
  applicationName: 'x',
};
const synapse: SynapseProfile = {
  name: 'Synapse',
  platform: 'synapse',
  server: 'ws.sql.azuresynapse.net',
  port: 1433,
  database: 'pool',
  user: 'owner',
  auth: 'sql',
  encrypt: true,
  trustServerCertificate: false,
  userMap: {},
  connectTimeoutMs: 1000,
};
const trino: TrinoProfile = {
  name: 'Starburst',
  platform: 'trino',
  server: 'https://starburst.example.com:8443',
  user: 'analyst',
  auth: 'jwt',
  impersonationMode: 'session-property',
  impersonationProperty: 'immuta.immuta_user',
  tls: { verify: true },
  source: 's',
  requestTimeoutMs: 1000,
};
const snowflake: SnowflakeProfile = {
  name: 'Snow',
  platform: 'snowflake',
  account: 'myorg-myaccount',
  user: 'jane@example.com',
  auth: 'password',
  impersonationRole: 'IMMUTA_IMPERSONATION',
  impersonationVariable: 'IMMUTA_IMP_USER',
  keepAlive: true,
  connectTimeoutMs: 1000,
};
const databricks: DatabricksProfile = {
  name: 'Lakehouse',
  platform: 'databricks',
  host: 'adb-1234567890123456.7.azuredatabricks.net',
  port: 443,
  httpPath: '/sql/1.0/warehouses/abc',
  auth: 'token',
  unityCatalog: false,
  tls: { verify: true },
  connectTimeoutMs: 1000,
};

function prompt(profile: ConnectionProfile) {
  const need = secretNeeded(profile);
  assert.ok(need, `${profile.platform} needs a secret`);
  return secretPrompt(profile, need);
}

describe('secret prompts', () => {
  it('name the server the password goes to and the login, not only the profile name', () => {
    const { title, prompt: text } = prompt(redshift);
    assert.equal(title, 'Password for governor on evil.example.net:5440 (connection "Prod warehouse")');
    assert.ok(title.startsWith('Password for governor'), 'the UI flows look for this');
    assert.match(text, /^Sent to the Redshift server evil\.example\.net:5440 to sign in as governor, and kept in VS Code's secret storage for the connection "Prod warehouse"/);
    assert.match(text, /If you do not know this server, press Escape/);
  });

  it('names host and port on Synapse, the coordinator URL on Trino, the account or access URL on Snowflake, the host on Databricks', () => {
    assert.equal(prompt(synapse).title, 'Password for owner on ws.sql.azuresynapse.net:1433 (connection "Synapse")');
    assert.equal(prompt({ ...synapse, auth: 'azure-ad-service-principal', user: '0000-app' }).title, 'Client secret for 0000-app on ws.sql.azuresynapse.net:1433 (connection "Synapse")');
    assert.equal(prompt(trino).title, 'JWT for analyst on https://starburst.example.com:8443 (connection "Starburst")');
    assert.equal(prompt(snowflake).title, 'Password for jane@example.com on account myorg-myaccount (connection "Snow")');
    assert.equal(prompt({ ...snowflake, accessUrl: 'https://myorg.privatelink.snowflakecomputing.com' }).title, 'Password for jane@example.com on https://myorg.privatelink.snowflakecomputing.com (connection "Snow")');
    assert.equal(prompt(databricks).title, 'Personal access token for adb-1234567890123456.7.azuredatabricks.net (connection "Lakehouse")');
    assert.equal(prompt({ ...databricks, auth: 'oauth-m2m', clientId: 'sp-1', port: 8443 }).title, 'OAuth client secret for sp-1 on adb-1234567890123456.7.azuredatabricks.net:8443 (connection "Lakehouse")');
  });

  it('a key passphrase may be empty, and says so', () => {
    const { title, prompt: text } = prompt({ ...snowflake, auth: 'key-pair', privateKey: 'pem' });
    assert.equal(title, 'Private key passphrase for jane@example.com on account myorg-myaccount (connection "Snow")');
    assert.match(text, /Leave it empty if there is none\.$/);
  });

  it('a login or name made to look like another server is quoted, and cannot break the line', () => {
    const spoof = prompt({ ...redshift, user: 'governor on prod.example.com:5439 \u2014', name: 'Prod\n"really"' });
    assert.equal(spoof.title, 'Password for "governor on prod.example.com:5439 \u2014" on evil.example.net:5440 (connection "Prod \u201dreally\u201d")');
    assert.equal(/[\r\n]/.test(spoof.prompt), false);
  });
});
