import * as assert from 'node:assert/strict';
import { Emitter, setListenerErrorSink } from '../../src/common/events';
import type { Logger } from '../../src/common/logger';

function recordingLogger(): Logger & { readonly errors: string[] } {
  const errors: string[] = [];
  return { errors, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message) => errors.push(message) };
}

describe('Emitter', () => {
  it('logs a listener that throws, with the event name and stack, and still calls the other listeners', () => {
    const logger = recordingLogger();
    const emitter = new Emitter<number>({ name: 'worksheet change', logger });
    const seen: number[] = [];
    emitter.event(() => {
      throw new TypeError('listener bug');
    });
    emitter.event((value) => seen.push(value));
    emitter.fire(7);
    assert.deepEqual(seen, [7], 'the listener after the failing one still ran');
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /^a listener of worksheet change threw: TypeError: listener bug/);
    assert.match(logger.errors[0], /events\.test/, 'the stack says where the listener was');
  });

  it('without a logger, reports to the process-wide sink, which can be replaced and restored', () => {
    const received: string[] = [];
    const sink = setListenerErrorSink((message) => received.push(message));
    try {
      const emitter = new Emitter<void>();
      emitter.event(() => {
        throw 'not an Error';
      });
      emitter.fire();
      assert.deepEqual(received, ['a listener of an event threw: not an Error']);
    } finally {
      sink.dispose();
    }
    const inner: string[] = [];
    const outer = setListenerErrorSink((message) => inner.push(message));
    setListenerErrorSink(() => undefined).dispose();
    const emitter = new Emitter<void>();
    emitter.event(() => {
      throw new Error('after restore');
    });
    emitter.fire();
    outer.dispose();
    assert.equal(inner.length, 1, 'disposing a sink brings back the one before it');
  });

  it('a logger that throws does not stop the other listeners', () => {
    const emitter = new Emitter<number>({
      logger: { ...recordingLogger(), error: () => { throw new Error('logger down'); } },
    });
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('first');
    });
    emitter.event((value) => seen.push(value));
    emitter.fire(1);
    assert.deepEqual(seen, [1]);
  });

  it('delivers nothing after dispose, and a listener disposed mid-fire is not called again', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const subscription = emitter.event((value) => {
      seen.push(value);
      subscription.dispose();
    });
    emitter.fire(1);
    emitter.fire(2);
    emitter.dispose();
    emitter.event((value) => seen.push(value));
    emitter.fire(3);
    assert.deepEqual(seen, [1]);
  });
});
