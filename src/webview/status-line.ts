import type { ResultView, WebviewMessage } from '../results/protocol';
import { button, h, replaceChildren } from './dom';
import { formatCount, formatDuration, formatRows } from './format';
import { CACHE_ROWS, type SortState } from './row-store';

export interface StatusFacts {
  readonly result: ResultView;
  /** Rows the result has, as far as the view knows (the host stores them; the view holds a window). */
  readonly rows: number;
  readonly pullFailure: string | null;
  readonly sort: SortState | null;
  readonly sorting: boolean;
  /** While the host sorts this result: the share of rows it has read (0 to 1). */
  readonly hostSort: number | null;
}

/**
 * One line saying what the active result is doing, with the actions that fit that moment
 * (fetch more at the row limit, cancel while running).
 */
export class StatusLine {
  readonly element: HTMLElement;
  private readonly icon = h('span', { className: 'status-icon', attrs: { 'aria-hidden': 'true' } });
  private readonly text = h('span', { className: 'status-text', testId: 'status-text' });
  private readonly extra = h('span', { className: 'status-extra', testId: 'status-extra' });
  private readonly buttons = h('span', { className: 'status-buttons' });
  private buttonsKey = '';
  private hintTimer: number | undefined;

  constructor(private readonly post: (message: WebviewMessage) => void) {
    this.element = h('div', { className: 'status', testId: 'status', attrs: { role: 'status', 'aria-live': 'polite' } }, [this.icon, this.text, this.extra, this.buttons]);
  }

  update(facts: StatusFacts): void {
    const { result } = facts;
    this.element.dataset.status = result.status;
    this.text.textContent = mainText(facts);
    this.extra.textContent = extraText(facts);
    const key = `${result.id}|${result.status}|${facts.hostSort !== null}`;
    if (key !== this.buttonsKey) {
      this.buttonsKey = key;
      replaceChildren(this.buttons, this.buttonsFor(result, facts.hostSort !== null));
    }
  }

  /** Briefly explains why a click did nothing (a header that cannot sort, a copy refused). */
  explain(reason: string): void {
    this.extra.textContent = reason;
    this.extra.classList.add('flash');
    window.clearTimeout(this.hintTimer);
    this.hintTimer = window.setTimeout(() => this.extra.classList.remove('flash'), 2500);
  }

  private buttonsFor(result: ResultView, hostSorting: boolean): HTMLElement[] {
    const resultId = result.id;
    if (hostSorting) {
      return [button('Cancel sort', { testId: 'cancel-sort', title: 'Stop sorting; the rows keep the order they had' }, () => this.post({ type: 'cancelSort', resultId }))];
    }
    if (result.status === 'paused') {
      return [
        button('Fetch more', { primary: true, testId: 'fetch-more', title: `Read ${formatRows(result.rowLimit)} more` }, () => this.post({ type: 'fetchMore', resultId, all: false })),
        button('Fetch all', { testId: 'fetch-all', title: 'Read every remaining row' }, () => this.post({ type: 'fetchMore', resultId, all: true })),
        button('Stop reading', { testId: 'stop-reading', title: 'Let the statement finish; further rows are counted and dropped' }, () =>
          this.post({ type: 'stopReading', resultId }),
        ),
      ];
    }
    if (result.status === 'running' || result.status === 'queued') {
      return [button('Cancel', { testId: 'cancel', className: 'btn-danger', title: 'Cancel the run' }, () => this.post({ type: 'cancel' }))];
    }
    return [];
  }
}

function mainText({ result, rows }: StatusFacts): string {
  const duration = result.stamp?.durationMs;
  const took = duration === null || duration === undefined ? '' : ` · ${formatDuration(duration)}`;
  const total = result.stamp?.rowCount ?? result.storedRows;
  switch (result.status) {
    case 'queued':
      return 'Queued behind the statements before it';
    case 'running':
      return result.columns === null ? 'Running…' : `Streaming… ${formatRows(rows)}`;
    case 'paused':
      return `Paused at the row limit (${formatRows(result.rowLimit)}) — more rows are waiting`;
    case 'succeeded':
      if (result.columns === null) return `${result.command ?? 'Done'}${took}`;
      return `${formatRows(total)}${took}`;
    case 'failed':
      return `Failed${duration === null || duration === undefined ? '' : ` after ${formatDuration(duration)}`}`;
    case 'cancelled':
      return `Cancelled${duration === null || duration === undefined ? '' : ` after ${formatDuration(duration)}`}${result.storedRows > 0 ? ` · ${formatRows(result.storedRows)} kept` : ''}`;
    case 'skipped':
      return 'Not run: an earlier statement failed or was cancelled';
  }
}

function extraText({ result, rows, pullFailure, sort, sorting, hostSort }: StatusFacts): string {
  const parts: string[] = [];
  if (result.discardedRows > 0) parts.push(`Stopped reading: ${formatCount(result.discardedRows)} more row${result.discardedRows === 1 ? ' was' : 's were'} counted and dropped`);
  if (pullFailure !== null) parts.push(`Rows are no longer available: ${pullFailure}`);
  if ((result.status === 'running' || result.status === 'queued') && result.columns !== null) {
    // The host sorts only a finished result (rows held back at the limit would be missing from its order).
    parts.push(rows > CACHE_ROWS ? 'sorting unlocks when the statement finishes' : 'sorting unlocks when the statement finishes or pauses');
  }
  if (sorting) parts.push(hostSort !== null && hostSort > 0 ? `Sorting… ${Math.floor(hostSort * 100)}%` : 'Sorting…');
  else if (sort !== null && result.columns !== null) {
    const name = result.columns[sort.column]?.name ?? '?';
    parts.push(`sorted by ${name} ${sort.direction === 'asc' ? '↑' : '↓'}`);
  }
  return parts.join(' · ');
}
