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

export function tabLabel(result: ResultView): string {
  const text = result.statement !== null ? statementHeadline(result.statement) : (result.command ?? 'statement');
  return `${result.index + 1} · ${text}`;
}

function countText(result: ResultView): string {
  if (result.columns !== null) return formatCount(result.storedRows);
  const affected = result.stamp?.rowCount;
  return affected === null || affected === undefined ? '' : `${formatCount(affected)} affected`;
}

/** One tab per statement of the run (role tablist, arrow keys move between tabs). */
export class TabStrip {
  readonly element: HTMLElement;
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private order: string[] = [];

  constructor(private readonly select: (resultId: string) => void) {
    this.element = h('div', { className: 'tabs', testId: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Statements of the run' } });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  reset(results: readonly ResultView[], activeId: string | null): void {
    this.element.replaceChildren();
    this.tabs.clear();
    this.order = results.map((result) => result.id);
    for (const result of results) {
      const tab = h('button', { className: 'tab', testId: 'tab', attrs: { role: 'tab', id: `tab-${result.index}`, 'aria-controls': 'result-panel' } }, [
        h('span', { className: 'tab-icon', attrs: { 'aria-hidden': 'true' } }),
        h('span', { className: 'tab-label' }),
        h('span', { className: 'tab-count' }),
      ]);
      tab.type = 'button';
      tab.addEventListener('click', () => this.select(result.id));
      this.tabs.set(result.id, tab);
      this.element.append(tab);
      this.update(result);
    }
    this.activate(activeId);
  }

  update(result: ResultView): void {
    const tab = this.tabs.get(result.id);
    if (tab === undefined) return;
    const label = tabLabel(result);
    const count = countText(result);
    tab.dataset.status = result.status;
    tab.dataset.resultId = result.id;
    tab.title = `${result.statement ?? label}\n${STATUS_LABEL[result.status]}`;
    tab.setAttribute('aria-label', `${label}, ${STATUS_LABEL[result.status]}${count === '' ? '' : `, ${count} rows`}`);
    setText(tab, '.tab-label', label);
    setText(tab, '.tab-count', count);
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
