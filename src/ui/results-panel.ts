import * as vscode from 'vscode';
import { makeNonce, resultsHtml } from '../results/webview-html';
import type { ResultsFeed } from './results-feed';

export const RESULTS_VIEW_TYPE = 'immutaWorksheets.results';

/** The page of the results webview (the same for an editor tab and the bottom panel's view). */
export function setResultsPage(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): void {
  const root = resultsRoot(extensionUri);
  webview.options = { enableScripts: true, localResourceRoots: [root] };
  webview.html = resultsHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'results.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'results.css')).toString(),
    title,
  });
}

export function resultsRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/**
 * A worksheet's results in an editor tab of their own ("Open in Editor Tab", or the setting
 * `immutaWorksheets.results.location` set to `editor`): a webview panel showing the worksheet's
 * feed. Closing the tab leaves the feed (run and place) to its owner.
 */
export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly feed: ResultsFeed,
    /** The user closed the tab. */
    private readonly closed: () => void,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Where the tab is, while it is open. */
  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  /**
   * Opens the tab (in `column`, where other results already are, else beside the editor) or
   * shows it again; `preserveFocus` leaves the keyboard in the editor (a run).
   */
  reveal(column: vscode.ViewColumn | undefined, preserveFocus: boolean): void {
    if (this.panel) {
      if (!preserveFocus || !this.panel.visible) this.panel.reveal(undefined, preserveFocus);
      return;
    }
    this.open(column ?? vscode.ViewColumn.Beside);
  }

  rename(): void {
    if (this.panel) this.panel.title = this.feed.pageTitle;
  }

  dispose(): void {
    const panel = this.panel;
    this.panel = undefined;
    if (panel) this.feed.detach(panel.webview);
    panel?.dispose();
  }

  private open(column: vscode.ViewColumn): void {
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      this.feed.pageTitle,
      { viewColumn: column, preserveFocus: true },
      // No retainContextWhenHidden: the webview holds only the rows on screen, and a view shown
      // again asks for its state (and the rows it shows) anew.
      { enableScripts: true, localResourceRoots: [resultsRoot(this.extensionUri)] },
    );
    this.panel = panel;
    const webview = panel.webview;
    setResultsPage(webview, this.extensionUri, this.feed.pageTitle);
    this.feed.attach(webview, false);
    const subscriptions = [
      webview.onDidReceiveMessage((raw: unknown) => this.feed.receive(raw)),
      // A hidden view's document is gone: nothing is posted until the new one says `ready`.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.feed.pageGone(webview);
      }),
      panel.onDidDispose(() => {
        for (const subscription of subscriptions) subscription.dispose();
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.feed.detach(webview);
        this.closed();
      }),
    ];
  }
}
