/**
 * Everything `npm start` has started, so that every way out stops all of it, last started
 * first: Ctrl+C or another signal, a stage that fails midway, an uncaught error.
 *
 * A thing being started when the teardown begins (a server half-way up) is not forgotten: the
 * teardown waits for its start to settle and then stops it too. Once the teardown has begun,
 * nothing new is started. Every stop has a time limit, so a stuck one cannot keep npm start
 * from exiting; it is reported instead.
 */

export interface TeardownOptions {
  /** Longest wait for one stop (default 20 s). */
  readonly stopTimeoutMs?: number;
  /** Longest wait for starts in progress when the teardown begins (default 40 s). */
  readonly startTimeoutMs?: number;
}

export interface TeardownReport {
  /** What was stopped, in the order it was stopped. */
  readonly stopped: readonly string[];
  /** What could not be stopped, with why. Empty when everything stopped. */
  readonly failures: readonly string[];
}

/** Thrown by start() once the teardown has begun: the caller stops going on. */
export class TeardownStarted extends Error {
  override readonly name = 'TeardownStarted';
}

interface Step {
  readonly name: string;
  readonly stop: () => Promise<void> | void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export class Teardown {
  private readonly steps: Step[] = [];
  private readonly starting = new Map<Promise<unknown>, string>();
  private running: Promise<TeardownReport> | undefined;
  private finished = false;
  private readonly aborter = new AbortController();
  private readonly stopTimeoutMs: number;
  private readonly startTimeoutMs: number;

  constructor(options: TeardownOptions = {}) {
    this.stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 40_000;
  }

  /** Aborted when the teardown begins: for starts that would otherwise retry. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** True once run() has been called. */
  get begun(): boolean {
    return this.running !== undefined;
  }

  /** True once run() has stopped everything it knew of. */
  get done(): boolean {
    return this.finished;
  }

  /** Names of what is registered and not stopped yet, last started first. */
  pending(): string[] {
    return [...this.steps.map((step) => step.name).reverse(), ...[...this.starting.values()].map((name) => `${name} (starting)`)];
  }

  /**
   * Registers how to stop something that is running. Arriving after the teardown has finished
   * (a start that outlived the wait), it is stopped at once.
   */
  add(name: string, stop: () => Promise<void> | void): void {
    if (this.finished) {
      void this.stopOne({ name, stop });
      return;
    }
    this.steps.push({ name, stop });
  }

  /**
   * Runs `start` and registers `stop` for what it returns. Refuses (TeardownStarted) once the
   * teardown has begun; a start still running when it begins is waited for, then stopped.
   */
  async start<T>(name: string, start: () => Promise<T>, stop: (value: T) => Promise<void> | void): Promise<T> {
    if (this.begun) {
      throw new TeardownStarted(`not starting ${name}: npm start is stopping`);
    }
    const started = start().then((value) => {
      this.add(name, () => stop(value));
      return value;
    });
    this.starting.set(started, name);
    const forget = () => this.starting.delete(started);
    started.then(forget, forget);
    return started;
  }

  /** Stops everything, last started first. Every call returns the same report. */
  run(): Promise<TeardownReport> {
    if (this.running === undefined) {
      this.aborter.abort();
    }
    this.running ??= this.stopAll();
    return this.running;
  }

  private async stopOne(step: Step): Promise<string | undefined> {
    try {
      await within(Promise.resolve().then(step.stop), this.stopTimeoutMs, `stopping ${step.name}`);
      return undefined;
    } catch (error) {
      return `${step.name}: ${message(error)}`;
    }
  }

  private async stopAll(): Promise<TeardownReport> {
    const stopped: string[] = [];
    const failures: string[] = [];
    if (this.starting.size > 0) {
      const names = [...this.starting.values()];
      // Failed starts clean up after themselves; only the ones that succeed leave a step.
      const settled = Promise.allSettled([...this.starting.keys()]);
      await within(settled, this.startTimeoutMs, `starting ${names.join(', ')}`).catch((error: unknown) => {
        failures.push(`${message(error)}; left to its own exit hooks`);
      });
    }
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      const failure = await this.stopOne(step);
      if (failure === undefined) {
        stopped.push(step.name);
      } else {
        failures.push(failure);
      }
    }
    this.finished = true;
    return { stopped, failures };
  }
}
