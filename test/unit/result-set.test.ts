import * as assert from 'node:assert/strict';
import type { Row } from '../../src/platforms/types';
import { ResultSet } from '../../src/results/result-set';
import { MAX_CHARS_PER_PULL } from '../../src/results/protocol';

const STAMP = {
  platform: 'Amazon Redshift',
  profile: 'lab',
  login: 'governor',
  ranAs: 'bob@example.com',
  startedAt: Date.now(),
  durationMs: null,
  rowCount: null,
  queryId: null,
};

function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, index) => [from + index, `name ${from + index}`, index % 3 === 0 ? null : 'NULL']);
}

async function readAll(result: ResultSet): Promise<Row[]> {
  const all: Row[] = [];
  let from = 0;
  for (;;) {
    const slice = await result.read(from, 5000, MAX_CHARS_PER_PULL);
    if (slice.count === 0) return all;
    assert.equal(slice.from, from, 'a sequential reader always gets rows from where it stands');
    for (const chunk of slice.chunks) all.push(...(JSON.parse(chunk) as Row[]));
    from += slice.count;
  }
}

/** Settles on the next turn, or reports that the promise is still pending. */
async function state(promise: Promise<void> | void): Promise<'settled' | 'pending'> {
  if (!promise) return 'settled';
  return Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))]);
}

describe('ResultSet (rows held in the extension host)', () => {
  it('keeps every row in order, NULL apart from the text NULL, and reads them back in pages', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 100_000);
    result.started(STAMP);
    result.setColumns([{ name: 'id', type: 'int4' }, { name: 'name', type: 'text' }, { name: 'maybe', type: 'text' }]);
    for (let from = 0; from < 12_345; from += 1000) assert.equal(result.append(rows(from, Math.min(1000, 12_345 - from))), undefined);
    const back = await readAll(result);
    assert.equal(back.length, 12_345);
    assert.deepEqual(back[0], [0, 'name 0', null]);
    assert.deepEqual(back[1], [1, 'name 1', 'NULL']);
    assert.deepEqual(back[12_344][0], 12_344);
    let exported = 0;
    for await (const row of result.rows()) exported += row.length > 0 ? 1 : 0;
    assert.equal(exported, 12_345);
    assert.deepEqual(result.view().columns?.map((column) => column.kind), ['number', 'text', 'text']);
  });

  it('gathers tiny driver batches into chunks, and hands over a partial chunk when a reader asks', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 100_000);
    for (let index = 0; index < 10; index++) assert.equal(result.append(rows(index, 1)), undefined);
    const slice = await result.read(0, 100, MAX_CHARS_PER_PULL);
    assert.equal(slice.count, 10);
    assert.equal(slice.chunks.length, 1, 'ten one-row batches travel as one chunk');
  });

  it('pauses the stream at the row limit until "fetch more", and keeps the rows that overflowed', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 2500);
    result.started(STAMP);
    assert.equal(await state(result.append(rows(0, 1000))), 'settled');
    assert.equal(await state(result.append(rows(1000, 1000))), 'settled');
    const held = result.append(rows(2000, 1000));
    assert.equal(await state(held), 'pending', 'the driver waits at the limit');
    assert.equal(result.status, 'paused');
    assert.equal(result.rowCount, 2500);
    result.fetchMore(2500);
    assert.equal(await state(held), 'settled');
    assert.equal(result.status, 'running');
    assert.equal(result.rowCount, 3000, 'the 500 rows over the limit were kept, not lost');
    assert.deepEqual((await readAll(result)).map((row) => row[0]), Array.from({ length: 3000 }, (_, index) => index));
  });

  it('rows a driver delivers after being paused join the held-back rows; one "fetch more" releases them all', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 1000);
    const first = result.append(rows(0, 1500));
    const second = result.append(rows(1500, 300));
    assert.equal(first, second, 'the driver waits on one pause');
    assert.equal(await state(first), 'pending');
    result.fetchMore(1000);
    assert.equal(await state(first), 'settled');
    assert.deepEqual((await readAll(result)).map((row) => row[0]), Array.from({ length: 1800 }, (_, index) => index));
  });

  it('"stop reading" lets the statement finish and counts the dropped rows', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 1000);
    result.started(STAMP);
    const held = result.append(rows(0, 1500));
    assert.equal(await state(held), 'pending');
    result.stopReading();
    assert.equal(await state(held), 'settled');
    assert.equal(result.append(rows(1500, 1000)), undefined, 'later batches are not held');
    result.finish({ status: 'succeeded', rowCount: 2500, command: 'SELECT', durationMs: 12, queryId: '42' });
    const view = result.view();
    assert.equal(view.storedRows, 1000);
    assert.equal(view.discardedRows, 1500);
    assert.equal(view.stamp?.rowCount, 2500, 'the stamp keeps the server count');
    assert.equal(view.status, 'succeeded');
  });

  it('"fetch all" removes the limit', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 1000);
    const held = result.append(rows(0, 1200));
    result.fetchMore('all');
    assert.equal(await state(held), 'settled');
    for (let from = 1200; from < 50_200; from += 1000) assert.equal(result.append(rows(from, 1000)), undefined);
    assert.equal(result.rowCount, 50_200);
  });

  it('disposing frees the rows and releases a paused stream', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 10);
    const held = result.append(rows(0, 100));
    result.dispose();
    assert.equal(await state(held), 'settled');
    assert.equal((await result.read(0, 10, MAX_CHARS_PER_PULL)).count, 0);
    assert.equal(result.sizeChars, 0);
  });

  it('reads stop at the size cap but always return at least one chunk', async () => {
    const result = new ResultSet('r:0', 0, 'select …', 100_000);
    const wide = Array.from({ length: 1000 }, (_, index): Row => [index, 'x'.repeat(1000)]);
    for (let batch = 0; batch < 5; batch++) assert.equal(result.append(wide), undefined);
    const small = await result.read(0, 100_000, 10);
    assert.equal(small.chunks.length, 1);
    const capped = await result.read(0, 100_000, 2_500_000);
    assert.equal(capped.count, 2000, 'two chunks of ~1 MB fit under 2.5 MB, three do not');
  });

  it('holds rows compactly: JSON text of about the size of the data', () => {
    const result = new ResultSet('r:0', 0, 'select …', 1_000_000);
    let utf8 = 0;
    for (let from = 0; from < 100_000; from += 1000) {
      const batch = rows(from, 1000);
      for (const row of batch) for (const cell of row) utf8 += Buffer.byteLength(cell === null ? '' : String(cell));
      assert.equal(result.append(batch), undefined);
    }
    const ratio = result.sizeChars / utf8;
    assert.ok(ratio < 2, `JSON text is ${ratio.toFixed(2)}× the data`);
  });

  it('a failure keeps the server message and the rows that arrived before it', () => {
    const result = new ResultSet('r:0', 0, 'select 1/0', 1000);
    result.started(STAMP);
    assert.equal(result.append(rows(0, 5)), undefined);
    result.finish({ status: 'failed', error: { message: 'division by zero', code: '22012', line: 1, column: 9 }, durationMs: 3 });
    const view = result.view();
    assert.equal(view.error?.message, 'division by zero');
    assert.equal(view.storedRows, 5);
    assert.equal(view.stamp?.durationMs, 3);
  });
});
