/** A minimal event emitter shaped like `vscode.Event`, so pure layers need no `vscode` import. */
import type { Logger } from './logger';

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * Where a listener's exception goes when its emitter was given no logger. The extension points
 * it at its output channel on activation; until then (tests, the command line) it is stderr.
 * Module-level on purpose: like the logger, it is the one process-wide diagnostic sink.
 */
let listenerErrorSink: (message: string) => void = (message) => console.error(message);

/** Sends listener exceptions of emitters without a logger to `sink`; dispose to restore the previous one. */
export function setListenerErrorSink(sink: (message: string) => void): Disposable {
  const previous = listenerErrorSink;
  listenerErrorSink = sink;
  return { dispose: () => void (listenerErrorSink = previous) };
}

export interface EmitterOptions {
  /** What the event is, for the log line ("worksheet change"). */
  readonly name?: string;
  /** Where a listener's exception is logged; the process-wide sink when absent. */
  readonly logger?: Logger;
}

export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();
  private disposed = false;

  constructor(private readonly options: EmitterOptions = {}) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) {
      return { dispose: () => undefined };
    }
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // A failing listener must not stop the others, nor the state change that fired it; but a
        // bug in one must be seen, so it is logged with its stack.
        this.report(error);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  private report(error: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    const message = `a listener of ${this.options.name ?? 'an event'} threw: ${detail}`;
    try {
      if (this.options.logger) {
        this.options.logger.error(message);
      } else {
        listenerErrorSink(message);
      }
    } catch {
      // The logger itself failed: nothing more can be done without stopping the other listeners.
    }
  }
}
