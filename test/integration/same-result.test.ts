/**
 * "same result as yourself" against the lab's PostgreSQL (the Redshift path): a table without a
 * policy answers everyone alike and is flagged; a row filter that gives bob less is not; and an
 * impersonation statement Immuta never reads (the wrong-variable-name symptom) is flagged on a
 * table whose policy would have filtered bob's rows.
 */
import * as assert from 'node:assert/strict';
import { stampView } from '../../src/results/run-results';
import { sameResultWords } from '../../src/results/same-result';
import type { StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { harnessPerTest, redshiftProfile, regionsSeen, runOne } from './worksheet-harness';

const BOB = 'bob@example.com';
const COUNT_NOTES = 'SELECT count(*) FROM public.notes';
const REGIONS = 'SELECT DISTINCT region FROM sales.customers ORDER BY 1';

type Succeeded = Extract<StatementOutcome, { status: 'succeeded' }>;

async function runFully(worksheet: Worksheet, statement: string): Promise<Succeeded> {
  const outcome = await runOne(worksheet, statement);
  assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? `${statement}: ${outcome.error.message}` : `${statement}: ${outcome.status}`);
  return outcome as Succeeded;
}

describe('same result as yourself, on the lab PostgreSQL', function () {
  const current = harnessPerTest();

  it('flags a count over a table without a policy, run as yourself and then as bob', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    const yourself = await runFully(worksheet, COUNT_NOTES);
    assert.equal(yourself.sameAsYourself, undefined, 'a run as yourself is never flagged');
    await worksheet.impersonate(BOB);
    const asBob = await runFully(worksheet, COUNT_NOTES);
    assert.equal(asBob.stamp.ranAs.kind, 'impersonating');
    assert.deepEqual(asBob.sameAsYourself, { at: yourself.stamp.startedAt, rows: 1 });
  });

  it('flags it on a connection whose effect probe confirmed bob too (the stamp then says it softly)', async () => {
    const profile = redshiftProfile('governor', { effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' } });
    const worksheet = current().registry.create(profile);
    const yourself = await runFully(worksheet, COUNT_NOTES);
    await worksheet.impersonate(BOB);
    const asBob = await runFully(worksheet, COUNT_NOTES);
    assert.equal(asBob.stamp.ranAs.kind === 'impersonating' && asBob.stamp.ranAs.assurance, 'confirmed');
    assert.deepEqual(asBob.sameAsYourself, { at: yourself.stamp.startedAt, rows: 1 });
    const words = sameResultWords({ ...stampView(asBob.stamp, () => 'Amazon Redshift'), sameAsYourself: asBob.sameAsYourself }, String);
    assert.equal(words?.warn, false, 'no warning once the probe confirmed bob');
  });

  it('does not flag a row filter that gives bob fewer regions', async () => {
    const worksheet = current().registry.create(redshiftProfile('governor'));
    const mine = await regionsSeen(worksheet);
    await worksheet.impersonate(BOB);
    const asBob = await runFully(worksheet, REGIONS);
    assert.equal(asBob.sameAsYourself, undefined);
    // The premise: the policy did give bob something else.
    assert.deepEqual(await regionsSeen(worksheet), ['EU']);
    assert.ok(mine.length > 1, `yourself saw ${JSON.stringify(mine)}`);
  });

  it('flags the symptom it is for: an impersonation statement Immuta never reads leaves bob with your rows', async () => {
    // A session variable under a name Immuta does not read: the statement succeeds, nothing changes.
    const profile = redshiftProfile('governor', { impersonation: { set: "SELECT set_config('immuta.not_the_variable', {user}, false)" } });
    const worksheet = current().registry.create(profile);
    const yourself = await runFully(worksheet, REGIONS);
    await worksheet.impersonate(BOB);
    const asBob = await runFully(worksheet, REGIONS);
    assert.equal(asBob.stamp.ranAs.kind === 'impersonating' && asBob.stamp.ranAs.assurance, 'applied');
    assert.deepEqual(asBob.sameAsYourself, { at: yourself.stamp.startedAt, rows: (await regionsSeen(worksheet)).length });
  });
});
