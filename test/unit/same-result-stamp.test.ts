/**
 * "same result as yourself" from the worksheet's outcome to what the user reads: the results
 * stamp the host keeps, the stamped CSV and JSON exports, and the run history's entry.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSourceOf, exportText, stampLines } from '../../src/results/export';
import type { ErrorView, StampView } from '../../src/results/protocol';
import { RunResults } from '../../src/results/run-results';
import { sameResultWords } from '../../src/results/same-result';
import { historyItemView } from '../../src/ui/history-items';
import { historyEntryFor, RunHistory } from '../../src/worksheets/run-history';
import type { RunStamp, StatementOutcome } from '../../src/worksheets/run-types';

const YOURSELF_AT = Date.UTC(2026, 2, 3, 9, 15, 0);
const STATEMENT = 'SELECT count(*) FROM public.notes';

function bobStamp(assurance: 'applied' | 'read-back' | 'confirmed'): RunStamp {
  return {
    platform: 'redshift',
    profileName: 'lab',
    login: 'governor',
    sessionId: '42',
    ranAs: { kind: 'impersonating', user: 'bob@example.com', assurance },
    startedAt: YOURSELF_AT + 60_000,
  };
}

type Succeeded = Extract<StatementOutcome, { status: 'succeeded' }>;

function succeeded(stamp: RunStamp, same?: { at: number; rows: number }): Succeeded {
  return {
    status: 'succeeded',
    stamp,
    summary: { rowCount: 1, command: 'SELECT', hasResultSet: true, durationMs: 3, queryId: '42' },
    ...(same ? { sameAsYourself: same } : {}),
  };
}

/** Feeds one statement through the host's results as a run would; returns its result. */
function hostResult(outcome: Succeeded) {
  const results = new RunResults('notes.sql', [STATEMENT], {
    rowLimit: 1000,
    platformName: () => 'Amazon Redshift',
    describeError: (): ErrorView => ({ message: 'unexpected' }),
  });
  const observer = results.observer();
  observer.started?.(0, outcome.stamp);
  observer.columns?.(0, [{ name: 'count', type: 'int8' }]);
  void observer.rows?.(0, [['3']]);
  observer.finished?.(0, outcome);
  return results.results[0];
}

async function joined(pieces: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const piece of pieces) text += piece;
  return text;
}

describe('same result as yourself: stamp, exports, history', () => {
  it('reaches the stamp the host keeps when the statement finishes', () => {
    const result = hostResult(succeeded(bobStamp('applied'), { at: YOURSELF_AT, rows: 1 }));
    assert.deepEqual(result.stamp?.sameAsYourself, { at: YOURSELF_AT, rows: 1 });
    const plain = hostResult(succeeded(bobStamp('applied')));
    assert.equal(plain.stamp?.sameAsYourself, undefined);
  });

  it('warns without a probe: check that impersonation takes effect on this platform', async () => {
    const result = hostResult(succeeded(bobStamp('applied'), { at: YOURSELF_AT, rows: 1 }));
    const stamp = result.stamp as StampView;
    const words = sameResultWords(stamp, (at) => new Date(at).toISOString());
    assert.ok(words);
    assert.equal(words.label, 'same result as yourself');
    assert.equal(words.warn, true);
    assert.match(words.explanation, /^Check that impersonation takes effect on this platform: bob@example\.com got the same columns and the same 1 row/);
    assert.match(words.explanation, /2026-03-03T09:15:00\.000Z/);

    const lines = stampLines(stamp, STATEMENT);
    const line = lines.find((text) => text.startsWith('# same result as yourself: '));
    assert.ok(line, lines.join('\n'));
    assert.match(line, /same 1 row, in the same order, as your own run of this statement at 2026-03-03T09:15:00\.000Z; check that impersonation takes effect on this platform/);

    const csv = (await joined(exportText(exportSourceOf(result), 'csv', true)));
    assert.ok(csv.includes(line), 'the stamped CSV carries the line');
    const json = JSON.parse((await joined(exportText(exportSourceOf(result), 'json', true)))) as { stamp: StampView };
    assert.deepEqual(json.stamp.sameAsYourself, { at: YOURSELF_AT, rows: 1 }, 'the stamped JSON carries the flag');
  });

  it('says it softly when the effect probe confirmed the impersonation', () => {
    const stamp = hostResult(succeeded(bobStamp('confirmed'), { at: YOURSELF_AT, rows: 2 })).stamp as StampView;
    const words = sameResultWords(stamp, String);
    assert.ok(words);
    assert.equal(words.warn, false);
    assert.doesNotMatch(words.explanation, /check that impersonation/i);
    assert.match(words.explanation, /effect probe confirmed that bob@example\.com is impersonated, so this statement's data is simply not restricted differently for bob@example\.com and for you/);
    assert.match(stampLines(stamp, STATEMENT).join('\n'), /# same result as yourself: bob@example\.com got the same columns and the same 2 rows.*effect probe confirmed/);
  });

  it('is absent from a stamp without the flag, and from a stamp of yourself', () => {
    const stamp = hostResult(succeeded(bobStamp('applied'))).stamp as StampView;
    assert.equal(sameResultWords(stamp, String), undefined);
    assert.equal(stampLines(stamp, STATEMENT).some((line) => line.includes('same result')), false);
    assert.equal(sameResultWords({ ...stamp, ranAs: null, sameAsYourself: { at: 1, rows: 1 } }, String), undefined);
  });

  it('is kept in the run history entry, shown in its list and read back from the file', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'same-result-history-'));
    const history = RunHistory.open({ file: join(dir, 'runs.jsonl') });
    try {
      const context = { worksheet: 'notes.sql', worksheetKey: 'file:///notes.sql', profile: 'lab', platform: 'redshift', login: 'governor', ranAs: null, startedAt: 0 };
      const flagged = historyEntryFor(context, STATEMENT, succeeded(bobStamp('applied'), { at: YOURSELF_AT, rows: 1 }));
      const plain = historyEntryFor(context, STATEMENT, succeeded(bobStamp('applied')));
      assert.ok(flagged && plain);
      assert.equal(history.record(flagged).sameAsYourselfAt, YOURSELF_AT);
      assert.equal('sameAsYourselfAt' in history.record(plain), false);
      const [newest, older] = history.entries().map(historyItemView);
      assert.doesNotMatch(newest.description, /same result/);
      assert.match(older.description, /^as bob@example\.com \(applied\) · succeeded · same result as yourself/);
      await history.flush();
      const reloaded = RunHistory.open({ file: join(dir, 'runs.jsonl') });
      await reloaded.ready;
      assert.deepEqual(reloaded.entries().map((entry) => entry.sameAsYourselfAt), [undefined, YOURSELF_AT]);
      reloaded.dispose();
    } finally {
      history.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
