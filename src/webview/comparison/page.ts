import type { ComparisonExportFormat, FromComparisonPage, ToComparisonPage } from '../../compare/comparison-protocol';
import type { ComparisonReport, SidePreview, SideReport } from '../../compare/comparison-report';
import type { ColumnDiff, ComparisonDiff, PresenceGroup } from '../../compare/diff';
import type { CellValue, Row } from '../../platforms/types';
import { h, replaceChildren, type Child } from '../dom';

/**
 * The comparison view (Compare as…): one line per identity, the differences (rows only some
 * identities see, columns whose values differ and the form each identity gets, columns some
 * lack, failed sides), and one column per identity with its stamp and its first rows. Everything
 * from the database is set as text (src/webview/dom.ts).
 */
export class ComparisonPage {
  private last: ToComparisonPage | undefined;
  private differencesOnly = false;
  /** The difference whose rows are shown, to keep it shown across updates. */
  private shown: { readonly kind: 'presence' | 'column'; readonly index: number } | undefined;
  private readonly head = h('header', { className: 'cmp-head' });
  private readonly summary = h('section', { className: 'cmp-summary', testId: 'summary', attrs: { 'aria-label': 'Summary per identity' } });
  private readonly differences = h('section', { className: 'cmp-differences', testId: 'differences', attrs: { 'aria-label': 'Differences' } });
  private readonly examples = h('section', { className: 'cmp-examples', testId: 'examples', attrs: { 'aria-live': 'polite' } });
  private readonly sides = h('section', { className: 'cmp-sides', testId: 'sides', attrs: { 'aria-label': 'Rows per identity' } });

  constructor(
    root: HTMLElement,
    private readonly post: (message: FromComparisonPage) => void,
  ) {
    root.replaceChildren(this.head, h('main', { className: 'cmp-body' }, [this.summary, this.differences, this.examples, this.sides]));
    this.examples.hidden = true;
  }

  handle(message: ToComparisonPage): void {
    this.last = message;
    this.render();
  }

  private render(): void {
    const message = this.last;
    if (message === undefined) return;
    const { report } = message;
    this.renderHead(report, message.running);
    replaceChildren(this.summary, [
      h('h2', { text: 'Summary' }),
      h('ul', {}, message.summaries.map((line, index) => h('li', { className: `cmp-line cmp-${report.sides[index]?.state ?? ''}`, testId: 'summary-line', text: line }))),
    ]);
    this.renderDifferences(report, message.running);
    this.renderSides(report, message.previews, message.previewLimit);
    if (this.shown && report.diff) this.showExamples(report, this.shown.kind, this.shown.index, false);
    document.body.dataset.state = message.running ? 'running' : 'done';
  }

  private renderHead(report: ComparisonReport, running: boolean): void {
    const done = report.sides.filter((side) => side.state !== 'waiting' && side.state !== 'running').length;
    const button = (label: string, testId: string, action: () => void, disabled = false): HTMLButtonElement => {
      const element = h('button', { text: label, testId, attrs: { type: 'button' } });
      element.disabled = disabled;
      element.addEventListener('click', action);
      return element;
    };
    const exporting = (format: ComparisonExportFormat) => () => this.post({ type: 'export', format });
    const filter = h('input', { testId: 'differences-only', attrs: { type: 'checkbox', id: 'differences-only' } });
    filter.checked = this.differencesOnly;
    filter.addEventListener('change', () => {
      this.differencesOnly = filter.checked;
      this.render();
      // The render built a new checkbox: keep the keyboard where it was.
      this.head.querySelector<HTMLInputElement>('#differences-only')?.focus();
    });
    replaceChildren(this.head, [
      h('h1', { testId: 'title', text: `Compared as ${report.sides.length} identities · ${report.connection}` }),
      h('pre', { className: 'cmp-statement', testId: 'statement', text: report.statement }),
      h('div', { className: 'cmp-actions' }, [
        running ? button('Cancel', 'cancel', () => this.post({ type: 'cancel' })) : null,
        h('span', { className: 'cmp-progress', testId: 'progress', text: running ? (done < report.sides.length ? `Running… ${done} of ${report.sides.length} identities done` : 'Comparing…') : 'Done' }),
        h('label', { className: 'cmp-filter', attrs: { for: 'differences-only' } }, [filter, ' Differences only']),
        button('Export JSON', 'export-json', exporting('json'), running),
        button('Export Markdown', 'export-markdown', exporting('markdown'), running),
        button('Export differing rows (CSV)', 'export-csv', exporting('csv'), running || report.diff === undefined),
      ]),
    ]);
  }

