import * as assert from 'node:assert/strict';
import { readDatabricks } from '../../src/connections-import/databricks';
import { readMssqlSettings, readSqltoolsSettings } from '../../src/connections-import/extension-settings';
import { readPostgres } from '../../src/connections-import/postgres';
import { readSnowflake } from '../../src/connections-import/snowflake';
import { readTrino } from '../../src/connections-import/trino';
import { fakeHome } from './import-fake-home';

const byName = (candidates: readonly { profile: Record<string, unknown> }[], name: string): Record<string, unknown> | undefined => candidates.find((candidate) => candidate.profile.name === name)?.profile;

describe('connection import: each source read from real-shaped files', () => {
  describe('Snowflake connections.toml and config.toml', () => {
    const connections = [
      '# Snowflake CLI connections',
      'default_connection_name = "prod"',
      '',
      '[prod]',
      'account = "myorg-prod"   # the account identifier',
      "user = 'JANE'",
      'password = "p#ss \\"quoted\\""',
      'role = "ANALYST"',
      'warehouse = "WH"',
      'database = "SALES"',
      'schema = "PUBLIC"',
      '',
      '[keys]',
      'account = "myorg-prod"',
      'user = "svc"',
      'authenticator = "SNOWFLAKE_JWT"',
      'private_key_file = "/home/u/.ssh/rsa_key.p8"',
      'private_key_file_pwd = "phrase"',
      '',
      '[sso]',
      'account = "myorg-prod"',
      'user = "jane@example.com"',
      'authenticator = "externalbrowser"',
      '',
      '[local]',
      'account = "LAB"',
      'user = "governor"',
      'host = "127.0.0.1"',
      'port = 8085',
      'protocol = "http"',
      '',
      '[okta]',
      'account = "a"',
      'user = "b"',
      'authenticator = "https://example.okta.com"',
    ].join('\n');
    const config = ['[connections.prod]', 'account = "old"', 'user = "old"', '', '[connections.legacy]', 'account = "legacy-acct"', 'user = "me"'].join('\n');

    it('reads every connection with its authenticator, role, warehouse, database and schema; secrets apart from the profile', () => {
      const { candidates, problems } = readSnowflake(fakeHome({ '/home/u/.snowflake/connections.toml': connections, '/home/u/.snowflake/config.toml': config }));
      assert.deepEqual(byName(candidates, 'prod'), { name: 'prod', platform: 'snowflake', account: 'myorg-prod', user: 'JANE', auth: 'password', role: 'ANALYST', warehouse: 'WH', database: 'SALES', schema: 'PUBLIC' });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'prod')?.secret, { field: 'password', value: 'p#ss "quoted"' });
      assert.deepEqual(byName(candidates, 'keys'), { name: 'keys', platform: 'snowflake', account: 'myorg-prod', user: 'svc', auth: 'key-pair', privateKeyFile: '/home/u/.ssh/rsa_key.p8' });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'keys')?.secret, { field: 'passphrase', value: 'phrase' });
      assert.equal(byName(candidates, 'sso')?.auth, 'external-browser');
      assert.equal(candidates.find((c) => c.profile.name === 'sso')?.secret, undefined);
      assert.equal(byName(candidates, 'local')?.accessUrl, 'http://127.0.0.1:8085', 'host, port and protocol make the access URL');
      // config.toml's [connections.legacy] is read; its [connections.prod] is replaced by connections.toml's.
      assert.equal(byName(candidates, 'legacy')?.account, 'legacy-acct');
      assert.equal(candidates.filter((c) => c.profile.name === 'prod').length, 1);
      assert.equal(candidates.find((c) => c.profile.name === 'legacy')?.source.file, '/home/u/.snowflake/config.toml');
      assert.deepEqual(problems.map((p) => p.message), ['okta: authenticator "https://example.okta.com" is not supported (password, SNOWFLAKE_JWT, externalbrowser are); not imported']);
    });

    it('respects SNOWFLAKE_HOME', () => {
      const { candidates } = readSnowflake(fakeHome({ '/etc/sf/connections.toml': '[x]\naccount="a"\nuser="b"\n', '/home/u/.snowflake/connections.toml': '[y]\naccount="a"\nuser="b"\n' }, { SNOWFLAKE_HOME: '/etc/sf' }));
      assert.deepEqual(candidates.map((c) => c.profile.name), ['x']);
    });

    it('reports an unparsable file with its path, the parser\u2019s line and message, and still reads the other file', () => {
      const broken = '[prod]\naccount = "a"\nuser = "b"\n\n[prod]\naccount = "dup"\n';
      const { candidates, problems } = readSnowflake(fakeHome({ '/home/u/.snowflake/connections.toml': broken, '/home/u/.snowflake/config.toml': config }));
      assert.equal(problems.length, 1);
      assert.equal(problems[0].file, '/home/u/.snowflake/connections.toml');
      assert.equal(problems[0].line, 5, 'the duplicate table, where the parser stopped');
      assert.match(problems[0].message, /already|twice|overrid|redefin/i);
      assert.deepEqual(candidates.map((c) => c.profile.name).sort(), ['legacy', 'prod'], 'config.toml still imports');
      const unterminated = readSnowflake(fakeHome({ '/home/u/.snowflake/connections.toml': '[a]\npassword = "hunter2\n' }));
      assert.equal(unterminated.problems[0].line, 2);
      assert.doesNotMatch(unterminated.problems[0].message, /hunter2/, 'the parser\u2019s code excerpt (the password line) is left out');
    });
  });

  describe('Databricks ~/.databrickscfg', () => {
    const cfg = [
      '; Databricks CLI profiles',
      '[DEFAULT]',
      'host  = https://adb-1234567890123456.7.azuredatabricks.net',
      'token = dapiDEFAULT',
      '',
      '[warehouse]',
      'host = https://dbc-a1b2.cloud.databricks.com/',
      'token = dapi123',
      'warehouse_id = abc123def',
      '',
      '[cluster]',
      'cluster_id = 0123-456789-abc',
      '',
      '[m2m]',
      'host = dbc-a1b2.cloud.databricks.com',
      'client_id = 11111111-2222',
      'client_secret = dose-secret',
      'http_path = /sql/1.0/warehouses/xyz',
      '',
      '[nopath]',
      'host = https://dbc-a1b2.cloud.databricks.com',
      'token = dapi999',
      'cluster_id = 0123-456789-xyz',
    ].join('\n');

    it('reads host, token or OAuth client, and the HTTP path (given, or from a warehouse id); DEFAULT is inherited', () => {
      const { candidates, problems } = readDatabricks(fakeHome({ '/home/u/.databrickscfg': cfg }));
      assert.deepEqual(problems, []);
      assert.deepEqual(byName(candidates, 'warehouse'), { name: 'warehouse', platform: 'databricks', host: 'dbc-a1b2.cloud.databricks.com', httpPath: '/sql/1.0/warehouses/abc123def', auth: 'token' });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'warehouse')?.secret, { field: 'token', value: 'dapi123' });
      // [cluster] inherits DEFAULT's Azure host and token; the org id in the host gives the cluster's path.
      assert.equal(byName(candidates, 'cluster')?.httpPath, 'sql/protocolv1/o/1234567890123456/0123-456789-abc');
      assert.deepEqual(candidates.find((c) => c.profile.name === 'cluster')?.secret, { field: 'token', value: 'dapiDEFAULT' });
      assert.deepEqual(byName(candidates, 'm2m'), { name: 'm2m', platform: 'databricks', host: 'dbc-a1b2.cloud.databricks.com', httpPath: '/sql/1.0/warehouses/xyz', auth: 'oauth-m2m', clientId: '11111111-2222' });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'm2m')?.secret, { field: 'token', value: 'dose-secret' });
      const nopath = candidates.find((c) => c.profile.name === 'nopath');
      assert.deepEqual(nopath?.missing, ['httpPath'], 'a cluster on AWS: the path needs the org id, so it is asked for');
      assert.ok(candidates.some((c) => c.profile.name === 'DEFAULT'), 'DEFAULT with a host is a profile of its own');
    });

    it('respects DATABRICKS_CONFIG_FILE, and reports a section named twice or a line that is not key=value', () => {
      const file = '/cfg/databricks.ini';
      const text = '[a]\nhost = h1\ntoken = t\n\n[b]\nhost = h2\ntoken\n\n[a]\nhost = h3\n\n[c]\nhost = h4\ntoken = t4\nhttp_path = /p\n';
      const { candidates, problems } = readDatabricks(fakeHome({ [file]: text, '/home/u/.databrickscfg': '[z]\nhost=x\n' }, { DATABRICKS_CONFIG_FILE: file }));
      assert.deepEqual(candidates.map((c) => c.profile.name), ['c']);
      assert.deepEqual(problems.map((p) => [p.file, p.line]), [[file, 7], [file, 9]]);
      assert.equal(problems[0].message, 'syntax error: the line is not key=value (in [b], which is not imported)');
      assert.match(problems[1].message, /\[a\] is already defined on line 1/);
    });
  });

  describe('Redshift from pg_service.conf, PG* variables and ~/.pgpass', () => {
    const services = [
      '# libpq connection services',
      '[prod]',
      'host=redshift.example.com',
      'port=5439',
      'dbname=analytics',
      'user=gov',
      'sslmode=verify-full',
      '',
      '[with.dots]',
      'host = other.example.com',
      'user = me',
      'password = inline',
      'sslmode=disable',
      '',
      '[socket]',
      'host=/var/run/postgresql',
    ].join('\n');
    const pgpass = 'redshift.example.com:5439:*:gov:from-pgpass\n';

    it('reads each service with its password from ~/.pgpass or the service itself, and a Unix socket is reported', () => {
      const { candidates, problems } = readPostgres(fakeHome({ '/home/u/.pg_service.conf': services, '/home/u/.pgpass': pgpass }));
      assert.deepEqual(byName(candidates, 'prod'), { name: 'prod', platform: 'redshift', host: 'redshift.example.com', port: 5439, database: 'analytics', user: 'gov', tls: { mode: 'verify-full' } });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'prod')?.secret, { field: 'password', value: 'from-pgpass' });
      assert.deepEqual(byName(candidates, 'with.dots'), { name: 'with.dots', platform: 'redshift', host: 'other.example.com', port: 5432, database: 'me', user: 'me', tls: { mode: 'disable' } });
      assert.deepEqual(candidates.find((c) => c.profile.name === 'with.dots')?.secret, { field: 'password', value: 'inline' });
      assert.deepEqual(problems.map((p) => [p.line, p.message]), [[15, 'socket: a Unix socket cannot reach Redshift; not imported']]);
    });

    it('reads PGSERVICEFILE and PGSYSCONFDIR (the user file wins a name), PG* variables and PGPASSFILE', () => {
      const env = { PGSERVICEFILE: '/s/user.conf', PGSYSCONFDIR: '/etc/pg', PGPASSFILE: '/s/pass', PGHOST: 'env.example.com', PGPORT: '5439', PGUSER: 'envuser', PGDATABASE: 'dev', PGSSLMODE: 'prefer' };
      const files = { '/s/user.conf': '[a]\nhost=user.example.com\nuser=x\n', '/etc/pg/pg_service.conf': '[a]\nhost=system.example.com\n[b]\nhost=b.example.com\nuser=y\n', '/s/pass': '*:*:*:envuser:env-secret\n' };
      const { candidates } = readPostgres(fakeHome(files, env));
      assert.deepEqual(candidates.map((c) => [c.profile.name, c.profile.host]), [['a', 'user.example.com'], ['b', 'b.example.com'], ['envuser@env.example.com', 'env.example.com']]);
      const fromEnv = candidates[2];
      assert.deepEqual(fromEnv.profile, { name: 'envuser@env.example.com', platform: 'redshift', host: 'env.example.com', port: 5439, database: 'dev', user: 'envuser', tls: { mode: 'require' } });
      assert.deepEqual(fromEnv.secret, { field: 'password', value: 'env-secret' });
      assert.equal(readPostgres(fakeHome(files, { ...env, PGPASSWORD: 'direct' })).candidates[2].secret?.value, 'direct');
    });

    it('ignores a ~/.pgpass that others can read, as libpq does, and says so', () => {
      const { candidates, problems } = readPostgres(fakeHome({ '/home/u/.pg_service.conf': services, '/home/u/.pgpass': pgpass }, {}, { '/home/u/.pgpass': 0o100644 }));
      assert.equal(candidates.find((c) => c.profile.name === 'prod')?.secret, undefined);
      assert.ok(problems.some((p) => p.file === '/home/u/.pgpass' && /group or world access/.test(p.message)));
    });
  });

  describe('Trino CLI ~/.trino_config', () => {
    it('reads server, user, catalog and schema; password=true is basic authentication', () => {
      const file = '# trino CLI defaults\nserver=https://trino.example.com:8443\nuser=jane\ncatalog=hive\nschema=default\npassword=true\noutput-format-interactive=ALIGNED\n';
      const { candidates, problems } = readTrino(fakeHome({ '/home/u/.trino_config': file }));
      assert.deepEqual(problems, []);
      assert.deepEqual(candidates.map((c) => c.profile), [{ name: 'trino trino.example.com:8443', platform: 'trino', server: 'https://trino.example.com:8443', user: 'jane', auth: 'basic', catalog: 'hive', schema: 'default' }]);
      assert.equal(candidates[0].secret, undefined, 'the CLI asks for the password; so will the worksheet');
    });

    it('respects TRINO_CONFIG; an access token is a JWT kept as the secret; host:port is plain HTTP', () => {
      const { candidates } = readTrino(fakeHome({ '/etc/trino.properties': 'server=localhost:8080\naccess-token=eyJ.tok.en\n' }, { TRINO_CONFIG: '/etc/trino.properties' }));
      assert.deepEqual(candidates.map((c) => [c.profile.server, c.profile.user, c.profile.auth, c.secret?.value]), [['http://localhost:8080', 'u', 'jwt', 'eyJ.tok.en']]);
    });
  });

  describe('other extensions\u2019 settings', () => {
    it('turns vscode-mssql profiles into Synapse profiles: tcp:host,port, authentication, a saved password', () => {
      const { candidates, problems } = readMssqlSettings([
        { server: 'tcp:ws.sql.azuresynapse.net,1433', database: 'pool', authenticationType: 'SqlLogin', user: 'sqladmin', password: 'saved', savePassword: true, profileName: 'Synapse prod', encrypt: 'Mandatory', trustServerCertificate: false },
        { server: 'ws.sql.azuresynapse.net', authenticationType: 'AzureMFA', user: 'jane@example.com', profileName: 'mfa', encrypt: true },
        { server: 'onprem', authenticationType: 'Integrated', profileName: 'windows' },
      ]);
      assert.deepEqual(candidates[0].profile, { name: 'Synapse prod', platform: 'synapse', server: 'ws.sql.azuresynapse.net', port: 1433, database: 'pool', user: 'sqladmin', auth: 'sql', encrypt: true, trustServerCertificate: false });
      assert.deepEqual(candidates[0].secret, { field: 'password', value: 'saved' });
      assert.deepEqual(candidates[1].missing, ['database', 'tenantId']);
      assert.equal(candidates[1].profile.auth, 'azure-ad-device-code');
      assert.deepEqual(problems.map((p) => p.message), ['[2] "windows": authentication "Integrated" is not supported; not imported']);
    });

    it('turns SQLTools PostgreSQL/Redshift connections into Redshift profiles, MSSQL into Synapse, Databricks\u2019 driver into Databricks; other drivers are left', () => {
      const { candidates } = readSqltoolsSettings([
        { name: 'rs', driver: 'PostgreSQL', server: 'rs.example.com', port: 5439, database: 'dev', username: 'gov', password: 'pw', pgOptions: { ssl: false } },
        { name: 'ask', driver: 'Redshift', server: 'rs2.example.com', port: 5439, database: 'dev', username: 'gov', askForPassword: true, password: 'ignored' },
        { name: 'ms', driver: 'MSSQL', server: 'syn.example.com', port: 1433, username: 'sa', mssqlOptions: { encrypt: true } },
        { name: 'my', driver: 'MySQL', server: 'm', username: 'x' },
        { name: 'dbx', driver: 'Databricks Driver for SQLTools', host: 'dbc-1.cloud.databricks.com', path: '/sql/1.0/warehouses/w1', token: 'dapiT', catalog: 'hive_metastore', schema: 'default' },
      ]);
      assert.deepEqual(candidates.map((c) => [c.profile.name, c.profile.platform, c.secret?.value, c.missing]), [
        ['rs', 'redshift', 'pw', undefined],
        ['ask', 'redshift', undefined, undefined],
        ['ms', 'synapse', undefined, ['database']],
        ['dbx', 'databricks', 'dapiT', undefined],
      ]);
      assert.deepEqual(candidates[3].profile, { name: 'dbx', platform: 'databricks', host: 'dbc-1.cloud.databricks.com', httpPath: '/sql/1.0/warehouses/w1', auth: 'token', catalog: 'hive_metastore', schema: 'default' });
      assert.deepEqual(candidates[0].profile.tls, { mode: 'disable' });
    });

    it('reports a setting that is not a list', () => {
      assert.deepEqual(readSqltoolsSettings({ not: 'a list' }).problems, [{ file: 'sqltools.connections', message: 'is not a list of connections' }]);
    });
  });
});
