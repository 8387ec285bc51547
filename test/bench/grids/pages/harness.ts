/** The measurements, shared by every candidate page; each page only adapts its grid. */
import type { GridBenchResult } from '../result';
import { BATCH_SIZE, generateRows, ROW_COUNT, type Row } from './data';

/** What a candidate page gives the harness. */
export interface GridUnderTest {
  /** The element that scrolls vertically. */
  viewport(): HTMLElement;
  /** Appends one batch and tells the grid the row count changed. */
  append(batch: Row[]): void;
  /** Resolves once every appended row is in the grid's model. */
  settle(): Promise<void>;
  /** Rows the grid holds. */
  rowCount(): number;
  /** Matches one row element of the grid's body, and the grid's header. */
  readonly rowSelector: string;
  readonly headerSelector: string;
  /** Row elements in the DOM. */
  renderedRowCount(): number;
  /** The id the DOM shows for the row at this position, when that row is rendered. */
  renderedId(position: number): number | undefined;
  /** Sorts by the id column, descending, through the grid's own sort mechanism. */
  sortByIdDescending(): void;
}

declare global {
  interface Window {
    benchmark(): Promise<GridBenchResult>;
    /** After `benchmark()`: scrolls to the last rows, for a screenshot. */
    showLastRows(): Promise<void>;
  }
}

const SCROLL_STEPS = 600;
const WAIT_LIMIT_MS = 60_000;

const NULL_TEMPLATE = document.createElement('span');
NULL_TEMPLATE.className = 'cell-null';
NULL_TEMPLATE.textContent = 'NULL';

/** The styled element every grid shows for a NULL. */
export function nullElement(): HTMLElement {
  return NULL_TEMPLATE.cloneNode(true) as HTMLElement;
}

/** The element matching `selector` under `root`; throws when there is none. */
export function find(root: ParentNode, selector: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(selector);
  if (element === null) throw new Error(`no ${selector} in the page`);
  return element;
}

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function frames(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await nextFrame();
}

/** Waits frame by frame until `done()`; throws after a minute. */
async function until(what: string, done: () => boolean): Promise<void> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > WAIT_LIMIT_MS) throw new Error(`timed out waiting for ${what}`);
    await nextFrame();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** usedJSHeapSize after a full GC (the driver starts Chromium with --expose-gc and precise memory info). */
function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
  return memory === undefined ? NaN : memory.usedJSHeapSize / 1048576;
}

function setScrollTop(viewport: HTMLElement, top: number): void {
  viewport.scrollTop = top;
  // The real scroll event only comes with the next frame; this lets the grid render now.
  viewport.dispatchEvent(new Event('scroll'));
}

/** Whether the top and the bottom of the rows area show a row (hit-tested, outside the timing). */
function rowsCover(grid: GridUnderTest): boolean {
  const viewport = grid.viewport();
  const box = viewport.getBoundingClientRect();
  // AG Grid 36 keeps its (sticky) header inside the scrolling element.
  const top = Math.max(box.top, find(document, grid.headerSelector).getBoundingClientRect().bottom);
  const x = box.left + 20;
  return [top + 2, box.top + viewport.clientHeight - 2].every((y) => document.elementFromPoint(x, y)?.closest(grid.rowSelector));
}

async function stream(grid: GridUnderTest, rows: readonly Row[]) {
  const start = performance.now();
  let firstPaintMs = NaN;
  for (let batch = 0; batch * BATCH_SIZE < rows.length; batch++) {
    grid.append(rows.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE));
    if (batch === 0) {
      await nextFrame();
      await until('the first rows', () => grid.renderedRowCount() > 0);
      firstPaintMs = performance.now() - start;
    } else if (batch % 50 === 0) {
      await nextFrame();
    }
  }
  await grid.settle();
  const appendMs = performance.now() - start;
  if (grid.rowCount() !== rows.length) throw new Error(`the grid holds ${grid.rowCount()} of ${rows.length} rows`);
  return { firstPaintMs, appendMs };
}

async function scrollThrough(grid: GridUnderTest) {
  const viewport = grid.viewport();
  setScrollTop(viewport, 0);
  await frames(3);
  const maxTop = viewport.scrollHeight - viewport.clientHeight;
  const intervals: number[] = [];
  const work: number[] = [];
  let domRowsMin = Infinity;
  let domRowsMax = 0;
  let blankSteps = 0;
  let last = await nextFrame();
  for (let step = 1; step <= SCROLL_STEPS; step++) {
    const now = await nextFrame();
    intervals.push(now - last);
    last = now;
    const start = performance.now();
    setScrollTop(viewport, Math.round((maxTop * step) / SCROLL_STEPS));
    void viewport.scrollHeight; // forced layout
    work.push(performance.now() - start);
    const domRows = grid.renderedRowCount();
    domRowsMin = Math.min(domRowsMin, domRows);
    domRowsMax = Math.max(domRowsMax, domRows);
    if (!rowsCover(grid)) blankSteps++;
  }
  await frames(3);
  return {
    frameMedianMs: percentile(intervals, 50),
    frameP95Ms: percentile(intervals, 95),
    workMedianMs: percentile(work, 50),
    workP95Ms: percentile(work, 95),
    scrollSteps: SCROLL_STEPS,
    scrollHeightPx: viewport.scrollHeight,
    blankSteps,
    domRowsMin,
    domRowsMax,
    lastRowReached: grid.renderedId(ROW_COUNT - 1) === ROW_COUNT,
  };
}

async function sortById(grid: GridUnderTest): Promise<number> {
  setScrollTop(grid.viewport(), 0);
  await frames(3);
  const start = performance.now();
  grid.sortByIdDescending();
  await until('the sorted first row', () => grid.renderedId(0) === ROW_COUNT);
  return performance.now() - start;
}

async function benchmark(create: (host: HTMLElement) => GridUnderTest): Promise<GridBenchResult> {
  const rows = generateRows(ROW_COUNT);
  const heapDataMB = heapMB();
  const host = document.getElementById('grid');
  if (host === null) throw new Error('the page has no #grid');
  const grid = create(host);
  const { firstPaintMs, appendMs } = await stream(grid, rows);
  await frames(3);
  const heapLoadedMB = heapMB();
  const scroll = await scrollThrough(grid);
  const sortMs = await sortById(grid);
  return { rows: rows.length, gridRows: grid.rowCount(), firstPaintMs, appendMs, ...scroll, sortMs, heapDataMB, heapLoadedMB };
}

/** Puts `benchmark()` and `showLastRows()` on `window` for the driver. */
export function exposeBenchmark(create: (host: HTMLElement) => GridUnderTest): void {
  let grid: GridUnderTest | undefined;
  window.benchmark = () =>
    benchmark((host) => {
      grid = create(host);
      return grid;
    });
  window.showLastRows = async () => {
    if (grid === undefined) throw new Error('run benchmark() first');
    setScrollTop(grid.viewport(), grid.viewport().scrollHeight);
    await frames(3);
  };
}
