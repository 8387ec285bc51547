import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from '../../src/platforms/types';
import { MAX_CHARS_PER_PULL } from '../../src/results/protocol';
import { ResultMemory } from '../../src/results/result-memory';
import { ResultSet, type ResultStorage } from '../../src/results/result-set';
import { sweepSpillFolder } from '../../src/results/spill-file';

const STAMP = { platform: 'Amazon Redshift', profile: 'lab', login: 'governor', ranAs: 'bob@example.com', startedAt: 0, durationMs: null, rowCount: null, queryId: null };
const SECRET_CELL = 'card-4111-1111-1111-1111';

function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, index) => [from + index, `name ${from + index}`, index % 3 === 0 ? null : SECRET_CELL]);
}

function filled(id: string, storage: ResultStorage, total: number): ResultSet {
  const result = new ResultSet(id, 0, 'select …', 10_000_000, 0, storage);
  result.started(STAMP);
  for (let from = 0; from < total; from += 1000) assert.equal(result.append(rows(from, Math.min(1000, total - from))), undefined);
  result.finish({ status: 'succeeded', rowCount: total, command: 'SELECT', durationMs: 1, queryId: null });
  return result;
}

async function readRange(result: ResultSet, from: number, count: number): Promise<Row[]> {
  const slice = await result.read(from, count, MAX_CHARS_PER_PULL);
  const all: Row[] = [];
  for (const chunk of slice.chunks) all.push(...(JSON.parse(chunk) as Row[]));
  return all.slice(from - slice.from, from - slice.from + count);
}

