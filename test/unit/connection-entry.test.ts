import * as assert from 'node:assert/strict';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile } from '../../src/platforms/types';
import { buildEntry, stepTitle, wizardPlatforms, wizardSteps, type Answers, type Step, type StepKey, type TextStep, type WizardContext } from '../../src/ui/connection-entry';

const context: WizardContext = { existingNames: new Set(['prod']), askSaveTarget: true };
const noWorkspace: WizardContext = { existingNames: new Set(), askSaveTarget: false };

/** Stands in for the store's file reader so key-pair entries round-trip without a real key. */
const keyFiles = (path: string): string => {
  if (path === '/keys/rsa_key.p8') return 'PEM of rsa_key.p8';
  throw new Error(`ENOENT: no such file ${path}`);
};

function entryOf(answers: Answers, ctx: WizardContext = context): Record<string, unknown> {
  const built = buildEntry(answers, ctx);
  assert.ok(built.ok, built.ok ? '' : built.problems.join('\n'));
  return built.entry;
}

/** The entry must load exactly as the store would load it from settings. */
function roundTrip(answers: Answers): ConnectionProfile {
  const parsed = parseProfile(entryOf(answers), 'immutaWorksheets.connections[0]', keyFiles);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
  return parsed.profile;
}

function keys(answers: Answers, ctx: WizardContext = context): StepKey[] {
  return wizardSteps(answers, ctx).map((step) => step.key);
}

function textStep(answers: Answers, key: StepKey): TextStep {
  const step = wizardSteps(answers, context).find((candidate): candidate is TextStep => candidate.key === key && candidate.kind === 'text');
  assert.ok(step, `no text step ${key}`);
  return step;
}

function choices(answers: Answers, key: StepKey): string[] {
  const step: Step | undefined = wizardSteps(answers, context).find((candidate) => candidate.key === key);
  assert.ok(step && step.kind === 'pick', `no pick step ${key}`);
  return step.choices.map((choice) => choice.value);
}

