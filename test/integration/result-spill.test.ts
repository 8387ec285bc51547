import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from '../../src/platforms/types';
import { MAX_CHARS_PER_PULL } from '../../src/results/protocol';
import { ResultMemory } from '../../src/results/result-memory';
import type { ResultStorage } from '../../src/results/result-set';
import { RunResults } from '../../src/results/run-results';
import { wideQuery } from '../lab/wide-query';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile } from './worksheet-harness';

const ROWS = 100_000;

function runResults(statement: string, storage?: ResultStorage): RunResults {
  return new RunResults('spill.test.sql', [statement], {
    rowLimit: 1_000_000,
    platformName: () => 'Amazon Redshift',
    describeError: (error) => ({ message: error instanceof Error ? error.message : String(error) }),
    ...(storage ? { storage } : {}),
  });
}

async function allRows(results: RunResults): Promise<Row[]> {
  const result = results.results[0];
  const rows: Row[] = [];
  for (;;) {
    const slice = await result.read(rows.length, 50_000, MAX_CHARS_PER_PULL);
    if (slice.count === 0) return rows;
    for (const chunk of slice.chunks) rows.push(...(JSON.parse(chunk) as Row[]));
  }
}

describe('results over the memory budget spill to a file (real Redshift worksheet, lab PostgreSQL)', function () {
  this.timeout(60_000);
  const current = harnessPerTest();
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'iw-spill-it-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('a 1 MB budget spills a 100,000-row result and reads back the rows the server returned', async () => {
    const memory = new ResultMemory({ budgetBytes: 1024 * 1024, spillFolder: folder });
    const spilled = runResults(wideQuery(ROWS), { memory, encrypt: () => false });
    const [outcome] = await current().registry.create(redshiftProfile('governor')).run([{ text: wideQuery(ROWS) }], spilled.observer()).outcomes;
    assert.equal(outcome.status, 'succeeded');
    const result = spilled.results[0];
    assert.ok(result.spilledChunks > 50, `most of the result spilled (${result.spilledChunks} chunks)`);
    assert.ok(memory.residentBytes <= 1024 * 1024, `resident ${memory.residentBytes} bytes`);

    const reference = runResults(wideQuery(ROWS));
    await current().registry.create(redshiftProfile('governor')).run([{ text: wideQuery(ROWS) }], reference.observer()).outcomes;
    const back = await allRows(spilled);
    assert.equal(back.length, ROWS);
    assert.deepEqual(back, await allRows(reference), 'the same rows as a result held wholly in memory');
    // And the server's own values, column by column where the text form is exact.
    const server = await lab().adminQuery<{ id: number; hash: string; note: string | null }>(
      `SELECT id, hash, note FROM (${wideQuery(ROWS)}) AS q ORDER BY id`,
    );
    assert.deepEqual(
      back.map((row) => [row[0], row[8], row[7]]),
      server.map((row) => [Number(row.id), row.hash, row.note]),
    );
    const path = result.spillPath;
    assert.ok(path && existsSync(path));
    spilled.dispose();
    assert.equal(existsSync(path), false, 'discarding the run deletes its spill');
    reference.dispose();
  });

  it('an encrypted spill of a real result holds none of its values readable, and reads back whole', async () => {
    const memory = new ResultMemory({ budgetBytes: 256 * 1024, spillFolder: folder });
    const results = runResults(wideQuery(20_000), { memory, encrypt: () => true });
    const [outcome] = await current().registry.create(redshiftProfile('governor')).run([{ text: wideQuery(20_000) }], results.observer()).outcomes;
    assert.equal(outcome.status, 'succeeded');
    const files = readdirSync(folder);
    assert.equal(files.length, 1);
    const bytes = readFileSync(join(folder, files[0]));
    assert.ok(bytes.length > 1_000_000, 'rows did spill');
    // md5('1'): the first row's hash, which a plaintext spill would hold.
    for (const known of ['c4ca4238a0b923820dcc509a6f75849b', 'customer 1', '"tag" : "x"']) {
      assert.equal(bytes.includes(Buffer.from(known)), false, `"${known}" is not in the spill file`);
    }
    const back = await allRows(results);
    assert.equal(back.length, 20_000);
    assert.equal(back[0][8], 'c4ca4238a0b923820dcc509a6f75849b');
    memory.dispose();
    assert.deepEqual(readdirSync(folder), [], 'closing the window deletes the spill');
  });
});