  private renderDifferences(report: ComparisonReport, running: boolean): void {
    const diff = report.diff;
    const failed = report.sides.filter((side) => side.state === 'failed' || side.state === 'unsupported');
    const parts: Child[] = [h('h2', { text: 'Differences' })];
    if (diff === undefined) {
      parts.push(h('p', { className: 'cmp-note', testId: 'no-diff', text: running ? 'The differences follow once every identity has run.' : (report.noDiff ?? 'No differences computed.') }));
    } else {
      const labels = report.compared;
      parts.push(h('p', { className: 'cmp-note', testId: 'key', text: diff.key.kind === 'columns' ? `Rows matched by ${diff.key.columns.join(', ')}.` : 'Rows matched whole (no unique id column): a changed value counts as a different row.' }));
      parts.push(h('h3', { text: 'Rows only some identities see' }));
      parts.push(
        diff.presence.length === 0
          ? h('p', { className: 'cmp-note', testId: 'presence-none', text: 'Every identity sees the same rows.' })
          : table(
              'presence',
              ['Seen by', 'Not seen by', 'Rows', ''],
              diff.presence.map((group, index) => [
                names(labels, group.seenBy),
                names(labels, group.seenBy.map((flag) => !flag)),
                group.keys.toLocaleString('en-US'),
                this.jump(`Show rows seen by ${names(labels, group.seenBy)} only`, `presence-${index}`, () => this.showExamples(report, 'presence', index, true)),
              ]),
            ),
      );
      parts.push(h('h3', { text: 'Columns' }));
      const changed = diff.columns.filter(isDifferent);
      const same = diff.columns.filter((column) => !isDifferent(column));
      parts.push(
        changed.length === 0
          ? h('p', { className: 'cmp-note', testId: 'columns-none', text: 'Every column has the same values for every identity that sees its rows.' })
          : table(
              'columns',
              ['Column', ...labels, 'Rows differing', ''],
              changed.map((column) => [
                column.name,
                ...labels.map((_label, index) => (column.presentIn[index] ? formCell(column, index) : 'no such column')),
                column.sharedRows > 0 ? `${column.differingRows.toLocaleString('en-US')} of ${column.sharedRows.toLocaleString('en-US')}` : '',
                column.examples.length > 0 ? this.jump(`Show rows where ${column.name} differs`, `column-${diff.columns.indexOf(column)}`, () => this.showExamples(report, 'column', diff.columns.indexOf(column), true)) : '',
              ]),
            ),
      );
      if (same.length > 0 && !this.differencesOnly) parts.push(h('p', { className: 'cmp-note', testId: 'columns-same', text: `The same for everyone: ${same.map((column) => column.name).join(', ')}.` }));
    }
    if (failed.length > 0) {
      parts.push(h('h3', { text: 'Errors' }));
      parts.push(
        h('ul', { className: 'cmp-errors' }, failed.map((side) => h('li', { testId: 'side-error' }, [h('strong', { text: `${side.label}: ` }), side.state === 'unsupported' ? 'not run. ' : '', side.message ?? '']))),
      );
    }
    replaceChildren(this.differences, parts);
  }

  private jump(title: string, id: string, action: () => void): HTMLButtonElement {
    const button = h('button', { className: 'cmp-jump', text: 'Show rows', title, testId: 'show-rows', attrs: { type: 'button', 'aria-label': title, 'data-jump': id } });
    button.addEventListener('click', action);
    return button;
  }

