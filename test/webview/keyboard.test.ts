/**
 * The results view with the keyboard alone (Playwright's keyboard, no clicks): Tab reaches the
 * tabs, the actions and the grid; in the grid the arrow keys and their kin move the active cell,
 * which a screen reader is told about (aria-activedescendant, with its true row and column and
 * its column's name); S sorts by the active cell's column; Enter opens the whole value; Ctrl+C
 * copies; Export and Cancel work from Tab and Enter.
 */
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { inPage, resultView, type Row } from './fake-host';
import { selectRun, STAMP, WIDE_COLUMNS, wideRow } from './fixtures';
import { closeCleanly, suiteHarness, type ResultsPage } from './harness';

interface ActiveCell {
  readonly text: string;
  readonly row: number;
  readonly column: number;
  /** The name of the column, from the header the cell is described by. */
  readonly columnName: string;
}

interface Focused {
  readonly testId: string;
  readonly role: string;
  readonly text: string;
  readonly active: ActiveCell | null;
}

/** What has the focus, and, when it is the grid, the cell it announces (null when none). */
async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    interface El {
      id: string;
      textContent: string | null;
      dataset: Record<string, string | undefined>;
      parentElement: El | null;
      getAttribute(name: string): string | null;
      querySelector(selector: string): El | null;
    }
    const document = (globalThis as unknown as { document: { activeElement: El | null; getElementById(id: string): El | null } }).document;
    const element = document.activeElement;
    if (element === null) return { testId: '', role: '', text: '', active: null };
    const cellId = element.getAttribute('aria-activedescendant');
    const cell = cellId === null ? null : document.getElementById(cellId);
    const header = cell === null ? null : document.getElementById(cell.getAttribute('aria-describedby') ?? '');
    const active =
      cell === null
        ? null
        : {
            text: cell.textContent ?? '',
            row: Number(cell.parentElement?.getAttribute('aria-rowindex')),
            column: Number(cell.getAttribute('aria-colindex')),
            columnName: header?.querySelector('.slick-column-name')?.textContent ?? '',
          };
    return { testId: element.dataset.testid ?? '', role: element.getAttribute('role') ?? '', text: (element.textContent ?? '').trim(), active };
  });
}

/** Presses Tab until `matches` holds for the focused element; fails listing what Tab visited. */
async function tabTo(page: Page, what: string, matches: (focus: Focused) => boolean, shift = false): Promise<Focused> {
  const visited: string[] = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const focus = await focused(page);
    if (matches(focus)) return focus;
    visited.push(focus.testId || focus.role || focus.text.slice(0, 30) || '(body)');
  }
  throw new Error(`Tab never reached ${what}; it visited: ${visited.join(' → ')}`);
}

const isGrid = (focus: Focused): boolean => focus.role === 'grid';

/** Waits until the grid announces a cell that passes `test`, saying what it announced last when giving up. */
async function activeCell(page: Page, what: string, test: (cell: ActiveCell) => boolean, timeoutMs = 10_000): Promise<ActiveCell> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { active } = await focused(page);
    if (active !== null && test(active)) return active;
    if (Date.now() > deadline) throw new Error(`the grid did not announce ${what}; it announces ${JSON.stringify(active)}`);
    await page.waitForTimeout(20);
  }
}

async function ariaSort(page: Page, name: string): Promise<string | null> {
  return page
    .locator('[data-testid="grid"] .slick-header-column', { has: page.locator('.slick-column-name', { hasText: new RegExp(`^${name}$`) }) })
    .getAttribute('aria-sort');
}

