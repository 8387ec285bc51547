import type { ExportFormat, HostSortState, ResultView, WebviewMessage } from '../results/protocol';
import { button, h } from './dom';

interface ExportChoice {
  readonly label: string;
  readonly testId: string;
  readonly format: ExportFormat;
  readonly withStamp: boolean;
}

const EXPORTS: readonly ExportChoice[] = [
  { label: 'CSV', testId: 'export-csv', format: 'csv', withStamp: false },
  { label: 'CSV with stamp', testId: 'export-csv-stamp', format: 'csv', withStamp: true },
  { label: 'JSON', testId: 'export-json', format: 'json', withStamp: false },
  { label: 'JSON with stamp', testId: 'export-json-stamp', format: 'json', withStamp: true },
];

/** Export, open and copy for the active result; disabled while it has no columns. */
export class ActionsBar {
  readonly element: HTMLElement;
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly exportButton: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly copySelection: HTMLButtonElement;
  private resultId: string | null = null;

  constructor(
    private readonly post: (message: WebviewMessage) => void,
    copyWithHeaders: () => void,
    /** The grid's order now (null: as the server returned the rows): exports follow it. */
    private readonly gridSort: () => HostSortState | null,
  ) {
    this.exportButton = button('Export ▾', { testId: 'export', title: 'Save the whole result to a file' }, () => this.toggleMenu());
    this.exportButton.setAttribute('aria-haspopup', 'menu');
    this.exportButton.setAttribute('aria-expanded', 'false');
    this.menu = h('div', { className: 'menu', testId: 'export-menu', attrs: { role: 'menu', 'aria-label': 'Export' } });
    this.menu.hidden = true;
    for (const choice of EXPORTS) {
      const item = button(choice.label, { testId: choice.testId, className: 'menu-item', attrs: { role: 'menuitem' } }, () => {
        this.closeMenu();
        this.send({ format: choice.format, withStamp: choice.withStamp, destination: 'file' });
      });
      this.menu.append(item);
    }
    this.menu.addEventListener('keydown', (event) => this.menuKey(event));
    const openCsv = button('Open as CSV', { testId: 'open-csv', title: 'Open the whole result in a new editor' }, () => this.send({ format: 'csv', withStamp: false, destination: 'untitled' }));
    const openJson = button('Open as JSON', { testId: 'open-json', title: 'Open the whole result in a new editor' }, () => this.send({ format: 'json', withStamp: false, destination: 'untitled' }));
    const markdown = button('Copy as Markdown', { testId: 'copy-markdown', title: 'Copy the whole result as a Markdown table' }, () => {
      if (this.resultId !== null) this.post({ type: 'copyMarkdown', resultId: this.resultId, ...this.sortField() });
    });
    this.copySelection = button('Copy with headers', { testId: 'copy-with-headers', title: 'Copy the selected cells with the header row (Ctrl/Cmd+Shift+C)' }, copyWithHeaders);
    this.buttons.push(this.exportButton, openCsv, openJson, markdown);
    const exportGroup = h('span', { className: 'menu-anchor' }, [this.exportButton, this.menu]);
    this.element = h('div', { className: 'actions', testId: 'actions', attrs: { role: 'toolbar', 'aria-label': 'Result actions' } }, [
      exportGroup,
      openCsv,
      openJson,
      h('span', { className: 'actions-sep', attrs: { 'aria-hidden': 'true' } }),
      markdown,
      this.copySelection,
    ]);
    document.addEventListener('mousedown', (event) => {
      if (!this.menu.hidden && event.target instanceof Node && !exportGroup.contains(event.target)) this.closeMenu();
    });
  }

  update(result: ResultView, hasSelection: boolean): void {
    this.resultId = result.id;
    const enabled = result.columns !== null;
    for (const element of this.buttons) element.disabled = !enabled;
    this.copySelection.disabled = !enabled || !hasSelection;
    if (!enabled) this.closeMenu();
  }

  private send(choice: { format: ExportFormat; withStamp: boolean; destination: 'file' | 'untitled' }): void {
    if (this.resultId === null) return;
    this.post({ type: 'export', resultId: this.resultId, ...choice, ...this.sortField() });
  }

  private sortField(): { sort?: HostSortState } {
    const sort = this.gridSort();
    return sort === null ? {} : { sort: { column: sort.column, direction: sort.direction } };
  }

  private toggleMenu(): void {
    if (this.menu.hidden) {
      this.menu.hidden = false;
      this.exportButton.setAttribute('aria-expanded', 'true');
      this.menu.querySelector<HTMLButtonElement>('button')?.focus();
    } else {
      this.closeMenu();
    }
  }

  private closeMenu(): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.exportButton.setAttribute('aria-expanded', 'false');
  }

  private menuKey(event: KeyboardEvent): void {
    const items = [...this.menu.querySelectorAll<HTMLButtonElement>('button')];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape') {
      this.closeMenu();
      this.exportButton.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else {
      return;
    }
    event.preventDefault();
  }
}
