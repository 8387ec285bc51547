/**
 * Import Connections against the labs: the files each platform's own tools keep are written into
 * a temporary home folder pointing at the lab servers, imported by the same core as the command,
 * and a worksheet connects through each imported profile with the secret the import found (the
 * worksheets here get no other secret: a wrong or missing one fails the connection).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { discoverConnections, mergeImported, type Discovery, type ExtensionSettings, type PlannedCandidate } from '../../src/connections-import/discover';
import { nodeImportEnvironment } from '../../src/connections-import/node-environment';
import { PlatformLoader } from '../../src/platforms/loader';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile, ConnectionSecret } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startDatabricksLab, type DatabricksLab } from '../lab/databricks-server';
import { startSnowflakeLab, type SnowflakeLab } from '../lab/snowflake-server';
import { startTdsLab, type TdsLab } from '../lab/tds-server';
import { startTrinoLab, type TrinoLab } from '../lab/trino-server';
import { lab } from './shared-lab';
import { DIST_PLATFORMS, runOk } from './worksheet-harness';

const readFile = (file: string): string => fs.readFileSync(file, 'utf8');

/** A worksheet registry whose only secrets are those the import found, by profile name. */
function importedRegistry(secrets: ReadonlyMap<string, ConnectionSecret>): WorksheetRegistry {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  return new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => {
      const secret = secrets.get(profile.name);
      if (secret === undefined) throw new Error(`the import found no secret for "${profile.name}"`);
      return secret;
    },
    logger: silentLogger,
  });
}

/** What the command does after the pick: the answers for missing fields, the merged setting, the secrets. */
function importAll(discovery: Discovery, existing: readonly unknown[], answers: Record<string, Record<string, string>> = {}): { entries: unknown[]; added: number; updated: number; secrets: Map<string, ConnectionSecret> } {
  const chosen = discovery.candidates.map((candidate: PlannedCandidate) => {
    const given = answers[String(candidate.profile.name)] ?? {};
    for (const field of candidate.missing ?? []) assert.ok(given[field], `the test answers ${field} for ${String(candidate.profile.name)}`);
    return { id: candidate.id, profile: { ...candidate.profile, ...given } };
  });
  const merged = mergeImported(existing, chosen);
  const secrets = new Map(discovery.candidates.flatMap((candidate) => (candidate.secret ? [[String(candidate.profile.name), { [candidate.secret.field]: candidate.secret.value }]] : [])));
  return { ...merged, secrets };
}

function profileNamed(entries: readonly unknown[], name: string, adjust: (entry: Record<string, unknown>) => Record<string, unknown> = (entry) => entry): ConnectionProfile {
  const entry = entries.find((candidate) => (candidate as { name?: string }).name === name);
  assert.ok(entry, `an imported profile named "${name}" among ${entries.map((candidate) => (candidate as { name?: string }).name).join(', ')}`);
  const parsed = parseProfile(adjust(entry as Record<string, unknown>), name, readFile);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join(' '));
  return parsed.profile;
}

