/** AG Grid Community 36: client-side row model, rows streamed with applyTransactionAsync. */
import { AllCommunityModule, createGrid, ModuleRegistry, type ColDef, type ICellRendererComp } from 'ag-grid-community';
import { cellText, COLUMNS, ROW_HEIGHT, type Cell } from './data';
import { exposeBenchmark, find, nullElement } from './harness';

ModuleRegistry.registerModules([AllCommunityModule]);

/** AG Grid reads `data[colDef.field]`; a row is an array, so the fields are '0'…'9'. */
type Item = Record<string, Cell>;

/** Only NULL cells get a renderer; every other cell is the grid's default text rendering. */
class NullCell implements ICellRendererComp<Item> {
  private readonly gui = nullElement();
  init(): void {}
  getGui(): HTMLElement {
    return this.gui;
  }
  refresh(): boolean {
    return false;
  }
}

exposeBenchmark((host) => {
  const columnDefs: ColDef<Item>[] = COLUMNS.map((spec, index) => ({
    colId: `c${index}`,
    field: String(index),
    headerName: spec.title,
    width: spec.width,
    valueFormatter: ({ value }: { value: Cell | undefined }) => (value === null || value === undefined ? '' : cellText(value)),
    cellRendererSelector: ({ value }) => (value === null ? { component: NullCell } : undefined),
  }));
  const api = createGrid<Item>(host, {
    columnDefs,
    // No type inference: booleans would otherwise become checkboxes and numbers get formatted.
    defaultColDef: { cellDataType: false, sortable: true, resizable: true },
    rowHeight: ROW_HEIGHT,
    headerHeight: 28,
    animateRows: false,
    // Render inside the scroll event (like the other two) instead of in its own later frames.
    suppressAnimationFrame: true,
  });
  let added = 0;

  return {
    // v36 scrolls header and rows together in .ag-grid-viewport (no .ag-body-viewport any more).
    viewport: () => find(host, '.ag-grid-viewport'),
    append(batch) {
      const add = batch as unknown as Item[];
      // The first batch synchronously, so that the first rows show without the async wait.
      if (added === 0) api.applyTransaction({ add });
      else api.applyTransactionAsync({ add });
      added += batch.length;
    },
    async settle() {
      api.flushAsyncTransactions();
    },
    rowCount: () => api.getDisplayedRowCount(),
    rowSelector: '.ag-row',
    headerSelector: '.ag-header',
    renderedRowCount: () => host.querySelectorAll('.ag-row').length,
    renderedId(position) {
      const text = host.querySelector(`.ag-row[row-index="${position}"] [col-id="c0"]`)?.textContent;
      return text ? Number(text) : undefined;
    },
    sortByIdDescending() {
      api.applyColumnState({ state: [{ colId: 'c0', sort: 'desc' }], defaultState: { sort: null } });
    },
  };
});
