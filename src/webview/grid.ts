import {
  SlickCellRangeSelector,
  SlickCellSelectionModel,
  SlickGrid,
  SlickRange,
  type Column,
  type CustomDataView,
  type GridOption,
  type SlickEventData,
} from 'slickgrid';
import type { ColumnView } from '../results/protocol';
import { isCut } from './cells';
import { formatCount } from './format';
import { blocksToTsv, describeBlocks, type CellBlock } from './clipboard';
import { GridAria } from './grid-aria';
import { dataColumn, dataIndex, rowNumberColumn, ROW_NUMBER_ID, WidthMeter } from './grid-columns';
import type { Viewport } from './puller';
import type { Cell, Row, RowStore, SortDirection, SortState } from './row-store';

export interface FocusedCell {
  readonly displayRow: number;
  /** The row's place in arrival order (what the row-number column shows when unsorted). */
  readonly rowIndex: number;
  readonly column: ColumnView;
  readonly value: Cell;
  readonly cut: boolean;
}

export interface GridEvents {
  /** `how`: a click, a keyboard move, or an explicit request for the whole value (double-click, Enter). */
  cellFocused(cell: FocusedCell, how: 'click' | 'move' | 'open'): void;
  selectionChanged(hasSelection: boolean): void;
  copy(text: string, what: string): void;
  /** Rows are in the grid's DOM (called after each render that shows rows). */
  rendered(): void;
  /** A sort of a result too large for the webview: the host sorts it (state null: arrival order). */
  hostSort(state: SortState | null): void;
  /** A header was clicked while sorting is not possible, for this reason. */
  sortBlocked(reason: string): void;
  /** The rows in view changed (scroll, resize, row count). */
  viewportChanged(viewport: Viewport): void;
  /** A copy was refused, with the reason to show. */
  copyRefused(reason: string): void;
  sortChanged(state: SortState | null, busy: boolean): void;
}

export interface GridSettings {
  readonly nonce: string;
  readonly cellTextLimit: number;
  /** Why the headers do not sort now, or null when they do. */
  readonly sortBlock: string | null;
}

const ROW_HEIGHT = 24;

/** The element (in the page, beside the grid) that tells a screen reader the grid's keys. */
export const GRID_KEYS_ID = 'grid-keys';

/**
 * SlickGrid over a RowStore: the grid asks the store for rows by index (nothing is copied into
 * arrays), renders cells as text, and sorts through the store's permutation. Its row count is the
 * result's (the host's), so the scrollbar is right; rows not held yet render as dim placeholder
 * rows (class `row-pending`) until their window arrives.
 */
export class ResultGrid {
  private readonly element: HTMLDivElement;
  private readonly grid: SlickGrid;
  private readonly selection: SlickCellSelectionModel;
  private readonly aria: GridAria;
  private readonly meter: WidthMeter;
  private readonly resizeObserver: ResizeObserver;
  private sortBlock: string | null;
  /** A sort asked for while not every row was held yet: applied once they are. */
  private queuedSort: SortState | null | undefined;
  private viewportKey = '';
  private sizedFromRows = false;
  private rowNumberWidth: number;
  private anchorRow: number | null = null;
  private lastFocusKey = '';
  private destroyed = false;
  private sortPending = false;
  /** A sort asked of the host and not answered yet (undefined: none). */
  private hostPending: SortState | null | undefined;