describe('results webview with the keyboard alone', function () {
  const harness = suiteHarness();
  let view: ResultsPage;
  let page: Page;

  beforeEach(async function () {
    view = await harness().open();
    page = view.page;
  });

  afterEach(async function () {
    const problems = view.host.messages('problem');
    await closeCleanly(view, 'the webview follows the protocol');
    assert.deepEqual(problems, [], 'the webview reported no problems');
  });

  async function showRows(rows: readonly Row[]): Promise<string> {
    const run = selectRun('keys', { status: 'succeeded', storedRows: rows.length, stamp: { ...STAMP, durationMs: 42, rowCount: rows.length } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: (i) => rows[i] });
    await view.host.waitFor('mark', (mark) => mark.name === 'stored');
    await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
    return id;
  }

  it('moves between cells with arrows, Home/End, Page Up/Down and Ctrl+Home/End, announcing each cell with its true row, column and column name', async function () {
    const rows = Array.from({ length: 300 }, (_row, i) => wideRow(i));
    await showRows(rows);
    const grid = await tabTo(page, 'the grid', isGrid);
    assert.deepEqual(grid.active, { text: '1', row: 2, column: 2, columnName: 'id' }, 'the grid starts at its first cell (row 1 is the header row)');
    assert.equal(await page.getByTestId('grid').locator('[role="grid"]').getAttribute('aria-rowcount'), '301');
    assert.equal(await page.getByTestId('grid').locator('[role="grid"]').getAttribute('aria-colcount'), '11');

    await page.keyboard.press('ArrowRight');
    await activeCell(page, 'customer of row 1', (cell) => cell.columnName === 'customer' && cell.text === String(wideRow(0)[1]) && cell.row === 2 && cell.column === 3);
    await page.keyboard.press('ArrowDown');
    await activeCell(page, 'customer of row 2', (cell) => cell.text === String(wideRow(1)[1]) && cell.row === 3);
    await page.keyboard.press('End');
    await activeCell(page, 'the last column of row 2', (cell) => cell.columnName === 'note' && cell.column === 11 && cell.row === 3);
    await page.keyboard.press('Home');
    await activeCell(page, 'the first column of row 2', (cell) => cell.columnName === 'id' && cell.text === '2');
    await page.keyboard.press('PageDown');
    const paged = await activeCell(page, 'a row a page further down', (cell) => cell.row > 10 && cell.columnName === 'id');
    assert.equal(paged.text, String(paged.row - 1), 'the cell shown is the row its index says');
    await page.keyboard.press('PageUp');
    await activeCell(page, 'a row a page back up', (cell) => cell.row < paged.row && cell.columnName === 'id');
    await page.keyboard.press('Control+End');
    await activeCell(page, 'the last cell of the last row', (cell) => cell.row === 301 && cell.columnName === 'note' && cell.text === String(wideRow(299)[9] ?? 'NULL'));
    await page.keyboard.press('Control+Home');
    await activeCell(page, 'the first cell', (cell) => cell.row === 2 && cell.columnName === 'id' && cell.text === '1');
    await view.theme('dark');
    await view.screenshot('keyboard-grid-dark');
    await view.theme('hc-dark');
    await view.screenshot('keyboard-grid-hc-dark');
    await page.keyboard.press('ArrowLeft');
    await activeCell(page, 'still the first cell (the row numbers are row headers, not cells to stop on)', (cell) => cell.row === 2 && cell.column === 2);
  });

  it('gives a virtualised row its true index: Ctrl+End in 100,000 rows announces row 100,000', async function () {
    const run = selectRun('keys-big');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: inPage(wideRow) });
    await view.host.addRows(id, 100_000, { status: 'succeeded', stamp: { ...STAMP, durationMs: 900, rowCount: 100_000 } });
    await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
    await tabTo(page, 'the grid', isGrid);
    await page.keyboard.press('Control+End');
    const last = await activeCell(page, 'the last row, once its window arrived', (cell) => cell.row === 100_001 && cell.text !== '');
    assert.equal(last.columnName, 'note');
    await page.keyboard.press('Home');
    await activeCell(page, 'id 100000 in the last row', (cell) => cell.row === 100_001 && cell.text === '100000');
  });

  it('sorts by the active cell’s column with S (ascending, descending, original), the header saying so, and stays in that column on the first row', async function () {
    const rows: Row[] = [
      ['3', 'carol', null, true, '', 1, 'eu', 1, 'C', null],
      ['1', 'alice', null, true, '', 1, 'eu', 1, 'C', null],
      ['2', 'bob', null, true, '', 1, 'eu', 1, 'C', null],
    ];
    await showRows(rows);
    await tabTo(page, 'the grid', isGrid);
    await page.keyboard.press('ArrowRight');
    await activeCell(page, 'customer carol', (cell) => cell.text === 'carol');
    await page.keyboard.press('s');
    await activeCell(page, 'alice first, sorted ascending', (cell) => cell.text === 'alice' && cell.row === 2 && cell.columnName === 'customer');
    assert.equal(await ariaSort(page, 'customer'), 'ascending');
    assert.equal(await ariaSort(page, 'id'), null);
    await page.getByTestId('status-extra').getByText('sorted by customer ↑').waitFor();
    await page.keyboard.press('ArrowDown');
    await activeCell(page, 'bob second', (cell) => cell.text === 'bob' && cell.row === 3);
    await page.keyboard.press('s');
    await activeCell(page, 'carol first, sorted descending', (cell) => cell.text === 'carol' && cell.row === 2);
    assert.equal(await ariaSort(page, 'customer'), 'descending');
    await page.keyboard.press('s');
    // carol leads both orders: the header saying "not sorted" is what tells them apart.
    const deadline = Date.now() + 10_000;
    while ((await ariaSort(page, 'customer')) !== null) {
      if (Date.now() > deadline) throw new Error(`the customer header still says aria-sort=${await ariaSort(page, 'customer')} after the third S`);
      await page.waitForTimeout(20);
    }
    await activeCell(page, 'carol first again, in the original order', (cell) => cell.text === 'carol' && cell.row === 2);
    assert.doesNotMatch((await page.getByTestId('status-extra').textContent()) ?? '', /sorted by/);
    await page.keyboard.press('ArrowDown');
    await activeCell(page, 'alice second in the original order', (cell) => cell.text === 'alice');
  });

  it('sorts a result too large for the view with S through the host, and announces the sorted first row in that column', async function () {
    const total = 50_000;
    const run = selectRun('keys-host-sort', { status: 'succeeded', storedRows: total, stamp: { ...STAMP, durationMs: 10, rowCount: total } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
    const customers = Array.from({ length: total }, (_, index) => wideRow(index)[1] as string).sort();
    await tabTo(page, 'the grid', isGrid);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await activeCell(page, 'customer of row 2', (cell) => cell.text === wideRow(1)[1]);
    await page.keyboard.press('s');
    assert.deepEqual(await view.host.waitFor('sort'), { type: 'sort', resultId: id, column: 1, direction: 'asc' });
    await activeCell(page, 'the first customer in sorted order', (cell) => cell.row === 2 && cell.columnName === 'customer' && cell.text === customers[0]);
    assert.equal(await ariaSort(page, 'customer'), 'ascending');
  });

  it('opens the whole value with Enter, copies the cell with Ctrl+C, the row with Shift+Space, everything with Ctrl+A, and closes the value pane with Escape', async function () {
    const long = `${'x'.repeat(300)} the end`;
    await showRows([
      ['1', long, '5.00', true, 'a', 1, 'eu', 1, 'C', 'ok'],
      ['2', 'short', '6.00', false, 'b', 2, 'us', 2, 'D', null],
    ]);
    await tabTo(page, 'the grid', isGrid);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByTestId('detail-value').getByText(long).waitFor();
    await page.keyboard.press('Control+c');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: long, what: '1 cell' });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+Space');
    await page.keyboard.press('Control+c');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: '2\tshort\t6.00\tfalse\tb\t2\tus\t2\tD\t', what: '1 row × 10 columns' });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    assert.equal(view.host.messages('copy').at(-1)?.what, '2 rows × 10 columns');
    // The value pane: reached with Tab, its Copy by Enter, closed by Escape with the focus back in the grid.
    await page.keyboard.press('Enter');
    await page.getByTestId('detail-value').getByText('short', { exact: true }).waitFor();
    await tabTo(page, 'the value pane’s Copy', (focus) => focus.testId === 'detail-copy');
    await page.keyboard.press('Enter');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: 'short', what: 'the value of customer' });
    await page.keyboard.press('Escape');
    await page.getByTestId('detail').waitFor({ state: 'hidden' });
    const back = await focused(page);
    assert.equal(back.role, 'grid', 'the focus is back in the grid');
    assert.equal(back.active?.text, 'short', 'on the cell it was on');
  });

  it('leaves the grid with Tab and Shift+Tab (one Tab stop), and exports from Tab and Enter', async function () {
    const id = await showRows(Array.from({ length: 20 }, (_row, i) => wideRow(i)));
    await tabTo(page, 'the grid', isGrid);
    const after = await tabTo(page, 'something after the grid', (focus) => !isGrid(focus));
    assert.notEqual(after.role, 'gridcell');
    await tabTo(page, 'the grid again, backwards', isGrid, true);
    await tabTo(page, 'the Export button, backwards', (focus) => focus.testId === 'export', true);
    await page.keyboard.press('Enter');
    await page.getByTestId('export-menu').waitFor();
    assert.equal((await focused(page)).testId, 'export-csv', 'the menu opens on its first item');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal((await focused(page)).testId, 'export-json');
    await page.keyboard.press('Enter');
    assert.deepEqual(view.host.messages('export').at(-1), { type: 'export', resultId: id, format: 'json', withStamp: false, destination: 'file' });
    assert.equal(await page.getByTestId('export-menu').isVisible(), false);
  });

  it('switches result tabs with the arrow keys from Tab, and cancels a running statement from Tab and Enter', async function () {
    const run = {
      runId: 'keys-tabs',
      worksheet: 'load.sql',
      results: [
        resultView('k0', 0, { statement: 'SELECT * FROM sales.orders', status: 'succeeded', columns: WIDE_COLUMNS, storedRows: 5, stamp: { ...STAMP, durationMs: 5, rowCount: 5 } }),
        resultView('k1', 1, { statement: 'SELECT * FROM sales.big', status: 'running', columns: WIDE_COLUMNS, storedRows: 3, stamp: STAMP }),
      ],
    };
    await view.host.state(run, { k0: wideRow, k1: wideRow });
    await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
    const first = await tabTo(page, 'the active tab', (focus) => focus.role === 'tab');
    assert.match(first.text, /^1 · SELECT/);
    await page.keyboard.press('ArrowRight');
    const second = await focused(page);
    assert.match(second.text, /^2 · SELECT \* FROM sales\.big/);
    assert.equal(await page.getByRole('tab', { selected: true }).getAttribute('data-result-id'), 'k1');
    assert.equal(await page.locator('#result-panel').getAttribute('aria-labelledby'), await page.getByRole('tab', { selected: true }).getAttribute('id'));
    await tabTo(page, 'the Cancel button', (focus) => focus.testId === 'cancel');
    await page.keyboard.press('Enter');
    await view.host.waitFor('cancel');
  });
});
