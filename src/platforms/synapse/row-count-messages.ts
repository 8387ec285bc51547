import type { ServerNotice } from '../types';

/**
 * The row counts of a T-SQL request as the messages SQL Server tools print ("(3 rows affected)"),
 * in order with the request's other messages (PRINT, warnings) and result sets.
 *
 * Counts that end a result set are not messages: the result's own row count says it. And a
 * request whose only outcome is one count (a lone UPDATE) shows it as its summary, not twice;
 * so counts wait until something else is reported, or the request ends, before they go out.
 */
export class RowCountMessages {
  private pending: number[] = [];
  /** Something besides a row count was reported: counts go out at once from now on. */
  private spoke = false;

  constructor(private readonly notice: (notice: ServerNotice) => void) {}

  /** A statement that returned no result set reported this many rows affected. */
  count(rows: number): void {
    if (this.spoke) this.emit(rows);
    else this.pending.push(rows);
  }

  /** A message or a result set is about to be reported: counts reported before it go first. */
  other(): void {
    this.spoke = true;
    this.flush();
  }

  /**
   * The request ended. A single count that was all it reported stays out of the messages when
   * the request succeeded (its summary says it); otherwise every count shows.
   */
  end(succeeded: boolean): void {
    if (succeeded && !this.spoke && this.pending.length === 1) {
      this.pending = [];
      return;
    }
    this.flush();
  }

  private flush(): void {
    const counts = this.pending;
    this.pending = [];
    for (const rows of counts) this.emit(rows);
  }

  private emit(rows: number): void {
    this.notice({ severity: 'INFO', message: `(${rows} ${rows === 1 ? 'row' : 'rows'} affected)` });
  }
}
