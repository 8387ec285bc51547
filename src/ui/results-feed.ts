import { deflateRaw } from 'node:zlib';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { Trace } from '../common/trace';
import {
  MAX_CHARS_PER_PULL,
  MAX_ROWS_PER_PULL,
  parseWebviewMessage,
  type HostMessage,
  type HostSortState,
  type ViewPlace,
  type ViewSettings,
  type WebviewMessage,
} from '../results/protocol';
import type { ResultSet } from '../results/result-set';
import { ResultSorts } from '../results/result-sorts';
import type { RunResults } from '../results/run-results';

/** What the feed cannot do by itself: the worksheet's run, exports, the editor. */
export interface FeedActions {
  cancel(): void;
  fetchMore(result: ResultSet, all: boolean): void;
  stopReading(result: ResultSet): void;
  exportResult(result: ResultSet, format: 'csv' | 'json', withStamp: boolean, destination: 'file' | 'untitled'): Promise<void>;
  copyMarkdown(result: ResultSet): Promise<void>;
  showStatement(result: ResultSet): void;
  settings(): ViewSettings;
}

/** Metadata updates of a streaming result are posted at most this often. */
const UPDATE_INTERVAL_MS = 100;
/** Least time between two progress messages of a host sort. */
const PROGRESS_INTERVAL_MS = 200;
/** Rows of a result sent to the view unasked (at least its first chunk is sent whole). */
const HEAD_ROWS = 200;

/**
 * Pages smaller than this go as they are: compressing them gains little, and the first page,
 * which the user is waiting to see, must not wait for the compressor.
 */
const COMPRESS_FROM_BYTES = 256 * 1024;

/**
 * One worksheet's results as a webview shows them: its latest run, where the user was in it
 * (active result, top row), and the answers to the webview's row pulls (windows around its
 * viewport, by row index), a pull held until its rows arrive. The feed is shown by at most one
 * webview at a time: the results view in the bottom panel while its worksheet is the active one,
 * or an editor tab of its own (src/ui/results-view-provider.ts, src/ui/results-panel.ts). The
 * webview holds only a window and is not kept alive while hidden: a page that loads (again) says
 * `ready` and gets the run's state back with where the user was (`restore`).
 */
export class ResultsFeed implements vscode.Disposable {
  private webview: vscode.Webview | undefined;
  private ready = false;
  private run: RunResults | undefined;
  private runSubscriptions: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What the webview was last told of each result's status and whether it has columns (see shapeOf). */
  private readonly postedStatus = new Map<string, string>();
  /** Where the user was in the run shown (active result, top row), for a re-created view. */
  private place: ViewPlace | undefined;
  /** Pulls waiting for rows; a new document of the view forgets the old one's. */
  private readonly heldPulls = new Set<vscode.Disposable>();
  /** Sorts of this view's results in a worker thread; a new sort or run cancels the one under way. */
  private readonly sorts = new ResultSorts();
  /** Results whose first rows went to the view unasked (sendHead), or that had rows when shown. */
  private readonly headSent = new Set<string>();
  /** Event-loop watches of sorts under way, while tracing (benchmarks). */
  private readonly sortWatches = new Map<string, () => number>();

  constructor(
    private title: string,
    private readonly actions: FeedActions,
    private readonly logger: Logger,
    private readonly trace: Trace,
    /**
     * Compress row pages: worth it where the webview is across a network from the extension
     * host (VS Code for the Web, remote windows), where every byte is relayed and re-deflated.
     */
    private readonly compressRows = false,
  ) {}

  /** The worksheet's name (its file name, or "Untitled-1"). */
  get worksheet(): string {
    return this.title;
  }

  /** The page title of a webview showing this feed ("Results · <worksheet>"; tests find it by it). */
  get pageTitle(): string {
    return resultsTitle(this.title);
  }

  /**
   * Shows the feed in `webview`. A page already loaded there (the panel's view, showing another
   * worksheet until now) gets the state at once; a page still loading gets it when it says `ready`.
   */
  attach(webview: vscode.Webview, pageLoaded: boolean): void {
    this.webview = webview;
    this.ready = pageLoaded;
    this.dropHeldPulls();
    if (pageLoaded) this.postState();
  }

  /** The webview shows something else now (or is gone); the feed keeps its run and place. */
  detach(webview: vscode.Webview): void {
    if (this.webview !== webview) return;
    this.webview = undefined;
    this.ready = false;
    this.dropHeldPulls();
  }

  /** The page of the webview was discarded (hidden): nothing is posted until the new one says `ready`. */
  pageGone(webview: vscode.Webview): void {
    if (this.webview === webview) this.ready = false;
  }

