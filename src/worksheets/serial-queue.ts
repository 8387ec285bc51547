/**
 * Runs tasks one at a time in the order they were added. A queued task can be withdrawn
 * before it starts; a task that is already running is the caller's to interrupt.
 */
export interface QueuedTask<T> {
  readonly result: Promise<T>;
  /** True while the task waits; false once it started (or was withdrawn). */
  readonly waiting: boolean;
  /** Withdraws a waiting task: its result rejects with `reason`. No effect once started. */
  withdraw(reason: Error): boolean;
}

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waitingCount = 0;
  private runningCount = 0;

  get pending(): number {
    return this.waitingCount;
  }

  get busy(): boolean {
    return this.runningCount > 0;
  }

  add<T>(work: () => Promise<T>): QueuedTask<T> {
    let state: 'waiting' | 'started' | 'withdrawn' = 'waiting';
    let rejectEarly: (reason: Error) => void = () => undefined;
    this.waitingCount++;

    const result = new Promise<T>((resolve, reject) => {
      rejectEarly = reject;
      this.tail = this.tail.then(async () => {
        if (state === 'withdrawn') {
          return;
        }
        state = 'started';
        this.waitingCount--;
        this.runningCount++;
        try {
          resolve(await work());
        } catch (error) {
          reject(error);
        } finally {
          this.runningCount--;
        }
      });
    });

    return {
      result,
      get waiting() {
        return state === 'waiting';
      },
      withdraw: (reason: Error) => {
        if (state !== 'waiting') {
          return false;
        }
        state = 'withdrawn';
        this.waitingCount--;
        rejectEarly(reason);
        return true;
      },
    };
  }
}
