import type { SlickGrid } from 'slickgrid';
import { ROW_NUMBER_ID } from './grid-columns';
import type { SortState } from './row-store';

/** SlickGrid's own key handling, which it binds only to its hidden focus sinks and its canvas. */
interface GridInternals {
  handleKeyDown(event: KeyboardEvent): void;
  setFocus(): void;
}

/**
 * Makes SlickGrid's DOM a grid a screen reader can read and a keyboard user can reach with one
 * Tab stop. The grid element (role grid) holds the focus and points at the active cell with
 * aria-activedescendant, so the cell is announced with its row and column; the focus never sits
 * on a cell node, which virtualisation removes and re-creates as rows arrive and scroll. Rows and
 * cells carry their true positions (aria-rowindex over the whole result, aria-colindex), the
 * grid its true size (aria-rowcount, aria-colcount), and sorted headers aria-sort.
 */
export class GridAria {
  private sort: SortState | null = null;

  constructor(
    private readonly element: HTMLElement,
    private readonly grid: SlickGrid,
    private readonly rowCount: () => number,
    /** Keys the result grid handles itself; true when it did (SlickGrid then never sees them). */
    private readonly ownKey: (event: KeyboardEvent) => boolean,
    /** The grid took the focus with no active cell: the cell to start at, or null (no rows). */
    private readonly firstCell: () => { row: number; cell: number } | null,
  ) {
    element.tabIndex = 0;
    // SlickGrid's panes, viewports, canvases and focus sinks are tab stops of their own; the grid
    // is one, and the only focusable element a grid may own besides its cells.
    // A grid may own only rows (and what they own); focusable nodes of other kinds break that.
    for (const node of element.querySelectorAll<HTMLElement>('[tabindex]')) node.removeAttribute('tabindex');
    for (const node of element.querySelectorAll<HTMLElement>('.slick-pane, .slick-viewport, .grid-canvas, .slick-header, .slick-headerrow, .slick-top-panel-scroller, .slick-footerrow, .slick-pane-header')) {
      node.setAttribute('role', 'presentation');
    }
    for (const node of element.querySelectorAll<HTMLElement>('.slick-header-columns')) node.setAttribute('aria-rowindex', '1');
    const internals = grid as unknown as GridInternals;
    // SlickGrid focuses a hidden sink after a click; the grid element is where the focus belongs.
    internals.setFocus = () => element.focus({ preventScroll: true });
    // A click on a cell focuses the cell node (SlickGrid gives cells tabindex -1, which also makes
    // the scrolling viewport reachable for assistive technology): the focus goes back to the grid.
    element.addEventListener('focusin', (event) => {
      if (event.target !== element) element.focus({ preventScroll: true });
    });
    // Reached with the keyboard, the grid starts at a cell so the arrow keys have somewhere to go
    // (a click chooses its own cell; starting elsewhere first would flash the value pane).
    element.addEventListener('focus', () => {
      if (!element.matches(':focus-visible')) return;
      if (this.grid.getActiveCell() !== null && this.grid.getActiveCell() !== undefined) return;
      const first = this.firstCell();
      if (first !== null) this.grid.setActiveCell(first.row, first.cell);
    });
    element.addEventListener('keydown', (event) => {
      if (event.target !== element) return;
      if (event.key === 'Tab') {
        this.leaveWithTab();
        return;
      }
      if (this.ownKey(event)) {
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      internals.handleKeyDown(event);
    });
    grid.onActiveCellChanged.subscribe(() => this.pointAtActiveCell());
    grid.onRendered.subscribe(() => this.refresh());
    grid.onHeaderCellRendered.subscribe((_event, args) => {
      args.node.setAttribute('aria-colindex', String(this.grid.getColumnIndex(args.column.id) + 1));
      // The row-number column's header shows '#', which a screen reader would read as "number sign".
      if (args.column.id === ROW_NUMBER_ID) args.node.setAttribute('aria-label', 'Row');
      this.showSort(this.sort);
    });
  }

  /**
   * Tab leaves the grid. Chromium makes a scroller without keyboard-focusable content a Tab stop
   * of its own, so the next stop would be SlickGrid's viewport (which hands the focus back: a
   * trap). The viewports are inert while the browser moves the focus, which it does right after
   * this keydown; they are back in the next task.
   */
  private leaveWithTab(): void {
    const viewports = [...this.element.querySelectorAll<HTMLElement>('.slick-viewport')];
    for (const viewport of viewports) viewport.inert = true;
    setTimeout(() => {
      for (const viewport of viewports) viewport.inert = false;
    }, 0);
  }

  /** Positions and sizes after a render (rows are created as they scroll into view). */
  refresh(): void {
    this.element.setAttribute('aria-rowcount', String(this.rowCount() + 1));
    this.element.setAttribute('aria-colcount', String(this.grid.getColumns().length));
    for (const row of this.element.querySelectorAll<HTMLElement>('.grid-canvas > .slick-row')) {
      const index = String(Number(row.dataset.row) + 2);
      if (row.getAttribute('aria-rowindex') !== index) row.setAttribute('aria-rowindex', index);
    }
    this.pointAtActiveCell();
  }

  showSort(state: SortState | null): void {
    this.sort = state;
    this.grid.getColumns().forEach((column, index) => {
      const header = this.grid.getColumnByIndex(index);
      if (header === undefined || header === null) return;
      if (state !== null && column.id === `c${state.column}`) header.setAttribute('aria-sort', state.direction === 'asc' ? 'ascending' : 'descending');
      else header.removeAttribute('aria-sort');
    });
  }

  private pointAtActiveCell(): void {
    const node = this.grid.getActiveCellNode();
    const active = this.grid.getActiveCell();
    if (node === null || node === undefined || active === null || active === undefined) {
      this.element.removeAttribute('aria-activedescendant');
      return;
    }
    const id = `${this.grid.getUID()}-r${active.row}-c${active.cell}`;
    node.id = id;
    if (this.element.getAttribute('aria-activedescendant') !== id) this.element.setAttribute('aria-activedescendant', id);
  }
}
