import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlLog, type JsonlLogOperation, type JsonlLogOptions } from '../../src/worksheets/jsonl-log';

interface Rec {
  readonly n: number;
  readonly text?: string;
}

const decodeRec = (value: unknown): Rec | undefined =>
  typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number' ? (value as Rec) : undefined;

async function rawLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

describe('JsonlLog', () => {
  let dir: string;
  let file: string;
  let errors: { operation: JsonlLogOperation; error: unknown }[];

  const open = (overrides: Partial<JsonlLogOptions<Rec>> = {}): JsonlLog<Rec> =>
    new JsonlLog<Rec>({ file, maxRecords: 1000, decode: decodeRec, onError: (operation, error) => errors.push({ operation, error }), ...overrides });

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'jsonl-log-test-'));
    file = join(dir, 'nested', 'deeper', 'log.jsonl');
    errors = [];
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps records across a reload, in order, and creates the directory', async () => {
    const log = open();
    assert.deepEqual(await log.ready, { loaded: 0, corrupt: 0, tornTail: false });
    log.append({ n: 1 });
    log.append({ n: 2, text: 'with "quotes"\nand a newline' });
    log.append({ n: 3 });
    await log.flush();

    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 3, corrupt: 0, tornTail: false });
    assert.deepEqual(reloaded.records(), [{ n: 1 }, { n: 2, text: 'with "quotes"\nand a newline' }, { n: 3 }]);
    assert.equal((await rawLines(file)).length, 3);
    assert.deepEqual(errors, []);
  });

  it('creates the file readable by its owner only', async function () {
    if (process.platform === 'win32') this.skip();
    const log = open();
    log.append({ n: 1 });
    await log.flush();
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('serves records from memory at once, before they reach the file', async () => {
    const log = open();
    log.append({ n: 1 });
    assert.deepEqual(log.records(), [{ n: 1 }]);
    assert.equal(log.size, 1);
    await log.flush();
  });

  it('loses no record when 500 appends are made without awaiting', async () => {
    const log = open();
    for (let n = 0; n < 500; n++) {
      log.append({ n });
    }
    await log.flush();
    const lines = await rawLines(file);
    assert.equal(lines.length, 500);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as Rec).n),
      Array.from({ length: 500 }, (_, n) => n),
    );
    assert.deepEqual(errors, []);
  });

  it('loses no record when appends arrive while earlier writes are in flight', async () => {
    const log = open();
    for (let n = 0; n < 300; n++) {
      log.append({ n });
      if (n % 7 === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (n % 50 === 0) {
        // Awaiting a flush from the middle must not stop the writes queued after it.
        void log.flush();
      }
    }
    await log.flush();
    const reloaded = open();
    await reloaded.ready;
    assert.deepEqual(
      reloaded.records().map((record) => record.n),
      Array.from({ length: 300 }, (_, n) => n),
    );
  });

  it('lets the file overshoot the cap by the margin, then rewrites it with the newest records', async () => {
    const log = open({ maxRecords: 10, compactionMargin: 5 });
    for (let n = 1; n <= 15; n++) {
      log.append({ n });
      await log.flush();
    }
    assert.equal((await rawLines(file)).length, 15, 'within the margin the file is only appended to');
    assert.deepEqual(
      log.records().map((record) => record.n),
      [6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      'memory holds the cap',
    );

    log.append({ n: 16 });
    await log.flush();
    const lines = await rawLines(file);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as Rec).n),
      [7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    );
    assert.deepEqual(await fs.readdir(join(dir, 'nested', 'deeper')), ['log.jsonl'], 'no temp file is left behind');
    if (process.platform !== 'win32') {
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600, 'the rewritten file keeps its mode');
    }

    log.append({ n: 17 });
    await log.flush();
    assert.equal((await rawLines(file)).length, 11, 'after a rewrite, appending resumes');
    const reloaded = open({ maxRecords: 10, compactionMargin: 5 });
    await reloaded.ready;
    assert.deepEqual(
      reloaded.records().map((record) => record.n),
      [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    );
  });

  it('compacts a burst that overshoots the margin in one write', async () => {
    const log = open({ maxRecords: 10, compactionMargin: 5 });
    for (let n = 1; n <= 40; n++) {
      log.append({ n });
    }
    await log.flush();
    assert.deepEqual(
      (await rawLines(file)).map((line) => (JSON.parse(line) as Rec).n),
      Array.from({ length: 10 }, (_, index) => 31 + index),
    );
  });

  it('keeps only the newest records of a file longer than the cap', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, Array.from({ length: 30 }, (_, n) => `${JSON.stringify({ n })}\n`).join(''));
    const log = open({ maxRecords: 10 });
    assert.deepEqual(await log.ready, { loaded: 30, corrupt: 0, tornTail: false });
    assert.deepEqual(
      log.records().map((record) => record.n),
      Array.from({ length: 10 }, (_, index) => 20 + index),
    );
  });

  it('skips a torn last line, counts it, and starts the next append on a line of its own', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, '{"n":1}\n{"n":2}\n{"n":3,"te');
    const log = open();
    assert.deepEqual(await log.ready, { loaded: 2, corrupt: 1, tornTail: true });
    assert.deepEqual(log.records(), [{ n: 1 }, { n: 2 }]);

    log.append({ n: 4 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3,"te\n{"n":4}\n');
    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 3, corrupt: 1, tornTail: false });
    assert.deepEqual(reloaded.records(), [{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('reads an unterminated last line that is complete', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, '{"n":1}\n{"n":2}');
    const log = open();
    assert.deepEqual(await log.ready, { loaded: 2, corrupt: 0, tornTail: false });
    log.append({ n: 3 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('skips and counts corrupt lines anywhere, and lines the decoder refuses', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, ['{"n":1}', 'garbage', '', '{"n":', '[1,2]', '{"x":5}', 'null', '{"n":2}', ''].join('\n'));
    const log = open();
    assert.deepEqual(await log.ready, { loaded: 2, corrupt: 5, tornTail: false });
    assert.deepEqual(log.records(), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(errors, [], 'corrupt lines are counted, not reported as errors');
  });

  it('counts a line whose decoder throws as corrupt, and keeps working', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, '{"n":1}\n{"boom":true}\n');
    const log = open({
      decode: (value) => {
        if ((value as { boom?: boolean }).boom) throw new Error('decoder broke');
        return decodeRec(value);
      },
    });
    assert.deepEqual(await log.ready, { loaded: 1, corrupt: 1, tornTail: false });
    log.append({ n: 2 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"boom":true}\n{"n":2}\n');
  });

  it('drops corrupt lines at the next compaction', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, ['{"n":1}', 'garbage', 'garbage', '{"n":2}', ''].join('\n'));
    const log = open({ maxRecords: 3, compactionMargin: 1 });
    await log.ready;
    log.append({ n: 3 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('keeps appends made before the file was read after its records', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, '{"n":1}\n{"n":2}\n');
    const log = open();
    log.append({ n: 3 });
    await log.ready;
    assert.deepEqual(log.records(), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('clear empties memory and file; appends after it persist, appends before it do not come back', async () => {
    const log = open();
    log.append({ n: 1 });
    await log.flush();
    log.append({ n: 2 });
    const cleared = log.clear();
    log.append({ n: 3 });
    assert.deepEqual(log.records(), [{ n: 3 }]);
    assert.equal(await cleared, true);
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":3}\n');

    const reloaded = open();
    await reloaded.ready;
    assert.deepEqual(reloaded.records(), [{ n: 3 }]);
  });

  it('clear before the file was read does not bring its records back', async () => {
    await fs.mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(file, '{"n":1}\n');
    const log = open();
    assert.equal(await log.clear(), true);
    await log.ready;
    assert.deepEqual(log.records(), []);
    assert.equal(await fs.readFile(file, 'utf8'), '');
  });

  it('reports write failures through the callback, never to the caller, and writes the records once it can', async () => {
    const blocker = join(dir, 'blocker');
    await fs.writeFile(blocker, 'a file where the directory should be');
    file = join(blocker, 'log.jsonl');
    const log = open();
    await log.ready;
    log.append({ n: 1 });
    await log.flush();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].operation, 'append');
    assert.equal(await log.clear().then(() => 'settled'), 'settled');
    assert.deepEqual(log.records(), []);

    log.append({ n: 2 });
    await log.flush();
    assert.ok(errors.length >= 2);

    await fs.rm(blocker);
    log.append({ n: 3 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":2}\n{"n":3}\n', 'the record that failed earlier is written now, once');
  });

  it('a clear that cannot empty the file resolves false', async () => {
    const blocker = join(dir, 'blocker');
    await fs.writeFile(blocker, 'x');
    file = join(blocker, 'log.jsonl');
    const log = open();
    assert.equal(await log.clear(), false);
    assert.equal(errors.at(-1)?.operation, 'clear');
  });

  it('reports a file it cannot read, and never rewrites it', async () => {
    await fs.mkdir(file, { recursive: true });
    const log = open({ maxRecords: 1, compactionMargin: 0 });
    assert.deepEqual(await log.ready, { loaded: 0, corrupt: 0, tornTail: false });
    assert.equal(errors[0].operation, 'load');
    log.append({ n: 1 });
    log.append({ n: 2 });
    await log.flush();
    assert.ok((await fs.stat(file)).isDirectory(), 'the unreadable path was not replaced');
  });

  it('a throwing error callback does not break the write chain', async () => {
    const blocker = join(dir, 'blocker');
    await fs.writeFile(blocker, 'x');
    file = join(blocker, 'log.jsonl');
    const log = open({
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    log.append({ n: 1 });
    await log.flush();
    await fs.rm(blocker);
    log.append({ n: 2 });
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '{"n":1}\n{"n":2}\n');
  });

  it('refuses a cap that is not a positive integer', () => {
    assert.throws(() => open({ maxRecords: 0 }), RangeError);
    assert.throws(() => open({ maxRecords: 2.5 }), RangeError);
  });
});
