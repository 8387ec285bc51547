import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Timing and memory marks for benchmarks and tests, written as JSON lines to the file named by
 * IMMUTA_WORKSHEETS_TRACE. Off (and free) otherwise. Marks carry counts and times only, never
 * statement text, user data or secrets.
 */
export interface Trace {
  readonly enabled: boolean;
  mark(name: string, fields?: Record<string, number | string | boolean | null>): void;
  /** Heap figures after a full garbage collection (only when tracing). */
  memory(): { heapUsed: number; external: number; arrayBuffers: number } | undefined;
  /**
   * Starts watching this thread's event loop; the function returned stops and gives the longest
   * delay seen, in ms (only when tracing; 0 otherwise).
   */
  watchLoop(): () => number;
}

export const TRACE_ENV = 'IMMUTA_WORKSHEETS_TRACE';

/** Epoch ms with sub-millisecond precision, comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function createTrace(file: string | undefined = process.env[TRACE_ENV]): Trace {
  if (!file) {
    return { enabled: false, mark: () => undefined, memory: () => undefined, watchLoop: () => () => 0 };
  }
  let collect: (() => void) | undefined;
  return {
    enabled: true,
    mark(name, fields = {}) {
      try {
        appendFileSync(file, `${JSON.stringify({ name, at: now(), pid: process.pid, ...fields })}\n`);
      } catch {
        // A trace must never break what it observes.
      }
    },
    memory() {
      if (!collect) {
        // The extension host has no --expose-gc; a benchmark may turn it on for itself.
        setFlagsFromString('--expose-gc');
        collect = runInNewContext('gc') as () => void;
      }
      collect();
      collect();
      const usage = process.memoryUsage();
      return { heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
    },
    watchLoop() {
      const delays = monitorEventLoopDelay({ resolution: 5 });
      delays.enable();
      return () => {
        delays.disable();
        return delays.max / 1e6;
      };
    },
  };
}
