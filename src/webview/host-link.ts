import type { WebviewMessage } from '../results/protocol';

/** What VS Code injects into a webview; the page may call `acquireVsCodeApi` only once. */
interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The only way out of the webview: typed messages to the extension host. */
export interface HostLink {
  post(message: WebviewMessage): void;
}

export function connectToHost(): HostLink {
  const api = acquireVsCodeApi();
  return { post: (message) => api.postMessage(message) };
}
