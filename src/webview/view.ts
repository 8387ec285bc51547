import { decodeChunks, type HostMessage, type ResultView, type RunView, type ViewPlace, type ViewSettings, type WebviewMessage } from '../results/protocol';
import { ActionsBar } from './actions-bar';
import { DetailPane } from './detail-pane';
import { h } from './dom';
import { renderError } from './error-view';
import { GRID_KEYS_ID, ResultGrid, type FocusedCell } from './grid';
import type { HostLink } from './host-link';
import { formatCount } from './format';
import { Puller, type PullerHost, type Viewport } from './puller';
import { canSort, isSettled } from './result-status';
import { RowStore } from './row-store';
import { renderStamp } from './stamp';
import { StatusLine } from './status-line';
import { renderNoRows, renderNotices, renderPlaceholder, renderSummary } from './summary';
import { TabStrip } from './tabs';

const DEFAULT_SETTINGS: ViewSettings = { cellTextLimit: 500 };
const EMPTY_TITLE = 'No results yet';
const EMPTY_TEXT = 'Run a statement in a worksheet to see its rows here.';
/** Read by a screen reader when the grid takes the focus (the user guide has the same list). */
const GRID_KEYS =
  'Arrow keys, Home, End, Page Up, Page Down, Control+Home and Control+End move between cells. S sorts by the column of the cell (ascending, descending, original order). Enter shows the whole value. Shift+Arrow keys extend the selection, Shift+Space selects the row, Control+A everything; Control+C copies it, Control+Shift+C with the header row.';

/** How long the view waits after a scroll before telling the host where it is. */
const PLACE_DELAY_MS = 250;

/**
 * The results page: tabs for the run's statements and, for the active one, its stamp, status,
 * actions and either a grid, an error or a summary. Host messages go in through `handle`.
 */
export class ResultsPage implements PullerHost {
  private run: RunView | null = null;
  private settings: ViewSettings = DEFAULT_SETTINGS;
  private readonly pullers = new Map<string, Puller>();
  private readonly decoder = new TextDecoder();
  private readonly requests = new Map<number, Puller>();
  /** Starts anywhere: an answer to the previous document of this view never matches a new request. */
  private requestCounter = Math.floor(Math.random() * 1e9);
  /** Where to open the next grid (a re-created view), from the host. */
  private restoreTopRow = 0;
  private placeTimer: number | undefined;
  /** The most rows every cache held at once since the page loaded (a debug counter tests read). */
  private peakHeld = 0;
  private activeId: string | null = null;
  private grid: { readonly resultId: string; readonly grid: ResultGrid } | null = null;
  private bodyKey = '';
  private sorting = false;
  /** The result the host is sorting for this view, and how far it got (0 to 1). */
  private hostSort: { readonly resultId: string; done: number } | null = null;
  private hasSelection = false;

  private readonly tabs: TabStrip;
  private readonly stampSlot = h('div', { className: 'stamp-slot' });
  private readonly status: StatusLine;
  private readonly actions: ActionsBar;
  private readonly messageSlot = h('div', { className: 'message-slot' });
  private readonly gridHost = h('div', { className: 'grid-host', testId: 'grid', attrs: { role: 'region', 'aria-label': 'Rows' } });
  private readonly detail: DetailPane;
  private readonly panel: HTMLElement;
  private readonly emptyTitle = h('div', { className: 'empty-title', text: EMPTY_TITLE });
  private readonly emptyText = h('div', { className: 'empty-text', testId: 'empty-text', text: EMPTY_TEXT });
  private readonly empty = h('div', { className: 'empty', testId: 'empty' }, [this.emptyTitle, this.emptyText]);

  constructor(
    root: HTMLElement,
    private readonly host: HostLink,
    private readonly nonce: string,
  ) {
    const post = (message: WebviewMessage): void => host.post(message);
    this.tabs = new TabStrip((id) => this.activate(id));
    this.status = new StatusLine(post);
    this.actions = new ActionsBar(
      post,
      () => this.grid?.grid.copySelection(true),
      () => this.active()?.store.sort ?? null,
    );
    this.detail = new DetailPane(post, () => this.grid?.grid.focus());
    this.panel = h('div', { className: 'panel', attrs: { id: 'result-panel', role: 'tabpanel' } }, [
      h('header', { className: 'panel-head' }, [this.stampSlot, h('div', { className: 'toolbar' }, [this.status.element, this.actions.element])]),
      this.messageSlot,
      this.gridHost,
      h('span', { className: 'visually-hidden', attrs: { id: GRID_KEYS_ID }, text: GRID_KEYS }),
      this.detail.element,
    ]);
    root.append(h('main', { className: 'app' }, [h('h1', { className: 'visually-hidden', text: 'Results' }), this.tabs.element, this.panel, this.empty]));
    this.showRun();
  }

