import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { differingRowsCsv } from '../../src/compare/comparison-csv';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import { ComparisonCancelledError, differingRowsCsvInWorker, diffInWorker, type ChunkedSide } from '../../src/compare/diff-client';
import type { Row } from '../../src/platforms/types';

const WORKER = path.resolve(__dirname, '../../../dist/compare-worker.js');
const COLUMNS = ['id', 'region', 'ssn', 'score'];

/** A side as the runner keeps it: its rows as JSON text, `batch` rows a chunk. */
function chunked(side: ComparedSide, batch = 500): ChunkedSide {
  const chunks: string[] = [];
  for (let at = 0; at < side.rows.length; at += batch) chunks.push(JSON.stringify(side.rows.slice(at, at + batch)));
  return { label: side.label, columns: side.columns, chunks };
}

function customers(label: string, count: number, keep: (id: number) => boolean, ssn: (id: number) => string): ComparedSide {
  const rows: Row[] = [];
  for (let id = 1; id <= count; id++) if (keep(id)) rows.push([id, ['US', 'EU', 'APAC'][id % 3], ssn(id), id % 5 === 0 ? null : id * 1.5]);
  return { label, columns: COLUMNS, rows };
}

describe('the comparison worker (Compare as…)', function () {
  this.timeout(30_000);
  const clear = (id: number) => `123-45-${String(id % 10_000).padStart(4, '0')}`;
  const masked = (id: number) => `***-**-${String(id % 10_000).padStart(4, '0')}`;
  const sides = [
    customers('yourself', 20_000, () => true, clear),
    customers('alice@example.com', 20_000, (id) => id % 3 !== 1, masked),
    customers('carol@example.com', 20_000, (id) => id % 3 === 0 || id > 15_000, clear),
  ];

  it('answers what compareSides answers on the host, and writes the same CSV', async () => {
    const inWorker = await diffInWorker(sides.map((side) => chunked(side)), { workerPath: WORKER });
    const onHost = compareSides(sides);
    assert.deepEqual(inWorker, onHost);
    assert.ok(inWorker.presence.length > 0 && inWorker.columns.some((column) => column.differingRows > 0), 'the sides differ, so the comparison says something');
    const csv = await differingRowsCsvInWorker(sides.map((side) => chunked(side, 777)), inWorker, { workerPath: WORKER });
    assert.equal(csv, differingRowsCsv(sides, onHost));
  });

  it('rejects with a clear message when a key column is not in every side', async () => {
    const narrow = { label: 'bob', columns: ['region'], rows: [['EU']] };
    await assert.rejects(diffInWorker([chunked(sides[0]), chunked(narrow)], { workerPath: WORKER, keyColumns: ['id'] }), { message: 'Key column "id" is not in every side\'s result.' });
    await assert.rejects(diffInWorker([chunked(sides[0])], { workerPath: WORKER }), { message: 'A comparison needs at least two sides.' });
  });

  it('rejects a chunk that is not JSON with the side it came from', async () => {
    await assert.rejects(diffInWorker([chunked(sides[0]), { label: 'bob', columns: COLUMNS, chunks: ['[[1,'] }], { workerPath: WORKER }), /JSON/);
    await assert.rejects(diffInWorker([chunked(sides[0]), { label: 'bob', columns: COLUMNS, chunks: ['{"a":1}'] }], { workerPath: WORKER }), /bob's rows is not an array of rows/);
  });

  it('ends the worker thread when the comparison is cancelled', async () => {
    const controller = new AbortController();
    let worker: Worker | undefined;
    const big = sides.map((side) => chunked(side, 50));
    const job = diffInWorker([...big, ...big], {
      workerPath: WORKER,
      signal: controller.signal,
      onWorker: (started) => {
        worker = started;
        started.once('online', () => controller.abort());
      },
    });
    await assert.rejects(job, ComparisonCancelledError);
    assert.ok(worker !== undefined, 'a worker was started');
    // The worker listens for messages until it is terminated: only terminate() makes it exit.
    const exited = worker.threadId === -1 ? Promise.resolve() : once(worker, 'exit');
    const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error(`the worker (thread ${worker?.threadId}) was still running 5 s after the cancel`)), 5000).unref());
    await Promise.race([exited, deadline]);
    await assert.rejects(diffInWorker(big, { workerPath: WORKER, signal: controller.signal }), ComparisonCancelledError, 'an aborted signal starts nothing');
  });
});
