import type { ResultStatus, ResultView } from '../results/protocol';
import { h } from './dom';
import { formatCount, statementHeadline } from './format';

const STATUS_LABEL: Record<ResultStatus, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused at the row limit',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/**
 * `2 · SELECT …` for a statement's result; `2.1`, `2.2` … when the statement returned several
 * result sets (`parts`: how many the view has for it).
 */
export function tabLabel(result: ResultView, parts = 1): string {
  const text = result.statement !== null ? statementHeadline(result.statement) : (result.command ?? 'statement');
  const part = result.part ?? 0;
  const number = parts > 1 || part > 0 ? `${result.index + 1}.${part + 1}` : `${result.index + 1}`;
  return `${number} · ${text}`;
}

function countText(result: ResultView): string {
  if (result.columns !== null) return formatCount(result.storedRows);
  const affected = result.stamp?.rowCount;
  return affected === null || affected === undefined ? '' : `${formatCount(affected)} affected`;
}

/** One tab per result of the run: per statement, and per result set (role tablist, arrow keys move between tabs). */
export class TabStrip {
  readonly element: HTMLElement;
  private readonly tabs = new Map<string, HTMLButtonElement>();
  /** The latest view of each tab's result, for the numbering of a statement's several results. */
  private readonly views = new Map<string, ResultView>();
  private order: string[] = [];

  constructor(private readonly select: (resultId: string) => void) {
    this.element = h('div', { className: 'tabs', testId: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Statements of the run' } });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  reset(results: readonly ResultView[], activeId: string | null): void {
    this.element.replaceChildren();
    this.tabs.clear();
    this.views.clear();
    this.order = [];
    for (const result of results) this.insert(result, this.order.length);
    // Numbered once all are in: a statement's first result is `2.1` when a `2.2` follows.
    for (const result of results) this.update(result);
    this.activate(activeId);
  }

  /** Adds a tab at position `at` (a further result set of a statement), not active. */
  insert(result: ResultView, at: number): void {
    const part = result.part ?? 0;
    const tab = h('button', { className: 'tab', testId: 'tab', attrs: { role: 'tab', id: part > 0 ? `tab-${result.index}-${part}` : `tab-${result.index}`, 'aria-controls': 'result-panel' } }, [
      h('span', { className: 'tab-icon', attrs: { 'aria-hidden': 'true' } }),
      h('span', { className: 'tab-label' }),
      // The name a screen reader reads is the tab's text: what it shows, then its status in words.
      h('span', { className: 'visually-hidden tab-sep', text: ', ' }),
      h('span', { className: 'tab-count' }),
      h('span', { className: 'visually-hidden tab-status' }),
    ]);
    tab.type = 'button';
    tab.tabIndex = -1;
    tab.setAttribute('aria-selected', 'false');
    tab.addEventListener('click', () => this.select(result.id));
    const next = this.tabs.get(this.order[at] ?? '');
    this.tabs.set(result.id, tab);
    this.order.splice(at, 0, result.id);
    if (next === undefined) this.element.append(tab);
    else this.element.insertBefore(tab, next);
    this.update(result);
  }

  update(result: ResultView): void {
    const tab = this.tabs.get(result.id);
    if (tab === undefined) return;
    this.views.set(result.id, result);
    const parts = [...this.views.values()].filter((view) => view.index === result.index).length;
    const label = tabLabel(result, parts);
    const count = countText(result);
    tab.dataset.status = result.status;
    tab.dataset.resultId = result.id;
    tab.title = `${result.statement ?? label}\n${STATUS_LABEL[result.status]}`;
    setText(tab, '.tab-label', label);
    setText(tab, '.tab-count', count);
    setText(tab, '.tab-status', `${count === '' || result.columns === null ? '' : ' rows'}, ${STATUS_LABEL[result.status]}`);
  }

  /** The element id of a result's tab (undefined for a result without one). */
  tabId(resultId: string): string | undefined {
    return this.tabs.get(resultId)?.id;
  }

  activate(activeId: string | null): void {
    for (const [id, tab] of this.tabs) {
      const active = id === activeId;
      tab.setAttribute('aria-selected', String(active));
      tab.tabIndex = active ? 0 : -1;
      tab.classList.toggle('active', active);
    }
  }

  private onKey(event: KeyboardEvent): void {
    const current = this.order.findIndex((id) => this.tabs.get(id) === document.activeElement);
    if (current < 0) return;
    const last = this.order.length - 1;
    const next =
      event.key === 'ArrowRight' ? (current === last ? 0 : current + 1)
      : event.key === 'ArrowLeft' ? (current === 0 ? last : current - 1)
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : -1;
    if (next < 0) return;
    event.preventDefault();
    const id = this.order[next];
    this.select(id);
    this.tabs.get(id)?.focus();
  }
}

function setText(parent: Element, selector: string, text: string): void {
  const element = parent.querySelector(selector);
  if (element !== null && element.textContent !== text) element.textContent = text;
}