  handle(message: HostMessage): void {
    switch (message.type) {
      case 'state':
        this.settings = message.settings;
        if (message.title !== undefined) document.title = message.title;
        // How many states this page was given (a debug counter tests read, like data-held-rows).
        document.body.dataset.states = String(Number(document.body.dataset.states ?? '0') + 1);
        this.emptyTitle.textContent = message.note === undefined ? EMPTY_TITLE : 'Not shown here';
        this.emptyText.textContent = message.note ?? EMPTY_TEXT;
        this.replaceRun(message.run, message.restore);
        return;
      case 'title':
        document.title = message.title;
        return;
      case 'result':
        if (this.run !== null && message.runId === this.run.runId) this.updateResult(message.result);
        return;
      case 'rows': {
        if (message.requestId === 0) {
          // A result's first rows, sent unasked (never compressed: they are one chunk or so).
          const puller = this.pullers.get(message.resultId);
          if (puller !== undefined && message.compression === undefined) {
            puller.receiveHead({ requestId: 0, from: message.from, count: message.count, chunks: decodeChunks(message.data, message.chunkBytes, this.decoder) });
          }
          return;
        }
        const puller = this.requests.get(message.requestId);
        this.requests.delete(message.requestId);
        if (puller === undefined || puller.view.id !== message.resultId) return;
        const deliver = (data: Uint8Array) =>
          puller.receive({ requestId: message.requestId, from: message.from, count: message.count, chunks: decodeChunks(data, message.chunkBytes, this.decoder) });
        if (message.compression === undefined) {
          deliver(message.data);
          return;
        }
        // The puller keeps this request outstanding until the page is inflated, so pages stay in order.
        inflateRaw(message.data)
          .then(deliver)
          .catch((error: unknown) => {
            const reason = `The rows could not be read (${error instanceof Error ? error.message : String(error)}).`;
            this.host.post({ type: 'problem', message: reason });
            puller.fail({ type: 'pullFailed', requestId: message.requestId, resultId: message.resultId, reason });
          });
        return;
      }
      case 'sorted': {
        const puller = this.pullers.get(message.resultId);
        if (puller === undefined) return;
        if (this.hostSort?.resultId === message.resultId) this.hostSort = null;
        puller.reorder(message.sort);
        if (this.grid?.resultId === message.resultId) this.grid.grid.hostSortDone(true);
        if (message.resultId === this.activeId) {
          this.sorting = false;
          this.renderStatus();
        }
        return;
      }
      case 'sortProgress': {
        if (this.hostSort?.resultId !== message.resultId) return;
        this.hostSort.done = message.done;
        if (message.resultId === this.activeId) this.renderStatus();
        return;
      }
      case 'sortFailed': {
        if (this.hostSort?.resultId === message.resultId) this.hostSort = null;
        if (this.grid?.resultId === message.resultId) this.grid.grid.hostSortDone(false);
        if (message.resultId === this.activeId) {
          this.sorting = false;
          this.renderStatus();
          this.status.explain(message.reason);
        }
        return;
      }
      case 'pullFailed': {
        const puller = this.requests.get(message.requestId);
        this.requests.delete(message.requestId);
        puller?.fail(message);
        return;
      }
    }
  }

  // PullerHost
  post(message: WebviewMessage): void {
    this.host.post(message);
  }

  nextRequestId(puller: Puller): number {
    const id = ++this.requestCounter;
    this.requests.set(id, puller);
    return id;
  }

  rowCountChanged(resultId: string): void {
    this.countHeld();
    if (resultId !== this.activeId) return;
    this.grid?.grid.rowsChanged();
    this.renderStatus();
  }

  pullFailed(resultId: string): void {
    if (resultId === this.activeId) this.renderStatus();
  }

