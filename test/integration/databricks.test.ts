import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { isPlatformError } from '../../src/platforms/errors';
import type { SessionClosed } from '../../src/platforms/types';
import { isWorksheetError } from '../../src/worksheets/errors';
import type { AuditEntry } from '../../src/worksheets/worksheet';
import { startDatabricksLab, type DatabricksLab } from '../lab/databricks-server';
import { guardViolations } from '../support/network-guard';
import { bundledDriver, createDatabricksHarness, databricksProfile } from './databricks-harness';
import { lab } from './shared-lab';
import { DIST_PLATFORMS, failure, firstColumn, regionsSeen, runOk, runOne, whoami , HOSTILE_USER_NAMES, seenRunning, seenStopped } from './worksheet-harness';

const BOB = 'bob@example.com';
const HOSTILE = [...HOSTILE_USER_NAMES, 'back`tick``s', "$' and $& and $1"];
const NULL_SINK = { columns: () => undefined, rows: () => undefined, notice: () => undefined };

function statementsOf(server: DatabricksLab, sessionId: string): string[] {
  return server.received.filter((call) => call.call === 'ExecuteStatement' && call.sessionId === sessionId).map((call) => call.statement ?? '');
}

describe('Databricks Spark worksheets through @databricks/sql and the lab\u2019s Thrift server', function () {
  let server: DatabricksLab;
  let harness: ReturnType<typeof createDatabricksHarness>;

  before(async function () {
    this.timeout(30000);
    server = await startDatabricksLab(lab());
    await lab().adminQuery('CREATE TABLE IF NOT EXISTS public.t (id int)');
  });

  after(async () => {
    await server.close();
  });

  beforeEach(() => {
    harness = createDatabricksHarness(server);
  });

  afterEach(async () => {
    await harness.registry.dispose();
  });

  describe('login', () => {
    it('signs in with a token over HTTPS: one Thrift session on one PostgreSQL connection of that login, stamped with current_user()', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      const outcome = await runOne(worksheet, 'SELECT 1 AS one');
      assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : undefined);
      assert.equal(outcome.status === 'succeeded' && outcome.stamp.login, 'governor');
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: 'governor@example.com' });
      const sessionId = worksheet.snapshot().sessionId ?? '';
      assert.match(sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'an RFC 4122 session id');
      const session = server.sessions().find((candidate) => candidate.id === sessionId);
      assert.ok(session, `the lab knows session ${sessionId}`);
      const [backend] = await lab().adminQuery<{ usename: string }>('SELECT usename FROM pg_stat_activity WHERE pid = $1', [session.pid]);
      assert.equal(backend.usename, 'governor');
    });

    it('refuses a bad token as an authentication error (HTTP 403), without echoing the token', async () => {
      const badToken = `dapi${'0'.repeat(32)}`;
      const wrong = createDatabricksHarness(server, new Map([['dbx-governor', { token: badToken }]]));
      try {
        const error = failure(await runOne(wrong.registry.create(databricksProfile(server, 'governor')), 'SELECT 1'));
        assert.ok(isPlatformError(error), error.message);
        assert.equal(error.kind, 'authentication');
        assert.equal(error.code, '403');
        assert.doesNotMatch(error.message, new RegExp(badToken));
        assert.ok(server.received.some((call) => call.call === 'http' && call.httpStatus === 403));
      } finally {
        await wrong.registry.dispose();
      }
    });

    it('refuses a server whose certificate is not signed by the configured CA', async () => {
      const openedBefore = server.received.filter((call) => call.call === 'OpenSession' && call.login === 'governor').length;
      const worksheet = harness.registry.create(databricksProfile(server, 'governor', { name: 'dbx-governor-noca', tls: { verify: true } }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error), error.message);
      assert.equal(error.kind, 'connection');
      assert.match(error.message, /certificate/i);
      assert.equal(server.received.filter((call) => call.call === 'OpenSession' && call.login === 'governor').length, openedBefore, 'no session was opened');
      // Only a user who turns verification off connects without the CA.
      const unverified = harness.registry.create(databricksProfile(server, 'governor', { name: 'dbx-governor-unverified', tls: { verify: false } }));
      assert.equal((await runOne(unverified, 'SELECT 1')).status, 'succeeded');
    });
  });

  describe('results', () => {
    it('streams Spark type names and exact values: numbers only where exact, NULL as null', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      const [result] = await runOk(
        worksheet,
        "SELECT 7::int2 AS s, 1::int4 AS i, 9007199254740993::int8 AS big, '-9223372036854775808'::int8 AS min, 12.50::numeric(6,2) AS n, 123456789012345678901234.5::numeric(30,1) AS wide, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 12:34:56.789' AS ts, 1.5::float8 AS f, 'ü😀'::varchar AS u, NULL::int8 AS nobig",
      );
      assert.deepEqual(
        result.columns.map((column) => `${column.name}:${column.type}`),
        ['s:smallint', 'i:int', 'big:bigint', 'min:bigint', 'n:decimal(6,2)', 'wide:decimal(30,1)', 'b:boolean', 'nothing:string', 'word:string', 'd:date', 'ts:timestamp', 'f:double', 'u:string', 'nobig:bigint'],
      );
      assert.deepEqual(result.rows, [[7, 1, '9007199254740993', '-9223372036854775808', '12.50', '123456789012345678901234.5', true, null, 'NULL', '2024-02-29', '2024-02-29 12:34:56.789', 1.5, 'ü😀', null]]);
      // Column-based results keep every digit: the adapter asks for no Arrow, cloud fetch, LZ4 or
      // direct results (which would also delay the handle a cancel needs).
      const sessionId = worksheet.snapshot().sessionId ?? '';
      const asked = server.received.filter((call) => call.call === 'ExecuteStatement' && call.sessionId === sessionId).map((call) => call.asked);
      assert.ok(asked.length > 0);
      assert.deepEqual(new Set(asked.map((what) => JSON.stringify(what))), new Set([JSON.stringify({ arrow: false, cloudFetch: false, lz4: false, directResults: false })]));
    });

    it('keeps duplicate column names apart and in order (the driver\u2019s own rows would merge them)', async () => {
      const [result] = await runOk(harness.registry.create(databricksProfile(server, 'governor')), 'SELECT 1 AS a, 2 AS a, 3 AS "2", 4 AS "1"');
      assert.deepEqual(result.columns.map((column) => column.name), ['a', 'a', '2', '1']);
      assert.deepEqual(result.rows, [[1, 2, 3, 4]]);
    });

    it('streams 25 000 rows in several fetches and reports rows affected for DML', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      const before = server.received.filter((call) => call.call === 'FetchResults').length;
      const [big] = await runOk(worksheet, 'SELECT g FROM generate_series(1, 25000) AS g');
      assert.equal(big.rows.length, 25000);
      assert.ok(big.batches >= 5, `expected several batches, got ${big.batches}`);
      assert.equal(big.rows[24999][0], 25000);
      assert.ok(server.received.filter((call) => call.call === 'FetchResults').length - before >= 5, 'fetched in chunks');
      const [, inserted] = await runOk(worksheet, 'CREATE TEMP TABLE scratch(x int)', 'INSERT INTO scratch SELECT generate_series(1, 3)');
      assert.ok(inserted.outcome.status === 'succeeded');
      if (inserted.outcome.status === 'succeeded') {
        assert.equal(inserted.outcome.summary.rowCount, 3);
        assert.equal(inserted.outcome.summary.hasResultSet, false);
        assert.equal(inserted.outcome.summary.command, 'INSERT');
      }
    });

    it('gives an error the server\u2019s message, SQLSTATE and place in the statement; the session runs on', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      const statement = "SELECT '😀' AS smile,\n  no_such_column FROM sales.customers";
      const outcome = await runOne(worksheet, statement);
      const error = failure(outcome);
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.code, '42703');
      assert.match(error.serverMessage ?? '', /column "no_such_column" does not exist/);
      assert.equal(error.position?.offset, statement.indexOf('no_such_column'));
      const after = await runOne(worksheet, 'SELECT 2');
      assert.ok(after.status === 'succeeded' && outcome.status === 'failed');
      assert.equal(outcome.stamp?.sessionId, after.stamp.sessionId, 'the error did not cost the session');
    });

    it('follows a long statement through the driver\u2019s GetOperationStatus polls while it is RUNNING', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      await runOk(worksheet, 'SELECT 1');
      const sessionId = worksheet.snapshot().sessionId ?? '';
      const polls = () => server.received.filter((call) => call.call === 'GetOperationStatus' && call.sessionId === sessionId).length;
      const before = polls();
      const [result] = await runOk(worksheet, "SELECT 'done' AS state FROM pg_sleep(0.8)");
      assert.deepEqual(result.rows, [['done']]);
      assert.ok(polls() - before >= 2, `expected several status polls, saw ${polls() - before}`);
    });

    it('answers USE and the initial schema of the profile', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor', { name: 'dbx-governor-schema', catalog: 'hive_metastore', schema: 'sales' }));
      const [first] = await runOk(worksheet, 'SELECT count(*) AS n FROM customers');
      assert.deepEqual(first.rows, [['1500']]);
      await runOk(worksheet, 'USE fraud');
      const [second] = await runOk(worksheet, 'SELECT current_schema() AS s');
      assert.deepEqual(second.rows, [['fraud']]);
    });
  });

  describe('cancel', () => {
    it('cancels pg_sleep(30) seen running at the server with CancelOperation; the same session and identity run on', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      await worksheet.impersonate(BOB);
      const sessionId = worksheet.snapshot().sessionId;
      const handle = worksheet.run([{ text: 'SELECT pg_sleep(30)' }, { text: 'SELECT 2' }]);
      await seenRunning('pg_sleep(30)');
      handle.cancel();
      const outcomes = await handle.outcomes;
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['cancelled', 'skipped']);
      await seenStopped('pg_sleep(30)');
      assert.ok(server.received.some((call) => call.call === 'CancelOperation' && call.sessionId === sessionId));
      assert.equal(worksheet.snapshot().sessionId, sessionId);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });
  });

  describe('impersonation', () => {
    it('SET immuta.impersonate.user with a back-quoted name: bob sees EU, reads back, RESET ends it', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      await worksheet.impersonate(BOB);
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && [worksheet.identity.user, worksheet.identity.assurance], [BOB, 'applied']);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'applied' });
      const sessionId = worksheet.snapshot().sessionId ?? '';
      const sent = statementsOf(server, sessionId);
      assert.ok(sent.includes('SET immuta.impersonate.user = `bob@example.com`'), JSON.stringify(sent));
      assert.ok(sent.includes('SET immuta.impersonate.user'), 'read back with SET key');

      await worksheet.stopImpersonating();
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.ok(statementsOf(server, sessionId).includes('RESET immuta.impersonate.user'));
      assert.deepEqual(server.sessions().find((session) => session.id === sessionId)?.conf, {});
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
    });

    it('follows SET and RESET typed into the worksheet, and re-applies after a RESET of everything', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      await runOk(worksheet, 'SET immuta.impersonate.user = bob@example.com');
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      await runOk(worksheet, 'RESET');
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU'], 'RESET cleared the key; the worksheet put bob back');
      await runOk(worksheet, 'RESET immuta.impersonate.user');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
    });

    it('an impersonated user without access fails when queried, with Immuta\u2019s message', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'analyst'));
      await worksheet.impersonate(BOB);
      const error = failure(await runOne(worksheet, 'SELECT DISTINCT region FROM sales.customers'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'permission');
      assert.match(error.message, /does not have the IMPERSONATE_USER permission/);
    });

    it('uses the profile\u2019s own templates (another key, cleared with an empty value)', async () => {
      const custom = await startDatabricksLab(lab(), { impersonationKey: 'spark.immuta.as_user' });
      const customHarness = createDatabricksHarness(custom);
      try {
        const profile = databricksProfile(custom, 'governor', {
          name: 'dbx-governor-custom',
          impersonation: { set: 'SET spark.immuta.as_user = {user}', clear: 'SET spark.immuta.as_user =', readBack: 'SET spark.immuta.as_user' },
        });
        const worksheet = customHarness.registry.create(profile);
        await worksheet.impersonate("o'brien");
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: "o'brien", assurance: 'applied' });
        assert.equal((await whoami(worksheet)).effective, "o'brien");
        const sessionId = worksheet.snapshot().sessionId ?? '';
        assert.ok(statementsOf(custom, sessionId).includes("SET spark.immuta.as_user = `o'brien`"));
        await runOk(worksheet, 'SET spark.immuta.as_user = bob@example.com');
        assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB, 'the typed form of the custom key is followed');
        await worksheet.stopImpersonating();
        assert.equal(custom.sessions().find((session) => session.id === sessionId)?.conf['spark.immuta.as_user'], '');
        assert.equal((await whoami(worksheet)).effective, 'governor@example.com');
      } finally {
        await customHarness.registry.dispose();
        await custom.close();
      }
    });

    for (const name of HOSTILE) {
      it(`round-trips the name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 8)}\u2026 (${name.length} chars)` : name)} exactly`, async () => {
        const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
        await worksheet.impersonate(name);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: name, assurance: 'applied' });
        const sessionId = worksheet.snapshot().sessionId ?? '';
        assert.equal(server.sessions().find((session) => session.id === sessionId)?.conf['immuta.impersonate.user'], name);
        const [result] = await runOk(worksheet, 'SELECT immuta.current_impersonation()');
        assert.equal(result.rows[0][0], name);
        const [objects] = await lab().adminQuery<{ t: string | null }>("SELECT to_regclass('public.t')::text AS t");
        assert.equal(objects.t, 't');
      });
    }

    for (const name of ['${env:HOME}', '<undefined>', 'line\nbreak', ' bob@example.com']) {
      it(`refuses ${JSON.stringify(name)} before sending anything`, async () => {
        const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
        await runOk(worksheet, 'SELECT 1');
        const sessionId = worksheet.snapshot().sessionId ?? '';
        const sentBefore = statementsOf(server, sessionId).length;
        await assert.rejects(worksheet.impersonate(name), (error: unknown) => isWorksheetError(error) && error.kind === 'invalid-user' && error.message.length > 10);
        assert.equal(statementsOf(server, sessionId).length, sentBefore);
        assert.equal(worksheet.identity.kind, 'yourself');
      });
    }
  });

  describe('Unity Catalog', () => {
    it('refuses impersonation with Immuta\u2019s explanation, from the worksheet (picker and typed SET) and in the adapter; queries run as yourself', async () => {
      const profile = databricksProfile(server, 'governor', { name: 'dbx-governor-uc', unityCatalog: true });
      const driver = await bundledDriver();
      assert.match(driver.impersonationUnsupported(profile) ?? '', /Immuta does not support user impersonation on Databricks Unity Catalog/);
      assert.equal(driver.impersonationUnsupported(databricksProfile(server, 'governor')), undefined);

      const worksheet = harness.registry.create(profile);
      await assert.rejects(worksheet.impersonate(BOB), (error: unknown) => isWorksheetError(error) && error.kind === 'unsupported' && /Unity Catalog/.test(error.message));
      const typed = failure(await runOne(worksheet, 'SET immuta.impersonate.user = bob@example.com'));
      assert.ok(isWorksheetError(typed) && typed.kind === 'unsupported', typed.message);
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: 'governor@example.com' });
      const sessionId = worksheet.snapshot().sessionId ?? '';
      assert.deepEqual(statementsOf(server, sessionId).filter((sql) => /immuta\.impersonate/.test(sql)), [], 'nothing about impersonation reached the server');

      // The adapter refuses on its own too, whoever calls it.
      const session = await driver.open(profile, { token: server.tokenFor('governor') }, { logger: silentLogger });
      try {
        await assert.rejects(session.impersonation.apply(BOB), (error: unknown) => isPlatformError(error) && error.kind === 'unsupported' && /Unity Catalog/.test(error.message));
        assert.equal(server.sessions().find((candidate) => candidate.id === session.id)?.conf['immuta.impersonate.user'], undefined);
      } finally {
        await session.close();
      }
    });
  });

  describe('session expiry', () => {
    it('an invalid session handle: the next statement runs on a new session as bob, re-applied first, never as the login', async () => {
      const worksheet = harness.registry.create(databricksProfile(server, 'governor'));
      const audits: AuditEntry[] = [];
      worksheet.onDidAudit((entry) => audits.push(entry));
      await worksheet.impersonate(BOB);
      const oldSession = worksheet.snapshot().sessionId ?? '';
      await server.expireSession(oldSession);
      const marker = `expiry-${randomUUID()}`;
      const [result] = await runOk(worksheet, `SELECT DISTINCT region, '${marker}' AS marker FROM sales.customers`);
      assert.deepEqual(firstColumn(result), ['EU']);
      const newSession = worksheet.snapshot().sessionId ?? '';
      assert.notEqual(newSession, oldSession);
      assert.equal(server.sessions().find((session) => session.id === newSession)?.conf['immuta.impersonate.user'], BOB);
      assert.ok(audits.some((entry) => entry.action === 'connection-lost'), 'the loss was noticed');
      assert.ok(audits.some((entry) => entry.action === 'reapply' && entry.outcome === 'ok' && entry.user === BOB), 'bob was re-applied');
      const rows = await lab().adminQuery<{ effective_user: string; impersonating: boolean }>(
        'SELECT effective_user, impersonating FROM immuta.query_log WHERE strpos(statement, $1) > 0',
        [marker],
      );
      assert.ok(rows.length > 0, 'the statement ran and was logged');
      assert.deepEqual(rows.map((row) => [row.effective_user, row.impersonating]), rows.map(() => [BOB, true]), 'nothing ran as the login itself');
    });

    it('the adapter: "Invalid SessionHandle" ends the session (not alive, onDidClose with connection-lost) and the statement counts as not sent', async () => {
      const driver = await bundledDriver();
      const session = await driver.open(databricksProfile(server, 'governor'), { token: server.tokenFor('governor') }, { logger: silentLogger });
      const closed: SessionClosed[] = [];
      session.onDidClose((event) => closed.push(event));
      await server.expireSession(session.id);
      await assert.rejects(session.execute('SELECT 1', NULL_SINK), (error: unknown) => isPlatformError(error) && error.kind === 'connection-lost' && error.notSent && /Invalid SessionHandle/.test(error.serverMessage ?? ''));
      assert.equal(session.alive, false);
      assert.equal(closed.length, 1);
      assert.equal(closed[0].error?.kind, 'connection-lost');
      await session.close();
    });
  });

  describe('containment', () => {
    it('loading the bundle and running a session reaches nothing but loopback and writes no files', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'dbx-cwd-'));
      const guardLog = path.join(dir, 'guard.jsonl');
      const script = `
        const started = process.hrtime.bigint();
        const { driver } = require(${JSON.stringify(path.join(DIST_PLATFORMS, 'databricks.js'))});
        const loadedMs = Number(process.hrtime.bigint() - started) / 1e6;
        const logger = { debug() {}, info() {}, warn() {}, error() {} };
        (async () => {
          const session = await driver.open(JSON.parse(process.env.DBX_PROFILE), { token: process.env.DBX_TOKEN }, { logger });
          await session.execute('SELECT 1', { columns() {}, rows() {}, notice() {} });
          await session.close();
          process.stdout.write(JSON.stringify({ loadedMs }));
          // The driver's keep-alive agent would hold the process until the server drops its sockets.
          process.exit(0);
        })().catch((error) => { console.error(error); process.exitCode = 2; });`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NETWORK_GUARD_LOG: guardLog,
        DBX_PROFILE: JSON.stringify(databricksProfile(server, 'governor')),
        DBX_TOKEN: server.tokenFor('governor'),
      };
      delete env.NODE_OPTIONS;
      delete env.DATABRICKS_TELEMETRY_DISABLED;
      const guard = path.resolve(__dirname, '../support/network-guard.js');
      try {
        const exit = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, ['--require', guard, '-e', script], { cwd: dir, env, timeout: 30000 }, (error, stdout, stderr) =>
            resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
          );
        });
        assert.equal(exit.code, 0, exit.stderr);
        assert.equal(existsSync(guardLog) ? readFileSync(guardLog, 'utf8') : '', '', 'no non-loopback attempt');
        assert.deepEqual(readdirSync(dir).filter((file) => file !== 'guard.jsonl'), [], 'nothing written to the working directory');
        const { loadedMs } = JSON.parse(exit.stdout) as { loadedMs: number };
        process.stdout.write(`      (dist/platforms/databricks.js loaded in ${loadedMs.toFixed(0)} ms)\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(guardViolations(), []);
    });
  });
});
