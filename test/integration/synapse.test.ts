import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPlatformError } from '../../src/platforms/errors';
import { splitStatements } from '../../src/sql/splitter';
import { isWorksheetError } from '../../src/worksheets/errors';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { findFreePort } from '../lab/ports';
import { makeTlsFiles } from '../lab/tls';
import { startTdsLab, type TdsLab, type TdsReceived } from '../lab/tds-server';
import { lab } from './shared-lab';
import { createSynapseHarness, synapseProfile, synapseSuiteHooks, type SynapseHarness } from './synapse-harness';
import { collector, failure, firstColumn, regionsSeen, runOk, runOne, whoami, seenRunning, seenStopped } from './worksheet-harness';

const BOB = 'bob@example.com';
const BOB_MAP = { [BOB]: 'bob' };

function sessionOf(worksheet: Worksheet): number {
  return Number(worksheet.snapshot().sessionId);
}

function sent(server: TdsLab, spid: number): TdsReceived[] {
  return server.received.filter((entry) => entry.spid === spid);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Azure Synapse worksheets through mssql/tedious and the lab\u2019s TDS 7.4 server', function () {
  let server: TdsLab;
  let harness: SynapseHarness;
  synapseSuiteHooks(
    (started) => (server = started),
    (made) => (harness = made),
  );

  describe('login', () => {
    it('signs in with SQL authentication: one TDS session on one PostgreSQL connection of that login', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: 'governor@example.com' });
      const spid = sessionOf(worksheet);
      const session = server.sessions().find((candidate) => candidate.spid === spid);
      assert.ok(session, `the lab knows SPID ${spid}`);
      const [backend] = await lab().adminQuery<{ usename: string }>('SELECT usename FROM pg_stat_activity WHERE pid = $1', [session.pid]);
      assert.equal(backend.usename, 'governor');
      // User statements go out as plain SQL batches, never wrapped in sp_executesql.
      assert.ok(sent(server, spid).some((entry) => entry.kind === 'batch' && entry.text.includes('immuta.whoami()')));
    });

    it('refuses a wrong password as an authentication error with SQL Server\u2019s text', async () => {
      const wrong = createSynapseHarness(new Map([['syn-governor', { password: 'not-the-password' }]]));
      try {
        const error = failure(await runOne(wrong.registry.create(synapseProfile(server, 'governor')), 'SELECT 1'));
        assert.ok(isPlatformError(error), String(error));
        assert.equal(error.kind, 'authentication');
        assert.equal(error.code, '18456');
        assert.match(error.message, /Login failed for user 'governor'\./);
        assert.doesNotMatch(error.message, /not-the-password/);
      } finally {
        await wrong.registry.dispose();
      }
    });

    it('reports a server that does not answer as a connection error', async () => {
      const port = await findFreePort();
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { name: 'syn-nobody', port }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error), String(error));
      assert.equal(error.kind, 'connection');
      assert.match(error.message, new RegExp(`Could not connect to 127\\.0\\.0\\.1:${port}/lab`));
      assert.match(error.hint ?? '', /port/);
    });

    it('also refuses a server whose PRELOGIN answers "encryption off" (login-only encryption) while encrypt is on', async () => {
      const loginOnly = await startTdsLab(lab(), { encryption: 'off' });
      try {
        const worksheet = harness.registry.create(synapseProfile(loginOnly, 'governor', { name: 'syn-encrypt-off', encrypt: true }));
        const error = failure(await runOne(worksheet, 'SELECT 1'));
        assert.ok(isPlatformError(error) && error.kind === 'connection', String(error));
        assert.match(error.message, /cannot encrypt the connection/);
        assert.deepEqual(loginOnly.received.map((entry) => entry.kind), ['prelogin'], 'only the PRELOGIN reached the server');
      } finally {
        await loginOnly.close();
      }
    });

    it('refuses a server that cannot encrypt while encrypt is on, before the password is sent', async () => {
      const loginsBefore = server.received.filter((entry) => entry.kind === 'login').length;
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { name: 'syn-encrypted', encrypt: true }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error), String(error));
      assert.equal(error.kind, 'connection');
      assert.match(error.message, /cannot encrypt the connection/);
      assert.match(error.message, /no password was sent/);
      const prelogins = server.received.filter((entry) => entry.kind === 'prelogin');
      assert.equal(prelogins.at(-1)?.kind === 'prelogin' && prelogins.at(-1)?.encryptionRequested, 1, 'the driver asked for encryption');
      assert.equal(server.received.filter((entry) => entry.kind === 'login').length, loginsBefore, 'no LOGIN7 reached the server');
    });
  });

  describe('TLS inside TDS (encrypt on, the default)', () => {
    let secureLab: TdsLab;
    let caPem: string;
    let dir: string;

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tds-tls-'));
      const files = await makeTlsFiles(dir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
      caPem = files.caPem;
      secureLab = await startTdsLab(lab(), { tls: { key: await fs.readFile(files.keyFile, 'utf8'), cert: await fs.readFile(files.certFile, 'utf8') } });
    });

    after(async () => {
      await secureLab.close();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('encrypts, verifying the server certificate against the profile’s CA', async () => {
      const worksheet = harness.registry.create(synapseProfile(secureLab, 'governor', { name: 'syn-tls', encrypt: true, ca: caPem }));
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: 'governor@example.com' });
      await worksheet.impersonate(BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.ok(secureLab.received.some((entry) => entry.kind === 'tls'), 'the TLS handshake completed');
      const kinds = secureLab.received.map((entry) => entry.kind);
      assert.ok(kinds.indexOf('tls') < kinds.indexOf('login'), 'LOGIN7 travelled inside TLS');
    });

    it('refuses a certificate it cannot verify (no CA, trustServerCertificate off)', async () => {
      const worksheet = harness.registry.create(synapseProfile(secureLab, 'governor', { name: 'syn-tls-unknown-ca', encrypt: true }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error), String(error));
      assert.equal(error.kind, 'connection');
      assert.match(`${error.message} ${error.hint ?? ''}`, /certificate/i);
    });

    it('accepts it with trustServerCertificate', async () => {
      const worksheet = harness.registry.create(synapseProfile(secureLab, 'governor', { name: 'syn-tls-trust', encrypt: true, trustServerCertificate: true }));
      assert.equal((await whoami(worksheet)).login, 'governor');
    });
  });

  describe('results', () => {
    it('reports SQL Server type names and exact values: numbers only where exact', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const long = 'x'.repeat(5000);
      const [result] = await runOk(
        worksheet,
        "SELECT 7::int2 AS s, 1::int4 AS i, 9007199254740993::int8 AS big, 123456789012.34::numeric(14,2) AS n, true AS b, NULL::text AS nothing, " +
          "N'NULL' AS word, DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 12:34:56.789' AS ts, 1.5::float8 AS f, " +
          `'6f9619ff-8b86-d011-b42d-00c04fc964ff'::uuid AS g, 'ü😀'::varchar AS u, repeat('x', 5000) AS long`,
      );
      assert.deepEqual(
        result.columns.map((column) => `${column.name}:${column.type}`),
        ['s:smallint', 'i:int', 'big:bigint', 'n:decimal(14,2)', 'b:bit', 'nothing:nvarchar', 'word:nvarchar', 'd:date', 'ts:datetime2', 'f:float', 'g:uniqueidentifier', 'u:nvarchar', 'long:nvarchar'],
      );
      assert.deepEqual(result.rows, [[7, 1, '9007199254740993', '123456789012.34', true, null, 'NULL', '2024-02-29', '2024-02-29 12:34:56.789', 1.5, '6F9619FF-8B86-D011-B42D-00C04FC964FF', 'ü😀', long]]);
    });

    it('streams 20 000 rows in several batches, and reports rows affected for DML', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
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

    it('holds the stream while the results view is busy (backpressure) and loses no row', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      let slowBatches = 0;
      let rows = 0;
      const outcomes = await worksheet.run([{ text: 'SELECT g FROM generate_series(1, 5000) AS g' }], {
        rows: async (_index, batch) => {
          slowBatches++;
          rows += batch.length;
          await wait(20);
        },
      }).outcomes;
      assert.equal(outcomes[0].status, 'succeeded');
      assert.equal(rows, 5000);
      assert.ok(slowBatches >= 5, `expected the 5000 rows in batches, got ${slowBatches}`);
    });

    it('gives an error its number, the server\u2019s text and the line it is on', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const statement = "SELECT 'first line' AS a,\n    no_such_column FROM sales.customers";
      const error = failure(await runOne(worksheet, statement));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.code, '207');
      assert.match(error.serverMessage ?? '', /column "no_such_column" does not exist/);
      assert.match(error.detail ?? '', /Msg 207, Level 16, State 1, Line 2/);
      assert.equal(error.position?.offset, statement.indexOf('no_such_column'), 'the position is the start of line 2');
    });

    it('reports a permission error as such', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const error = failure(await runOne(worksheet, 'SELECT count(*) FROM immuta.query_log'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'permission');
      assert.equal(error.code, '229');
      assert.match(error.message, /permission denied/);
    });

    it('runs a script split at GO lines as SQL Server tools do: one batch each, GO never sent', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
      const script = "SELECT 'one' AS a\nGO\nSELECT TOP 2 region FROM sales.customers ORDER BY id\ngo 1\n  SELECT N'thr''ee' AS c;\nGO";
      const { statements, batchSeparators } = splitStatements(script, 'tsql');
      assert.deepEqual(statements.map((statement) => statement.batch), [0, 1, 2]);
      assert.equal(batchSeparators?.length, 3);
      const { observer, results } = collector();
      const outcomes = await worksheet.run(statements.map((statement) => ({ text: statement.text })), observer).outcomes;
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'succeeded', 'succeeded']);
      assert.deepEqual(results.map((result) => result.rows), [[['one']], [['US'], ['EU']], [["thr'ee"]]]);
      const batches = sent(server, sessionOf(worksheet)).filter((entry) => entry.kind === 'batch').map((entry) => (entry.kind === 'batch' ? entry.text : ''));
      assert.deepEqual(batches.slice(-3), ["SELECT 'one' AS a", 'SELECT TOP 2 region FROM sales.customers ORDER BY id', "SELECT N'thr''ee' AS c"]);
      assert.ok(batches.every((text) => !/^\s*GO\b/im.test(text)), 'a GO line reached the server');
    });
  });

  describe('impersonation', () => {
    it('sends the Synapse user linked to the Immuta user, bound; verify reads it back; clear sets NULL', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { userMap: BOB_MAP }));
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      await worksheet.impersonate(BOB);
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.assurance, 'read-back');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'read-back' });

      const spid = sessionOf(worksheet);
      const rpc = sent(server, spid).find((entry) => entry.kind === 'rpc' && entry.text.includes('sp_set_session_context'));
      assert.ok(rpc && rpc.kind === 'rpc');
      assert.equal(rpc.text, "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @user");
      assert.deepEqual(rpc.params, { user: 'bob' }, 'the mapped Synapse name travels as a bound parameter');
      assert.ok(sent(server, spid).some((entry) => entry.kind === 'session-context' && entry.key === 'immuta_user' && entry.value === 'bob'));

      await worksheet.stopImpersonating();
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      const cleared = sent(server, spid).filter((entry) => entry.kind === 'session-context').at(-1);
      assert.deepEqual(cleared && cleared.kind === 'session-context' && [cleared.key, cleared.value], ['immuta_user', null], 'immuta_user itself is set to NULL');
      assert.deepEqual(await worksheet.verify(), { kind: 'yourself', readBack: true });
    });

    it('follows EXEC sys.sp_set_session_context typed into the worksheet; refuses a value it cannot read', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { userMap: BOB_MAP }));
      const set = await runOne(worksheet, "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'bob@example.com';");
      assert.equal(set.status, 'succeeded');
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'read-back' });

      const before = server.received.length;
      const computed = failure(await runOne(worksheet, "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @u"));
      assert.ok(isWorksheetError(computed) && computed.kind === 'untracked-impersonation', String(computed));
      const batch = failure(await runOne(worksheet, "DECLARE @u nvarchar(100) = N'carol'; EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @u"));
      assert.ok(isWorksheetError(batch) && batch.kind === 'impersonation-embedded', String(batch));
      assert.equal(server.received.length, before, 'the statement never reached the server');

      const stop = await runOne(worksheet, "EXEC sp_set_session_context @key = N'immuta_user', @value = NULL");
      assert.equal(stop.status, 'succeeded');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.equal((await whoami(worksheet)).effective, 'governor@example.com');
    });

    it('refuses to change impersonation inside an open transaction (the server reported BEGIN TRAN)', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { userMap: BOB_MAP }));
      await runOk(worksheet, 'BEGIN');
      await assert.rejects(worksheet.impersonate(BOB), (error: unknown) => isWorksheetError(error) && error.kind === 'in-transaction');
      await runOk(worksheet, 'ROLLBACK');
      await worksheet.impersonate(BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });

    for (const name of ["o'brien", "x'); drop table t; --", 'Zoë 山田 🚀', '\\']) {
      it(`round-trips the hostile name ${JSON.stringify(name)} exactly`, async () => {
        const worksheet = harness.registry.create(synapseProfile(server, 'governor'));
        await worksheet.impersonate(name);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: name, assurance: 'read-back' });
        const contexts = sent(server, sessionOf(worksheet)).filter((entry) => entry.kind === 'session-context');
        assert.equal(contexts.at(-1)?.kind === 'session-context' && contexts.at(-1)?.value, name);
        await worksheet.stopImpersonating();
      });
    }
  });

  describe('cancel and lost connections', () => {
    it('cancels a WAITFOR DELAY seen running at the server (ATTENTION); the same session and identity run on', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { userMap: BOB_MAP }));
      await worksheet.impersonate(BOB);
      const spid = sessionOf(worksheet);
      const handle = worksheet.run([{ text: "WAITFOR DELAY '00:00:30'" }, { text: 'SELECT 2' }]);
      // The lab runs WAITFOR DELAY as pg_sleep.
      await seenRunning('pg_sleep(30)');
      handle.cancel();
      const outcomes = await handle.outcomes;
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['cancelled', 'skipped']);
      assert.ok(sent(server, spid).some((entry) => entry.kind === 'attention'), 'an ATTENTION was sent');
      await seenStopped('pg_sleep(30)');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.equal(sessionOf(worksheet), spid);
    });

    it('a server killed mid-query gives a clear error; the next run reconnects, re-applies and never runs as yourself', async () => {
      const worksheet = harness.registry.create(synapseProfile(server, 'governor', { userMap: BOB_MAP }));
      await worksheet.impersonate(BOB);
      const spid = sessionOf(worksheet);
      const marker = `synapse-killed-${randomUUID()}`;
      const running = worksheet.run([{ text: `SELECT pg_sleep(30), '${marker}-during' AS m` }]);
      // Killed while the server provably runs it: the statement may or may not have completed.
      await seenRunning(`${marker}-during`);
      await server.killConnections();
      const [outcome] = await running.outcomes;
      const error = failure(outcome);
      assert.ok(isPlatformError(error), String(error));
      assert.equal(error.kind, 'connection-lost');
      assert.match(error.message, /^The connection to the database was lost \(.+\)\. The statement may or may not have completed\. The next statement opens a new session and re-applies impersonation of bob@example\.com before it runs\.$/);

      const read = `SELECT DISTINCT region, '${marker}-after' AS marker FROM sales.customers`;
      const [after] = await runOk(worksheet, read);
      assert.deepEqual(firstColumn(after), ['EU']);
      assert.notEqual(sessionOf(worksheet), spid, 'a new session');
      assert.ok(server.received.some((entry) => entry.spid === sessionOf(worksheet) && entry.kind === 'session-context' && entry.value === 'bob'), 're-applied on the new session');
      const log = await lab().adminQuery<{ effective_user: string; impersonating: boolean }>(
        'SELECT effective_user, impersonating FROM immuta.query_log WHERE strpos(statement, $1) > 0',
        [marker],
      );
      assert.ok(log.length >= 1);
      assert.deepEqual(log.filter((entry) => entry.effective_user !== BOB || !entry.impersonating), [], 'a statement ran as yourself');
    });
  });
});
