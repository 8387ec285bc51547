/** What one page's `window.benchmark()` returns (shared by the browser pages and the Node driver). */
export interface GridBenchResult {
  /** Rows streamed (1,000,000) and rows the grid reported at the end. */
  readonly rows: number;
  readonly gridRows: number;
  /** First batch appended → first row elements in the DOM. */
  readonly firstPaintMs: number;
  /** All rows streamed in batches of 1000 until the grid holds them all. */
  readonly appendMs: number;
  /** rAF-to-rAF intervals while scrolling top to bottom, one scroll step per frame. */
  readonly frameMedianMs: number;
  readonly frameP95Ms: number;
  /** Per step: set scrollTop, let the grid render, force a layout read. */
  readonly workMedianMs: number;
  readonly workP95Ms: number;
  readonly scrollSteps: number;
  /** Steps after which the top or the bottom of the viewport showed no row (hit test). */
  readonly blankSteps: number;
  /** The viewport's scrollHeight: below rows × row height, the grid pages or scales its canvas. */
  readonly scrollHeightPx: number;
  readonly domRowsMin: number;
  readonly domRowsMax: number;
  /** Whether the row with id 1,000,000 was in the DOM after scrolling to the bottom. */
  readonly lastRowReached: boolean;
  /** Sort by id descending → first row shows id 1,000,000. */
  readonly sortMs: number;
  /** usedJSHeapSize after a forced GC: data only (before the grid existed), and after loading. */
  readonly heapDataMB: number;
  readonly heapLoadedMB: number;
}
