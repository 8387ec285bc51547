import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { parseWebviewMessage, type HostMessage, type ViewSettings } from '../results/protocol';
import type { ResultsFeed } from './results-feed';
import { setResultsPage } from './results-panel';

/** The results view in the bottom panel (package.json: viewsContainers.panel, views). */
export const RESULTS_PANEL_VIEW_ID = 'immutaWorksheets.resultsView';

/** What the view shows: a worksheet's feed, or a page with nothing in it (and why). */
type Shown = { readonly kind: 'feed'; readonly feed: ResultsFeed } | { readonly kind: 'empty'; readonly worksheet?: string; readonly note?: string };

/**
 * The results view in the bottom panel, below the editors, where SQL tools show results. One
 * page shows the results of the active worksheet: when another worksheet becomes active, its
 * feed takes the page over (posting its run and where the user was), and the previous one keeps
 * its run and place for when its worksheet is active again. The page is the editor tab's (same
 * HTML, CSP and protocol); it is not kept alive while hidden, and a page that loads again says
 * `ready` to whichever feed it shows.
 */
export class ResultsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /** Whether the view's current page said `ready` (a hidden view's page is gone). */
  private pageReady = false;
  private shown: Shown = { kind: 'empty' };
  private viewSubscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly settings: () => ViewSettings,
    private readonly logger: Logger,
  ) {}

  /** The feed the view shows, if any. */
  get feed(): ResultsFeed | undefined {
    return this.shown.kind === 'feed' ? this.shown.feed : undefined;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.dropView();
    this.view = view;
    this.pageReady = false;
    setResultsPage(view.webview, this.extensionUri, this.pageTitle());
    this.feed?.attach(view.webview, false);
    this.describe();
    this.viewSubscriptions = [
      view.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      view.onDidChangeVisibility(() => {
        if (view.visible) return;
        this.pageReady = false;
        this.feed?.pageGone(view.webview);
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.dropView();
      }),
    ];
  }

  /** Shows a worksheet's results (a run, or the place of the last one). */
  showFeed(feed: ResultsFeed): void {
    if (this.feed === feed) return;
    this.leave();
    this.shown = { kind: 'feed', feed };
    this.describe();
    if (this.view) feed.attach(this.view.webview, this.pageReady);
  }

  /**
   * Shows no results: of `worksheet` (one with none yet, or whose results are in an editor tab:
   * `note` says so), or of none. The page's title then names no worksheet: it shows no results
   * of one (tests find a worksheet's results by that title).
   */
  showEmpty(worksheet?: string, note?: string): void {
    this.leave();
    this.shown = { kind: 'empty', ...(worksheet === undefined ? {} : { worksheet }), ...(note === undefined ? {} : { note }) };
    this.describe();
    this.postEmpty();
  }

  /**
   * Brings the view up. `preserveFocus` (a run) leaves the keyboard in the editor, so the next
   * Ctrl+Enter runs the next statement; `.open` is VS Code's own command of every view.
   */
  reveal(preserveFocus: boolean): void {
    if (this.view) {
      this.view.show(preserveFocus);
      return;
    }
    const command = preserveFocus ? `${RESULTS_PANEL_VIEW_ID}.open` : `${RESULTS_PANEL_VIEW_ID}.focus`;
    void vscode.commands.executeCommand(command, ...(preserveFocus ? [{ preserveFocus: true }] : [])).then(undefined, (error: unknown) => {
      this.logger.warn(`showing the results view failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  dispose(): void {
    this.leave();
    this.dropView();
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (message?.type === 'ready') this.pageReady = true;
    const feed = this.feed;
    if (feed) feed.receive(raw);
    else if (message?.type === 'ready') this.postEmpty();
  }

  private leave(): void {
    if (this.view) this.feed?.detach(this.view.webview);
  }

  private postEmpty(): void {
    if (this.shown.kind !== 'empty' || !this.view || !this.pageReady) return;
    const message: HostMessage = { type: 'state', run: null, settings: this.settings(), title: this.pageTitle(), ...(this.shown.note === undefined ? {} : { note: this.shown.note }) };
    this.view.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.logger.warn(`results view: a message was not delivered (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  private pageTitle(): string {
    return this.shown.kind === 'feed' ? this.shown.feed.pageTitle : 'Results';
  }

  /** The view's title bar names the worksheet shown (also after a rename). */
  describe(): void {
    if (!this.view) return;
    const worksheet = this.shown.kind === 'feed' ? this.shown.feed.worksheet : this.shown.worksheet;
    // The panel's title bar then reads "Results: <worksheet>".
    this.view.title = worksheet ?? 'no worksheet';
  }

  private dropView(): void {
    for (const subscription of this.viewSubscriptions) subscription.dispose();
    this.viewSubscriptions = [];
    if (this.view) this.feed?.detach(this.view.webview);
    this.view = undefined;
    this.pageReady = false;
  }
}