  constructor(
    host: HTMLElement,
    private readonly columns: readonly ColumnView[],
    private readonly store: RowStore,
    private readonly settings: GridSettings,
    private readonly events: GridEvents,
  ) {
    this.sortBlock = settings.sortBlock;
    this.element = document.createElement('div');
    this.element.className = 'grid';
    host.appendChild(this.element);
    this.meter = new WidthMeter(gridFont(host));
    this.rowNumberWidth = this.meter.rowNumbers(store.length);
    const data: CustomDataView<Row> = {
      getLength: () => this.store.length,
      getItem: (index) => this.store.getRow(index),
      getItemMetadata: (index) => (this.store.isPending(index) ? { cssClasses: 'row-pending' } : null),
    };
    const options: GridOption = {
      rowHeight: ROW_HEIGHT,
      // Cell and header text is set with textContent, never innerHTML; the nonce lets the
      // grid's own <style> element through the page's CSP.
      enableHtmlRendering: false,
      nonce: settings.nonce,
      enableCellNavigation: true,
      enableColumnReorder: false,
      enableTextSelectionOnCells: false,
      multiColumnSort: false,
      forceFitColumns: false,
      syncColumnCellResize: true,
      showCellSelection: true,
      minRowBuffer: 2,
      // Rows move by transform, so a scroll step re-lays out less of the page.
      rowTopOffsetRenderType: 'transform',
      // Our event handlers (header type labels) must be in place before the first render.
      explicitInitialization: true,
      invalidColumnFreezePickerCallback: () => undefined,
      invalidColumnFreezeWidthCallback: () => undefined,
    };
    this.grid = new SlickGrid(this.element, data, this.columnDefinitions(this.initialWidths()), options);
    this.element.setAttribute('aria-label', 'Result rows');
    this.element.setAttribute('aria-describedby', GRID_KEYS_ID);
    this.aria = new GridAria(
      this.element,
      this.grid,
      () => this.store.length,
      (event) => this.ownKey(event),
      () => (this.store.length === 0 || this.columns.length === 0 ? null : { row: Math.min(Math.max(0, this.grid.getViewport().top), this.store.length - 1), cell: 1 }),
    );
    this.sizedFromRows = store.held > 0;
    const selectorOptions = {
      selectionCss: { border: '1px solid var(--vscode-focusBorder)' } as Partial<CSSStyleDeclaration> as CSSStyleDeclaration,
    };
    this.selection = new SlickCellSelectionModel({ selectActiveCell: true, cellRangeSelector: new SlickCellRangeSelector(selectorOptions) });
    this.subscribe();
    trimScrollBuffer(this.grid);
    this.grid.init();
    this.grid.setSelectionModel(this.selection);
    // VS Code may run its copy command instead of letting the keystroke through.
    this.element.addEventListener('copy', (event) => {
      if (this.copySelection(false)) event.preventDefault();
    });
    // Resizing in the next frame keeps the canvas change out of the observer's own delivery.
    this.resizeObserver = new ResizeObserver(() =>
      requestAnimationFrame(() => {
        if (!this.destroyed) this.grid.resizeCanvas();
      }),
    );
    this.resizeObserver.observe(this.element);
    this.showSort(store.sort);
    this.element.classList.toggle('sort-locked', this.sortBlock !== null);
    this.reportViewport();
  }

  /** Rows arrived or the row count grew (called at most once per frame). */
  rowsChanged(): void {
    const rowNumberWidth = this.meter.rowNumbers(this.store.length);
    if (!this.sizedFromRows && this.store.held > 0) {
      this.sizedFromRows = true;
      this.rowNumberWidth = rowNumberWidth;
      this.grid.setColumns(this.columnDefinitions(this.initialWidths()));
    } else if (rowNumberWidth > this.rowNumberWidth) {
      this.rowNumberWidth = rowNumberWidth;
      const columns = this.grid.getColumns();
      columns[0].width = rowNumberWidth;
      this.grid.setColumns(columns);
    }
    this.grid.updateRowCount();
    // Placeholder rows already in the DOM are redrawn with the rows that arrived.
    this.grid.invalidateAllRows();
    this.grid.render();
    if (this.queuedSort !== undefined && this.store.complete()) {
      const state = this.queuedSort;
      this.queuedSort = undefined;
      this.applySort(state);
    }
    this.reportViewport();
  }

  setSortBlock(reason: string | null): void {
    if (reason !== this.sortBlock) {
      this.sortBlock = reason;
      // In place: re-rendering a header would drop its type label.
      for (const column of this.grid.getColumns()) {
        const index = dataIndex(column);
        if (index < 0) continue;
        column.toolTip = this.headerTip(index);
        this.grid.getColumnByIndex(this.grid.getColumnIndex(column.id))?.setAttribute('title', column.toolTip);
      }
    }
    this.element.classList.toggle('sort-locked', reason !== null);
    if (reason !== null) {
      this.queuedSort = undefined;
      if (this.store.sort !== null) this.applySort(null);
    }
  }

  /**
   * The host answered a sort (the store already dropped the old order's rows), or refused it
   * (`applied` false): the grid starts again at the top of the new order, or shows the old one.
   */
  hostSortDone(applied: boolean): void {
    this.hostPending = undefined;
    this.element.classList.remove('sorting');
    if (applied && !this.destroyed) {
      const column = this.keyboardColumn;
      this.selection.setSelectedRanges([]);
      this.grid.resetActiveCell();
      this.grid.invalidateAllRows();
      this.grid.updateRowCount();
      this.grid.scrollRowToTop(0);
      this.grid.render();
      this.reportViewport();
      this.keepKeyboardPlace(column);
    }
    this.showSort(this.store.sort);
  }

