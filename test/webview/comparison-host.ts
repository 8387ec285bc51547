/**
 * The extension host's side of the comparison page (Compare as…), for the webview tests: it
 * records what the page posts (checked against the real protocol) and sends reports as VS Code
 * delivers them, through JSON, so `undefined` in an array arrives as null, as it does for real.
 */
import type { Page } from 'playwright-core';
import { isFromComparisonPage, type FromComparisonPage, type ToComparisonPage } from '../../src/compare/comparison-protocol';

type MessageOf<T extends FromComparisonPage['type']> = Extract<FromComparisonPage, { type: T }>;

interface Waiter {
  readonly test: (message: FromComparisonPage) => boolean;
  readonly resolve: () => void;
}

const POST_TO_PAGE = (message: unknown): void => {
  (globalThis as unknown as { postMessage(message: unknown, targetOrigin: string): void }).postMessage(message, '*');
};

export class ComparisonHost {
  /** Every valid message the page posted, in order. */
  readonly received: FromComparisonPage[] = [];
  /** Posts that are not comparison messages. */
  readonly violations: string[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly page: Page) {}

  /** Called by the page's `acquireVsCodeApi().postMessage` (through a Playwright binding). */
  receive(raw: unknown): void {
    if (!isFromComparisonPage(raw)) {
      this.violations.push(`invalid message: ${JSON.stringify(raw)}`);
      return;
    }
    this.received.push(raw);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(raw)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Posts a report to the page the way `webview.postMessage` does: its JSON round trip. */
  async send(message: ToComparisonPage): Promise<void> {
    await this.page.evaluate(POST_TO_PAGE, JSON.parse(JSON.stringify(message)) as unknown);
  }

  messages<T extends FromComparisonPage['type']>(type: T): MessageOf<T>[] {
    return this.received.filter((message): message is MessageOf<T> => message.type === type);
  }

  /** Resolves once the page has posted a message of that type (at once when it already has). */
  waitFor(type: FromComparisonPage['type'], timeoutMs = 20_000): Promise<void> {
    if (this.received.some((message) => message.type === type)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`no "${type}" message from the comparison page within ${timeoutMs} ms; it posted ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const entry: Waiter = {
        test: (message) => message.type === type,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(entry);
    });
  }
}
