import * as assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import { isPlatformError } from '../../src/platforms/errors';
import { isWorksheetError } from '../../src/worksheets/errors';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { lab } from './shared-lab';
import { collector, harnessPerTest, failure, redshiftProfile, regionsSeen, runOk, runOne, seenRunning, seenStopped } from './worksheet-harness';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';

async function effectiveUser(worksheet: Worksheet): Promise<string | null> {
  const [result] = await runOk(worksheet, 'SELECT immuta.current_impersonation()');
  return result.rows[0][0] as string | null;
}

describe('Redshift worksheets on the lab PostgreSQL', function () {
  const current = harnessPerTest();

  describe('results', () => {
    it('streams column names and types first, then rows with exact values', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const { observer, results } = collector();
      const order: string[] = [];
      const [outcome] = await worksheet.run(
        [
          {
            text: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u",
          },
        ],
        {
          ...observer,
          columns: (index, columns) => {
            order.push('columns');
            observer.columns?.(index, columns);
          },
          rows: (index, batch) => {
            order.push('rows');
            return observer.rows?.(index, batch);
          },
        },
      ).outcomes;
      assert.equal(outcome.status, 'succeeded');
      assert.deepEqual(order, ['columns', 'rows']);
      assert.deepEqual(
        results[0].columns.map((column) => `${column.name}:${column.type}`),
        ['i:int4', 'big:int8', 'n:numeric', 'b:bool', 'nothing:text', 'word:text', 'd:date', 'f:float8', 'u:varchar'],
      );
      assert.deepEqual(results[0].rows, [[1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀']]);
      if (outcome.status === 'succeeded') {
        assert.equal(outcome.summary.rowCount, 1);
        assert.equal(outcome.summary.command, 'SELECT');
        assert.equal(outcome.summary.hasResultSet, true);
        assert.ok(outcome.summary.durationMs >= 0);
        assert.deepEqual(outcome.stamp.ranAs, { kind: 'yourself' });
        assert.equal(outcome.stamp.login, lab().logins.governor.user);
        assert.match(outcome.stamp.sessionId, /^\d+$/);
      }
    });

    it('streams a large result in several batches and counts every row', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const [result] = await runOk(worksheet, 'SELECT g, md5(g::text) FROM generate_series(1, 50000) AS g');
      assert.equal(result.rows.length, 50000);
      assert.ok(result.batches > 1, `expected several batches, got ${result.batches}`);
      assert.deepEqual(result.rows[49999][0], 50000);
      assert.equal(result.outcome.status === 'succeeded' && result.outcome.summary.rowCount, 50000);
    });

    it('reports rows affected and the command for statements without a result set', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const [, inserted] = await runOk(worksheet, 'CREATE TEMP TABLE scratch(x int)', 'INSERT INTO scratch SELECT generate_series(1, 3)');
      assert.equal(inserted.columns.length, 0);
      assert.ok(inserted.outcome.status === 'succeeded');
      if (inserted.outcome.status === 'succeeded') {
        assert.equal(inserted.outcome.summary.rowCount, 3);
        assert.equal(inserted.outcome.summary.command, 'INSERT');
        assert.equal(inserted.outcome.summary.hasResultSet, false);
      }
    });

    it('gives a server error its SQLSTATE, the server text and the position in the statement', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const statement = "SELECT '😀' AS smile, no_such_column FROM sales.customers";
      const error = failure(await runOne(worksheet, statement));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.code, '42703');
      assert.match(error.serverMessage ?? '', /no_such_column/);
      // PostgreSQL counts code points; the position must land on the column name in UTF-16 terms.
      assert.equal(error.position?.offset, statement.indexOf('no_such_column'));
    });

    it('surfaces server notices while a statement runs', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const [result] = await runOk(worksheet, "DO $$ BEGIN RAISE NOTICE 'hello from the server'; END $$");
      assert.deepEqual(
        result.notices.map((notice) => notice.message),
        ['hello from the server'],
      );
    });

    it('stops a run at the first failing statement and skips the rest', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      const outcomes = await worksheet.run([{ text: 'SELECT 1' }, { text: 'SELECT 1/0' }, { text: 'SELECT 3' }]).outcomes;
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['succeeded', 'failed', 'skipped'],
      );
      const error = failure(outcomes[1]);
      assert.match(error.message, /division by zero/);
    });
  });

  describe('cancel', () => {
    it('cancels pg_sleep(30) seen running at the server, and the session stays usable', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate(ALICE);
      const { observer } = collector();
      const handle = worksheet.run([{ text: 'SELECT pg_sleep(30)' }, { text: 'SELECT 2' }], observer);
      await seenRunning('pg_sleep(30)');
      handle.cancel();
      const outcomes = await handle.outcomes;
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['cancelled', 'skipped'],
      );
      await seenStopped('pg_sleep(30)');
      // Same session, same identity, still usable.
      assert.equal(worksheet.snapshot().connection, 'open');
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
    });
  });

  describe('impersonation', () => {
    it('shows the impersonated user\u2019s rows, and your own again after clearing', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      await worksheet.impersonate(ALICE);
      assert.equal(worksheet.identity.kind, 'impersonating');
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
      await worksheet.impersonate(CAROL);
      assert.deepEqual(await regionsSeen(worksheet), ['APAC']);
      await worksheet.stopImpersonating();
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
    });

    it('stamps each result with whom it ran as', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate(BOB);
      const [result] = await runOk(worksheet, 'SELECT count(*) FROM sales.customers');
      assert.ok(result.outcome.status === 'succeeded');
      if (result.outcome.status === 'succeeded') {
        assert.deepEqual(result.outcome.stamp.ranAs, { kind: 'impersonating', user: BOB, assurance: 'applied' });
        assert.equal(result.outcome.stamp.platform, 'redshift');
        assert.equal(result.outcome.stamp.profileName, 'lab-governor');
      }
    });

    it('follows the documented CALL statements typed into the worksheet', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await runOk(worksheet, "CALL immuta_procedures.impersonate_user('alice@example.com')");
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, ALICE);
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
      await runOk(worksheet, 'call immuta_procedures.impersonate_user(NULL)');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.equal(await effectiveUser(worksheet), null);
    });

    it('refuses an impersonation CALL whose argument it cannot read, and runs nothing', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate(ALICE);
      const error = failure(await runOne(worksheet, "CALL immuta_procedures.impersonate_user(lower('BOB@EXAMPLE.COM'))"));
      assert.ok(isWorksheetError(error));
      assert.equal(error.kind, 'untracked-impersonation');
      assert.equal(await effectiveUser(worksheet), ALICE);
    });

    it('refuses to change impersonation inside an open transaction', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await runOk(worksheet, 'BEGIN');
      await assert.rejects(worksheet.impersonate(ALICE), (error: unknown) => isWorksheetError(error) && error.kind === 'in-transaction');
      assert.equal(worksheet.identity.kind, 'yourself');
      await runOk(worksheet, 'ROLLBACK');
      await worksheet.impersonate(ALICE);
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
    });

    it('re-applies impersonation after DISCARD ALL, before the next statement', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate(BOB);
      await runOk(worksheet, 'DISCARD ALL');
      assert.equal(await effectiveUser(worksheet), BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });

    it('keeps two worksheets on separate sessions that never see each other\u2019s rows (240 interleaved statements)', async () => {
      const first = current().registry.create(redshiftProfile('governor'));
      const second = current().registry.create(redshiftProfile('governor'));
      await Promise.all([first.impersonate(ALICE), second.impersonate(CAROL)]);
      assert.notEqual(first.snapshot().sessionId, second.snapshot().sessionId);
      const rounds = 120;
      const seen = await Promise.all(
        Array.from({ length: rounds }, (_, round) => {
          const worksheet = round % 2 === 0 ? first : second;
          const other = round % 2 === 0 ? second : first;
          return Promise.all([regionsSeen(worksheet), regionsSeen(other)]).then(([mine, theirs]) => ({ worksheet, mine, other, theirs }));
        }),
      );
      for (const { worksheet, mine, theirs } of seen) {
        const expectMine = worksheet === first ? ['US'] : ['APAC'];
        const expectTheirs = worksheet === first ? ['APAC'] : ['US'];
        assert.deepEqual(mine, expectMine);
        assert.deepEqual(theirs, expectTheirs);
      }
      const log = await lab().adminQuery<{ backend_pid: number; effective_user: string; n: string }>(
        'SELECT backend_pid, effective_user, count(*) AS n FROM immuta.query_log WHERE backend_pid = ANY($1::int[]) GROUP BY 1, 2 ORDER BY 1',
        [[Number(first.snapshot().sessionId), Number(second.snapshot().sessionId)]],
      );
      assert.deepEqual(
        log.map((row) => [String(row.backend_pid), row.effective_user, Number(row.n)]).sort(),
        [
          [first.snapshot().sessionId, ALICE, rounds],
          [second.snapshot().sessionId, CAROL, rounds],
        ].sort(),
      );
    });

    it('reconnects after the backend is terminated and re-applies impersonation before running', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate(BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      const oldPid = Number(worksheet.snapshot().sessionId);
      const testStart = (await lab().adminQuery<{ now: Date }>('SELECT clock_timestamp() AS now'))[0].now;

      await lab().adminQuery('SELECT pg_terminate_backend($1)', [oldPid]);
      for (let attempt = 0; attempt < 200; attempt++) {
        const rows = await lab().adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [oldPid]);
        if (rows.length === 0 && worksheet.snapshot().connection === 'lost') {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(worksheet.snapshot().connection, 'lost');
      assert.equal(worksheet.identity.kind, 'impersonating', 'the worksheet still means bob');

      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      const newPid = Number(worksheet.snapshot().sessionId);
      assert.notEqual(newPid, oldPid);
      const log = await lab().adminQuery<{ effective_user: string; impersonating: boolean }>(
        'SELECT effective_user, impersonating FROM immuta.query_log WHERE backend_pid = ANY($1::int[]) AND at >= $2 ORDER BY id',
        [[oldPid, newPid], testStart],
      );
      assert.ok(log.length >= 1);
      for (const entry of log) {
        assert.equal(entry.effective_user, BOB, 'no statement may run as yourself');
        assert.equal(entry.impersonating, true);
      }
    });

    it('refuses to run when re-applying fails on the new connection, and says why', async () => {
      const { registry } = current();
      const worksheet = registry.create(redshiftProfile('governor', { impersonation: { set: 'CALL immuta_procedures.impersonate_user({user})' } }));
      await worksheet.impersonate(ALICE);
      // Take the procedure away (as a broken Immuta integration would), then kill the session.
      await lab().adminQuery('ALTER PROCEDURE immuta_procedures.impersonate_user(text) RENAME TO impersonate_user_gone');
      try {
        const pid = Number(worksheet.snapshot().sessionId);
        await lab().adminQuery('SELECT pg_terminate_backend($1)', [pid]);
        for (let attempt = 0; attempt < 200 && worksheet.snapshot().connection !== 'lost'; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const before = await lab().adminQuery<{ n: string }>('SELECT count(*) AS n FROM immuta.query_log');
        const error = failure(await runOne(worksheet, 'SELECT count(*) FROM sales.customers'));
        assert.ok(isWorksheetError(error));
        assert.equal(error.kind, 'impersonation-not-established');
        assert.match(error.message, /alice@example\.com/);
        assert.match(error.message, /does not exist/);
        assert.equal(worksheet.identity.kind, 'unknown');
        const after = await lab().adminQuery<{ n: string }>('SELECT count(*) AS n FROM immuta.query_log');
        assert.equal(after[0].n, before[0].n, 'nothing read data');
      } finally {
        await lab().adminQuery('ALTER PROCEDURE immuta_procedures.impersonate_user_gone(text) RENAME TO impersonate_user');
      }
      // Once the server is healthy again the next run re-applies and runs as alice.
      assert.deepEqual(await regionsSeen(worksheet), ['US']);
      assert.equal(worksheet.identity.kind, 'impersonating');
    });

    for (const name of ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1']) {
      it(`round-trips the user name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 10)}… (${name.length} chars)` : name)} exactly, injecting nothing`, async () => {
        await lab().adminQuery('CREATE TABLE IF NOT EXISTS public.t (id int)');
        const worksheet = current().registry.create(redshiftProfile('governor'));
        await worksheet.impersonate(name);
        assert.equal(await effectiveUser(worksheet), name);
        const tables = await lab().adminQuery("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 't'");
        assert.equal(tables.length, 1, 'table t still exists');
        // The typed statement with the same name, quoted as SQL, lands on the same user.
        await worksheet.stopImpersonating();
        await runOk(worksheet, `CALL immuta_procedures.impersonate_user('${name.replace(/'/g, "''")}')`);
        assert.equal(await effectiveUser(worksheet), name);
        assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, name);
      });
    }

    it('refuses a user name with a line break before sending anything', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await assert.rejects(worksheet.impersonate('bob\n@example.com'), (error: unknown) => isWorksheetError(error) && error.kind === 'invalid-user' && /control character/.test(error.message));
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.equal(worksheet.snapshot().connection, 'closed', 'no session was opened for a refused name');
    });

    it('lets a login without IMPERSONATE_USER set impersonation, then fails its first read with a permission error', async () => {
      const worksheet = current().registry.create(redshiftProfile('analyst'));
      await worksheet.impersonate(BOB);
      assert.equal(worksheet.identity.kind, 'impersonating');
      const error = failure(await runOne(worksheet, 'SELECT * FROM sales.customers'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'permission');
      assert.equal(error.code, '42501');
      assert.match(error.serverMessage ?? '', /IMPERSONATE_USER/);
    });

    it('fails the first read when the impersonated user does not exist in Immuta', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await worksheet.impersonate('nobody@example.com');
      const error = failure(await runOne(worksheet, 'SELECT * FROM sales.customers'));
      assert.ok(isPlatformError(error));
      assert.equal(error.code, '42704');
      assert.match(error.serverMessage ?? '', /nobody@example\.com/);
    });
  });

  describe('connecting', () => {
    it('reports a wrong password as an authentication error without echoing the secret', async () => {
      const wrong = 'definitely-wrong-password-123';
      const registry = new WorksheetRegistry({
        loadDriver: (platform) => current().loader.load(platform),
        getSecret: async () => ({ password: wrong }),
        logger: silentLogger,
      });
      try {
        const worksheet = registry.create(redshiftProfile('governor'));
        const error = failure(await runOne(worksheet, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'authentication');
        assert.match(error.message, /password authentication failed/);
        assert.ok(!error.message.includes(wrong));
        assert.equal(worksheet.snapshot().connection, 'closed');
      } finally {
        await registry.dispose();
      }
    });

    it('reports an unreachable port as a connection error with a hint', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor', { port: 1 }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'connection');
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.match(error.hint ?? '', /host, the port/);
    });

    it('reports a TLS mode the server does not offer clearly', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor', { tls: { mode: 'require' } }));
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'connection');
      assert.match(error.message, /does not support SSL/);
    });

    it('closing a worksheet while pg_sleep(30) runs stops the statement and ends the session promptly', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      await runOk(worksheet, 'SELECT 1');
      const pid = Number(worksheet.snapshot().sessionId);
      const handle = worksheet.run([{ text: 'SELECT pg_sleep(30)' }]);
      assert.equal(await seenRunning('pg_sleep(30)'), pid, 'the worksheet’s backend runs it');
      await current().registry.close(worksheet.id);
      const [outcome] = await handle.outcomes;
      assert.equal(outcome.status, 'cancelled');
      // The statement stopped and the backend ended (uncancelled, it would sleep on for 30 s).
      await seenStopped('pg_sleep(30)');
      const deadline = Date.now() + 20_000;
      while ((await lab().adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0) {
        assert.ok(Date.now() < deadline, 'the backend kept running after the worksheet closed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    it('opens one dedicated session per worksheet, lazily, and closes it with the worksheet', async () => {
      const worksheet = current().registry.create(redshiftProfile('governor'));
      assert.equal(worksheet.snapshot().connection, 'closed');
      await runOk(worksheet, 'SELECT 1');
      const pid = Number(worksheet.snapshot().sessionId);
      const alive = await lab().adminQuery('SELECT application_name FROM pg_stat_activity WHERE pid = $1', [pid]);
      assert.deepEqual(alive, [{ application_name: 'immuta-worksheets-test' }]);
      await current().registry.close(worksheet.id);
      for (let attempt = 0; attempt < 100; attempt++) {
        const rows = await lab().adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (rows.length === 0) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail('the session stayed open after the worksheet closed');
    });
  });
});
