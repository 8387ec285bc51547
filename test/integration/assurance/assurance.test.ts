/**
 * Never claim more than we know: on every platform, how sure a worksheet says it is of an
 * impersonation (applied, read back, confirmed) against what the lab really did.
 *
 * - Without an effect probe a connection reaches 'read-back' only where Immuta documents where it
 *   reads the user (Synapse's immuta_user, Trino's immuta.immuta_user or native), else 'applied',
 *   and every stamp says why.
 * - With a probe it reaches 'confirmed'; the probe is counted where it arrives (the lab server, or
 *   PostgreSQL's wire for Redshift): once per apply, Verify and re-apply, never per run.
 * - "Wrong on purpose" (Immuta reads something else): without a probe the level stays 'applied'
 *   and the query log shows the honest truth (the statements ran as the governor); with a probe
 *   impersonation is refused and nothing runs at all while the status names bob.
 */
import * as assert from 'node:assert/strict';
import { isPlatformError } from '../../../src/platforms/errors';
import type { ConnectionProfile, EffectProbe } from '../../../src/platforms/types';
import { isWorksheetError } from '../../../src/worksheets/errors';
import type { RunStamp, StatementOutcome } from '../../../src/worksheets/run-types';
import type { Worksheet } from '../../../src/worksheets/worksheet';
import { lab } from '../shared-lab';
import { collector } from '../worksheet-harness';
import { failed, logEntries, platformSuiteHooks, uniqueMarker } from '../conformance/harness';
import { assuranceTargets } from './targets';

const BOB = 'bob@example.com';
const GOVERNOR = 'governor@example.com';
const PROBE_SQL = 'SELECT effective_user FROM immuta.whoami()';
const PROBE: EffectProbe = { statement: PROBE_SQL, expect: '{user}' };

interface Run {
  readonly outcome: StatementOutcome;
  readonly rows: unknown[][];
  /** Whether the worksheet started (sent) the statement. */
  readonly started: boolean;
}

async function runOne(worksheet: Worksheet, sql: string): Promise<Run> {
  const { observer, results } = collector();
  let started = false;
  const [outcome] = await worksheet.run([{ text: sql }], { ...observer, started: () => (started = true) }).outcomes;
  return { outcome, rows: results[0]?.rows ?? [], started };
}