  private replaceRun(run: RunView | null, restore: ViewPlace | undefined): void {
    // A place not yet posted belongs to the run replaced (in the panel, another worksheet's).
    window.clearTimeout(this.placeTimer);
    for (const puller of this.pullers.values()) puller.dispose();
    this.pullers.clear();
    this.requests.clear();
    this.destroyGrid();
    this.detail.hide();
    this.run = run;
    const restored = restore !== undefined && run?.results.some((result) => result.id === restore.resultId) === true ? restore : undefined;
    this.activeId = restored?.resultId ?? run?.results[0]?.id ?? null;
    this.restoreTopRow = restored?.topRow ?? 0;
    for (const result of run?.results ?? []) {
      const puller = new Puller(result, new RowStore(), this);
      this.pullers.set(result.id, puller);
    }
    this.tabs.reset(run?.results ?? [], this.activeId);
    this.labelPanel();
    this.showRun();
    // Only the shown result pulls rows; hidden tabs ask for nothing.
    this.active()?.setActive(true);
    this.countHeld();
  }

  private updateResult(result: ResultView): void {
    const run = this.run;
    if (run === null) return;
    const index = run.results.findIndex((candidate) => candidate.id === result.id);
    if (index < 0) {
      this.addResult(run, result);
      return;
    }
    this.run = { ...run, results: run.results.map((candidate, i) => (i === index ? result : candidate)) };
    this.tabs.update(result);
    this.pullers.get(result.id)?.update(result);
    if (result.id === this.activeId) this.renderActive();
  }

  /** A further result set of a statement (a T-SQL batch returns several): a tab after its statement's others. */
  private addResult(run: RunView, result: ResultView): void {
    let at = 0;
    while (at < run.results.length && run.results[at].index <= result.index) at++;
    const results = [...run.results.slice(0, at), result, ...run.results.slice(at)];
    this.run = { ...run, results };
    const puller = new Puller(result, new RowStore(), this);
    this.pullers.set(result.id, puller);
    this.tabs.insert(result, at);
    // The statement's earlier tabs are now numbered as parts of it.
    for (const sibling of results) if (sibling.index === result.index && sibling.id !== result.id) this.tabs.update(sibling);
  }

  private activate(resultId: string): void {
    if (resultId === this.activeId) return;
    this.active()?.setActive(false);
    this.activeId = resultId;
    this.restoreTopRow = 0;
    this.tabs.activate(resultId);
    this.labelPanel();
    this.detail.hide();
    this.renderActive();
    this.active()?.setActive(true);
    // At once: a tab chosen is one step, and the user may switch worksheets right after it.
    this.postPlace(0, true);
  }

  /** The panel is named by its tab, as a tab panel is. */
  private labelPanel(): void {
    const id = this.activeId === null ? undefined : this.tabs.tabId(this.activeId);
    if (id === undefined) this.panel.removeAttribute('aria-labelledby');
    else this.panel.setAttribute('aria-labelledby', id);
  }

  private showRun(): void {
    const hasRun = this.run !== null && this.run.results.length > 0;
    this.empty.hidden = hasRun;
    this.panel.hidden = !hasRun;
    this.tabs.element.hidden = !hasRun;
    if (hasRun) this.renderActive();
  }

  private active(): Puller | undefined {
    return this.activeId === null ? undefined : this.pullers.get(this.activeId);
  }

  /** Brings the panel in line with the active result; rebuilds only the parts whose shape changed. */
  private renderActive(): void {
    const puller = this.active();
    if (puller === undefined) return;
    const result = puller.view;
    this.stampSlot.replaceChildren(renderStamp(result.stamp));
    const bodyKey = [result.id, result.status, result.error?.message ?? '', result.notices.length, result.columns === null ? 'none' : 'grid', result.command ?? '', result.stamp?.rowCount ?? '', result.storedRows === 0].join('|');
    if (bodyKey !== this.bodyKey) {
      this.bodyKey = bodyKey;
      this.messageSlot.replaceChildren(...this.messages(result));
    }
    this.renderGrid(puller);
    this.renderStatus();
  }

  private messages(result: ResultView): HTMLElement[] {
    const parts: (HTMLElement | null)[] = [];
    if (result.error !== null) parts.push(renderError(result, result.error, () => this.host.post({ type: 'showStatement', resultId: result.id })));
    else if (result.columns === null) parts.push(result.status === 'succeeded' ? renderSummary(result) : renderPlaceholder(result));
    else if (result.status === 'succeeded' && result.storedRows === 0) parts.push(renderNoRows());
    parts.push(renderNotices(result.notices));
    return parts.filter((part): part is HTMLElement => part !== null);
  }