describe('Add Connection entries', () => {
  describe('steps', () => {
    it('offers exactly the available platforms, and only the platform step until one is chosen', () => {
      assert.deepEqual(new Set(wizardPlatforms()), new Set(['redshift', 'synapse', 'databricks', 'trino', 'snowflake']));
      assert.deepEqual(keys({}), ['platform']);
      assert.deepEqual(choices({}, 'platform').sort(), ['databricks', 'redshift', 'snowflake', 'synapse', 'trino']);
    });

    it('asks each platform its own questions, then for an effect probe, ending with where to save when a workspace is open', () => {
      assert.deepEqual(keys({ platform: 'redshift' }), ['platform', 'name', 'host', 'port', 'database', 'user', 'tls', 'probeStatement', 'saveTo']);
      assert.deepEqual(keys({ platform: 'trino' }), ['platform', 'name', 'server', 'user', 'auth', 'catalog', 'schema', 'impersonationMode', 'probeStatement', 'saveTo']);
      assert.deepEqual(keys({ platform: 'snowflake', auth: 'password' }), ['platform', 'name', 'account', 'user', 'auth', 'role', 'warehouse', 'database', 'schema', 'probeStatement', 'saveTo']);
      assert.deepEqual(keys({ platform: 'snowflake', auth: 'key-pair' }), ['platform', 'name', 'account', 'user', 'auth', 'privateKeyFile', 'role', 'warehouse', 'database', 'schema', 'probeStatement', 'saveTo']);
      assert.deepEqual(keys({ platform: 'trino' }, noWorkspace).at(-1), 'probeStatement');
    });

    it('keeps every step at its position as answers come in, so step numbers never shift', () => {
      const walks: Answers[] = [
        { platform: 'redshift', name: 'a', host: 'h', port: '5439', database: 'dev', user: 'u', tls: 'require', saveTo: 'user' },
        { platform: 'trino', name: 'a', server: 'https://t:8443', user: 'u', auth: 'jwt', catalog: '', schema: '', impersonationMode: 'native', saveTo: 'user' },
        { platform: 'snowflake', name: 'a', account: 'o-a', user: 'u', auth: 'key-pair', privateKeyFile: '/keys/rsa_key.p8', role: '', warehouse: '', database: '', schema: '', probeStatement: 'SELECT w FROM g.whoami', probeExpect: '{user}', saveTo: 'user' },
        { platform: 'databricks', name: 'a', host: 'h', httpPath: '/p', auth: 'token', unityCatalog: 'false', probeStatement: '', saveTo: 'user' },
      ];
      for (const walk of walks) {
        const final = keys(walk);
        const sofar: Answers = {};
        for (const [index, key] of final.entries()) {
          assert.equal(keys(sofar)[index], key, `${walk.platform} step ${index + 1}`);
          sofar[key] = walk[key];
        }
      }
    });

    it('titles steps as (step/total), with the total unknown only before the platform', () => {
      assert.equal(stepTitle(1, undefined, 'platform'), 'Add Connection (1/…): platform');
      const steps = wizardSteps({ platform: 'trino' }, context);
      assert.equal(stepTitle(3, steps.length, steps[2]?.label ?? ''), 'Add Connection (3/10): server URL');
    });

    it('describes every auth choice and says where secrets go', () => {
      for (const answers of [{ platform: 'trino' }, { platform: 'snowflake' }] satisfies Answers[]) {
        const step = wizardSteps(answers, context).find((candidate) => candidate.key === 'auth');
        assert.ok(step && step.kind === 'pick');
        for (const choice of step.choices) assert.ok(choice.description.length > 0, `${answers.platform} ${choice.value}`);
        assert.ok(step.choices.filter((choice) => choice.description.includes('asked for on first connect and kept in secret storage')).length >= 2);
      }
      assert.deepEqual(choices({ platform: 'trino' }, 'auth'), ['basic', 'jwt', 'none']);
      assert.deepEqual(choices({ platform: 'trino' }, 'impersonationMode'), ['session-property', 'native']);
      assert.deepEqual(choices({ platform: 'snowflake' }, 'auth'), ['password', 'key-pair', 'external-browser']);
    });

    it('tells Snowflake users the default impersonation role and variable', () => {
      const role = textStep({ platform: 'snowflake', auth: 'password' }, 'role');
      assert.match(role.prompt, /IMMUTA_IMPERSONATION/);
      assert.match(role.prompt, /IMMUTA_IMP_USER/);
    });
  });

  describe('round trip through parseProfile', () => {
    it('Redshift: the entry the wizard always wrote, trimmed', () => {
      const answers: Answers = { platform: 'redshift', name: ' dev cluster ', host: ' c.abc.us-west-2.redshift.amazonaws.com ', port: ' 5440 ', database: ' analytics ', user: ' gov ', tls: 'verify-ca', saveTo: 'workspace' };
      assert.deepEqual(entryOf(answers), { name: 'dev cluster', platform: 'redshift', host: 'c.abc.us-west-2.redshift.amazonaws.com', port: 5440, database: 'analytics', user: 'gov', tls: { mode: 'verify-ca' } });
      assert.deepEqual(roundTrip(answers), {
        name: 'dev cluster',
        platform: 'redshift',
        host: 'c.abc.us-west-2.redshift.amazonaws.com',
        port: 5440,
        database: 'analytics',
        user: 'gov',
        tls: { mode: 'verify-ca' },
        connectTimeoutMs: 15000,
        applicationName: 'Immuta Worksheets',
      });
      const built = buildEntry(answers, context);
      assert.ok(built.ok && built.saveTo === 'workspace');
    });

    it('Trino: every answer given', () => {
      const answers: Answers = { platform: 'trino', name: 'sb', server: ' https://starburst.example.com:8443/ ', user: ' ana ', auth: 'jwt', catalog: ' hive ', schema: ' sales ', impersonationMode: 'native', saveTo: 'user' };
      assert.deepEqual(roundTrip(answers), {
        name: 'sb',
        platform: 'trino',
        server: 'https://starburst.example.com:8443',
        user: 'ana',
        auth: 'jwt',
        catalog: 'hive',
        schema: 'sales',
        impersonationMode: 'native',
        impersonationProperty: 'immuta.immuta_user',
        tls: { verify: true },
        source: 'immuta-worksheets',
        requestTimeoutMs: 30000,
      });
    });

    it('Trino: optional catalog and schema left empty are omitted', () => {
      const answers: Answers = { platform: 'trino', name: 'local', server: 'http://127.0.0.1:8080', user: 'admin', auth: 'none', catalog: '  ', schema: '', impersonationMode: 'session-property' };
      assert.deepEqual(entryOf(answers, noWorkspace), { name: 'local', platform: 'trino', server: 'http://127.0.0.1:8080', user: 'admin', auth: 'none', impersonationMode: 'session-property' });
      const profile = roundTrip({ ...answers, saveTo: 'user' });
      assert.ok(profile.platform === 'trino');
      assert.equal('catalog' in profile, false);
      assert.equal('schema' in profile, false);
    });

    it('Snowflake key-pair: the key file is stored as privateKeyFile and read by the store', () => {
      const answers: Answers = { platform: 'snowflake', name: 'sf', account: ' myorg-myaccount ', user: ' ANA ', auth: 'key-pair', privateKeyFile: '/keys/rsa_key.p8', role: ' ANALYST ', warehouse: ' WH ', database: ' DB ', schema: ' PUBLIC ', saveTo: 'user' };
      assert.equal(entryOf(answers).privateKeyFile, '/keys/rsa_key.p8');
      assert.deepEqual(roundTrip(answers), {
        name: 'sf',
        platform: 'snowflake',
        account: 'myorg-myaccount',
        user: 'ANA',
        auth: 'key-pair',
        privateKey: 'PEM of rsa_key.p8',
        role: 'ANALYST',
        warehouse: 'WH',
        database: 'DB',
        schema: 'PUBLIC',
        impersonationRole: 'IMMUTA_IMPERSONATION',
        impersonationVariable: 'IMMUTA_IMP_USER',
        keepAlive: true,
        connectTimeoutMs: 60000,
      });
    });

    it('Snowflake password / SSO: optional fields left empty are omitted, no key file is kept', () => {
      for (const auth of ['password', 'external-browser'] as const) {
        // A key file answer from an abandoned key-pair choice must not leak into the entry.
        const answers: Answers = { platform: 'snowflake', name: 'sf', account: 'xy12345.us-east-2.aws', user: 'ana', auth, privateKeyFile: '/keys/rsa_key.p8', role: '', warehouse: ' ', database: '', schema: '', saveTo: 'user' };
        assert.deepEqual(entryOf(answers), { name: 'sf', platform: 'snowflake', account: 'xy12345.us-east-2.aws', user: 'ana', auth });
        assert.deepEqual(roundTrip(answers), {
          name: 'sf',
          platform: 'snowflake',
          account: 'xy12345.us-east-2.aws',
          user: 'ana',
          auth,
          impersonationRole: 'IMMUTA_IMPERSONATION',
          impersonationVariable: 'IMMUTA_IMP_USER',
          keepAlive: true,
          connectTimeoutMs: 60000,
        });
      }
    });
  });

  describe('validation', () => {
    it('names: needed, trimmed, and not already taken', () => {
      const name = textStep({ platform: 'trino' }, 'name');
      assert.equal(name.validate('   '), 'A name is needed.');
      assert.match(name.validate(' prod ') ?? '', /"prod" is already a connection/);
      assert.equal(name.validate(' staging '), undefined);
    });

    it('Trino server URL: http(s)://host[:port] only', () => {
      const server = textStep({ platform: 'trino' }, 'server');
      for (const good of ['https://starburst.example.com:8443', 'http://localhost:8080/', ' https://10.0.0.5 ', 'https://[::1]:8443', 'HTTPS://Trino.Example.COM']) {
        assert.equal(server.validate(good), undefined, good);
      }
      const problems: [string, RegExp][] = [
        ['', /http\(s\):\/\/host\[:port\]/],
        ['starburst.example.com:8443', /http\(s\):\/\/host\[:port\]/],
        ['ftp://starburst.example.com', /http\(s\):\/\/host\[:port\]/],
        ['https://starburst.example.com:8443/ui/', /no path/],
        ['https://starburst.example.com:0', /port must be a number from 1 to 65535/],
        ['https://starburst.example.com:99999', /port must be a number from 1 to 65535/],
        ['https://starburst.example.com:84a3', /port must be a number from 1 to 65535/],
        ['https://star_burst..com', /not a host name or IP address/],
        ['https://user@starburst.example.com', /not a host name or IP address/],
      ];
      for (const [bad, message] of problems) assert.match(server.validate(bad) ?? '(accepted)', message, bad);
    });

    it('Snowflake account: an identifier, not a URL', () => {
      const account = textStep({ platform: 'snowflake' }, 'account');
      assert.equal(account.validate(' myorg-myaccount '), undefined);
      assert.match(account.validate('') ?? '', /account identifier is needed/);
      assert.match(account.validate('https://myorg-myaccount.snowflakecomputing.com') ?? '', /not the URL.*enter myorg-myaccount/);
      assert.match(account.validate('myorg myaccount') ?? '', /only letters, digits/);
    });

    it('Redshift host, port, database and login keep their rules', () => {
      const answers: Answers = { platform: 'redshift' };
      assert.match(textStep(answers, 'host').validate('https://cluster') ?? '', /host name or IP address/);
      assert.equal(textStep(answers, 'port').validate(' 5439 '), undefined);
      for (const bad of ['0', '65536', 'abc', '']) assert.equal(textStep(answers, 'port').validate(bad), 'A port from 1 to 65535.', bad);
      assert.equal(textStep(answers, 'database').validate(' '), 'A database name is needed.');
      assert.equal(textStep(answers, 'user').validate(''), 'A login is needed.');
    });

    it('optional steps accept an empty answer', () => {
      for (const [answers, key] of [
        [{ platform: 'trino' }, 'catalog'],
        [{ platform: 'trino' }, 'schema'],
        [{ platform: 'snowflake' }, 'role'],
        [{ platform: 'snowflake' }, 'warehouse'],
        [{ platform: 'snowflake' }, 'database'],
        [{ platform: 'snowflake' }, 'schema'],
      ] satisfies [Answers, StepKey][]) {
        const step = textStep(answers, key);
        assert.equal(step.optional, true, key);
        assert.equal(step.validate(''), undefined, key);
      }
    });

    it('buildEntry refuses what the steps refuse, naming each step', () => {
      const built = buildEntry({ platform: 'snowflake', name: 'prod', account: 'https://x.snowflakecomputing.com', user: ' ', auth: 'key-pair', privateKeyFile: ' ', saveTo: 'user' }, context);
      assert.equal(built.ok, false);
      const text = built.ok ? '' : built.problems.join('\n');
      for (const expected of ['name: "prod" is already a connection', 'account: Only the account identifier', 'login: A login is needed.', 'private key file: a file is needed.']) {
        assert.ok(text.includes(expected), `missing: ${expected}\nin:\n${text}`);
      }
      const badPick = buildEntry({ platform: 'trino', name: 'x', server: 'https://t', user: 'u', auth: 'kerberos', impersonationMode: 'native', saveTo: 'user' }, context);
      assert.ok(!badPick.ok && badPick.problems.some((problem) => problem === 'authentication: must be one of basic, jwt, none.'));
      const noPlatform = buildEntry({ platform: 'oracle', name: 'x' }, context);
      assert.ok(!noPlatform.ok && noPlatform.problems[0]?.startsWith('platform must be one of'));
      const unanswered = buildEntry({ platform: 'redshift', name: 'x', host: 'h', user: 'u', tls: 'require', saveTo: 'user' }, context);
      assert.ok(!unanswered.ok && unanswered.problems.includes('port: no answer was given.'));
    });
  });
});