function succeeded(run: Run): RunStamp {
  const outcome = run.outcome;
  if (outcome.status !== 'succeeded') {
    throw new Error(`expected success, got ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error.message}` : ''}`);
  }
  return outcome.stamp;
}

/** A read of a policy view the query log records, findable by its marker. */
function markedRead(marker: string): string {
  return `SELECT DISTINCT region, '${marker}' AS marker FROM sales.customers`;
}

function levelOf(worksheet: Worksheet): string {
  const identity = worksheet.identity;
  return identity.kind === 'impersonating' ? identity.assurance : `(${identity.kind})`;
}

function withProbe(change: (profile: ConnectionProfile) => ConnectionProfile): (profile: ConnectionProfile) => ConnectionProfile {
  return (profile) => ({ ...change(profile), effectProbe: PROBE });
}

for (const target of assuranceTargets()) {
  const { put, wrong } = target;
  /** How many times the lab received the probe so far. */
  const probesSent = () => target.sent().filter((text) => text === PROBE_SQL).length;

  describe(`assurance: ${put.platform}`, function () {
    afterEach(() => {
      wrong.labSwitch?.(false);
    });
    const current = platformSuiteHooks(put);

    for (const variant of target.variants) {
      it(`without a probe (${variant.label}): impersonating reaches '${variant.level}' and no higher, and each stamp says why`, async () => {
        const worksheet = current().openWith('governor', variant.label, variant.change);
        await worksheet.impersonate(BOB);
        assert.equal(levelOf(worksheet), variant.level);
        const read = await runOne(worksheet, 'SELECT effective_user FROM immuta.whoami() AS who');
        const stamp = succeeded(read);
        assert.deepEqual(read.rows, [[BOB]], 'the lab impersonated bob');
        assert.deepEqual(stamp.ranAs, { kind: 'impersonating', user: BOB, assurance: variant.level });
        assert.match(stamp.assuranceNote ?? '(no note)', variant.note);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: variant.level });
      });
    }

    it('with an effect probe: confirmed, and Verify says so; the lab receives the probe once per apply, Verify and re-apply after a lost session, never per run', async () => {
      const worksheet = current().openWith('governor', 'probe', withProbe((profile) => profile));
      succeeded(await runOne(worksheet, 'SELECT 1'));
      const before = probesSent();

      await worksheet.impersonate(BOB);
      assert.equal(levelOf(worksheet), 'confirmed');
      assert.equal(probesSent() - before, 1, 'one probe for one apply');

      const marker = uniqueMarker('assurance-confirmed');
      for (let index = 0; index < 3; index++) {
        const read = await runOne(worksheet, markedRead(marker));
        const stamp = succeeded(read);
        assert.deepEqual(read.rows.map((row) => row[0]), ['EU']);
        assert.deepEqual(stamp.ranAs, { kind: 'impersonating', user: BOB, assurance: 'confirmed' });
        assert.equal(stamp.assuranceNote, `Confirmed: the effect probe answered as ${BOB}.`);
      }
      assert.equal(probesSent() - before, 1, 'three runs sent no probe');

      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'confirmed' });
      assert.equal(probesSent() - before, 2, 'Verify probes once');

      const lostSession = worksheet.snapshot().sessionId;
      await target.lose(worksheet);
      // The first run after the loss may fail clearly (the session's end is only seen then); the next one re-applies.
      let after = await runOne(worksheet, markedRead(marker));
      if (after.outcome.status === 'failed') {
        const error = failed(after.outcome);
        assert.ok((isPlatformError(error) && error.kind === 'connection-lost') || isWorksheetError(error), `the failure does not say the session was lost: ${error.message}`);
        after = await runOne(worksheet, markedRead(marker));
      }
      assert.deepEqual(succeeded(after).ranAs, { kind: 'impersonating', user: BOB, assurance: 'confirmed' });
      assert.notEqual(worksheet.snapshot().sessionId, lostSession, 'a new session');
      assert.equal(probesSent() - before, 3, 're-applying on the new session probes once');

      const reads = await logEntries(marker);
      assert.equal(reads.length, 4);
      assert.deepEqual(reads.filter((entry) => entry.effective_user !== BOB || !entry.impersonating), [], 'a read ran as someone other than bob');
    });

    it(`wrong on purpose (${wrong.what}), without a probe: stays 'applied' with the reason, and the query log shows the reads ran as the governor`, async () => {
      wrong.labSwitch?.(true);
      const worksheet = current().openWith('governor', 'wrong', wrong.change);
      await worksheet.impersonate(BOB);
      assert.equal(levelOf(worksheet), 'applied');
      const marker = uniqueMarker('assurance-applied');
      const read = await runOne(worksheet, markedRead(marker));
      const stamp = succeeded(read);
      assert.deepEqual(stamp.ranAs, { kind: 'impersonating', user: BOB, assurance: 'applied' });
      assert.match(stamp.assuranceNote ?? '(no note)', wrong.note);
      // The session holds bob (it reads back where it can), yet that is all the worksheet claims.
      assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'applied' });
      // What 'applied' honestly leaves open: Immuta ran the read as the governor.
      assert.deepEqual(read.rows.map((row) => row[0]).sort(), ['APAC', 'EU', 'US']);
      assert.deepEqual(await logEntries(marker), [{ login: lab().logins.governor.user, effective_user: GOVERNOR, impersonating: false }]);
    });

    it(`wrong on purpose (${wrong.what}), with a probe: impersonating is refused quoting both answers, and nothing runs as yourself while the status names bob`, async () => {
      wrong.labSwitch?.(true);
      const worksheet = current().openWith('governor', 'wrong-probe', withProbe(wrong.change));
      await assert.rejects(worksheet.impersonate(BOB), (error: unknown) => {
        assert.ok(isWorksheetError(error) && error.kind === 'probe-disagrees', `expected probe-disagrees, got ${String(error)}`);
        assert.ok(error.message.includes(`"${GOVERNOR}"`) && error.message.includes(`"${BOB}"`), error.message);
        return true;
      });
      assert.deepEqual(worksheet.identity.kind === 'unknown' && [worksheet.identity.intendedUser, worksheet.identity.cause], [BOB, 'probe']);

      const marker = uniqueMarker('assurance-refused');
      const refused = await runOne(worksheet, markedRead(marker));
      const error = failed(refused.outcome);
      assert.ok(isWorksheetError(error) && error.kind === 'identity-unknown', `expected identity-unknown, got ${error.message}`);
      assert.equal(refused.started, false, 'the statement was started');
      assert.deepEqual(target.sent().filter((text) => text.includes(marker)), [], 'the statement reached the lab');
      assert.deepEqual(await logEntries(marker), [], 'a read ran while the worksheet named bob');

      assert.deepEqual(await worksheet.verify(), { kind: 'probe-disagrees', user: BOB, expected: BOB, answer: `"${GOVERNOR}"` });
      if (wrong.labSwitch) {
        // Immuta reads the variable again: Verify confirms, and runs go on as bob.
        wrong.labSwitch(false);
        assert.deepEqual(await worksheet.verify(), { kind: 'impersonating', user: BOB, assurance: 'confirmed' });
        const after = uniqueMarker('assurance-after');
        const read = await runOne(worksheet, markedRead(after));
        assert.deepEqual(succeeded(read).ranAs, { kind: 'impersonating', user: BOB, assurance: 'confirmed' });
        assert.deepEqual(read.rows.map((row) => row[0]), ['EU']);
        assert.deepEqual(await logEntries(after), [{ login: lab().logins.governor.user, effective_user: BOB, impersonating: true }]);
      } else {
        // Choosing bob again cannot talk the worksheet round: the probe still answers as the governor.
        await assert.rejects(worksheet.impersonate(BOB), (again: unknown) => isWorksheetError(again) && again.kind === 'probe-disagrees');
        assert.equal(failed((await runOne(worksheet, markedRead(marker))).outcome).name, 'WorksheetError');
        assert.deepEqual(await logEntries(marker), []);
      }
    });

    /**
     * Makes a confirmed worksheet's impersonation stop taking effect behind its back: the lab
     * switch (Immuta reads another variable or key), or the connection's settings edited to the
     * wrong ones (the same profile, so the worksheet keeps bob and re-applies on its next session).
     * Either way the worksheet's session is gone afterwards.
     */
    async function breakBehind(worksheet: Worksheet): Promise<void> {
      if (wrong.labSwitch) {
        wrong.labSwitch(true);
        await target.lose(worksheet);
        return;
      }
      const current = worksheet.profile;
      assert.ok(current);
      await worksheet.bind({ ...withProbe(wrong.change)(put.profile('governor')), name: current.name } as ConnectionProfile);
    }

    it(`confirmed, then wrong behind its back (${wrong.what}): the run that re-applies is refused by the probe, nothing runs as yourself, Verify says why`, async () => {
      const worksheet = current().openWith('governor', 'probe-then-wrong', withProbe((profile) => profile));
      await worksheet.impersonate(BOB);
      assert.equal(levelOf(worksheet), 'confirmed');
      await breakBehind(worksheet);

      const marker = uniqueMarker('assurance-reapply');
      // The first run may only learn that the session ended (not sent); the one after re-applies and probes.
      // (The lab server may receive the statement on the ended session, which runs nothing; the
      // query log, written by PostgreSQL for every read of the view, is what says nothing ran.)
      const errors: string[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const error = failed((await runOne(worksheet, markedRead(marker))).outcome);
        errors.push(isWorksheetError(error) || isPlatformError(error) ? error.kind : error.name);
        if (isWorksheetError(error)) break;
      }
      assert.equal(errors.at(-1), 'probe-disagrees', `the runs after the change failed with ${errors.join(', ')}`);
      assert.deepEqual(worksheet.identity.kind === 'unknown' && [worksheet.identity.intendedUser, worksheet.identity.cause], [BOB, 'probe']);
      assert.deepEqual(await logEntries(marker), [], 'a read ran after the re-apply was refused');
      assert.deepEqual(await worksheet.verify(), { kind: 'probe-disagrees', user: BOB, expected: BOB, answer: `"${GOVERNOR}"` });
    });

    it(`confirmed, then wrong behind its back (${wrong.what}): Verify with no session open re-applies and answers probe-disagrees (not an error), and runs stay refused`, async () => {
      const worksheet = current().openWith('governor', 'probe-then-verify', withProbe((profile) => profile));
      await worksheet.impersonate(BOB);
      await breakBehind(worksheet);
      // No session at all (a session lost unseen would first have to fail a request).
      await worksheet.reconnect();
      assert.equal(worksheet.snapshot().sessionId, undefined);
      const before = probesSent();

      assert.deepEqual(await worksheet.verify(), { kind: 'probe-disagrees', user: BOB, expected: BOB, answer: `"${GOVERNOR}"` });
      assert.equal(probesSent() - before, 1, 'Verify re-applied and probed once');
      const marker = uniqueMarker('assurance-verify');
      const refused = await runOne(worksheet, markedRead(marker));
      const error = failed(refused.outcome);
      assert.ok(isWorksheetError(error) && error.kind === 'identity-unknown', `expected identity-unknown, got ${error.message}`);
      assert.deepEqual(target.sent().filter((text) => text.includes(marker)), [], 'the statement reached the lab');
      assert.deepEqual(await logEntries(marker), []);
    });
  });
}