  /** Scrolls so that `row` is at the top (a restored view). */
  scrollToRow(row: number): void {
    if (row > 0) this.grid.scrollRowToTop(Math.min(row, Math.max(0, this.store.length - 1)));
    this.reportViewport();
  }

  hasSelection(): boolean {
    return this.blocks().length > 0;
  }

  /** Copies the selected cells as TSV through the host; false when nothing is selected. */
  copySelection(withHeaders: boolean): boolean {
    const blocks = this.blocks();
    if (blocks.length === 0) return false;
    const missing = blocks.some((block) => {
      for (let row = block.fromRow; row <= block.toRow; row++) if (this.store.isPending(row)) return true;
      return false;
    });
    if (missing) {
      // The view holds a window of the result, not all of it: copying rows it does not hold
      // would copy blanks. The host has every row for Export and Copy as Markdown.
      this.events.copyRefused(
        `Copy takes the rows the view holds (up to ${formatCount(this.store.limit)} around where you are); this selection reaches beyond them. Use Export or Copy as Markdown for more rows.`,
      );
      return true;
    }
    const text = blocksToTsv(
      blocks,
      (row, column) => this.store.getRow(row)[column],
      withHeaders ? (column) => this.columns[column]?.name ?? '' : null,
    );
    this.events.copy(text, describeBlocks(blocks, withHeaders));
    return true;
  }

  focus(): void {
    this.grid.focus();
  }

  destroy(): void {
    this.destroyed = true;
    this.resizeObserver.disconnect();
    this.grid.destroy(true);
    this.element.remove();
  }

  private columnDefinitions(widths: readonly number[]): Column[] {
    return [
      rowNumberColumn(this.rowNumberWidth),
      ...this.columns.map((column, index) => ({ ...dataColumn(column, index, widths[index], this.settings.cellTextLimit), toolTip: this.headerTip(index) })),
    ];
  }

  /** A header's tooltip: the column and its type, and why it does not sort when it does not. */
  private headerTip(index: number): string {
    const column = this.columns[index];
    return `${column.name} · ${column.type}${this.sortBlock === null ? '' : ` — ${this.sortBlock}`}`;
  }

  private initialWidths(): number[] {
    const sample: Row[] = [];
    for (let i = 0; i < Math.min(100, this.store.length); i++) if (!this.store.isPending(i)) sample.push(this.store.getRow(i));
    return this.meter.columns(this.columns, sample, this.settings.cellTextLimit);
  }

  private subscribe(): void {
    const grid = this.grid;
    grid.onHeaderCellRendered.subscribe((_event, args) => {
      const index = dataIndex(args.column);
      if (index < 0) return;
      const type = document.createElement('span');
      type.className = 'col-type';
      type.textContent = this.columns[index].type;
      args.node.querySelector('.slick-column-name')?.after(type);
    });
    grid.onBeforeSort.subscribe((event, args) => {
      event.stopImmediatePropagation();
      const column = 'sortCol' in args && args.sortCol !== undefined && args.sortCol !== null ? dataIndex(args.sortCol) : -1;
      // SlickGrid's own header state is overwritten by ours either way.
      queueMicrotask(() => this.showSort(this.store.sort));
      if (column >= 0) this.requestSort(column);
      return false;
    });
    grid.onHeaderClick.subscribe((_event, args) => {
      if (args.column.id === ROW_NUMBER_ID) this.selectRows(0, this.store.length - 1);
    });
    grid.onClick.subscribe((event, args) => this.onClick(event, args.row, args.cell));
    grid.onDblClick.subscribe((_event, args) => this.focusCell(args.row, args.cell, 'open'));
    grid.onActiveCellChanged.subscribe((_event, args) => {
      if (args.row !== undefined && args.cell !== undefined) this.focusCell(args.row, args.cell, 'move');
    });
    this.selection.onSelectedRangesChanged.subscribe(() => this.events.selectionChanged(this.hasSelection()));
    grid.onRendered.subscribe(() => {
      // A throttled render after a big scroll lands after the scroll's viewport event.
      this.reportViewport();
      if (this.store.held > 0 && this.element.querySelector('.slick-row:not(.row-pending)') !== null) this.events.rendered();
    });
    grid.onViewportChanged.subscribe(() => this.reportViewport());
  }