  /** The example rows of one difference, side by side per identity; the matching rows of each side's column are marked. */
  private showExamples(report: ComparisonReport, kind: 'presence' | 'column', index: number, scroll: boolean): void {
    const diff = report.diff as ComparisonDiff;
    const labels = report.compared;
    this.shown = { kind, index };
    let heading: string;
    let body: HTMLTableElement;
    let keys: string[];
    if (kind === 'presence') {
      const group: PresenceGroup | undefined = diff.presence[index];
      if (group === undefined) return;
      heading = `Rows seen by ${names(labels, group.seenBy)} only (${group.examples.length} of ${group.keys.toLocaleString('en-US')})`;
      // Every column of any identity, in the diff's order; each side's values under their own
      // column by name (a side may lack one, even in the middle), '—' where it has no such column.
      const columns = diff.columns.map((column) => column.name);
      const sideColumns = (side: number) => this.last?.previews.find((preview) => preview.label === labels[side])?.columns ?? [];
      const rows: (string | Node)[][] = [];
      for (const example of group.examples) {
        example.rows.forEach((row, side) => {
          if (row === null) return;
          const own = sideColumns(side);
          rows.push([labels[side], ...columns.map((name) => (own.includes(name) ? cellText(row[own.indexOf(name)] ?? null) : '—'))]);
        });
      }
      body = table('example-rows', ['Identity', ...columns], rows);
      keys = group.examples.map((example) => example.key);
    } else {
      const column: ColumnDiff | undefined = diff.columns[index];
      if (column === undefined) return;
      heading = `Rows where ${column.name} differs (${column.examples.length} of ${column.differingRows.toLocaleString('en-US')})`;
      body = table(
        'example-rows',
        [diff.key.kind === 'columns' ? diff.key.columns.join(', ') : 'row', ...labels],
        column.examples.map((example) => [example.key, ...labels.map((_label, side) => (example.seenBy[side] ? cellText(example.values[side] ?? null) : '—'))]),
      );
      keys = column.examples.map((example) => example.key);
    }
    const close = h('button', { text: 'Close', testId: 'close-examples', attrs: { type: 'button' } });
    close.addEventListener('click', () => {
      // The keyboard goes back to the Show rows button that opened these rows.
      this.differences.querySelector<HTMLButtonElement>(`[data-jump="${kind}-${index}"]`)?.focus();
      this.shown = undefined;
      this.examples.hidden = true;
      this.markRows(new Set());
    });
    replaceChildren(this.examples, [h('h3', { testId: 'examples-title', text: heading }), body, close]);
    this.examples.hidden = false;
    this.markRows(new Set(keys));
    if (scroll) this.examples.scrollIntoView({ block: 'nearest' });
  }

  /** Marks the rows of each identity's column whose key is one of `keys`. */
  private markRows(keys: ReadonlySet<string>): void {
    for (const row of this.sides.querySelectorAll<HTMLTableRowElement>('tr[data-key]')) row.classList.toggle('cmp-marked', keys.has(row.dataset.key ?? ''));
  }

  private renderSides(report: ComparisonReport, previews: readonly SidePreview[], limit: number): void {
    const diff = report.diff;
    const hideSame = this.differencesOnly && diff !== undefined;
    // Differences only: the key columns (to tell the rows apart) and the columns that differ.
    const keep = (name: string) => !hideSame || (diff.key.kind === 'columns' && diff.key.columns.includes(name)) || diff.columns.some((column) => column.name === name && isDifferent(column));
    const keyColumn = diff?.key.kind === 'columns' && diff.key.columns.length === 1 ? diff.key.columns[0] : undefined;
    replaceChildren(
      this.sides,
      report.sides.map((side) => {
        const preview = previews.find((candidate) => candidate.label === side.label);
        const columns = preview?.columns ?? [];
        const shown = columns.map((name, at) => ({ name, at })).filter(({ name }) => keep(name));
        const keyAt = keyColumn === undefined ? -1 : columns.indexOf(keyColumn);
        const rows = preview?.rows ?? [];
        return h('article', { className: `cmp-side cmp-${side.state}`, testId: 'side', attrs: { 'aria-label': side.label } }, [
          stamp(side),
          preview && columns.length > 0
            ? // Scrolls on its own: a Tab stop, so the keyboard can scroll it too.
              h('div', { className: 'cmp-rows', attrs: { tabindex: '0', role: 'region', 'aria-label': `Rows ${side.label} sees` } }, [
                rowsTable(shown, rows, keyAt),
                h('p', { className: 'cmp-note', text: rows.length < (side.rows ?? 0) ? `The first ${rows.length.toLocaleString('en-US')} of ${(side.rows ?? 0).toLocaleString('en-US')} rows (up to ${limit} shown here; the exports cover them all).` : '' }),
              ])
            : null,
        ]);
      }),
    );
    if (this.shown === undefined) this.markRows(new Set());
  }
}

