import type { FromComparisonPage, ToComparisonPage } from '../../compare/comparison-protocol';
import { ComparisonPage } from './page';

/** What VS Code injects into a webview; the page may call `acquireVsCodeApi` only once. */
declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

const api = acquireVsCodeApi();
const post = (message: FromComparisonPage): void => api.postMessage(message);
const page = new ComparisonPage(document.body, post);
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const data = event.data as Partial<ToComparisonPage> | null;
  if (data !== null && typeof data === 'object' && data.type === 'report') page.handle(data as ToComparisonPage);
});
// The host sends the comparison once the page can receive it (and again to a page shown anew).
post({ type: 'ready' });
