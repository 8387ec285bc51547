import { strict as assert } from 'node:assert';
import { BATCH_ROWS, RowBatcher } from '../../src/platforms/row-batcher';
import type { Row } from '../../src/platforms/types';

function source(): { events: string[]; pause(): void; resume(): void } {
  const events: string[] = [];
  return { events, pause: () => events.push('pause'), resume: () => events.push('resume') };
}

describe('RowBatcher (driver rows to the result sink)', () => {
  it('hands rows over in full batches, the rest when the driver pauses or ends, in order', async () => {
    const batches: Row[][] = [];
    const batcher = new RowBatcher({ rows: (batch) => void batches.push([...batch]) }, source());
    for (let i = 0; i < 2 * BATCH_ROWS + 500; i++) batcher.push([i]);
    assert.deepEqual(batches.map((batch) => batch.length), [BATCH_ROWS, BATCH_ROWS], 'full batches go at once');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches.map((batch) => batch.length), [BATCH_ROWS, BATCH_ROWS, 500], 'the rest goes on the next turn');
    batcher.push([2 * BATCH_ROWS + 500]);
    await batcher.drain();
    assert.equal(batcher.count, 2 * BATCH_ROWS + 501);
    assert.deepEqual(batches.flat().map((row) => row[0]), Array.from({ length: 2 * BATCH_ROWS + 501 }, (_, i) => i));
  });

  it('pauses the source while the sink pushes back, and resumes it once the sink took the batch', async () => {
    const driver = source();
    let release: () => void = () => undefined;
    const batcher = new RowBatcher({ rows: () => new Promise<void>((resolve) => (release = resolve)) }, driver);
    for (let i = 0; i < BATCH_ROWS; i++) batcher.push([i]);
    assert.deepEqual(driver.events, ['pause']);
    let drained = false;
    const done = batcher.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'drain waits for the sink');
    release();
    await done;
    assert.deepEqual(driver.events, ['pause', 'resume']);
  });

  it('drain rejects when the sink failed, after resuming the source', async () => {
    const driver = source();
    const batcher = new RowBatcher({ rows: () => Promise.reject(new Error('sink broke')) }, driver);
    batcher.push(['x']);
    await assert.rejects(batcher.drain(), /sink broke/);
    assert.deepEqual(driver.events, ['pause', 'resume']);
  });
});