  /** Shows a run (replacing what was shown). */
  show(run: RunResults): void {
    this.watch(run);
    this.postState();
  }

  rename(title: string): void {
    this.title = title;
    this.post({ type: 'title', title: this.pageTitle });
  }

  /** Forgets the run shown (its rows were freed by its owner). */
  clear(): void {
    this.watch(undefined);
    this.postState();
  }

  dispose(): void {
    this.sorts.cancel();
    this.watch(undefined);
    this.webview = undefined;
    this.ready = false;
  }

  /** A message from the page showing this feed. */
  receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.logger.warn('results view: ignored a malformed message');
      return;
    }
    try {
      this.handle(message);
    } catch (error) {
      this.logger.error(`results view: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private watch(run: RunResults | undefined): void {
    if (run !== this.run) {
      this.place = undefined;
      this.sorts.cancel();
    }
    this.dropHeldPulls();
    for (const subscription of this.runSubscriptions) subscription.dispose();
    this.runSubscriptions = [];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.postedStatus.clear();
    this.run = run;
    // Results shown with rows already are pulled where the view left them, not sent from the top.
    this.headSent.clear();
    for (const result of run?.results ?? []) if (result.rowCount > 0) this.headSent.add(result.id);
    const follow = (result: ResultSet) =>
      this.runSubscriptions.push(
        result.onDidChange(() => this.scheduleUpdate(result)),
        result.onDidStoreRows(() => this.sendHead(result)),
      );
    for (const result of run?.results ?? []) follow(result);
    if (run) {
      // A further result set of a statement: the webview learns of it by its first update.
      this.runSubscriptions.push(
        run.onDidAddResult((result) => {
          follow(result);
          this.scheduleUpdate(result);
        }),
      );
    }
  }

  private handle(message: WebviewMessage): void {
    if (message.type === 'ready') {
      this.ready = true;
      this.dropHeldPulls();
      this.postState();
      return;
    }
    if (message.type === 'viewState') {
      if (this.run?.find(message.resultId)) this.place = { resultId: message.resultId, topRow: message.topRow };
      return;
    }
    if (message.type === 'problem') {
      this.logger.error(`results view (webview): ${message.message}`);
      return;
    }
    if (message.type === 'cancel') {
      this.actions.cancel();
      return;
    }
    if (message.type === 'copy') {
      void vscode.env.clipboard.writeText(message.text).then(() => vscode.window.setStatusBarMessage(`Copied ${message.what}`, 3000));
      return;
    }
    if (message.type === 'openValue') {
      void openValue(message.text);
      return;
    }
    if (message.type === 'mark') {
      this.trace.mark(`webview-${message.name}`, { resultId: message.resultId, rows: message.rows, webviewAt: message.at });
      const watch = message.name === 'sorted' ? this.sortWatches.get(message.resultId) : undefined;
      if (watch) {
        this.sortWatches.delete(message.resultId);
        this.trace.mark('host-loop-during-sort', { resultId: message.resultId, maxDelayMs: watch() });
      }
      return;
    }
    const result = this.run?.find(message.resultId);
    if (message.type === 'pull') {
      this.pull(message.requestId, message.resultId, message.from, message.maxRows, result);
      return;
    }
    if (!result) return;
    switch (message.type) {
      case 'sort':
        void this.sort(result, message.column, message.direction);
        return;
      case 'cancelSort':
        if (this.sorts.cancel(result.id)) {
          this.post({ type: 'sortFailed', resultId: result.id, reason: 'Sort cancelled: the rows keep the order they had.' });
        }
        return;
      case 'fetchMore':
        this.actions.fetchMore(result, message.all);
        return;
      case 'stopReading':
        this.actions.stopReading(result);
        return;
      case 'export':
        void this.inGridOrder(result, message.sort).then((go) => (go ? this.actions.exportResult(result, message.format, message.withStamp, message.destination) : undefined));
        return;
      case 'copyMarkdown':
        void this.inGridOrder(result, message.sort).then((go) => (go ? this.actions.copyMarkdown(result) : undefined));
        return;
      case 'showStatement':
        this.actions.showStatement(result);
        return;
    }
  }

  /** Sorts in a worker, then tells the view the new order (it pulls its viewport again). */
  private async sort(result: ResultSet, column: number, direction: 'asc' | 'desc' | null): Promise<void> {
    if (this.trace.enabled) {
      // From the ask to the sorted first rows on screen: how long the host's loop ever waited.
      this.sortWatches.get(result.id)?.();
      this.sortWatches.set(result.id, this.trace.watchLoop());
      this.trace.mark('sort-asked', { resultId: result.id, column });
    }
    // A few progress messages a second at most: the worker reports every batch it reads.
    let lastProgress = 0;
    const progress = (done: number) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      this.post({ type: 'sortProgress', resultId: result.id, done });
    };
    const outcome = await this.sorts.sort(result, column, direction, progress);
    if (outcome.kind === 'cancelled') return;
    if (outcome.kind === 'failed') {
      this.post({ type: 'sortFailed', resultId: result.id, reason: outcome.reason });
      return;
    }
    if (this.trace.enabled) this.trace.mark('host-sorted', { resultId: result.id, rows: outcome.rows, ms: outcome.ms });
    const order = result.order;
    this.post({ type: 'sorted', resultId: result.id, sort: order ? { column: order.column, direction: order.direction } : null });
  }

  /**
   * Puts the result in the grid's order (`sort`, absent: arrival order) before an export or copy
   * streams it. False when that failed or was cancelled: the user is told, nothing is written.
   */
  private async inGridOrder(result: ResultSet, sort: HostSortState | undefined): Promise<boolean> {
    if (!result.settled && sort !== undefined) {
      // The grid sorted the rows it holds of a result paused at the row limit; more may follow, so
      // the host keeps no order for it: the export goes out in the server's order, and says so.
      void vscode.window.showInformationMessage("This export is in the order the server returned the rows: a result held at the row limit is exported in the grid's order once it has finished.");
      return true;
    }
    const outcome = await this.sorts.ensureOrder(result, sort ?? null);
    if (outcome.kind === 'kept' || outcome.kind === 'sorted') return true;
    const why = outcome.kind === 'failed' ? outcome.reason : 'a sort started meanwhile.';
    void vscode.window.showWarningMessage(`Nothing was exported or copied: the rows could not be put in the grid's order (${why}). Try again once the statement has finished.`);
    return false;
  }

  /** Answers now when rows are there (or the result settled); otherwise when they arrive. */
  private pull(requestId: number, resultId: string, from: number, maxRows: number, result: ResultSet | undefined): void {
    const fail = (reason: string) => this.post({ type: 'pullFailed', requestId, resultId, reason });
    if (this.trace.enabled) this.trace.mark('pull', { resultId, from });
    if (!result || result.isDisposed) {
      fail('These results are no longer held. Run the statement again.');
      return;
    }
    const answer = async (): Promise<boolean> => {
      if (result.isDisposed) {
        fail('These results were released.');
        return true;
      }
      // A result sorted in the host answers by display position, through its order.
      const sorted = await result.readDisplayed(from, Math.min(maxRows, MAX_ROWS_PER_PULL));
      if (sorted !== undefined) {
        if (result.isDisposed) {
          fail('These results were released.');
          return true;
        }
        this.post({ type: 'rows', requestId, resultId, from: sorted.from, count: sorted.count, ...encodeChunks(sorted.count > 0 ? [sorted.chunk] : []) });
        return true;
      }
      // Asynchronous: rows may be in the result's spill file (src/results/result-memory.ts).
      const slice = await result.read(from, Math.min(maxRows, MAX_ROWS_PER_PULL), MAX_CHARS_PER_PULL);
      if (result.isDisposed) {
        fail('These results were released.');
        return true;
      }
      if (slice.count === 0 && !result.settled) return false;
      if (this.trace.enabled) this.trace.mark('rows-posted', { resultId, from: slice.from, count: slice.count });
      const page = { type: 'rows', requestId, resultId, from: slice.from, count: slice.count, ...encodeChunks(slice.chunks) } as const;
      if (!this.compressRows || page.data.byteLength < COMPRESS_FROM_BYTES) {
        this.post(page);
        return true;
      }
      // In the thread pool, so the extension host keeps reading from the driver meanwhile.
      deflateRaw(page.data, { level: 1 }, (error, compressed) => {
        if (error) {
          this.logger.warn(`results view: compressing rows failed (${error.message}); sent as they are`);
          this.post(page);
          return;
        }
        this.post({ ...page, data: ownBuffer(compressed), compression: 'deflate-raw' });
      });
      return true;
    };
    // One answer at a time; rows stored while one is under way make it look again after. A held
    // pull is dropped with the page that asked (dropHeldPulls).
    let answering = false;
    let again = false;
    let answered = false;
    const waiting = result.onDidStoreRows(() => attempt());
    this.heldPulls.add(waiting);
    const settle = (): void => {
      answered = true;
      waiting.dispose();
      this.heldPulls.delete(waiting);
    };
    const attempt = (): void => {
      if (answered) return;
      if (answering) {
        again = true;
        return;
      }
      answering = true;
      again = false;
      answer().then(
        (done) => {
          answering = false;
          if (done) settle();
          else if (again) attempt();
        },
        (error: unknown) => {
          answering = false;
          settle();
          this.logger.warn(`results view: reading rows failed (${error instanceof Error ? error.message : String(error)})`);
          fail('These rows could not be read back from the spill file. Run the statement again.');
        },
      );
    };
    attempt();
  }

  /**
   * A result's first rows go to the view as soon as the host stores them, unasked (request id 0),
   * once per result: the view's pull for them often crosses over after they arrived (the view
   * learns of a new run late under load), and the first rows on screen are what a user waits for.
   */
  private sendHead(result: ResultSet): void {
    if (this.headSent.has(result.id) || result.rowCount === 0 || result.isDisposed || result.order !== undefined) return;
    this.headSent.add(result.id);
    result.read(0, HEAD_ROWS, MAX_CHARS_PER_PULL).then(
      (slice) => {
        if (result.isDisposed || slice.count === 0 || this.run?.find(result.id) !== result) return;
        if (this.trace.enabled) this.trace.mark('head-posted', { resultId: result.id, count: slice.count });
        this.post({ type: 'rows', requestId: 0, resultId: result.id, from: slice.from, count: slice.count, ...encodeChunks(slice.chunks) });
      },
      (error: unknown) => this.logger.warn(`results view: reading a result's first rows failed (${error instanceof Error ? error.message : String(error)})`),
    );
  }

  private dropHeldPulls(): void {
    for (const waiting of this.heldPulls) waiting.dispose();
    this.heldPulls.clear();
  }

  private scheduleUpdate(result: ResultSet): void {
    // A status change, or the columns the first rows need, show at once; row counts of a
    // streaming result are batched.
    if (this.postedStatus.get(result.id) !== shapeOf(result)) {
      this.postUpdate(result);
      return;
    }
    if (this.timers.has(result.id)) return;
    this.timers.set(
      result.id,
      setTimeout(() => {
        this.timers.delete(result.id);
        this.postUpdate(result);
      }, UPDATE_INTERVAL_MS),
    );
  }

  private postUpdate(result: ResultSet): void {
    const run = this.run;
    if (!run || result.isDisposed) return;
    const timer = this.timers.get(result.id);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(result.id);
    }
    this.postedStatus.set(result.id, shapeOf(result));
    this.post({ type: 'result', runId: run.runId, result: result.view() });
  }

  private postState(): void {
    for (const result of this.run?.results ?? []) this.postedStatus.set(result.id, shapeOf(result));
    const place = this.place !== undefined && this.run?.find(this.place.resultId) ? this.place : undefined;
    this.post({ type: 'state', run: this.run?.view() ?? null, settings: this.actions.settings(), title: this.pageTitle, ...(place ? { restore: place } : {}) });
  }

  private post(message: HostMessage): void {
    if (!this.webview || !this.ready) return;
    this.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.logger.warn(`results view: a message was not delivered (${error instanceof Error ? error.message : String(error)})`);
    });
  }
}

