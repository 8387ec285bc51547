/**
 * @tanstack/virtual-core: the library only computes which rows are visible; this page renders
 * absolutely positioned row divs for `getVirtualItems()` and keeps rows that stay visible.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import { cellText, COLUMNS, ROW_HEIGHT, RowStore } from './data';
import { exposeBenchmark, nullElement } from './harness';

function div(className: string, parent?: HTMLElement): HTMLDivElement {
  const element = document.createElement('div');
  element.className = className;
  parent?.append(element);
  return element;
}

/** Column widths as classes in one generated <style>, as SlickGrid does. */
function columnStyles(): void {
  const style = document.createElement('style');
  style.textContent = COLUMNS.map((column, index) => `.tv-c${index}{width:${column.width}px}`).join('\n');
  document.head.append(style);
}

exposeBenchmark((host) => {
  const store = new RowStore();
  columnStyles();
  host.classList.add('tv-grid');
  const header = div('tv-header', host);
  COLUMNS.forEach((column, index) => (div(`tv-cell tv-c${index}`, header).textContent = column.title));
  const viewport = div('tv-viewport', host);
  const canvas = div('tv-canvas', viewport);
  const rendered = new Map<number, HTMLElement>();

  function buildRow(position: number, top: number): HTMLElement {
    const row = div('tv-row');
    row.dataset.index = String(position);
    row.style.transform = `translateY(${top}px)`;
    store.get(position).forEach((value, index) => {
      const cell = div(`tv-cell tv-c${index}`, row);
      if (value === null) cell.append(nullElement());
      else cell.textContent = cellText(value);
    });
    return row;
  }

  function render(): void {
    canvas.style.height = `${virtualizer.getTotalSize()}px`;
    const items = virtualizer.getVirtualItems();
    const wanted = new Set(items.map((item) => item.index));
    for (const [position, row] of rendered) {
      if (!wanted.has(position)) {
        row.remove();
        rendered.delete(position);
      }
    }
    const fresh = document.createDocumentFragment();
    for (const item of items) {
      if (rendered.has(item.index)) continue;
      const row = buildRow(item.index, item.start);
      rendered.set(item.index, row);
      fresh.append(row);
    }
    canvas.append(fresh);
  }

  const virtualizer = new Virtualizer<HTMLDivElement, HTMLDivElement>({
    count: 0,
    getScrollElement: () => viewport,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => render(),
  });
  virtualizer._didMount();
  virtualizer._willUpdate();

  // Row counts go to the grid per batch; rendering happens at most once a frame.
  let renderQueued = false;
  return {
    viewport: () => viewport,
    append(batch) {
      store.append(batch);
      virtualizer.setOptions({ ...virtualizer.options, count: store.length });
      if (!renderQueued) {
        renderQueued = true;
        requestAnimationFrame(() => {
          renderQueued = false;
          render();
        });
      }
    },
    settle: async () => undefined,
    rowCount: () => virtualizer.options.count,
    rowSelector: '.tv-row',
    headerSelector: '.tv-header',
    renderedRowCount: () => canvas.childElementCount,
    renderedId(position) {
      const text = canvas.querySelector(`.tv-row[data-index="${position}"] > .tv-cell`)?.textContent;
      return text ? Number(text) : undefined;
    },
    sortByIdDescending() {
      store.sortBy(0, true);
      for (const row of rendered.values()) row.remove();
      rendered.clear();
      render();
    },
  };
});
