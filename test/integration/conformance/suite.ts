/**
 * The shared platform conformance suite: what every platform adapter must do for a user,
 * asserted through worksheets exactly as the extension builds them. A platform plugs in with a
 * PlatformUnderTest and one line: `describeConformance(new XUnderTest())`.
 *
 * Every lab server hands its SQL to the lab PostgreSQL, so the statements here are PostgreSQL
 * and the Immuta-like fixture decides what each identity sees (see test/lab/README.md).
 */
import * as assert from 'node:assert/strict';
import { isPlatformError } from '../../../src/platforms/errors';
import { profileLogin } from '../../../src/platforms/profile';
import { isWorksheetError } from '../../../src/worksheets/errors';
import type { RanAs } from '../../../src/worksheets/identity';
import type { RunStamp, StatementOutcome } from '../../../src/worksheets/run-types';
import type { Worksheet } from '../../../src/worksheets/worksheet';
import { lab } from '../shared-lab';
import { collector, runOk, runOne, type CollectedResult } from '../worksheet-harness';
import { failed, immutaUser, logEntries, platformSuiteHooks, regionsSeen, seenRunning, seenStopped, uniqueMarker, whoami } from './harness';
import type { PlatformUnderTest } from './platform-under-test';

const BOB = 'bob@example.com';
const GOVERNOR = immutaUser('governor');
const ALL_REGIONS = ['APAC', 'EU', 'US'];

/** User names that must either round-trip exactly or be refused before anything is sent. */
const HOSTILE_NAMES: readonly string[] = [
  "o'brien",
  'a"b',
  "x'); drop table t; --",
  'Zoë 山田 🚀 ünïcödé',
  'n'.repeat(300),
  '\\',
  'bob@example.com; SELECT 1',
  // What a naive renderer would expand: a bound marker, a replacement pattern, the placeholder itself.
  "$1 $$ $' $& `",
  "'{user}' {user}",
  '/* -- */ ;',
  '𝒳 astral 😀',
];
/** Of those, the one the fixture knows: impersonating it must work and read back exactly. */
const EXISTING_HOSTILE = "o'brien";

interface Run {
  readonly outcomes: StatementOutcome[];
  readonly results: CollectedResult[];
  /** Indexes of the statements the worksheet started (sent), in order. */
  readonly started: number[];
}

async function run(worksheet: Worksheet, ...statements: string[]): Promise<Run> {
  const { observer, results } = collector();
  const started: number[] = [];
  const outcomes = await worksheet.run(
    statements.map((text) => ({ text })),
    { ...observer, started: (index) => started.push(index) },
  ).outcomes;
  return { outcomes, results, started };
}

