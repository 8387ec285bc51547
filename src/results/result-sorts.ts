import type { ResultSet } from './result-set';
import { SortCancelledError, sortChunks, type SortOptions } from './sorter';
import type { SortDirection } from './sort-order';

/** How a sort asked for ended: the order is on the result, or why not. Cancelled sorts say nothing. */
export type SortOutcome =
  | { readonly kind: 'sorted'; readonly column: number; readonly direction: SortDirection | null; readonly rows: number; readonly ms: number }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'cancelled' };

/**
 * The host's sorts of one window's results: at most one runs at a time, and a new sort (of any
 * result) or a new run cancels the one under way, so a worker never sorts for a view that moved on.
 * The order is kept on the result itself (ResultSet.setOrder), where pulls, exports and copies find it.
 */
export class ResultSorts {
  private running: { readonly controller: AbortController; readonly resultId: string } | undefined;

  constructor(private readonly options: Pick<SortOptions, 'workerFile'> = {}) {}

  /**
   * Sorts a settled result by one column (direction null: arrival order again). `onProgress`
   * hears the share of rows the worker has read, from 0 to 1.
   */
  async sort(result: ResultSet, column: number, direction: SortDirection | null, onProgress?: (done: number) => void): Promise<SortOutcome> {
    this.cancel();
    if (direction === null) {
      result.setOrder(undefined);
      return { kind: 'sorted', column, direction, rows: result.rowCount, ms: 0 };
    }
    if (!result.settled) {
      // Rows still arriving (or held at the row limit) would not be in the order: refused, not half done.
      return { kind: 'failed', reason: 'Sorting a result this large is available once the statement has finished: use Fetch all or Stop reading first.' };
    }
    const kind = result.view().columns?.[column]?.kind;
    if (kind === undefined) return { kind: 'failed', reason: 'That column is not in this result.' };
    const controller = new AbortController();
    this.running = { controller, resultId: result.id };
    const started = performance.now();
    const total = Math.max(1, result.rowCount);
    try {
      const { order, bounds } = await sortChunks(result.chunkTexts(), column, kind, direction, {
        ...this.options,
        signal: controller.signal,
        ...(onProgress ? { onProgress: (rows: number) => onProgress(Math.min(1, rows / total)) } : {}),
      });
      if (controller.signal.aborted || result.isDisposed) return { kind: 'cancelled' };
      result.adoptRowBounds(bounds);
      result.setOrder({ column, direction, order });
      return { kind: 'sorted', column, direction, rows: order.length, ms: performance.now() - started };
    } catch (error) {
      if (error instanceof SortCancelledError || controller.signal.aborted) return { kind: 'cancelled' };
      return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
    } finally {
      if (this.running?.controller === controller) this.running = undefined;
    }
  }

  /**
   * Puts a result in the grid's order before an export or a copy streams it: kept when it is in
   * that order already (a large result the host sorted), sorted when the grid sorted it itself (a
   * result that fits the view), put back in arrival order when the grid shows that.
   */
  async ensureOrder(result: ResultSet, sort: { readonly column: number; readonly direction: SortDirection } | null): Promise<SortOutcome | { readonly kind: 'kept' }> {
    const order = result.order;
    if (sort === null) {
      if (order === undefined) return { kind: 'kept' };
      return this.sort(result, 0, null);
    }
    if (order !== undefined && order.column === sort.column && order.direction === sort.direction) return { kind: 'kept' };
    return this.sort(result, sort.column, sort.direction);
  }

  /**
   * Stops the sort under way (only if it sorts `resultId`, when given); its caller hears
   * `cancelled`. True when a sort was stopped.
   */
  cancel(resultId?: string): boolean {
    const running = this.running;
    if (running === undefined || (resultId !== undefined && running.resultId !== resultId)) return false;
    running.controller.abort();
    this.running = undefined;
    return true;
  }
}
