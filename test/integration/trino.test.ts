import * as assert from 'node:assert/strict';
import { isPlatformError } from '../../src/platforms/errors';
import type { TrinoProfile } from '../../src/platforms/types';
import { isWorksheetError } from '../../src/worksheets/errors';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { parseSessionHeader, startTrinoLab, type ReceivedRequest, type TrinoLab } from '../lab/trino-server';
import { lab } from './shared-lab';
import { createTrinoHarness, trinoProfile } from './trino-harness';
import { collector, failure, regionsSeen, runOk, runOne, whoami, HOSTILE_USER_NAMES, seenRunning, seenStopped } from './worksheet-harness';

const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const PROPERTY = 'immuta.immuta_user';


async function currentImpersonation(worksheet: Worksheet): Promise<string | null> {
  const [result] = await runOk(worksheet, 'SELECT immuta.current_impersonation()');
  return result.rows[0][0] as string | null;
}

describe('Starburst (Trino) worksheets on the Trino lab', function () {
  let server: TrinoLab;
  let harness: ReturnType<typeof createTrinoHarness>;

  /** The session of the last statement the lab accepted, decoded. */
  const lastStatement = (): ReceivedRequest => {
    const statements = server.statements();
    assert.ok(statements.length > 0, 'the lab received no statement');
    return statements[statements.length - 1];
  };
  const sessionOf = (request: ReceivedRequest) => Object.fromEntries(parseSessionHeader(request.headers['x-trino-session']));

  before(async () => {
    server = await startTrinoLab(lab(), { pageRows: 1000 });
  });

  after(async () => {
    await server?.close();
  });

  beforeEach(() => {
    harness = createTrinoHarness(server);
  });

  afterEach(async () => {
    await harness.registry.dispose();
  });

  const governor = (overrides: Partial<TrinoProfile> = {}) => harness.registry.create(trinoProfile(server, 'governor', overrides));

  describe('results', () => {
    it('reports Trino type names and exact values (bigint beyond 2^53 keeps every digit)', async () => {
      const worksheet = governor();
      const [result] = await runOk(
        worksheet,
        "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u, TIMESTAMP '2024-01-02 03:04:05.5' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, 'NaN'::float8 AS nan",
      );
      assert.deepEqual(
        result.columns.map((column) => `${column.name}:${column.type}`),
        ['i:integer', 'big:bigint', 'n:decimal(6,2)', 'b:boolean', 'nothing:varchar', 'd:date', 'f:double', 'u:varchar', 'ts:timestamp(6)', 'tz:timestamp(6) with time zone', 'nan:double'],
      );
      assert.deepEqual(result.rows, [
        [1, '9007199254740993', '12.50', true, null, '2024-02-29', 1.5, 'ü😀', '2024-01-02 03:04:05.500000', '2024-01-02 03:04:05.000000 UTC', 'NaN'],
      ]);
      assert.ok(result.outcome.status === 'succeeded');
      if (result.outcome.status === 'succeeded') {
        assert.equal(result.outcome.summary.rowCount, 1);
        assert.equal(result.outcome.summary.hasResultSet, true);
        assert.match(result.outcome.summary.queryId ?? '', /^\d{8}_\d{6}_\d{5}_[a-z]{5}$/);
        assert.equal(result.outcome.stamp.login, lab().logins.governor.user);
        assert.match(result.outcome.stamp.sessionId, /^trino-/);
      }
    });

    it('streams a large result page by page and counts every row', async () => {
      const worksheet = governor();
      const [result] = await runOk(worksheet, 'SELECT g, md5(g::text) FROM generate_series(1, 20000) AS g');
      assert.equal(result.rows.length, 20000);
      assert.ok(result.batches >= 20, `expected a batch per page of 1000 rows, got ${result.batches}`);
      assert.equal(result.rows[19999][0], 20000);
      assert.equal(result.outcome.status === 'succeeded' && result.outcome.summary.rowCount, 20000);
    });

    it('reports DML as an update with its count, not as a result set', async () => {
      const worksheet = governor();
      const [inserted] = await runOk(worksheet, "INSERT INTO public.notes (body) VALUES ('trino 1'), ('trino 2')");
      assert.ok(inserted.outcome.status === 'succeeded');
      if (inserted.outcome.status === 'succeeded') {
        assert.equal(inserted.outcome.summary.hasResultSet, false);
        assert.equal(inserted.outcome.summary.rowCount, 2);
        assert.equal(inserted.outcome.summary.command, 'INSERT');
      }
      assert.equal(inserted.columns.length, 0);
    });

    it('turns an error inside a result page into an error with code, server text and position', async () => {
      const worksheet = governor();
      const statement = "SELECT 1,\n  '😀' AS smile, no_such_column FROM sales.customers";
      const error = failure(await runOne(worksheet, statement));
      assert.ok(isPlatformError(error), String(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.code, 'COLUMN_NOT_FOUND');
      assert.match(error.serverMessage ?? '', /no_such_column/);
      // Line 2, column counted in code points by the server; the offset is in UTF-16 units.
      assert.equal(error.position?.offset, statement.indexOf('no_such_column'));
    });

    it('stops a run at the first failing statement', async () => {
      const worksheet = governor();
      const outcomes = await worksheet.run([{ text: 'SELECT 1' }, { text: 'SELECT 1/0' }, { text: 'SELECT 3' }]).outcomes;
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['succeeded', 'failed', 'skipped'],
      );
      assert.equal((failure(outcomes[1]) as { code?: string }).code, 'DIVISION_BY_ZERO');
    });
  });

  describe('session state travels with every request', () => {
    it('two SET SESSIONs and one RESET SESSION leave exactly the expected properties in the next request', async () => {
      const worksheet = governor();
      // trino-client alone would send only the last SET's property (Set-Session replaces the
      // whole header), and nothing at all after any RESET (Clear-Session wipes every property).
      await runOk(worksheet, 'SET SESSION query_priority = 5', "SET SESSION lab.note = 'kept, with a comma = and + spaces'", 'RESET SESSION join_distribution_type');
      await runOk(worksheet, 'SELECT 1');
      assert.deepEqual(sessionOf(lastStatement()), { query_priority: '5', 'lab.note': 'kept, with a comma = and + spaces' });
      await runOk(worksheet, 'RESET SESSION query_priority');
      await runOk(worksheet, 'SELECT 2');
      assert.deepEqual(sessionOf(lastStatement()), { 'lab.note': 'kept, with a comma = and + spaces' });
      await runOk(worksheet, 'SELECT 3');
      assert.deepEqual(sessionOf(lastStatement()), { 'lab.note': 'kept, with a comma = and + spaces' });
      const [shown] = await runOk(worksheet, "SHOW SESSION LIKE 'lab.note'");
      assert.equal(shown.rows[0][1], 'kept, with a comma = and + spaces');
    });

    it('a SET SESSION does not wipe the impersonation property, nor RESET of another property', async () => {
      const worksheet = governor();
      await worksheet.impersonate(BOB);
      await runOk(worksheet, 'SET SESSION query_priority = 2', 'RESET SESSION join_distribution_type');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(sessionOf(lastStatement()), { [PROPERTY]: BOB, query_priority: '2' });
    });

    it('USE catalog.schema is sent as X-Trino-Catalog / X-Trino-Schema from then on', async () => {
      const worksheet = governor();
      await runOk(worksheet, 'USE lab.sales');
      const [count] = await runOk(worksheet, 'SELECT count(*) FROM customers');
      assert.equal(count.rows[0][0], '1500');
      assert.equal(lastStatement().headers['x-trino-catalog'], 'lab');
      assert.equal(lastStatement().headers['x-trino-schema'], 'sales');
      const error = failure(await runOne(worksheet, 'USE lab.no_such_schema'));
      assert.equal((error as { code?: string }).code, 'SCHEMA_NOT_FOUND');
      await runOk(worksheet, 'SELECT 1');
      assert.equal(lastStatement().headers['x-trino-schema'], 'sales');
    });
  });

  describe('impersonation through the session property', () => {
    it('shows the impersonated user\u2019s rows, verified by SHOW SESSION, and your own after clearing', async () => {
      const worksheet = governor();
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      assert.equal(lastStatement().headers['x-trino-session'], undefined);
      await worksheet.impersonate(BOB);
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.assurance, 'read-back');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      assert.deepEqual(sessionOf(lastStatement()), { [PROPERTY]: BOB });
      assert.equal(lastStatement().headers['x-trino-user'], 'governor');
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'read-back' });
      await worksheet.stopImpersonating();
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      assert.deepEqual(sessionOf(lastStatement()), {});
    });

    it('follows the documented statements typed into the worksheet', async () => {
      const worksheet = governor();
      await runOk(worksheet, "SET SESSION immuta.immuta_user = 'bob@example.com'");
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      const [shown] = await runOk(worksheet, "SHOW SESSION LIKE 'immuta.immuta_user'");
      assert.deepEqual(shown.rows[0].slice(0, 2), [PROPERTY, BOB]);
      await runOk(worksheet, 'reset session IMMUTA.IMMUTA_USER;');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
    });

    it('refuses a SET SESSION of the property whose value it cannot read, and sends nothing', async () => {
      const worksheet = governor();
      await worksheet.impersonate(CAROL);
      const before = server.statements().length;
      const error = failure(await runOne(worksheet, "SET SESSION immuta.immuta_user = lower('BOB@EXAMPLE.COM')"));
      assert.ok(isWorksheetError(error));
      assert.equal(error.kind, 'untracked-impersonation');
      assert.equal(server.statements().length, before);
      assert.deepEqual(await regionsSeen(worksheet), ['APAC']);
    });

    it('with a custom property, follows a typed SET SESSION of it through the worksheet', async () => {
      const custom = await startTrinoLab(lab(), { impersonationProperty: 'starburst.acting_user' });
      try {
        const worksheet = harness.registry.create(trinoProfile(custom, 'governor'));
        await worksheet.impersonate(BOB);
        assert.deepEqual(await regionsSeen(worksheet), ['EU']);
        assert.deepEqual(Object.keys(sessionOf(custom.statements()[custom.statements().length - 1])), ['starburst.acting_user']);
        // The driver sees the profile, so the typed statement of the custom property is routed
        // through the worksheet's tracked path like the picker: the worksheet now says carol.
        const outcome = await runOne(worksheet, "SET SESSION starburst.acting_user = 'carol@example.com'");
        assert.equal(outcome.status, 'succeeded');
        assert.equal(worksheet.identity.kind === 'impersonating' ? worksheet.identity.user : worksheet.identity.kind, 'carol@example.com');
        assert.deepEqual(await regionsSeen(worksheet), ['APAC']);
        assert.equal(sessionOf(custom.statements()[custom.statements().length - 1])['starburst.acting_user'], 'carol@example.com');
      } finally {
        await custom.close();
      }
    });

    it('keeps impersonating after the coordinator\u2019s PostgreSQL connections are killed', async () => {
      const worksheet = governor();
      await worksheet.impersonate(BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.ok((await server.killBackends()) > 0);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
    });

    it('fails reads lazily for a login without IMPERSONATE_USER, as Immuta does on Starburst', async () => {
      const worksheet = harness.registry.create(trinoProfile(server, 'analyst'));
      await worksheet.impersonate(BOB);
      const error = failure(await runOne(worksheet, 'SELECT count(*) FROM sales.customers'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'permission');
      assert.match(error.serverMessage ?? '', /IMPERSONATE_USER/);
    });

    it('round-trips hostile user names exactly, to Immuta and back', async () => {
      const worksheet = governor();
      for (const name of HOSTILE_USER_NAMES) {
        await worksheet.impersonate(name);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: name, assurance: 'read-back' }, name);
        assert.equal(await currentImpersonation(worksheet), name, name);
        assert.equal(sessionOf(lastStatement())[PROPERTY], name, name);
      }
      await worksheet.stopImpersonating();
      assert.equal(await currentImpersonation(worksheet), null);
    });

    it('keeps two worksheets on separate sessions that never see each other\u2019s rows', async () => {
      const first = governor();
      const second = governor();
      await Promise.all([first.impersonate(BOB), second.impersonate(CAROL)]);
      assert.notEqual(first.snapshot().sessionId, second.snapshot().sessionId);
      const seen = await Promise.all(Array.from({ length: 20 }, (_, round) => regionsSeen(round % 2 === 0 ? first : second).then((regions) => ({ round, regions }))));
      for (const { round, regions } of seen) {
        assert.deepEqual(regions, round % 2 === 0 ? ['EU'] : ['APAC']);
      }
    });
  });

  describe('native impersonation (X-Trino-User)', () => {
    const native = (login: 'governor' | 'analyst' = 'governor') => harness.registry.create(trinoProfile(server, login, { impersonationMode: 'native' }));

    it('sends the target as X-Trino-User while authenticating as the login', async () => {
      const worksheet = native();
      await worksheet.impersonate(BOB);
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.assurance, 'read-back');
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      const request = lastStatement();
      assert.equal(request.headers['x-trino-user'], BOB);
      assert.equal(Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':')[0], 'governor');
      assert.equal(request.headers['x-trino-session'], undefined);
      await worksheet.stopImpersonating();
      assert.deepEqual(await regionsSeen(worksheet), ['APAC', 'EU', 'US']);
      assert.equal(lastStatement().headers['x-trino-user'], 'governor');
    });

    it('routes typed SET SESSION AUTHORIZATION / RESET SESSION AUTHORIZATION through the tracked path', async () => {
      const worksheet = native();
      await runOk(worksheet, "SET SESSION AUTHORIZATION 'carol@example.com'");
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, CAROL);
      assert.deepEqual(await regionsSeen(worksheet), ['APAC']);
      await runOk(worksheet, 'RESET SESSION AUTHORIZATION');
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.equal(lastStatement().headers['x-trino-user'], 'governor');
    });

    it('round-trips hostile ASCII names, and refuses names an HTTP header cannot carry', async () => {
      const worksheet = native();
      for (const name of HOSTILE_USER_NAMES.filter((candidate) => /^[\x20-\x7e]*$/.test(candidate))) {
        await worksheet.impersonate(name);
        assert.equal(await currentImpersonation(worksheet), name, name);
        assert.equal(lastStatement().headers['x-trino-user'], name, name);
      }
      await worksheet.impersonate(BOB);
      await assert.rejects(worksheet.impersonate('Zoë 山田 🚀 ünïcödé'), (error: unknown) => error instanceof Error && /X-Trino-User/.test(error.message));
      // The refused change sent nothing: the worksheet still runs as bob.
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });
  });

  describe('cancel, retries and failures', () => {
    it('cancels pg_sleep(30) seen running at the server, and the session stays usable as the same user', async () => {
      const worksheet = governor();
      await worksheet.impersonate(BOB);
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
      assert.ok(server.received.some((request) => request.method === 'DELETE'), 'no DELETE reached the lab');
      assert.equal(server.activeQueries(), 0);
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });

    it('retries HTTP 503 on the statement POST', async () => {
      const worksheet = governor();
      await runOk(worksheet, 'SELECT 1');
      const before = server.received.length;
      server.failNext(503, 3, 'POST');
      const [result] = await runOk(worksheet, 'SELECT 42');
      assert.deepEqual(result.rows, [[42]]);
      const posts = server.received.slice(before).filter((request) => request.method === 'POST');
      assert.deepEqual(
        posts.map((request) => [request.status, request.body]),
        [[503, 'SELECT 42'], [503, 'SELECT 42'], [503, 'SELECT 42'], [200, 'SELECT 42']],
      );
    });

    it('retries HTTP 502/504 on a nextUri by asking for the same URI again, without losing rows', async () => {
      const worksheet = governor();
      const before = server.received.length;
      server.failNext(504, 2, 'GET');
      const [result] = await runOk(worksheet, 'SELECT g FROM generate_series(1, 2500) AS g');
      assert.equal(result.rows.length, 2500);
      assert.deepEqual(result.rows.map((row) => row[0]).slice(0, 3), [1, 2, 3]);
      const gets = server.received.slice(before).filter((request) => request.method === 'GET');
      assert.deepEqual(gets.slice(0, 3).map((request) => request.status), [504, 504, 200]);
      assert.equal(gets[0].path, gets[2].path);
      server.failNext(502, 1, 'GET');
      const [again] = await runOk(worksheet, 'SELECT 7');
      assert.deepEqual(again.rows, [[7]]);
    });

    it('gives up on a gateway that keeps failing, with a connection error', async () => {
      const worksheet = governor({ requestTimeoutMs: 400 });
      await runOk(worksheet, 'SELECT 1');
      server.failNext(503, 1000, 'POST');
      try {
        const error = failure(await runOne(worksheet, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'connection-lost');
        assert.match(error.message, /503/);
      } finally {
        server.failNext(503, 0);
      }
    });

    it('reports a wrong password as an authentication error', async () => {
      const wrong = createTrinoHarness(server, () => ({ password: 'not the password' }));
      try {
        const worksheet = wrong.registry.create(trinoProfile(server, 'governor'));
        const error = failure(await runOne(worksheet, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'authentication');
        assert.match(error.message, /governor/);
        assert.match(error.message, /401/);
      } finally {
        await wrong.registry.dispose();
      }
    });

    it('authenticates with a JWT bearer token, and rejects an expired one', async () => {
      const worksheet = governor({ auth: 'jwt' });
      await worksheet.impersonate(BOB);
      assert.deepEqual(await whoami(worksheet), { login: 'governor', effective: BOB });
      assert.match(lastStatement().headers.authorization ?? '', /^Bearer /);

      const stale = createTrinoHarness(server, (profile) => ({ token: server.jwt(profile.platform === 'trino' ? profile.user : '', -60) }));
      try {
        const expired = stale.registry.create(trinoProfile(server, 'governor', { auth: 'jwt' }));
        const error = failure(await runOne(expired, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'authentication');
      } finally {
        await stale.registry.dispose();
      }
    });

    it('speaks HTTPS: trusts the profile’s CA, refuses an unknown certificate, and skips checks only when told', async () => {
      const secure = await startTrinoLab(lab(), { tls: true });
      try {
        assert.match(secure.url, /^https:/);
        const trusted = harness.registry.create(trinoProfile(secure, 'governor', { tls: { verify: true, ca: secure.caPem } }));
        await trusted.impersonate(BOB);
        assert.deepEqual(await regionsSeen(trusted), ['EU']);

        const unknown = harness.registry.create(trinoProfile(secure, 'governor', { name: 'trino-no-ca' }));
        const error = failure(await runOne(unknown, 'SELECT 1'));
        assert.ok(isPlatformError(error));
        assert.equal(error.kind, 'connection');
        assert.match(error.hint ?? '', /CA certificate/);

        const unchecked = harness.registry.create(trinoProfile(secure, 'governor', { name: 'trino-unchecked', tls: { verify: false } }));
        await runOk(unchecked, 'SELECT 1');
      } finally {
        await secure.close();
      }
    });

    it('rides out dropped connections: the statement in flight and the next one both complete', async () => {
      const worksheet = governor();
      await worksheet.impersonate(BOB);
      await runOk(worksheet, 'SELECT 1');
      const handle = worksheet.run([{ text: "SELECT pg_sleep(2), 'done' AS d" }]);
      // Dropped while the server runs the statement.
      await seenRunning('pg_sleep(2)');
      server.dropConnections();
      const [outcome] = await handle.outcomes;
      assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : outcome.status);
      // The next POST goes out on a kept-alive connection the server closed: sent again, once.
      server.dropConnections();
      assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    });

    it('reports a coordinator that crashes while a statement runs as a lost connection', async () => {
      const doomed = await startTrinoLab(lab());
      try {
        const worksheet = harness.registry.create(trinoProfile(doomed, 'governor'));
        const handle = worksheet.run([{ text: 'SELECT pg_sleep(3)' }]);
        // Crashed while the server runs the statement.
        await seenRunning('pg_sleep(3)');
        doomed.crash();
        const error = failure((await handle.outcomes)[0]);
        assert.ok(isPlatformError(error), String(error));
        assert.equal(error.kind, 'connection-lost');
        assert.equal(error.notSent, false, 'the statement had reached the server');
        assert.match(error.message, /may or may not have completed/);
      } finally {
        await doomed.close();
      }
    });

    it('reports a coordinator that is gone as a connection error', async () => {
      const gone = await startTrinoLab(lab());
      const worksheet = harness.registry.create(trinoProfile(gone, 'governor'));
      await gone.close();
      const error = failure(await runOne(worksheet, 'SELECT 1'));
      assert.ok(isPlatformError(error));
      assert.equal(error.kind, 'connection');
    });
  });
});