function stampOf(outcome: StatementOutcome): RunStamp {
  assert.ok(outcome.status !== 'skipped' && outcome.stamp !== undefined, `no stamp on a ${outcome.status} outcome`);
  return outcome.stamp;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function describeConformance(put: PlatformUnderTest): void {
  const readsBack = put.readsBackImpersonation ?? true;
  const keepsSessionAfterCancel = put.keepsSessionAfterCancel ?? true;
  const assurance = put.assuranceWithoutProbe;
  const asBob: RanAs = { kind: 'impersonating', user: BOB, assurance };

  describe(`conformance: ${put.platform}`, function () {
    // The hostile name "x'); drop table t; --" targets this table: it must survive.
    const current = platformSuiteHooks(put, async () => {
      await lab().adminQuery('CREATE TABLE IF NOT EXISTS public.t (id int)');
    });

    it('connects: SELECT 1 runs as yourself, stamped with the login and the session', async () => {
      const worksheet = current().open('governor');
      const { outcomes, results } = await run(worksheet, 'SELECT 1');
      assert.equal(outcomes[0].status, 'succeeded', outcomes[0].status === 'failed' ? describeError(outcomes[0].error) : undefined);
      assert.deepEqual(results[0].rows.map((row) => row.map(String)), [['1']]);
      const stamp = stampOf(outcomes[0]);
      const profile = put.profile('governor');
      assert.equal(stamp.platform, put.platform);
      assert.equal(stamp.profileName, profile.name);
      assert.equal(stamp.login, put.expectedLogin?.('governor') ?? profileLogin(profile));
      assert.deepEqual(stamp.ranAs, { kind: 'yourself' });
      assert.ok(stamp.sessionId.length > 0, 'the stamp names a session');
      assert.equal(stamp.sessionId, worksheet.snapshot().sessionId);
      // The server agrees: the session is the login's and reads as its own Immuta user.
      assert.deepEqual(await whoami(worksheet), { login: lab().logins.governor.user, effectiveUser: GOVERNOR });
    });

    it('types: the common types come back with the platform\u2019s type names and exact values', async () => {
      assert.equal(put.types.columns.length, put.types.row.length, 'the expected columns and row of the platform disagree');
      const [result] = await runOk(current().open('governor'), put.types.sql);
      const columns = result.columns.map((column) => `${column.name}:${column.type}`);
      assert.deepEqual(columns, put.types.columns, put.describeColumns?.(result.columns));
      assert.deepEqual(result.rows, [put.types.row]);
    });

    describe('multi-statement runs', () => {
      it('returns one result per statement, in order, on one session', async () => {
        const { outcomes, results, started } = await run(current().open('governor'), "SELECT 'first' AS a", "SELECT 'second' AS b", "SELECT 'third' AS c");
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'succeeded', 'succeeded']);
        assert.deepEqual(started, [0, 1, 2]);
        // Unquoted names fold to the platform's case (Snowflake: upper), so compare without it.
        assert.deepEqual(results.map((result) => result.columns.map((column) => column.name.toLowerCase())), [['a'], ['b'], ['c']]);
        assert.deepEqual(results.map((result) => result.rows), [[['first']], [['second']], [['third']]]);
        assert.equal(new Set(outcomes.map((outcome) => stampOf(outcome).sessionId)).size, 1, 'one worksheet, one session');
      });

      it('stops at a failing statement: the rest are skipped and never sent', async () => {
        const marker = uniqueMarker('stop');
        const { outcomes, started } = await run(
          current().open('governor'),
          `SELECT count(*) AS n, '${marker}-1' AS m FROM sales.customers`,
          'SELECT * FROM public.no_such_table_conformance',
          `SELECT count(*) AS n, '${marker}-3' AS m FROM sales.customers`,
        );
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['succeeded', 'failed', 'skipped']);
        assert.deepEqual(started, [0, 1], 'the third statement was never started');
        // The server's own record: the first read happened, the third never reached it.
        assert.equal((await logEntries(`${marker}-1`)).length, 1, 'the first statement was logged (the marker works)');
        assert.deepEqual(await logEntries(`${marker}-3`), [], 'the skipped statement reached the server');
      });
    });

    describe('errors', () => {
      const cases = [
        {
          what: 'a syntax error',
          sql: 'SELECT region FROM sales.customers WHERE WHERE true',
          message: /syntax error at or near "WHERE"/,
          at: (sql: string) => sql.lastIndexOf('WHERE'),
        },
        {
          what: 'a missing table',
          sql: 'SELECT * FROM public.no_such_table_conformance',
          message: /relation "public\.no_such_table_conformance" does not exist/,
          at: (sql: string) => sql.indexOf('public.no_such_table_conformance'),
        },
      ];
      for (const { what, sql, message, at } of cases) {
        it(`reports ${what} as a server error with the server's text, and the session stays usable`, async () => {
          const worksheet = current().open('governor');
          const outcome = await runOne(worksheet, sql);
          const error = failed(outcome);
          assert.ok(isPlatformError(error), `expected a PlatformError, got ${describeError(error)}`);
          assert.equal(error.kind, 'server');
          assert.match(error.serverMessage ?? '', message);
          assert.match(error.message, message, 'the user-facing message carries the server text');
          if (error.position !== undefined) {
            assert.equal(error.position.offset, at(sql), 'the reported position points at the offending text');
          }
          const failedOn = stampOf(outcome).sessionId;
          const after = await runOne(worksheet, "SELECT 'still here' AS s");
          assert.equal(after.status, 'succeeded', after.status === 'failed' ? describeError(after.error) : undefined);
          assert.equal(stampOf(after).sessionId, failedOn, 'the error did not cost the session');
        });
      }
    });

    it('cancel: a statement seen running at the server ends as cancelled there, and the session runs on as before', async () => {
      const worksheet = current().open('governor');
      await worksheet.impersonate(BOB);
      await runOk(worksheet, 'SELECT 1');
      const sessionBefore = worksheet.snapshot().sessionId;
      const handle = worksheet.run([{ text: put.sleep(30) }, { text: "SELECT 'after' AS x" }]);
      // Cancel what the server runs, not what the worksheet believes it sent.
      await seenRunning('pg_sleep(30)');
      handle.cancel();
      const outcomes = await handle.outcomes;
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['cancelled', 'skipped']);
      // The server stopped it (uncancelled, it would sleep on for 30 s; the wait gives up at 20).
      await seenStopped('pg_sleep(30)');
      const after = await runOne(worksheet, 'SELECT 1');
      assert.equal(after.status, 'succeeded', after.status === 'failed' ? describeError(after.error) : undefined);
      if (keepsSessionAfterCancel) {
        assert.equal(stampOf(after).sessionId, sessionBefore, 'cancel kept the session');
      }
      assert.deepEqual(stampOf(after).ranAs, asBob);
      assert.equal((await whoami(worksheet)).effectiveUser, BOB, 'cancel kept the impersonation');
    });

    it('impersonate, verify, clear: the data, whoami and the stamps follow the chosen identity', async () => {
      const worksheet = current().open('governor');
      assert.deepEqual(await regionsSeen(worksheet), ALL_REGIONS, 'governor himself sees every region');

      await worksheet.impersonate(BOB);
      assert.deepEqual(worksheet.identity.kind === 'impersonating' && [worksheet.identity.user, worksheet.identity.assurance], [BOB, assurance]);
      assert.deepEqual(await regionsSeen(worksheet), ['EU'], 'bob sees only EU customers');
      assert.deepEqual(await whoami(worksheet), { login: lab().logins.governor.user, effectiveUser: BOB });
      assert.deepEqual(stampOf(await runOne(worksheet, 'SELECT 1')).ranAs, asBob);
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance });

      await worksheet.stopImpersonating();
      assert.equal(worksheet.identity.kind, 'yourself');
      assert.deepEqual(await regionsSeen(worksheet), ALL_REGIONS, 'back to governor\u2019s own rows');
      assert.equal((await whoami(worksheet)).effectiveUser, GOVERNOR);
      assert.deepEqual(stampOf(await runOne(worksheet, 'SELECT 1')).ranAs, { kind: 'yourself' });
      assert.deepEqual(await worksheet.verify(), { kind: 'yourself', readBack: readsBack });
    });

    it('isolation: two worksheets, one as bob and one as governor, never see each other\u2019s identity (220 interleaved runs)', async () => {
      const bobs = current().open('governor');
      const own = current().open('governor');
      await bobs.impersonate(BOB);
      await runOk(own, 'SELECT 1');
      assert.notEqual(bobs.snapshot().sessionId, own.snapshot().sessionId, 'each worksheet has its own session');
      const expected = new Map<Worksheet, { user: string; ranAs: RanAs; sessionId: string | undefined }>([
        [bobs, { user: BOB, ranAs: asBob, sessionId: bobs.snapshot().sessionId }],
        [own, { user: GOVERNOR, ranAs: { kind: 'yourself' }, sessionId: own.snapshot().sessionId }],
      ]);
      // Queued all at once, alternating, so both sessions are busy at the same time throughout.
      const runs = Array.from({ length: 220 }, (_, index) => {
        const worksheet = index % 2 === 0 ? bobs : own;
        return run(worksheet, 'SELECT effective_user FROM immuta.whoami()').then((result) => ({ worksheet, result }));
      });
      const crossTalk: string[] = [];
      for (const { worksheet, result } of await Promise.all(runs)) {
        const want = expected.get(worksheet);
        assert.ok(want);
        const outcome = result.outcomes[0];
        if (outcome.status !== 'succeeded') {
          crossTalk.push(`${want.user}'s run ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error.message}` : ''}`);
          continue;
        }
        const got = String(result.results[0].rows[0]?.[0]);
        if (got !== want.user) crossTalk.push(`${want.user}'s worksheet ran as ${got}`);
        if (outcome.stamp.sessionId !== want.sessionId) crossTalk.push(`${want.user}'s run was stamped with session ${outcome.stamp.sessionId}`);
        if (JSON.stringify(outcome.stamp.ranAs) !== JSON.stringify(want.ranAs)) crossTalk.push(`${want.user}'s run was stamped ${JSON.stringify(outcome.stamp.ranAs)}`);
      }
      assert.deepEqual(crossTalk, []);
    });

    it('lost session: the next statement runs as bob (re-applied first) or fails clearly; nothing ever runs as yourself', async () => {
      const worksheet = current().open('governor');
      await worksheet.impersonate(BOB);
      const marker = uniqueMarker('lost');
      const read = `SELECT DISTINCT region, '${marker}' AS marker FROM sales.customers`;
      assert.deepEqual((await runOk(worksheet, read))[0].rows.map((row) => row[0]), ['EU']);
      const sessionId = worksheet.snapshot().sessionId;
      assert.ok(sessionId !== undefined);

      await put.endSession(sessionId);

      // Straight away, with no chance to notice first: the race a user meets after a timeout.
      const right = await run(worksheet, read);
      const outcome = right.outcomes[0];
      if (outcome.status === 'succeeded') {
        assert.deepEqual(outcome.stamp.ranAs, asBob);
        assert.deepEqual(right.results[0].rows.map((row) => row[0]), ['EU'], 'the statement after the loss ran as bob');
      } else {
        const error = failed(outcome);
        const clear = (isPlatformError(error) && error.kind === 'connection-lost') || isWorksheetError(error);
        assert.ok(clear, `the failure does not say the session was lost: ${describeError(error)}`);
        assert.ok(error.message.length > 0);
      }
      // Either way the worksheet recovers on its own, still as bob.
      assert.deepEqual((await runOk(worksheet, read))[0].rows.map((row) => row[0]), ['EU']);
      assert.equal((await whoami(worksheet)).effectiveUser, BOB);
      assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, BOB);

      const entries = await logEntries(marker);
      assert.ok(entries.length >= 2, `expected the reads before and after the loss in the log, found ${entries.length}`);
      const notAsBob = entries.filter((entry) => entry.effective_user !== BOB || !entry.impersonating);
      assert.deepEqual(notAsBob, [], 'a read ran as someone other than bob after impersonation was set');
    });

    if (put.quotedSetTemplate) {
      it('a set template with {user} inside a longer string is refused before anything is sent, naming the template and what to write', async () => {
        const worksheet = current().open('governor', "CALL p('x{user}')");
        await runOk(worksheet, 'SELECT 1');
        const sessionId = worksheet.snapshot().sessionId;
        assert.ok(sessionId !== undefined && put.lastSetReceived);
        const before = await put.lastSetReceived(sessionId);
        await assert.rejects(worksheet.impersonate(BOB), (error: unknown) => {
          assert.ok(isPlatformError(error), describeError(error));
          assert.equal(error.kind, 'configuration');
          assert.match(error.message, /^The impersonation\.set template "CALL p\('x\{user\}'\)" has \{user\} inside the longer string 'x\{user\}'\. The user name must be a value of its own/);
          return true;
        });
        assert.deepEqual(await put.lastSetReceived(sessionId), before, 'a set statement reached the server');
        assert.equal(worksheet.identity.kind, 'yourself');
        assert.equal((await whoami(worksheet)).effectiveUser, GOVERNOR);
      });
    }

    const templates: readonly { label: string; set: string | undefined }[] = [
      { label: 'the default template', set: undefined },
      ...(put.quotedSetTemplate ? [{ label: `the template ${put.quotedSetTemplate.template}`, set: put.quotedSetTemplate.template }] : []),
    ];
    for (const template of templates) {
      describe(`hostile user names with ${template.label}: round-trip exactly or are refused up front, never spliced into SQL`, () => {
        for (const name of HOSTILE_NAMES) {
          const label = name.length > 40 ? `${name.slice(0, 8)}\u2026 (${name.length} chars)` : name;
          it(JSON.stringify(label), async () => {
            const worksheet = current().open('governor', template.set);
            let refusal: Error | undefined;
            try {
              await worksheet.impersonate(name);
            } catch (error) {
              // Only a refusal before sending is acceptable; anything the server rejected is a failure.
              if (!(isWorksheetError(error) && error.kind === 'invalid-user')) throw error;
              refusal = error;
            }
            if (refusal) {
              assert.notEqual(name, EXISTING_HOSTILE, `${name} is a real Immuta user and was refused: ${refusal.message}`);
              assert.ok(refusal.message.length >= 10, `the refusal does not say why: ${JSON.stringify(refusal.message)}`);
              assert.equal(worksheet.identity.kind, 'yourself');
              assert.equal((await whoami(worksheet)).effectiveUser, GOVERNOR);
            } else {
              assert.equal(worksheet.identity.kind === 'impersonating' && worksheet.identity.user, name);
              if (put.quotedSetTemplate && template.set !== undefined) {
                // The server's own record: this template ran, with the name bound or quoted exactly.
                const sessionId = worksheet.snapshot().sessionId;
                assert.ok(sessionId !== undefined && put.lastSetReceived, 'a platform with a quoted template must report what the server received');
                assert.deepEqual(await put.lastSetReceived(sessionId), put.quotedSetTemplate.expected(name));
              }
              if (readsBack) {
                assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: name, assurance });
              }
              // What Immuta's impersonation procedure recorded in the session, byte for byte.
              const [recorded] = await runOk(worksheet, 'SELECT immuta.current_impersonation() AS who');
              assert.deepEqual(recorded.rows, [[name]], 'the name Immuta impersonates');
              const outcome = await runOne(worksheet, 'SELECT effective_user FROM immuta.whoami()');
              if (name === EXISTING_HOSTILE) {
                assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? describeError(outcome.error) : undefined);
                assert.equal((await whoami(worksheet)).effectiveUser, name);
              } else {
                // The fixture names an unknown user exactly: the name arrived byte for byte.
                const error = failed(outcome);
                assert.ok(isPlatformError(error), describeError(error));
                assert.ok(error.kind === 'server' || error.kind === 'permission', `unexpected kind ${error.kind}: ${error.message}`);
                assert.equal(error.code === '42601' || /syntax error/i.test(error.message), false, `a syntax error: ${error.message}`);
                assert.ok((error.serverMessage ?? error.message).includes(`Immuta: no Immuta user named ${name}`), `the server saw another name: ${error.serverMessage ?? error.message}`);
              }
              assert.deepEqual(stampOf(outcome).ranAs, { kind: 'impersonating', user: name, assurance });
              await worksheet.stopImpersonating();
              assert.equal((await whoami(worksheet)).effectiveUser, GOVERNOR);
            }
            const [objects] = await lab().adminQuery<{ notes: string | null; t: string | null; users: string }>(
              "SELECT to_regclass('public.notes')::text AS notes, to_regclass('public.t')::text AS t, (SELECT count(*) FROM immuta.users)::text AS users",
            );
            assert.deepEqual(objects, { notes: 'notes', t: 't', users: '8' }, 'the lab\u2019s objects are intact');
          });
        }
      });
    }
  });
}