  private onClick(event: SlickEventData, row: number, cell: number): void {
    if (cell === 0) {
      const shift = event.getNativeEvent<MouseEvent>().shiftKey;
      const from = shift && this.anchorRow !== null ? this.anchorRow : row;
      if (!shift) this.anchorRow = row;
      this.selectRows(Math.min(from, row), Math.max(from, row));
      return;
    }
    const active = this.grid.getActiveCell();
    if (event.getNativeEvent<MouseEvent>().shiftKey && active !== null && active !== undefined && active.cell > 0) {
      // Shift+click extends the selection from the active cell, which stays where it is.
      event.stopImmediatePropagation();
      this.selection.setSelectedRanges([new SlickRange(active.row, active.cell, row, cell)]);
      return;
    }
    this.anchorRow = row;
    // A click on a cell whose text was cut shows the whole value.
    queueMicrotask(() => this.focusCell(row, cell, 'click'));
  }

  private selectRows(from: number, to: number): void {
    const last = this.grid.getColumns().length - 1;
    if (to < from || last < 1) return;
    this.selection.setSelectedRanges([new SlickRange(from, 1, to, last)]);
    this.grid.focus();
  }

  private focusCell(row: number, cell: number, how: 'click' | 'move' | 'open'): void {
    const column = this.grid.getColumns()[cell];
    const index = column === undefined ? -1 : dataIndex(column);
    if (index < 0 || row < 0 || row >= this.store.length || this.store.isPending(row)) return;
    const key = `${row}:${cell}`;
    if (how === 'move' && key === this.lastFocusKey) return;
    this.lastFocusKey = key;
    const value = this.store.getRow(row)[index] ?? null;
    this.events.cellFocused(
      { displayRow: row, rowIndex: this.store.rowIndex(row), column: this.columns[index], value, cut: isCut(value, this.settings.cellTextLimit) },
      how,
    );
  }

  /** A header click, or S on a cell of the column: ascending, descending, then the original order. */
  private requestSort(column: number): void {
    if (this.sortBlock !== null) {
      this.events.sortBlocked(this.sortBlock);
      return;
    }
    if (this.sortPending) return;
    if (this.store.length > this.store.limit || this.store.sortedByHost) {
      // Too large to hold whole: the host sorts; a click while it does replaces (cancels) that sort.
      const next = nextSort(this.hostPending === undefined ? this.store.sort : this.hostPending, column);
      this.hostPending = next;
      this.element.classList.add('sorting');
      queueMicrotask(() => this.showSort(next));
      this.events.hostSort(next);
      return;
    }
    const next = nextSort(this.queuedSort ?? this.store.sort, column);
    if (next !== null && !this.store.complete()) {
      // Every row is on its way (the result fits the cache): sorted once they are all here.
      this.queuedSort = next;
      this.events.sortChanged(next, true);
      return;
    }
    this.applySort(next);
  }

  /**
   * The keys the grid handles before SlickGrid (which moves between cells): copy, open the whole
   * value, sort by the active cell's column, select the row or everything. True when handled.
   */
  private ownKey(event: KeyboardEvent): boolean {
    const accel = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    const active = this.grid.getActiveCell() ?? null;
    if (accel && !event.altKey && key === 'c') return this.copySelection(event.shiftKey);
    if (accel && !event.altKey && !event.shiftKey && key === 'a') {
      this.selectRows(0, this.store.length - 1);
      return true;
    }
    if (accel || event.altKey || active === null) return false;
    if (event.key === 'Enter') {
      this.focusCell(active.row, active.cell, 'open');
      return true;
    }
    if (key === 's' && !event.shiftKey) {
      const column = this.grid.getColumns()[active.cell];
      if (column !== undefined && dataIndex(column) >= 0) this.requestSort(dataIndex(column));
      return true;
    }
    if (event.key === ' ' && event.shiftKey) {
      this.selectRows(active.row, active.row);
      return true;
    }
    return false;
  }

  /** A new order starts at its top: a keyboard user stays in the column they sorted, on its first row. */
  private keepKeyboardPlace(column = this.keyboardColumn): void {
    if (document.activeElement !== this.element || this.store.length === 0) return;
    this.grid.setActiveCell(0, column);
  }

  private blocks(): CellBlock[] {
    return this.selection
      .getSelectedRanges()
      .map((range) => ({ fromRow: range.fromRow, toRow: range.toRow, fromColumn: Math.max(1, range.fromCell) - 1, toColumn: range.toCell - 1 }))
      .filter((block) => block.toColumn >= block.fromColumn && block.toRow >= block.fromRow && block.fromRow < this.store.length);
  }

