import type { WebviewMessage } from '../results/protocol';
import { nullElement, prettyValue } from './cells';
import { button, h } from './dom';
import { formatCount } from './format';
import type { FocusedCell } from './grid';

/** The whole value of one cell, below the grid: text only, JSON pretty-printed. */
export class DetailPane {
  readonly element: HTMLElement;
  private readonly title = h('span', { className: 'detail-title', testId: 'detail-title' });
  private readonly badge = h('span', { className: 'detail-badge', text: 'JSON' });
  private readonly value = h('pre', { className: 'detail-value', testId: 'detail-value', attrs: { tabindex: '0' } });
  private readonly copyButton: HTMLButtonElement;
  private readonly openButton: HTMLButtonElement;
  private cell: FocusedCell | null = null;
  private shownText = '';

  constructor(
    private readonly post: (message: WebviewMessage) => void,
    /** Where the focus goes when the pane closes while it had it (the grid). */
    private readonly returnFocus: () => void,
  ) {
    this.copyButton = button('Copy', { testId: 'detail-copy', title: 'Copy the whole value' }, () => {
      if (this.cell !== null) this.post({ type: 'copy', text: this.shownText, what: `the value of ${this.cell.column.name}` });
    });
    this.openButton = button('Open in editor', { testId: 'detail-open', title: 'Open the whole value in a new editor' }, () => {
      if (this.cell !== null) this.post({ type: 'openValue', text: this.shownText, column: this.cell.column.name });
    });
    const close = button('✕', { testId: 'detail-close', className: 'btn-icon', title: 'Close (Escape)', attrs: { 'aria-label': 'Close the value pane' } }, () => this.hide());
    this.element = h('section', { className: 'detail', testId: 'detail', attrs: { 'aria-label': 'Cell value' } }, [
      h('div', { className: 'detail-head' }, [this.title, this.badge, h('span', { className: 'spacer' }), this.copyButton, this.openButton, close]),
      this.value,
    ]);
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.hide();
    });
    this.element.hidden = true;
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  show(cell: FocusedCell): void {
    this.cell = cell;
    this.element.hidden = false;
    const isNull = cell.value === null;
    const pretty = isNull ? { text: '', json: false } : prettyValue(String(cell.value));
    this.shownText = isNull ? '' : String(cell.value);
    const length = isNull ? 'NULL' : `${formatCount(this.shownText.length)} characters`;
    this.title.textContent = `${cell.column.name} · ${cell.column.type} · row ${formatCount(cell.rowIndex + 1)} · ${length}`;
    this.badge.hidden = !pretty.json;
    this.copyButton.disabled = isNull;
    this.openButton.disabled = isNull;
    if (isNull) this.value.replaceChildren(nullElement());
    else this.value.textContent = pretty.text;
  }

  hide(): void {
    const hadFocus = this.element.contains(document.activeElement);
    this.element.hidden = true;
    this.cell = null;
    if (hadFocus) this.returnFocus();
  }
}
