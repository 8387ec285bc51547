/**
 * How the UI flows are declared. A flow that stands alone is a plain `it`. Steps that build on
 * each other, as one person's session does, form a `scenario`: when a step fails, the steps after
 * it are not run (they would fail for the same cause, hiding it); the tier reports them as not
 * run, naming the step that stopped them. Every scenario begins from a quiet workbench (no quick
 * input, no focused webview), so one scenario's failure does not spill into the next.
 */
import { ui } from './ui-context';

/** Steps that were not run because an earlier step of their scenario failed. */
export const notRun: { readonly scenario: string; readonly step: string; readonly after: string }[] = [];

export function scenario(title: string, timeoutMs: number, steps: () => void): void {
  describe(title, function () {
    this.timeout(timeoutMs);
    let failedStep: string | undefined;
    before(async () => {
      await ui().workbench.quiet();
    });
    beforeEach(function () {
      if (failedStep !== undefined) {
        notRun.push({ scenario: title, step: this.currentTest?.title ?? '?', after: failedStep });
        this.skip();
      }
    });
    afterEach(function () {
      if (this.currentTest?.state === 'failed') failedStep ??= this.currentTest.title;
    });
    steps();
  });
}

/** A flow that stands alone: it starts from a quiet workbench too. */
export function flow(title: string, timeoutMs: number, body: () => Promise<void>): void {
  it(title, async function () {
    this.timeout(timeoutMs);
    await ui().workbench.quiet();
    await body();
  });
}

/**
 * Polls `read` until `accept` holds; on giving up, says what it waited for and the last value it
 * saw. For server-side states (a statement seen running, a backend gone, a log row written).
 */
export async function until<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
