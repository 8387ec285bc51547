import { PROTOCOL_VERSION, type HostMessage } from '../results/protocol';
import { connectToHost } from './host-link';
import { ResultsPage } from './view';

const HOST_MESSAGES = new Set<string>(['state', 'title', 'result', 'rows', 'pullFailed', 'sorted', 'sortFailed', 'sortProgress']);

function isHostMessage(data: unknown): data is HostMessage {
  return typeof data === 'object' && data !== null && HOST_MESSAGES.has(String((data as { type?: unknown }).type));
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack === undefined ? '' : `\n${error.stack}`}`;
  return String(error);
}

/** The CSP nonce, which SlickGrid's own <style> element must carry. */
function pageNonce(): string {
  return document.body.dataset.nonce ?? (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';
}

const host = connectToHost();
const report = (error: unknown): void => {
  try {
    host.post({ type: 'problem', message: describe(error) });
  } catch {
    // nothing left to tell
  }
};
window.addEventListener('error', (event) => {
  // Chromium reports a benign notice when a resize handler changes layout; it is not a fault.
  if (typeof event.message === 'string' && event.message.startsWith('ResizeObserver loop')) return;
  report(event.error ?? event.message);
});
window.addEventListener('unhandledrejection', (event) => report(event.reason));

try {
  const page = new ResultsPage(document.body, host, pageNonce());
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    try {
      if (isHostMessage(event.data)) page.handle(event.data);
    } catch (error) {
      report(error);
    }
  });
  host.post({ type: 'ready', protocol: PROTOCOL_VERSION });
} catch (error) {
  report(error);
}
