/** A statement sent several times in a row (T-SQL `GO n`): one statement, n requests. */
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger';
import type { RunObserver } from '../../src/worksheets/run-types';
import { Worksheet } from '../../src/worksheets/worksheet';
import { FakePlatform, PROFILE } from './fakes/fake-platform';

function setup(): { fake: FakePlatform; ws: Worksheet } {
  const fake = new FakePlatform();
  const ws = new Worksheet('ws-repeat', { loadDriver: async () => fake, getSecret: async () => ({ password: 'not-a-real-password' }), logger: silentLogger }, PROFILE);
  return { fake, ws };
}

describe('Worksheet: a statement repeated (GO n)', () => {
  it('sends it n times on the same session, announced once, every result set under the one statement', async () => {
    const { fake, ws } = setup();
    fake.script('SELECT 7', { columns: [{ name: 'n', type: 'int4' }], batches: [[[7]]] });
    const log: string[] = [];
    const observer: RunObserver = {
      started: (index) => log.push(`${index}:started`),
      columns: (index) => log.push(`${index}:columns`),
      rows: (index, batch) => void log.push(`${index}:rows ${batch.length}`),
      finished: (index, outcome) => log.push(`${index}:${outcome.status}`),
    };
    const [outcome] = await ws.run([{ text: 'SELECT 7', repeat: 3 }], observer).outcomes;
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(fake.statements().map((statement) => statement.sql), ['SELECT 7', 'SELECT 7', 'SELECT 7']);
    assert.equal(new Set(fake.statements().map((statement) => statement.sessionId)).size, 1);
    assert.deepEqual(log, ['0:started', '0:columns', '0:rows 1', '0:columns', '0:rows 1', '0:columns', '0:rows 1', '0:succeeded']);
  });

  it('stops repeating at the first failure, and skips what follows', async () => {
    const { fake, ws } = setup();
    fake.failNext('execute', undefined, 1);
    const outcomes = await ws.run([{ text: 'INSERT INTO t DEFAULT VALUES', repeat: 5 }, { text: 'SELECT 1' }]).outcomes;
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['failed', 'skipped']);
    assert.equal(fake.statements().length, 1);
  });

  it('stops repeating when cancelled', async () => {
    const { fake, ws } = setup();
    const gate = fake.hold('execute');
    const handle = ws.run([{ text: 'INSERT INTO t DEFAULT VALUES', repeat: 4 }]);
    await gate.reached;
    // Cancelled while the first of four requests runs: it stops, and no other goes out.
    handle.cancel();
    gate.open();
    const [outcome] = await handle.outcomes;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(fake.statements().length, 1, 'no further request after the cancel');
  });

  it('treats a missing, zero or fractional repeat as one', async () => {
    const { fake, ws } = setup();
    await ws.run([{ text: 'SELECT 1' }, { text: 'SELECT 2', repeat: 0 }, { text: 'SELECT 3', repeat: 1.5 }]).outcomes;
    assert.deepEqual(fake.statements().map((statement) => statement.sql), ['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });
});