  private reportViewport(): void {
    if (this.destroyed) return;
    const { top, bottom } = this.grid.getViewport();
    const viewport = { top: Math.max(0, top), bottom: Math.max(0, bottom) };
    const key = `${viewport.top}:${viewport.bottom}`;
    if (key === this.viewportKey) return;
    this.viewportKey = key;
    this.events.viewportChanged(viewport);
  }

  private applySort(state: SortState | null): void {
    this.sortPending = true;
    this.events.sortChanged(state, true);
    this.element.classList.add('sorting');
    // Let the "Sorting…" state paint before a possibly long sort blocks the thread.
    requestAnimationFrame(() =>
      setTimeout(() => {
        const column = state === null ? (this.store.sort?.column ?? 0) : state.column;
        this.store.sortBy(column, this.columns[column]?.kind ?? 'text', state === null ? null : state.direction);
        this.sortPending = false;
        if (this.destroyed) return;
        const keyColumn = this.keyboardColumn;
        this.selection.setSelectedRanges([]);
        this.grid.resetActiveCell();
        this.grid.invalidate();
        // A new order starts at its top, where the rows one sorted for are.
        this.grid.scrollRowToTop(0);
        this.showSort(this.store.sort);
        this.keepKeyboardPlace(keyColumn);
        this.element.classList.remove('sorting');
        this.events.sortChanged(this.store.sort, false);
      }, 0),
    );
  }

  private showSort(state: SortState | null): void {
    this.grid.setSortColumns(state === null ? [] : [{ columnId: `c${state.column}`, sortAsc: state.direction === 'asc' }]);
    this.aria.showSort(state);
  }

  /** The grid column of the active cell, or of the sorted column when no cell is active (a host sort reset it). */
  private get keyboardColumn(): number {
    const sorted = this.store.sort;
    return this.grid.getActiveCell()?.cell ?? (sorted === null ? 1 : sorted.column + 1);
  }
}

/** Header clicks cycle ascending → descending → original order. */
export function nextSort(current: SortState | null, column: number): SortState | null {
  if (current === null || current.column !== column) return { column, direction: 'asc' };
  const next: SortDirection | null = current.direction === 'asc' ? 'desc' : null;
  return next === null ? null : { column, direction: next };
}

function gridFont(host: HTMLElement): string {
  const style = getComputedStyle(host);
  return `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
}

/** Rows rendered beyond the viewport in the direction of a scroll. */
const SCROLL_AHEAD_ROWS = 6;

/**
 * SlickGrid renders a whole extra viewport of rows ahead of a scroll, which doubles the DOM work
 * of every frame when the user drags the scrollbar across a large result (each frame lands on
 * rows never seen before, so that buffer is thrown away). A few rows ahead keep wheel scrolling
 * seamless at half the cost per frame. The range is a fixed number of rows for the viewport's
 * height, moved rather than cut short at the top and the end of the result, so the DOM holds the
 * same number of rows wherever the grid is scrolled.
 */
function trimScrollBuffer(grid: SlickGrid): void {
  const renderedRange = grid.getRenderedRange.bind(grid);
  const visibleRange = grid.getVisibleRange.bind(grid);
  grid.getRenderedRange = (viewportTop?: number, viewportLeft?: number) => {
    // The columns rendered stay SlickGrid's choice; only the rows are chosen here.
    const range = renderedRange(viewportTop, viewportLeft);
    const visible = visibleRange(viewportTop, viewportLeft);
    // The rows a viewport of this height can show, from the height SlickGrid caches (its own
    // getViewportHeight measures the layout again; the version is pinned in package.json).
    const cachedHeight = (grid as unknown as { viewportH?: unknown }).viewportH;
    const viewportRows = typeof cachedHeight === 'number' ? Math.floor(cachedHeight / ROW_HEIGHT) + 2 : visible.bottom - visible.top + 1;
    const size = viewportRows + 2 * SCROLL_AHEAD_ROWS;
    // With no rows, bottom stays -1: a row rendered now would stay empty when rows arrive.
    const last = grid.getDataLength() - 1;
    let top = Math.max(0, visible.top - SCROLL_AHEAD_ROWS);
    let bottom = top + size - 1;
    if (bottom > last) {
      bottom = last;
      top = Math.max(0, last - size + 1);
    }
    return { ...range, top, bottom };
  };
}
