/**
 * Redshift sessions the server ends, told truthfully: what happened, whether the statement may
 * have run, and what the worksheet does next. The lab PostgreSQL is the server; sessions end by
 * pg_terminate_backend, as an administrator's kill or a cluster restart ends them.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isPlatformError } from '../../src/platforms/errors';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { logEntries, uniqueMarker } from './conformance/harness';
import { lab } from './shared-lab';
import { harnessPerTest, failure, redshiftProfile, runOk, runOne } from './worksheet-harness';

const BOB = 'bob@example.com';

/**
 * Terminates a backend from another process while this one's event loop is blocked, and returns
 * once the backend is gone. The server's "terminating connection" then waits, unread, in this
 * process's socket: exactly the moment a worksheet would still think its session alive.
 */
function terminateWhileBlocked(pid: number): void {
  const server = lab();
  const script = `
    const { Client } = require('pg');
    (async () => {
      const client = new Client({ host: process.env.LAB_HOST, port: Number(process.env.LAB_PORT), database: process.env.LAB_DB, user: process.env.LAB_USER, password: process.env.LAB_PASSWORD });
      await client.connect();
      const pid = Number(process.env.TARGET_PID);
      const { rows } = await client.query('SELECT pg_terminate_backend($1) AS ok', [pid]);
      if (!rows[0].ok) throw new Error('backend ' + pid + ' was not running');
      const deadline = Date.now() + 10000;
      while ((await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount > 0) {
        if (Date.now() > deadline) throw new Error('backend ' + pid + ' still runs 10 s after pg_terminate_backend');
      }
      await client.end();
    })().catch((error) => { console.error(error.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      LAB_HOST: server.host,
      LAB_PORT: String(server.port),
      LAB_DB: server.database,
      LAB_USER: server.admin.user,
      LAB_PASSWORD: server.admin.password,
      TARGET_PID: String(pid),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function backendOf(worksheet: Worksheet): number {
  const sessionId = worksheet.snapshot().sessionId;
  assert.ok(sessionId !== undefined, 'the worksheet has a live session');
  return Number(sessionId);
}

describe('Redshift: sessions the server ends', function () {
  const current = harnessPerTest();

  it('ended while idle, the end still unread: the next statement is not sent to it and runs on a new session as bob', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    await worksheet.impersonate(BOB);
    const marker = uniqueMarker('idle-end');
    const read = `SELECT DISTINCT region, '${marker}' AS m FROM sales.customers`;
    await runOk(worksheet, read);
    const before = backendOf(worksheet);

    terminateWhileBlocked(before);
    // No event-loop turn between the kill and the run: the session has not read its end yet.
    const outcome = await runOne(worksheet, read);

    assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : outcome.status);
    assert.notEqual(outcome.stamp.sessionId, String(before), 'it ran on a new session');
    assert.deepEqual(outcome.stamp.ranAs, { kind: 'impersonating', user: BOB, assurance: 'applied' });
    const entries = await logEntries(marker);
    assert.deepEqual(entries.map((entry) => entry.effective_user), [BOB, BOB], 'both reads ran as bob, the second once');
  });

  it('ended while a statement runs: it fails saying what happened, in the server\u2019s words, that it may or may not have completed, and what comes next', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    await worksheet.impersonate(BOB);
    await runOk(worksheet, 'SELECT 1');
    const pid = backendOf(worksheet);
    const running = runOne(worksheet, 'SELECT pg_sleep(30)');
    const deadline = Date.now() + 10000;
    while ((await lab().adminQuery("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'", [pid])).length === 0) {
      assert.ok(Date.now() < deadline, `backend ${pid} never showed the statement running`);
    }
    await lab().adminQuery('SELECT pg_terminate_backend($1)', [pid]);
    const error = failure(await running);
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection-lost');
    assert.equal(error.notSent, false);
    assert.equal(error.code, '57P01');
    assert.equal(error.serverMessage, 'terminating connection due to administrator command');
    assert.equal(
      error.message,
      "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed. The next statement opens a new session and re-applies impersonation of bob@example.com before it runs.",
    );
    // Gone at once: the worksheet no longer offers the dead session.
    assert.equal(worksheet.snapshot().sessionId, undefined);
    const next = await runOne(worksheet, 'SELECT immuta.current_impersonation()');
    assert.equal(next.status, 'succeeded');
  });
});
