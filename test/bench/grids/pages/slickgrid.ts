/** SlickGrid 5 (vanilla ESM) over a custom data provider: no DataView, no copied arrays. */
import { SlickGrid, type Column, type CustomDataView, type Formatter, type GridOption } from 'slickgrid';
import { cellText, COLUMNS, ROW_HEIGHT, RowStore, type Cell } from './data';
import { exposeBenchmark, find, nullElement } from './harness';

/** SlickGrid reads `item[column.field]`; a row is an array, so the fields are '0'…'9'. */
type Item = Record<string, Cell>;

// A string result is set with textContent (enableHtmlRendering is off); NULL is an element.
const formatter: Formatter<Item> = (_row, _cell, value: Cell) => (value === null ? nullElement() : cellText(value));

exposeBenchmark((host) => {
  const store = new RowStore();
  const provider: CustomDataView<Item> = {
    getLength: () => store.length,
    getItem: (position) => store.get(position) as unknown as Item,
    getItemMetadata: () => null,
  };
  const columns: Column<Item>[] = COLUMNS.map((spec, index) => ({
    id: `c${index}`,
    field: String(index),
    name: spec.title,
    width: spec.width,
    sortable: true,
    resizable: true,
    defaultSortAsc: index !== 0, // the id header sorts descending on its first click
    formatter,
  }));
  const options: GridOption<Column<Item>> = {
    rowHeight: ROW_HEIGHT,
    enableHtmlRendering: false,
    enableColumnReorder: false, // reordering needs a global Sortable (sortablejs)
    enableCellNavigation: true,
    forceSyncScrolling: true, // render on every scroll event, not throttled by a 10 ms timer
    rowTopOffsetRenderType: 'transform',
    nonce: '', // a webview passes its CSP nonce here for the grid's generated <style>
  };
  const grid = new SlickGrid<Item, Column<Item>>(host, provider, columns, options);
  grid.onSort.subscribe((_event, args) => {
    if ('sortCol' in args && args.sortCol) {
      store.sortBy(Number(args.sortCol.field), !args.sortAsc);
      grid.invalidate();
    }
  });

  // Row counts go to the grid per batch; rendering happens at most once a frame.
  let renderQueued = false;
  return {
    viewport: () => find(host, '.slick-viewport'),
    append(batch) {
      store.append(batch);
      grid.updateRowCount();
      if (!renderQueued) {
        renderQueued = true;
        requestAnimationFrame(() => {
          renderQueued = false;
          grid.render();
        });
      }
    },
    settle: async () => undefined,
    rowCount: () => grid.getDataLength(),
    rowSelector: '.slick-row',
    headerSelector: '.slick-header',
    renderedRowCount: () => host.querySelectorAll('.slick-row').length,
    renderedId(position) {
      const text = host.querySelector(`.slick-row[data-row="${position}"] > .l0`)?.textContent;
      return text ? Number(text) : undefined;
    },
    sortByIdDescending() {
      host.querySelector<HTMLElement>('.slick-header-column[data-id="c0"]')?.click();
    },
  };
});
