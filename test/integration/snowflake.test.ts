import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPlatformError } from '../../src/platforms/errors';
import { isWorksheetError } from '../../src/worksheets/errors';
import { startSnowflakeLab, type SnowflakeLab } from '../lab/snowflake-server';
import { guardViolations } from '../support/network-guard';
import { lab } from './shared-lab';
import { createSnowflakeHarness, snowflakeProfile } from './snowflake-harness';
import { DIST_PLATFORMS, failure, firstColumn, regionsSeen, runOk, runOne, whoami, HOSTILE_USER_NAMES, seenRunning, seenStopped } from './worksheet-harness';

const BOB = 'bob@example.com';

function sqlSent(server: SnowflakeLab, sessionId: string): string[] {
  return server.received
    .filter((request) => request.path === '/queries/v1/query-request' && request.sessionId === sessionId)
    .map((request) => String((request.body as { sqlText?: unknown }).sqlText));
}

describe('Snowflake worksheets through snowflake-sdk and the lab\u2019s Snowflake server', function () {
  let server: SnowflakeLab;
  let harness: ReturnType<typeof createSnowflakeHarness>;

  before(async () => {
    server = await startSnowflakeLab(lab());
  });

  after(async () => {
    await server.close();
  });

  beforeEach(() => {
    harness = createSnowflakeHarness();
  });

  afterEach(async () => {
    await harness.registry.dispose();
  });

  describe('login', () => {
    it('logs in with a password: one Snowflake session on one PostgreSQL connection of that login', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      const me = await whoami(worksheet);
      assert.deepEqual(me, { login: 'governor', effective: 'governor@example.com' });
      const sessionId = worksheet.snapshot().sessionId ?? '';
      const session = server.sessions().find((candidate) => candidate.id === sessionId);
      assert.ok(session, `the lab knows session ${sessionId}`);
      const [backend] = await lab().adminQuery<{ usename: string }>('SELECT usename FROM pg_stat_activity WHERE pid = $1', [session.pid]);
      assert.equal(backend.usename, 'governor');
    });

    it('logs in with an encrypted PKCS#8 key pair', async () => {
      const passphrase = 'correct horse battery staple';
      const { publicKey, privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
      });
      server.registerPublicKey('owner', publicKey);
      const profile = snowflakeProfile(server, 'owner', { name: 'sf-owner-key', auth: 'key-pair', privateKey });
      const keyed = createSnowflakeHarness(new Map([[profile.name, { passphrase }]]));
      try {
        const worksheet = keyed.registry.create(profile);
        assert.deepEqual(await whoami(worksheet), { login: 'owner', effective: 'owner@example.com' });
        const login = server.received.filter((request) => request.path === '/session/v1/login-request').at(-1);
        const data = (login?.body as { data?: Record<string, unknown> }).data ?? {};
        assert.equal(data.AUTHENTICATOR, 'SNOWFLAKE_JWT');
        assert.equal(data.PASSWORD, undefined, 'no password travels with a key-pair login');

        // A key the account does not know is refused.
        const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
        const stranger = keyed.registry.create({ ...profile, name: 'sf-owner-other-key', privateKey: other.privateKey });
        const error = failure(await runOne(stranger, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'authentication');
        assert.match(error.message, /JWT token is invalid/);
      } finally {
        await keyed.registry.dispose();
      }
    });

    it('refuses a wrong password as an authentication error with Snowflake\u2019s message', async () => {
      const wrong = createSnowflakeHarness(new Map([['sf-governor', { password: 'not-the-password' }]]));
      try {
        const error = failure(await runOne(wrong.registry.create(snowflakeProfile(server, 'governor')), 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'authentication');
        assert.equal(error.code, '390100');
        assert.match(error.message, /Incorrect username or password was specified/);
        assert.doesNotMatch(error.message, /not-the-password/);
      } finally {
        await wrong.registry.dispose();
      }
    });
  });

  describe('results', () => {
    it('streams Snowflake column types and exact values: numbers only where exact, the rest as text', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      const [result] = await runOk(
        worksheet,
        "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 12:34:56.789' AS ts, 1.5::float8 AS f, '{\"k\": [1, 2]}'::jsonb AS v, 'ü😀'::varchar AS u",
      );
      assert.deepEqual(
        result.columns.map((column) => `${column.name}:${column.type}`),
        ['I:NUMBER(38,0)', 'BIG:NUMBER(38,0)', 'N:NUMBER(6,2)', 'B:BOOLEAN', 'NOTHING:TEXT', 'WORD:TEXT', 'D:DATE', 'TS:TIMESTAMP_NTZ', 'F:REAL', 'V:VARIANT', 'U:TEXT'],
      );
      assert.deepEqual(result.rows, [[1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', '2024-02-29 12:34:56.789', 1.5, '{"k": [1, 2]}', 'ü😀']]);
    });

    it('streams 20 000 rows in several batches and reports rows affected for DML', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      const [big] = await runOk(worksheet, 'SELECT g FROM generate_series(1, 20000) AS g');
      assert.equal(big.rows.length, 20000);
      assert.ok(big.batches > 1, `expected several batches, got ${big.batches}`);
      assert.equal(big.rows[19999][0], 20000);
      const [, inserted] = await runOk(worksheet, 'CREATE TEMP TABLE scratch(x int)', 'INSERT INTO scratch SELECT generate_series(1, 3)');
      assert.ok(inserted.outcome.status === 'succeeded');
      if (inserted.outcome.status === 'succeeded') {
        assert.equal(inserted.outcome.summary.rowCount, 3);
        assert.equal(inserted.outcome.summary.hasResultSet, false);
      }
    });

    it('gives a compilation error Snowflake\u2019s code, text and place in the statement', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      const statement = "SELECT '😀' AS smile,\n  no_such_column FROM sales.customers";
      const error = failure(await runOne(worksheet, statement));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.code, '000904');
      assert.match(error.serverMessage ?? '', /line 2 at position 2/);
      assert.equal(error.position?.offset, statement.indexOf('no_such_column'));
    });

    it('follows a long query through 333333 and the getResultUrl the driver polls', async () => {
      const slow = await startSnowflakeLab(lab(), { asyncAfterMs: 100 });
      try {
        const worksheet = harness.registry.create(snowflakeProfile(slow, 'governor', { name: 'sf-slow' }));
        const [result] = await runOk(worksheet, "SELECT 'done' AS state FROM pg_sleep(0.7)");
        assert.deepEqual(result.rows, [['done']]);
        const polls = slow.received.filter((request) => /^\/queries\/[0-9a-f-]+\/result$/.test(request.path));
        assert.ok(polls.length >= 2, `expected the driver to poll, saw ${polls.length} polls`);
      } finally {
        await slow.close();
      }
    });
  });

  describe('cancel', () => {
    it('cancels pg_sleep(30) seen running at the server; the same session and identity run on', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      await worksheet.impersonate(BOB);
      const sessionId = worksheet.snapshot().sessionId;
      const handle = worksheet.run([{ text: 'SELECT pg_sleep(30)' }, { text: 'SELECT 2' }]);
      await seenRunning('pg_sleep(30)');
      handle.cancel();
      const outcomes = await handle.outcomes;
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['cancelled', 'skipped']);
      await seenStopped('pg_sleep(30)');
      assert.ok(server.received.some((request) => request.path === '/queries/v1/abort-request'), JSON.stringify(server.received.slice(-6).map((r) => [r.path, r.body])));
      assert.equal(worksheet.snapshot().sessionId, sessionId);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });
  });

  describe('impersonation', () => {
    it('takes the impersonation role, then sets the variable: bob sees EU; clearing restores the profile\u2019s role', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor', { role: 'SYSADMIN' }));
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      await worksheet.impersonate(BOB);
      assert.deepEqual(worksheet.identity, { kind: 'impersonating', user: BOB, since: (worksheet.identity as { since: number }).since, assurance: 'applied' });
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'applied' });

      const sessionId = worksheet.snapshot().sessionId ?? '';
      const sent = sqlSent(server, sessionId);
      const role = sent.indexOf('USE ROLE IMMUTA_IMPERSONATION');
      const set = sent.indexOf(`SET IMMUTA_IMP_USER = '${BOB}'`);
      assert.ok(role >= 0 && set > role, `the role comes first: ${JSON.stringify(sent)}`);

      await worksheet.stopImpersonating();
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      const session = server.sessions().find((candidate) => candidate.id === sessionId);
      assert.equal(session?.role, 'SYSADMIN');
      assert.deepEqual(session?.variables, {});
    });

    it('follows SET and UNSET typed into the worksheet, and re-applies after a typed USE ROLE', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      await runOk(worksheet, "SET IMMUTA_IMP_USER = 'bob@example.com'");
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      // Leaving the impersonation role would end what Immuta enforces: the worksheet puts it back.
      await runOk(worksheet, 'USE ROLE SYSADMIN');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      await runOk(worksheet, 'UNSET IMMUTA_IMP_USER');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
    });

    it('refuses SET and UNSET inside a scripting block (run them alone): nothing reaches the server, bob stays', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      await worksheet.impersonate(BOB);
      const sessionId = worksheet.snapshot().sessionId ?? '';
      const sentBefore = sqlSent(server, sessionId);
      const requestsBefore = server.received.length;

      const block = "DECLARE\n  n INTEGER DEFAULT 0;\nBEGIN\n  SET IMMUTA_IMP_USER = 'alice@example.com';\n  SELECT COUNT(*) INTO :n FROM sales.customers;\n  RETURN n;\nEND;";
      const set = failure(await runOne(worksheet, block));
      assert.ok(isWorksheetError(set) && set.kind === 'impersonation-embedded', String(set));
      assert.match(set.message, /Run the impersonation statement alone, as a statement of its own/);
      const unset = failure(await runOne(worksheet, 'BEGIN\n  UNSET IMMUTA_IMP_USER;\n  SELECT 1;\nEND;'));
      assert.ok(isWorksheetError(unset) && unset.kind === 'impersonation-embedded', String(unset));
      assert.deepEqual(
        server.received.slice(requestsBefore).map((request) => request.path),
        [],
        'not one request reached the Snowflake server',
      );

      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.equal(server.sessions().find((candidate) => candidate.id === sessionId)?.variables.IMMUTA_IMP_USER, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(sqlSent(server, sessionId).slice(0, sentBefore.length), sentBefore);
      assert.ok(!sqlSent(server, sessionId).some((sql) => sql.includes('alice') || sql.includes('UNSET')), 'neither block was sent');
    });

    it('reports Snowflake\u2019s refusal when the login may not take the impersonation role', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'analyst'));
      await assert.rejects(worksheet.impersonate(BOB), /Role 'IMMUTA_IMPERSONATION' does not exist or not authorized/);
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
    });

    for (const name of HOSTILE_USER_NAMES) {
      it(`round-trips the name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 8)}… (${name.length} chars)` : name)} exactly`, async () => {
        const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
        await worksheet.impersonate(name);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: name, assurance: 'applied' });
        const sessionId = worksheet.snapshot().sessionId ?? '';
        const session = server.sessions().find((candidate) => candidate.id === sessionId);
        assert.equal(session?.variables.IMMUTA_IMP_USER, name);
        assert.equal(session?.impersonating, name);
        const [result] = await runOk(worksheet, 'SELECT immuta.current_impersonation()');
        assert.equal(result.rows[0][0], name);
      });
    }
  });

  describe('session expiry', () => {
    it('a renewed session token keeps the session, its role and its variables', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      await worksheet.impersonate(BOB);
      const sessionId = worksheet.snapshot().sessionId ?? '';
      server.expireSessionToken(sessionId);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.equal(worksheet.snapshot().sessionId, sessionId);
      assert.ok(server.received.some((request) => request.path === '/session/token-request' && request.sessionId === undefined));
    });

    it('an expired session: the next statement runs on a new session as bob, re-applied first, never as the login', async () => {
      const worksheet = harness.registry.create(snowflakeProfile(server, 'governor'));
      await worksheet.impersonate(BOB);
      const oldSession = worksheet.snapshot().sessionId ?? '';
      await server.expireSession(oldSession);
      const marker = `expiry-${randomUUID()}`;
      const [result] = await runOk(worksheet, `SELECT DISTINCT region, '${marker}' AS marker FROM sales.customers`);
      assert.deepEqual(firstColumn(result), ['EU']);
      const newSession = worksheet.snapshot().sessionId ?? '';
      assert.notEqual(newSession, oldSession);
      assert.equal(server.sessions().find((candidate) => candidate.id === newSession)?.impersonating, BOB);
      const rows = await lab().adminQuery<{ login: string; effective_user: string }>(
        'SELECT login, effective_user FROM immuta.query_log WHERE statement LIKE $1',
        [`%${marker}%`],
      );
      assert.ok(rows.length > 0, 'the statement ran and was logged');
      assert.deepEqual(rows.map((row) => row.effective_user), rows.map(() => BOB), 'nothing ran as the login itself');
    });
  });

  describe('containment', () => {
    it('loading the bundle and running a session reaches nothing but loopback and writes no snowflake.log', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sf-cwd-'));
      const guardLog = path.join(dir, 'guard.jsonl');
      const script = `
        const { driver } = require(${JSON.stringify(path.join(DIST_PLATFORMS, 'snowflake.js'))});
        const logger = { debug() {}, info() {}, warn() {}, error() {} };
        (async () => {
          const session = await driver.open(JSON.parse(process.env.SF_PROFILE), { password: process.env.SF_PASSWORD }, { logger });
          await session.execute('SELECT 1', { columns() {}, rows() {}, notice() {} });
          await session.close();
        })().catch((error) => { console.error(error); process.exitCode = 2; });`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NETWORK_GUARD_LOG: guardLog,
        SF_PROFILE: JSON.stringify(snowflakeProfile(server, 'governor')),
        SF_PASSWORD: lab().logins.governor.password,
      };
      // The bundle itself must switch the probes off; the test process' own setting must not help it.
      delete env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION;
      delete env.NODE_OPTIONS;
      const guard = path.resolve(__dirname, '../support/network-guard.js');
      try {
        const exit = await new Promise<{ code: number; stderr: string }>((resolve) => {
          execFile(process.execPath, ['--require', guard, '-e', script], { cwd: dir, env, timeout: 30000 }, (error, _stdout, stderr) =>
            resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stderr }),
          );
        });
        assert.equal(exit.code, 0, exit.stderr);
        assert.equal(existsSync(guardLog) ? readFileSync(guardLog, 'utf8') : '', '', 'no non-loopback attempt');
        assert.equal(existsSync(path.join(dir, 'snowflake.log')), false, 'no snowflake.log in the working directory');
        assert.equal(existsSync(path.join(process.cwd(), 'snowflake.log')), false, 'no snowflake.log in the test\u2019s own directory');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(guardViolations(), []);
    });
  });
});