describe('Import Connections on the labs', function () {
  let home: string;
  let trino: TrinoLab;
  let snowflake: SnowflakeLab;
  let tds: TdsLab;
  let databricks: DatabricksLab;
  let registry: WorksheetRegistry | undefined;

  before(async () => {
    [trino, snowflake, tds, databricks] = await Promise.all([startTrinoLab(lab()), startSnowflakeLab(lab()), startTdsLab(lab()), startDatabricksLab(lab())]);
  });
  after(async () => {
    await Promise.all([trino?.close(), snowflake?.close(), tds?.close(), databricks?.close()]);
  });
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'import-home-'));
  });
  afterEach(async () => {
    await registry?.dispose();
    registry = undefined;
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** Writes the platforms' own files, as their tools would, pointing at the labs. */
  function prepareHome(): { env: Record<string, string>; settings: ExtensionSettings } {
    const pg = lab();
    const governor = pg.logins.governor;
    fs.writeFileSync(
      path.join(home, '.pg_service.conf'),
      ['# services for psql', '[lab-redshift]', `host=${pg.host}`, `port=${pg.port}`, `dbname=${pg.database}`, `user=${governor.user}`, 'sslmode=disable', ''].join('\n'),
    );
    // libpq takes the first matching line: the first is for another port, the second matches by wildcards.
    const escaped = governor.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    fs.writeFileSync(path.join(home, '.pgpass'), [`${pg.host}:1:*:*:wrong-port`, `#${pg.host}:*:*:*:commented`, `${pg.host}:*:*:${governor.user}:${escaped}`, ''].join('\n'), { mode: 0o600 });
    fs.writeFileSync(path.join(home, '.trino_config'), [`server=${trino.url}`, `user=${pg.logins.governor.user}`, `catalog=${trino.catalog}`, `access-token=${trino.jwt(governor.user)}`, ''].join('\n'));
    fs.mkdirSync(path.join(home, '.snowflake'));
    const sfUrl = new URL(snowflake.accessUrl);
    fs.writeFileSync(
      path.join(home, '.snowflake', 'connections.toml'),
      [
        '[lab]',
        `account = "${snowflake.account}"`,
        `user = "${governor.user}"`,
        `password = "${governor.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
        `host = "${sfUrl.hostname}"`,
        `port = ${sfUrl.port}`,
        `protocol = "${sfUrl.protocol.replace(':', '')}"`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(home, '.databrickscfg'), ['[lab]', `host = https://${databricks.host}:${databricks.port}`, `token = ${databricks.tokenFor('governor')}`, `http_path = ${databricks.httpPath}`, ''].join('\n'));
    const mssql = [{ profileName: 'lab-synapse', server: `tcp:${tds.host},${tds.port}`, database: pg.database, authenticationType: 'SqlLogin', user: governor.user, password: governor.password, savePassword: true, encrypt: 'Optional' }];
    return { env: {}, settings: { mssqlConnections: mssql } };
  }

  it('imports one connection per source, and each connects to its lab server with the secret it found', async () => {
    const { env, settings } = prepareHome();
    const caFile = path.join(home, 'databricks-ca.pem');
    fs.writeFileSync(caFile, databricks.caPem);
    const discovery = discoverConnections(nodeImportEnvironment(env, home), settings, [], readFile);
    assert.deepEqual(discovery.problems, []);
    assert.deepEqual(discovery.candidates.map((candidate) => [candidate.profile.name, candidate.profile.platform]).sort(), [
      ['lab', 'snowflake'],
      ['lab (2)', 'databricks'],
      ['lab-redshift', 'redshift'],
      ['lab-synapse', 'synapse'],
      [`trino ${new URL(trino.url).host}`, 'trino'],
    ].sort());
    const imported = importAll(discovery, []);
    assert.deepEqual([imported.added, imported.updated], [5, 0]);
    // The secrets never went into the settings.
    const written = JSON.stringify(imported.entries);
    for (const secret of imported.secrets.values()) for (const value of Object.values(secret)) assert.ok(value && !written.includes(value), 'a secret in the settings');
    registry = importedRegistry(imported.secrets);
    const names = discovery.candidates.map((candidate) => String(candidate.profile.name));
    for (const name of names) {
      // .databrickscfg names no CA; the lab's is self-signed, so the user adds it as for any private CA.
      const profile = profileNamed(imported.entries, name, (entry) => (entry.platform === 'databricks' ? { ...entry, tls: { caFile } } : entry));
      const worksheet = registry.create(profile);
      const [result] = await runOk(worksheet, 'SELECT 1');
      assert.equal(String(result.rows[0]?.[0]), '1', `${name} answered`);
    }
    assert.equal(imported.secrets.get('lab-redshift')?.password, lab().logins.governor.password, 'the ~/.pgpass line that libpq would use');
  });

  it('a re-import after a change updates the imported profiles in place and adds none', async () => {
    const { env, settings } = prepareHome();
    const first = importAll(discoverConnections(nodeImportEnvironment(env, home), settings, [], readFile), []);
    // The user keeps an unrelated profile and renames the imported Redshift service.
    const mine = { name: 'mine', platform: 'redshift', host: 'example.invalid', user: 'me' };
    const edited = [mine, ...first.entries.map((entry) => ((entry as { name: string }).name === 'lab-redshift' ? { ...(entry as object), name: 'Lab RS', immutaUser: 'governor@example.com' } : entry))];
    // The service now names the analyst; pgpass's wildcard line does not match them, so no password.
    const analyst = lab().logins.analyst;
    const service = fs.readFileSync(path.join(home, '.pg_service.conf'), 'utf8').replace(`user=${lab().logins.governor.user}`, `user=${analyst.user}`);
    fs.writeFileSync(path.join(home, '.pg_service.conf'), service);
    fs.appendFileSync(path.join(home, '.pgpass'), `*:*:*:${analyst.user}:${analyst.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`);
    const again = discoverConnections(nodeImportEnvironment(env, home), settings, edited, readFile);
    assert.ok(again.candidates.every((candidate) => candidate.action === 'update'));
    const second = importAll(again, edited);
    assert.deepEqual([second.added, second.updated, second.entries.length], [0, 5, 6]);
    const renamed = second.entries.find((entry) => (entry as { name: string }).name === 'Lab RS') as Record<string, unknown>;
    assert.deepEqual([renamed.user, renamed.immutaUser], [analyst.user, 'governor@example.com']);
    assert.equal(second.entries.filter((entry) => (entry as { importedFrom?: string }).importedFrom?.startsWith('pg-service:')).length, 1);
    registry = importedRegistry(second.secrets);
    const [result] = await runOk(registry.create(profileNamed(second.entries, 'Lab RS')), 'SELECT current_user');
    assert.equal(result.rows[0]?.[0], analyst.user, 'connected as the service file now says, with the password from ~/.pgpass');
  });

  it('reports an unparsable file by path and line and imports the rest', async () => {
    const { env, settings } = prepareHome();
    const broken = path.join(home, '.snowflake', 'connections.toml');
    fs.writeFileSync(broken, '[lab]\naccount = "unterminated\n');
    const discovery = discoverConnections(nodeImportEnvironment(env, home), settings, [], readFile);
    assert.equal(discovery.problems.length, 1);
    assert.equal(discovery.problems[0].file, broken);
    assert.equal(discovery.problems[0].line, 2);
    assert.equal(discovery.candidates.length, 4);
  });
});