describe('Add Connection entries for Synapse and Databricks', () => {
  it('Synapse: its own steps, and an entry that loads as the store loads it', () => {
    assert.deepEqual(keys({ platform: 'synapse' }), ['platform', 'name', 'server', 'port', 'database', 'auth', 'user', 'probeStatement', 'saveTo']);
    const built = buildEntry({ platform: 'synapse', name: ' dw ', server: ' ws.sql.azuresynapse.net ', port: '1433', database: 'sales', auth: 'sql', user: ' gov ', saveTo: 'workspace' }, context);
    assert.ok(built.ok);
    if (built.ok) {
      assert.deepEqual(built.entry, { name: 'dw', platform: 'synapse', server: 'ws.sql.azuresynapse.net', port: 1433, database: 'sales', auth: 'sql', user: 'gov' });
      const parsed = parseProfile(built.entry, 'c', keyFiles);
      assert.ok(parsed.ok && parsed.profile.platform === 'synapse' && parsed.profile.encrypt === true);
    }
    assert.match(textStep({ platform: 'synapse' }, 'server').validate('https://ws.example/x') ?? '', /host name or IP address/);
  });

  it('Databricks: Unity Catalog is asked for, and kept only when it is true', () => {
    assert.deepEqual(keys({ platform: 'databricks' }, noWorkspace), ['platform', 'name', 'host', 'httpPath', 'auth', 'unityCatalog', 'probeStatement']);
    assert.deepEqual(keys({ platform: 'databricks', unityCatalog: 'true' }, noWorkspace).at(-1), 'unityCatalog', 'no probe where nothing impersonates');
    const answers: Answers = { platform: 'databricks', name: 'dbx', host: 'adb-1.2.azuredatabricks.net', httpPath: '/sql/1.0/warehouses/abc', auth: 'token', unityCatalog: 'true' };
    const built = buildEntry(answers, noWorkspace);
    assert.ok(built.ok);
    if (built.ok) {
      assert.equal(built.entry.unityCatalog, true);
      const parsed = parseProfile(built.entry, 'c', keyFiles);
      assert.ok(parsed.ok && parsed.profile.platform === 'databricks' && parsed.profile.unityCatalog && parsed.profile.port === 443);
    }
    const spark = buildEntry({ ...answers, unityCatalog: 'false' }, noWorkspace);
    assert.ok(spark.ok && !('unityCatalog' in spark.entry));
  });
});