  private renderGrid(puller: Puller): void {
    const result = puller.view;
    const columns = result.columns;
    if (columns === null) {
      this.destroyGrid();
      this.gridHost.hidden = true;
      return;
    }
    this.gridHost.hidden = false;
    if (this.grid === null || this.grid.resultId !== result.id) {
      this.destroyGrid();
      this.hasSelection = false;
      const grid = new ResultGrid(this.gridHost, columns, puller.store, { nonce: this.nonce, cellTextLimit: this.settings.cellTextLimit, sortBlock: sortBlock(puller) }, {
        cellFocused: (cell, how) => this.cellFocused(cell, how),
        selectionChanged: (hasSelection) => {
          this.hasSelection = hasSelection;
          this.renderStatus();
        },
        copy: (text, what) => this.host.post({ type: 'copy', text, what }),
        rendered: () => puller.rendered(),
        sortBlocked: (reason) => this.status.explain(reason),
        hostSort: (state) => {
          this.sorting = true;
          this.hostSort = { resultId: result.id, done: 0 };
          this.renderStatus();
          this.host.post({ type: 'sort', resultId: result.id, column: state?.column ?? 0, direction: state?.direction ?? null });
        },
        copyRefused: (reason) => this.status.explain(reason),
        viewportChanged: (viewport) => this.viewportChanged(puller, viewport),
        sortChanged: (_state, busy) => {
          this.sorting = busy;
          this.renderStatus();
        },
      });
      this.grid = { resultId: result.id, grid };
      grid.rowsChanged();
      if (this.restoreTopRow > 0) grid.scrollToRow(this.restoreTopRow);
      this.restoreTopRow = 0;
    }
    this.grid.grid.setSortBlock(sortBlock(puller));
  }

  private viewportChanged(puller: Puller, viewport: Viewport): void {
    puller.setViewport(viewport);
    if (puller.view.id === this.activeId) this.postPlace(viewport.top);
  }

  /** Tells the host where the user is: shortly after they stop scrolling, or `now`. */
  private postPlace(topRow: number, now = false): void {
    window.clearTimeout(this.placeTimer);
    const resultId = this.activeId;
    if (resultId === null) return;
    const post = () => {
      this.host.post({ type: 'viewState', resultId, topRow });
      // Where the host now knows the user is (a debug mark tests wait for before switching away).
      document.body.dataset.placePosted = `${resultId}:${topRow}`;
    };
    if (now) post();
    else this.placeTimer = window.setTimeout(post, PLACE_DELAY_MS);
  }

  /** Rows held in the webview, on the page for tests and benchmarks to read (data-held-rows, data-peak-held-rows). */
  private countHeld(): void {
    let held = 0;
    for (const puller of this.pullers.values()) held += puller.store.held;
    this.peakHeld = Math.max(this.peakHeld, held);
    const pulls = [...this.pullers.values()].reduce((sum, puller) => sum + puller.pulls, 0);
    Object.assign(document.body.dataset, { heldRows: String(held), peakHeldRows: String(this.peakHeld), pulls: String(pulls) });
  }

  private cellFocused(cell: FocusedCell, how: 'click' | 'move' | 'open'): void {
    if (how === 'open' || (how === 'click' && cell.cut) || this.detail.isOpen) this.detail.show(cell);
  }

  private renderStatus(): void {
    const puller = this.active();
    if (puller === undefined) return;
    const result = puller.view;
    const hostSort = this.hostSort?.resultId === result.id ? this.hostSort.done : null;
    this.status.update({ result, rows: puller.store.length, pullFailure: puller.failed, sort: puller.store.sort, sorting: this.sorting, hostSort });
    this.actions.update(result, this.hasSelection);
  }

  private destroyGrid(): void {
    this.grid?.grid.destroy();
    this.grid = null;
    this.sorting = false;
    this.hostSort = null;
  }
}

/** Inflates RFC 1951 data with the browser's own decompressor (off the script's hot path). */
async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Why the active result's headers do not sort now, or null when they do. */
function sortBlock(puller: Puller): string | null {
  if (!canSort(puller.view)) return 'Sorting is available once the statement has finished or paused.';
  if (puller.store.length > puller.store.limit && !isSettled(puller.view.status)) {
    // The host sorts what it stores; rows held back at the limit would be missing from the order.
    return `Sorting results over ${formatCount(puller.store.limit)} rows is available once the statement has finished: use Fetch all or Stop reading first.`;
  }
  return null;
}
