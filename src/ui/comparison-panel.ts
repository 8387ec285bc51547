import * as vscode from 'vscode';
import { isFromComparisonPage, type ComparisonExportFormat, type ToComparisonPage } from '../compare/comparison-protocol';
import { comparisonHtml, makeNonce } from '../results/webview-html';
import { resultsRoot } from './results-panel';

export const COMPARISON_VIEW_TYPE = 'immutaWorksheets.comparison';

/** What the comparison tab asks of whoever runs the comparison. */
export interface ComparisonPanelActions {
  cancel(): void;
  export(format: ComparisonExportFormat): void;
  /** The tab closed: the comparison's rows can go. */
  closed(): void;
}

/**
 * One comparison in an editor tab of its own. The page gets the latest report whenever it asks
 * (`ready`: a page shown anew after being hidden), so nothing needs retaining while hidden.
 */
export class ComparisonPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private latest: ToComparisonPage | undefined;
  private ready = false;

  constructor(extensionUri: vscode.Uri, title: string, actions: ComparisonPanelActions) {
    const root = resultsRoot(extensionUri);
    this.panel = vscode.window.createWebviewPanel(COMPARISON_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, localResourceRoots: [root] });
    const webview = this.panel.webview;
    webview.html = comparisonHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'comparison.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'comparison.css')).toString(),
      title,
    });
    const subscriptions = [
      webview.onDidReceiveMessage((raw: unknown) => {
        if (!isFromComparisonPage(raw)) return;
        switch (raw.type) {
          case 'ready':
            this.ready = true;
            this.flush();
            break;
          case 'cancel':
            actions.cancel();
            break;
          case 'export':
            actions.export(raw.format);
            break;
        }
      }),
      this.panel.onDidChangeViewState(() => {
        // A hidden page is gone; the one shown next says `ready` and gets the report again.
        if (!this.panel.visible) this.ready = false;
      }),
      this.panel.onDidDispose(() => {
        for (const subscription of subscriptions) subscription.dispose();
        actions.closed();
      }),
    ];
  }

  show(message: ToComparisonPage): void {
    this.latest = message;
    this.flush();
  }

  dispose(): void {
    this.panel.dispose();
  }

  private flush(): void {
    if (this.ready && this.latest) void this.panel.webview.postMessage(this.latest);
  }
}