/**
 * Chunks as one plain Uint8Array of UTF-8 (not a pooled Buffer: VS Code transfers the view's
 * whole ArrayBuffer), with each chunk's byte length.
 */
function encodeChunks(chunks: readonly string[]): { data: Uint8Array; chunkBytes: number[] } {
  const chunkBytes = chunks.map((chunk) => Buffer.byteLength(chunk, 'utf8'));
  const data = new Uint8Array(chunkBytes.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  chunks.forEach((chunk, index) => {
    Buffer.from(data.buffer, offset, chunkBytes[index]).write(chunk, 'utf8');
    offset += chunkBytes[index];
  });
  return { data, chunkBytes };
}

/** The bytes in an ArrayBuffer of their own (a Buffer may be a view into a larger, pooled one). */
function ownBuffer(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
}

/** A result's status and whether it described its columns: a change of either is posted at once. */
function shapeOf(result: ResultSet): string {
  return `${result.status}|${result.hasResultSet ? 'columns' : 'none'}`;
}

/** "Results · <worksheet>": the title of a page (and editor tab) showing a worksheet's results. */
export function resultsTitle(worksheet: string): string {
  return `Results · ${worksheet}`;
}

/** A value in a new editor, pretty-printed when it is JSON. */
async function openValue(text: string): Promise<void> {
  let content = text;
  let language = 'plaintext';
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      content = JSON.stringify(JSON.parse(trimmed), null, 2);
      language = 'json';
    } catch {
      // Not JSON after all: shown as it is.
    }
  }
  const document = await vscode.workspace.openTextDocument({ content, language });
  await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Active });
}