/** Whether a column differs among identities. (A form posted to the page as undefined arrives as null.) */
function isDifferent(column: ColumnDiff): boolean {
  return column.differingRows > 0 || !column.presentIn.every(Boolean) || column.forms.some((form) => form !== undefined && form !== null);
}

function names(labels: readonly string[], flags: readonly boolean[]): string {
  const picked = labels.filter((_label, index) => flags[index]);
  return picked.length === 0 ? 'nobody' : picked.join(', ');
}

function formCell(column: ColumnDiff, side: number): string {
  const form = column.forms[side] ?? undefined;
  switch (form) {
    case undefined:
      return column.differingRows > 0 ? 'differs' : 'same';
    case 'clear':
      return 'in the clear';
    case 'null':
      return 'hidden as NULL';
    case 'constant':
      return 'one value';
    default:
      return form;
  }
}

/** The hidden title of a table's column of buttons. */
const ACTIONS_HEADER = 'Show the rows';

function cellText(value: CellValue): string {
  return value === null ? 'NULL' : String(value);
}

function table(testId: string, header: readonly string[], rows: readonly (readonly (string | Node)[])[]): HTMLTableElement {
  return h('table', { className: 'cmp-table', testId }, [
    h('thead', {}, [
      h(
        'tr',
        {},
        // The column of "show the rows" buttons has no visible title; a screen reader still names it.
        header.map((title) => (title === '' ? h('th', { attrs: { scope: 'col' } }, [h('span', { className: 'visually-hidden', text: ACTIONS_HEADER })]) : h('th', { text: title, attrs: { scope: 'col' } }))),
      ),
    ]),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((value) => (typeof value === 'string' ? h('td', { text: value }) : h('td', {}, [value])))))),
  ]);
}

function rowsTable(columns: readonly { name: string; at: number }[], rows: readonly Row[], keyAt: number): HTMLTableElement {
  return h('table', { className: 'cmp-table', testId: 'side-rows' }, [
    h('thead', {}, [h('tr', {}, columns.map(({ name }) => h('th', { text: name, attrs: { scope: 'col' } })))]),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          keyAt >= 0 ? { attrs: { 'data-key': JSON.stringify(row[keyAt] ?? null) } } : {},
          columns.map(({ at }) => h('td', { className: row[at] === null ? 'cmp-null' : undefined, text: cellText(row[at] ?? null) })),
        ),
      ),
    ),
  ]);
}

function stamp(side: SideReport): HTMLElement {
  const facts: string[] = [];
  if (side.ranAs !== undefined) facts.push(`as ${side.ranAs}`);
  if (side.project !== undefined) facts.push(side.project === null ? 'no project' : `project ${side.project}`);
  if (side.rows !== undefined) facts.push(`${side.rows.toLocaleString('en-US')} row${side.rows === 1 ? '' : 's'}${side.truncated ? ' (row limit)' : ''}`);
  if (side.durationMs !== undefined) facts.push(`${Math.round(side.durationMs).toLocaleString('en-US')} ms`);
  if (side.queryId) facts.push(`query ${side.queryId}`);
  if (side.sessionId) facts.push(`session ${side.sessionId}`);
  const state = side.state === 'succeeded' ? '' : side.state === 'unsupported' ? 'not run' : side.state;
  return h('div', { className: 'cmp-stamp', testId: 'side-stamp', title: side.assurance }, [
    h('h3', { className: 'cmp-who', text: side.label }),
    state === '' ? null : h('span', { className: `cmp-state cmp-${side.state}`, testId: 'side-state', text: state }),
    h('p', { className: 'cmp-facts', text: facts.join(' · ') }),
    side.message !== undefined && side.state !== 'succeeded' ? h('p', { className: 'cmp-message', text: side.message }) : null,
  ]);
}
