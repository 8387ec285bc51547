import assert from 'node:assert/strict';
import { Teardown, TeardownStarted } from '../../scripts/teardown';
import { deferred } from './fakes/fake-platform';

describe('npm start teardown', () => {
  it('stops everything, last started first, and reports it', async () => {
    const teardown = new Teardown();
    const order: string[] = [];
    await teardown.start('database', async () => 'db', (value) => void order.push(value));
    teardown.add('temp files', () => void order.push('files'));
    await teardown.start('server', async () => 'server', async (value) => void order.push(value));
    const report = await teardown.run();
    assert.deepEqual(order, ['server', 'files', 'db']);
    assert.deepEqual(report, { stopped: ['server', 'temp files', 'database'], failures: [] });
    assert.equal(teardown.done, true);
    assert.deepEqual(teardown.pending(), []);
  });

  it('waits for a start in progress and stops what it started', async () => {
    const teardown = new Teardown();
    const up = deferred<string>();
    const stopped: string[] = [];
    const starting = teardown.start('VS Code server', () => up.promise, (value) => void stopped.push(value));
    assert.equal(teardown.signal.aborted, false);
    const running = teardown.run();
    // A start that would retry a failure learns that it should not.
    assert.equal(teardown.signal.aborted, true);
    assert.deepEqual(teardown.pending(), ['VS Code server (starting)']);
    up.resolve('server 1');
    assert.equal(await starting, 'server 1');
    assert.deepEqual(await running, { stopped: ['VS Code server'], failures: [] });
    assert.deepEqual(stopped, ['server 1']);
  });

  it('starts nothing once it has begun', async () => {
    const teardown = new Teardown();
    void teardown.run();
    let called = false;
    await assert.rejects(
      teardown.start('lab', async () => {
        called = true;
      }, () => undefined),
      TeardownStarted,
    );
    assert.equal(called, false);
  });

  it('a start that fails during the teardown leaves nothing to stop and is no failure of it', async () => {
    const teardown = new Teardown();
    const up = deferred<string>();
    const starting = teardown.start('lab', () => up.promise, () => assert.fail('a failed start has nothing to stop'));
    const running = teardown.run();
    up.reject(new Error('interrupted'));
    await assert.rejects(starting, /interrupted/);
    assert.deepEqual(await running, { stopped: [], failures: [] });
  });

  it('goes on past a stop that fails or hangs, and names them', async () => {
    const teardown = new Teardown({ stopTimeoutMs: 50 });
    const stopped: string[] = [];
    teardown.add('first', () => void stopped.push('first'));
    teardown.add('hangs', () => new Promise<void>(() => undefined));
    teardown.add('throws', () => {
      throw new Error('port busy');
    });
    const report = await teardown.run();
    assert.deepEqual(stopped, ['first']);
    assert.deepEqual(report.stopped, ['first']);
    assert.deepEqual(report.failures, ['throws: port busy', 'hangs: stopping hangs did not finish within 0.05 s']);
  });

  it('does not wait forever for a start, and stops it at once when it comes up late', async () => {
    const teardown = new Teardown({ startTimeoutMs: 50 });
    const up = deferred<string>();
    const stopped = deferred<string>();
    void teardown.start('slow server', () => up.promise, (value) => stopped.resolve(value)).catch(() => undefined);
    const report = await teardown.run();
    assert.deepEqual(report.failures, ['starting slow server did not finish within 0.05 s; left to its own exit hooks']);
    up.resolve('late server');
    assert.equal(await stopped.promise, 'late server');
  });

  it('runs once: every call gets the same report', async () => {
    const teardown = new Teardown();
    let stops = 0;
    teardown.add('server', () => void stops++);
    const [first, second] = await Promise.all([teardown.run(), teardown.run()]);
    assert.equal(first, second);
    assert.equal(stops, 1);
    assert.equal(teardown.begun, true);
  });
});