describe('ResultMemory (a window-wide budget; chunks over it spill to a file)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'iw-spill-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('counts every result of the window against one budget; once it is full new chunks spill, and a discarded result makes room', () => {
    const memory = new ResultMemory({ budgetBytes: 100_000, spillFolder: folder });
    const storage = { memory, encrypt: () => false };
    const first = filled('r:0', storage, 5000);
    assert.ok(memory.residentBytes <= 100_000, `resident ${memory.residentBytes}`);
    assert.equal(first.spilledChunks, 3, 'two chunks of ~36 KB fit, the other three went to the file');
    const second = filled('r:1', storage, 5000);
    assert.ok(memory.residentBytes <= 100_000, `resident ${memory.residentBytes} with two results`);
    assert.equal(second.spilledChunks, 5, 'the window was full: every chunk of the second result spilled');
    assert.equal(readdirSync(folder).length, 2, 'one spill file per result');
    first.dispose();
    assert.equal(memory.residentBytes, 0);
    const third = filled('r:2', storage, 3000);
    assert.equal(third.spilledChunks, 1, 'the room the first result left is used again');
  });

  it('reads any row range back byte-identical to the rows stored, across memory and file', async () => {
    const memory = new ResultMemory({ budgetBytes: 150_000, spillFolder: folder });
    const result = filled('r:0', { memory, encrypt: () => false }, 12_345);
    const reference = filled('r:ref', { memory: new ResultMemory({ budgetBytes: Infinity }), encrypt: () => false }, 12_345);
    assert.ok(result.spilledChunks > 0 && result.spilledChunks < 13, 'some chunks spilled, some stayed');
    for (const [from, count] of [[0, 10], [999, 2], [4321, 3000], [12_000, 345], [12_344, 1]] as const) {
      assert.deepEqual(await readRange(result, from, count), await readRange(reference, from, count), `rows ${from}..${from + count}`);
    }
    for (let from = 0; from < 12_345; from += 1000) {
      const [spilled, kept] = await Promise.all([result.read(from, 1000, MAX_CHARS_PER_PULL), reference.read(from, 1000, MAX_CHARS_PER_PULL)]);
      assert.deepEqual(spilled, kept, `chunk at row ${from} is the same text`);
    }
    let exported = 0;
    for await (const row of result.rows()) {
      assert.equal(row[0], exported);
      exported++;
    }
    assert.equal(exported, 12_345, 'an export streams every row, spilled or not');
  });

  it('reads from the file in proportion to the rows asked for, wherever they are', async () => {
    const memory = new ResultMemory({ budgetBytes: 50_000, spillFolder: folder });
    const storage = { memory, encrypt: () => false };
    const result = new ResultSet('r:0', 0, 'select …', 10_000_000, 0, storage);
    for (let from = 0; from < 200_000; from += 1000) assert.equal(result.append(rows(from, 1000)), undefined);
    assert.ok(result.spilledChunks > 190, 'nearly every chunk is on disk');
    const reads = () => result.spillReads;
    const before = reads();
    await result.read(150_500, 2000, MAX_CHARS_PER_PULL);
    assert.equal(reads() - before, 2, 'two chunks hold rows 150,000..151,999: two reads, not 150');
    const middle = reads();
    await result.read(100_010, 1, MAX_CHARS_PER_PULL);
    assert.equal(reads() - middle, 1);
    const top = reads();
    assert.equal((await result.read(10, 1, MAX_CHARS_PER_PULL)).count, 1000);
    assert.equal(reads() - top, 0, 'the first rows stayed in memory');
  });

  it('deletes a result\'s spill file when the result is disposed, and every file when the window closes', () => {
    const memory = new ResultMemory({ budgetBytes: 10_000, spillFolder: folder });
    const storage = { memory, encrypt: () => false };
    const first = filled('r:0', storage, 3000);
    const second = filled('r:1', storage, 3000);
    const firstPath = first.spillPath;
    assert.ok(firstPath && existsSync(firstPath));
    first.dispose();
    assert.equal(existsSync(firstPath), false, 'discarding a result deletes its spill');
    assert.equal(readdirSync(folder).length, 1);
    assert.ok(memory.residentBytes >= 0 && memory.spilledBytes > 0, 'the other result still counts');
    memory.dispose();
    assert.deepEqual(readdirSync(folder), [], 'closing the window deletes the rest');
    assert.ok(second.spilledChunks >= 0);
  });

  it('the startup sweep deletes spills a crashed window left, and nothing else', () => {
    writeFileSync(join(folder, 'immuta-results-999999999-0123456789abcdef.spill'), 'left by a crash');
    writeFileSync(join(folder, 'notes.txt'), 'not ours');
    writeFileSync(join(folder, 'immuta-results-999999999-xyz.spill'), 'not named as ours');
    const memory = new ResultMemory({ budgetBytes: 1000, spillFolder: folder });
    const live = filled('r:0', { memory, encrypt: () => false }, 2000);
    assert.equal(sweepSpillFolder(folder), 1);
    assert.deepEqual(readdirSync(folder).sort(), ['immuta-results-999999999-xyz.spill', 'notes.txt', live.spillPath?.split('/').pop()].sort(), "this window's live spill stays");
    assert.equal(sweepSpillFolder(join(folder, 'missing')), 0);
    memory.dispose();
  });

  it('an encrypted spill holds no cell value in the clear, and decrypts back to the same rows', async () => {
    const memory = new ResultMemory({ budgetBytes: 20_000, spillFolder: folder });
    const sealed = filled('r:0', { memory, encrypt: (stamp) => stamp?.ranAs !== null }, 5000);
    const path = sealed.spillPath;
    assert.ok(path);
    const bytes = readFileSync(path);
    assert.ok(bytes.length > 100_000, 'rows did spill');
    assert.equal(bytes.includes(Buffer.from(SECRET_CELL)), false, 'the known cell value is not in the file');
    assert.equal(bytes.includes(Buffer.from('name 1')), false);
    const back = await readRange(sealed, 0, 5000);
    assert.equal(back.length, 5000);
    assert.deepEqual(back[1], [1, 'name 1', SECRET_CELL]);
    assert.deepEqual(back[4999], [4999, 'name 4999', null], 'NULL stays NULL');
    assert.deepEqual(back[4998], [4998, 'name 4998', SECRET_CELL]);

    const plain = filled('r:1', { memory: new ResultMemory({ budgetBytes: 20_000, spillFolder: folder }), encrypt: () => false }, 5000);
    assert.ok(plain.spillPath);
    assert.equal(readFileSync(plain.spillPath).includes(Buffer.from(SECRET_CELL)), true, 'the check above would see a plaintext spill');
    memory.dispose();
    plain.dispose();
  });

  it('when the spill cannot be written, rows stay in memory and the window is told once', async () => {
    const notAFolder = join(folder, 'file');
    writeFileSync(notAFolder, '');
    const errors: unknown[] = [];
    const memory = new ResultMemory({ budgetBytes: 10_000, spillFolder: join(notAFolder, 'spill'), onSpillError: (error) => errors.push(error) });
    const result = filled('r:0', { memory, encrypt: () => false }, 5000);
    assert.equal(errors.length, 1);
    assert.equal(result.spilledChunks, 0);
    assert.equal((await readRange(result, 0, 5000)).length, 5000, 'no row was lost');
  });

  it('a result read after it was disposed answers with no rows', async () => {
    const memory = new ResultMemory({ budgetBytes: 10_000, spillFolder: folder });
    const result = filled('r:0', { memory, encrypt: () => false }, 3000);
    const reading = result.read(0, 1000, MAX_CHARS_PER_PULL);
    result.dispose();
    const slice = await reading;
    assert.equal(slice.count, 0);
  });
});