describe('Add Connection: the effect probe step', () => {
  const snowflake: Answers = { platform: 'snowflake', name: 'sf', account: 'myorg-acct', user: 'gov', auth: 'password', role: '', warehouse: '', database: '', schema: '', saveTo: 'user' };

  it('says what a probe is and for whom it is recommended, and may be skipped', () => {
    const step = textStep(snowflake, 'probeStatement');
    assert.equal(step.optional, true);
    assert.match(step.prompt, /^Effect probe \(recommended for Snowflake and Databricks; optional elsewhere\)\. An effect probe is one query that, run as the impersonated user, answers whom Immuta applies policies for/);
    assert.match(step.prompt, /Leave empty to skip\.$/);
    assert.equal(step.validate(''), undefined);
  });

  it('skipped (Enter on an empty box): no answer step, and no probe in the entry', () => {
    assert.equal(keys({ ...snowflake, probeStatement: '' }).includes('probeExpect'), false);
    assert.equal(keys({ ...snowflake, probeStatement: '   ' }).includes('probeExpect'), false);
    assert.equal('effectProbe' in entryOf({ ...snowflake, probeStatement: '' }), false);
  });

  it('given: the expected answer comes next, prefilled with {user} and checked for it', () => {
    const answers: Answers = { ...snowflake, probeStatement: 'SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI' };
    assert.deepEqual(keys(answers).slice(-3), ['probeStatement', 'probeExpect', 'saveTo']);
    const expect = textStep(answers, 'probeExpect');
    assert.equal(expect.initial, '{user}');
    assert.equal(expect.optional, false);
    assert.equal(expect.validate('{user}@example.com'), undefined);
    assert.match(expect.validate('bob') ?? '', /Write \{user\}/);
  });

  it('the probe goes into the entry, trimmed, and loads as the store loads it', () => {
    const answers: Answers = { ...snowflake, probeStatement: ' SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI ', probeExpect: ' {user} ' };
    assert.deepEqual(entryOf(answers).effectProbe, { statement: 'SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI', expect: '{user}' });
    assert.deepEqual(roundTrip(answers).effectProbe, { statement: 'SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI', expect: '{user}' });
  });

  it('buildEntry refuses an expected answer without {user}, and a statement that names {user}', () => {
    const built = buildEntry({ ...snowflake, probeStatement: "SELECT '{user}'", probeExpect: 'bob' }, context);
    assert.ok(!built.ok);
    const text = built.problems.join('\n');
    assert.match(text, /effect probe: The probe is sent as written/);
    assert.match(text, /probe answer: Write \{user\}/);
  });

  it('Databricks on Unity Catalog cannot impersonate: no probe is asked or written', () => {
    const answers: Answers = { platform: 'databricks', name: 'uc', host: 'adb-1.2.azuredatabricks.net', httpPath: '/sql/1', auth: 'token', unityCatalog: 'true', probeStatement: 'SELECT 1' };
    assert.equal('effectProbe' in entryOf(answers, noWorkspace), false);
  });
});
