import assert from 'node:assert/strict';
import { SerialQueue } from '../../src/worksheets/serial-queue';
import { deferred } from './fakes/fake-platform';

/** Lets pending promise callbacks and immediates run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('SerialQueue', () => {
  it('runs tasks one at a time, in the order they were added', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const tasks = gates.map((gate, index) =>
      queue.add(async () => {
        log.push(`start ${index}`);
        await gate.promise;
        log.push(`end ${index}`);
        return index;
      }),
    );
    await settle();
    assert.deepEqual(log, ['start 0']);
    // Releasing a later task first must not let it jump the queue.
    gates[2].resolve();
    gates[1].resolve();
    await settle();
    assert.deepEqual(log, ['start 0']);
    gates[0].resolve();
    assert.deepEqual(await Promise.all(tasks.map((task) => task.result)), [0, 1, 2]);
    assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('a failing task rejects its own result and does not stop the ones after it', async () => {
    const queue = new SerialQueue();
    const failing = queue.add(async () => {
      throw new Error('boom');
    });
    const throwingSynchronously = queue.add((): Promise<number> => {
      throw new Error('sync boom');
    });
    const next = queue.add(async () => 'after');
    await assert.rejects(failing.result, /boom/);
    await assert.rejects(throwingSynchronously.result, /sync boom/);
    assert.equal(await next.result, 'after');
    assert.equal(queue.busy, false);
    assert.equal(queue.pending, 0);
  });

  it('a waiting task can be withdrawn: its work never runs and its result rejects with the reason', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    const first = queue.add(() => gate.promise.then(() => 'first'));
    let ran = false;
    const second = queue.add(async () => {
      ran = true;
      return 'second';
    });
    const third = queue.add(async () => 'third');
    assert.equal(second.waiting, true);
    assert.equal(queue.pending, 3, 'all three wait until the microtask queue runs');
    const reason = new Error('withdrawn by the test');
    assert.equal(second.withdraw(reason), true);
    assert.equal(second.waiting, false);
    await assert.rejects(second.result, (error: unknown) => error === reason);
    gate.resolve();
    assert.equal(await first.result, 'first');
    assert.equal(await third.result, 'third');
    assert.equal(ran, false, 'a withdrawn task must never run');
    assert.equal(queue.pending, 0);
  });

  it('a task that already started cannot be withdrawn', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    const started = deferred();
    const task = queue.add(async () => {
      started.resolve();
      await gate.promise;
      return 'done';
    });
    await started.promise;
    assert.equal(task.waiting, false);
    assert.equal(task.withdraw(new Error('too late')), false);
    gate.resolve();
    assert.equal(await task.result, 'done');
  });

  it('withdrawing twice only counts once', async () => {
    const queue = new SerialQueue();
    const gate = deferred();
    const first = queue.add(() => gate.promise);
    const second = queue.add(async () => undefined);
    second.result.catch(() => undefined);
    assert.equal(second.withdraw(new Error('once')), true);
    assert.equal(second.withdraw(new Error('twice')), false);
    await settle();
    assert.equal(queue.pending, 0);
    gate.resolve();
    await first.result;
    assert.equal(queue.pending, 0);
    assert.equal(queue.busy, false);
  });

  it('pending counts waiting tasks and busy is true only while one runs', async () => {
    const queue = new SerialQueue();
    assert.equal(queue.busy, false);
    assert.equal(queue.pending, 0);
    const gateA = deferred();
    const gateB = deferred();
    const startedA = deferred();
    const startedB = deferred();
    const a = queue.add(async () => {
      startedA.resolve();
      await gateA.promise;
    });
    const b = queue.add(async () => {
      startedB.resolve();
      await gateB.promise;
    });
    assert.equal(queue.pending, 2, 'nothing has started synchronously');
    await startedA.promise;
    assert.equal(queue.busy, true);
    assert.equal(queue.pending, 1);
    gateA.resolve();
    await a.result;
    await startedB.promise;
    assert.equal(queue.busy, true);
    assert.equal(queue.pending, 0);
    gateB.resolve();
    await b.result;
    await settle();
    assert.equal(queue.busy, false);
    assert.equal(queue.pending, 0);
  });

  it('keeps working after a withdrawn task in the middle of the queue', async () => {
    const queue = new SerialQueue();
    const order: number[] = [];
    const gate = deferred();
    const tasks = [0, 1, 2, 3].map((index) =>
      queue.add(async () => {
        if (index === 0) {
          await gate.promise;
        }
        order.push(index);
      }),
    );
    tasks[1].result.catch(() => undefined);
    tasks[2].result.catch(() => undefined);
    tasks[1].withdraw(new Error('no'));
    tasks[2].withdraw(new Error('no'));
    gate.resolve();
    await tasks[3].result;
    assert.deepEqual(order, [0, 3]);
  });
});
