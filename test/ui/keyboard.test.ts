import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { ui } from './ui-context';

/**
 * A person who uses the keyboard alone (or a screen reader): opens a worksheet, picks its
 * connection, impersonates bob, runs, moves through the grid hearing each cell and its column,
 * sorts, and exports, without one mouse event. The page and the results view count every real
 * (trusted) pointer event from the first key on; the count must stay 0.
 */
const FILE = 'keyboard-demo.sql';
const STATEMENT = 'SELECT id, full_name, region FROM sales.customers ORDER BY id;';
const CONNECTION = 'Lab Redshift (governor)';

/**
 * Counts trusted pointer events in a document (the workbench, or the results view inside it). Not
 * "click": Enter or Space on a button fires a trusted click too; a mouse press always fires
 * pointerdown and mousedown first.
 */
const COUNT_POINTER = `(() => {
  if (window.__pointerEvents !== undefined) return;
  window.__pointerEvents = 0;
  for (const type of ['pointerdown', 'mousedown', 'contextmenu', 'wheel']) {
    document.addEventListener(type, (event) => { if (event.isTrusted) window.__pointerEvents++; }, true);
  }
})()`;
const POINTER_COUNT = '(() => window.__pointerEvents ?? -1)()';

interface Focused {
  readonly role: string;
  readonly testId: string;
  readonly text: string;
  /** The cell the grid announces (aria-activedescendant), with its true row and column. */
  readonly cell: { readonly text: string; readonly row: number; readonly column: number; readonly columnName: string } | null;
}

/** What has the keyboard in the results view, as a screen reader would be told. Plain JavaScript: it runs in the webview. */
const FOCUSED = `(() => {
  const element = document.activeElement;
  if (!element) return { role: '', testId: '', text: '', cell: null };
  const cellId = element.getAttribute('aria-activedescendant');
  const cell = cellId ? document.getElementById(cellId) : null;
  const header = cell ? document.getElementById(cell.getAttribute('aria-describedby') || '') : null;
  return {
    role: element.getAttribute('role') || '',
    testId: element.dataset.testid || '',
    text: (element.textContent || '').trim().slice(0, 60),
    cell: cell
      ? {
          text: cell.textContent || '',
          row: Number(cell.parentElement && cell.parentElement.getAttribute('aria-rowindex')),
          column: Number(cell.getAttribute('aria-colindex')),
          columnName: (header && header.querySelector('.slick-column-name') && header.querySelector('.slick-column-name').textContent) || '',
        }
      : null,
  };
})()`;

async function focusedIn(frame: Frame): Promise<Focused> {
  return (await frame.evaluate(FOCUSED)) as Focused;
}

/** Presses Tab (or Shift+Tab) until `wanted` has the keyboard in the results view; says what Tab visited when it never does. */
async function tabTo(frame: Frame, what: string, wanted: (focus: Focused) => boolean, shift = false): Promise<Focused> {
  const visited: string[] = [];
  for (let presses = 0; presses < 25; presses++) {
    await ui().workbench.page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const focus = await focusedIn(frame);
    if (wanted(focus)) return focus;
    visited.push(focus.testId || focus.role || focus.text.slice(0, 20) || '(nothing)');
  }
  throw new Error(`Tab never reached ${what}; it visited ${visited.join(' → ')}`);
}

/** Runs a command from the palette by typing its title: F1, the title, Enter on its highlighted row. */
async function palette(title: string): Promise<void> {
  const { workbench } = ui();
  await workbench.page.keyboard.press('F1');
  await workbench.quickInput().waitFor({ state: 'visible' });
  await workbench.page.keyboard.type(title);
  await workbench.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ state: 'visible' });
  await workbench.page.keyboard.press('Enter');
}

/** Types into the quick pick titled `title` and presses Enter once the highlighted row holds `row`. */
async function pick(title: string, text: string, row: string): Promise<void> {
  const { workbench } = ui();
  await workbench.openedQuickInput(title);
  await workbench.page.keyboard.type(text);
  await workbench.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: row }).first().waitFor({ state: 'visible' });
  await workbench.page.keyboard.press('Enter');
}

describe('the keyboard alone', () => {
  let results: ResultsView;
  let target: string;
  /** How many rows bob sees: the EU customers. */
  let euRows: number;

  scenario('impersonate, run, move through the grid and export without a mouse', 240_000, () => {
    it('opens a worksheet, picks its connection and impersonates bob from the command palette', async () => {
      const { workbench, workspace } = ui();
      fs.writeFileSync(path.join(workspace, FILE), `${STATEMENT}\n`);
      // The last pointer events of this flow: the harness quiets the workbench.
      await workbench.quiet();
      await workbench.page.evaluate(COUNT_POINTER);

      // Quick Open. A file written after the workbench started can be missing from the file list
      // a Quick Open searches (seen under load): as a person would, Escape and search again.
      for (let attempt = 1; ; attempt++) {
        await workbench.page.keyboard.press('Control+P');
        await workbench.quickInput().waitFor({ state: 'visible' });
        await workbench.page.keyboard.type(FILE);
        const found = await workbench.page
          .locator('.quick-input-list .monaco-list-row.focused', { hasText: FILE })
          .first()
          .waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 30_000 })
          .then(() => true, (error: unknown) => {
            if (attempt >= 3) throw error;
            return false;
          });
        if (found) break;
        await workbench.page.keyboard.press('Escape');
        await workbench.quickInput().waitFor({ state: 'hidden' });
      }
      await workbench.page.keyboard.press('Enter');
      await workbench.editorTab(FILE, { active: true }).waitFor({ state: 'visible' });
      await workbench.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible' });

      await palette('Immuta: Select Connection');
      await pick('Choose the connection', CONNECTION, CONNECTION);
      await workbench.statusItem(`${CONNECTION} ·`).waitFor({ state: 'visible' });

      await palette('Immuta: Impersonate User');
      await pick('Run this worksheet as', 'bob@example.com', 'bob@example.com');
      const again = workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'press Enter again' }).first();
      const password = workbench.page.locator('.quick-input-widget', { hasText: 'Password for governor' });
      // Settled: "as bob@example.com · <how sure>" (while applying, it reads "as bob@example.com…").
      const impersonating = workbench.statusItem(/as bob@example\.com ·/);
      await Promise.race([again, password, impersonating].map((locator) => locator.waitFor({ state: 'visible' }).catch(() => undefined)));
      // Enter met Immuta's search redrawing the list: the picker highlights bob and asks again.
      if (await again.isVisible()) await workbench.page.keyboard.press('Enter');
      await Promise.race([password, impersonating].map((locator) => locator.waitFor({ state: 'visible' }).catch(() => undefined)));
      if (await password.isVisible()) {
        await workbench.page.keyboard.type(DEMO_PASSWORDS.governor);
        await workbench.page.keyboard.press('Enter');
      }
      await impersonating.waitFor({ state: 'visible' });
      // The status bar says it in words to a screen reader, not only with an icon.
      const spoken = await impersonating.evaluate((item) => [item, ...item.querySelectorAll('[aria-label]')].map((node) => node.getAttribute('aria-label') ?? '').join(' '));
      assert.match(spoken, /runs as bob@example\.com, impersonated/i, `the identity item's accessible name: ${spoken}`);
      await workbench.screenshot('keyboard-impersonating-bob');
    });

    it('runs with Ctrl+Enter, and Tab reaches the grid, which announces each cell with its row and column', async () => {
      const { workbench, lab } = ui();
      // The quick inputs gave the keyboard back to the editor.
      await workbench.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible' });
      await workbench.page.keyboard.press('Control+Enter');
      results = await ResultsView.of(workbench.page, FILE);
      const [{ n }] = await lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta_raw.customers WHERE region = 'EU'");
      euRows = Number(n);
      await results.waitForStatus(new RegExp(`^${euRows.toLocaleString('en-US')} rows`), 30_000);
      assert.match(await results.stampText(), /as bob@example\.com/);
      await results.frame.evaluate(COUNT_POINTER);

      await palette('Focus on Results View');
      const grid = await tabTo(results.frame, 'the grid', (focus) => focus.role === 'grid');
      assert.deepEqual(grid.cell && { row: grid.cell.row, columnName: grid.cell.columnName }, { row: 2, columnName: 'id' }, 'the grid starts at its first cell (row 1 of the result is aria row 2, after the header)');
      await workbench.page.keyboard.press('ArrowDown');
      await workbench.page.keyboard.press('ArrowDown');
      await workbench.page.keyboard.press('ArrowRight');
      const cell = await until('the third row’s full_name announced', () => focusedIn(results.frame), (focus) => focus.cell?.row === 4 && focus.cell.columnName === 'full_name');
      const rows = await results.visibleRows(3);
      assert.equal(cell.cell?.text, rows[2]?.[1], 'the announced cell is the one the grid shows there');
      await workbench.screenshot('keyboard-grid-cell');
    });

    it('sorts by the focused column with S, and exports the sorted rows to CSV from Tab and Enter', async () => {
      const { workbench, lab, workspace } = ui();
      await workbench.page.keyboard.press('Home');
      await until('the id column focused', () => focusedIn(results.frame), (focus) => focus.cell?.columnName === 'id');
      // The id header tells a screen reader how it is sorted: S once ascending, twice descending.
      const idHeader = results.frame.locator('[data-testid="grid"] .slick-header-column', { has: results.frame.locator('.slick-column-name', { hasText: /^id$/ }) });
      await workbench.page.keyboard.press('s');
      await until('the id column sorted ascending', () => idHeader.getAttribute('aria-sort'), (sort) => sort === 'ascending');
      await workbench.page.keyboard.press('s');
      await until('the id column sorted descending', () => idHeader.getAttribute('aria-sort'), (sort) => sort === 'descending');
      const [{ max }] = await lab.adminQuery<{ max: string }>("SELECT max(id) AS max FROM immuta_raw.customers WHERE region = 'EU'");
      await until('the largest id first', async () => (await results.visibleRows(1))[0]?.[0], (first) => first === String(max));

      await tabTo(results.frame, 'the Export button', (focus) => focus.testId === 'export', true);
      await workbench.page.keyboard.press('Enter');
      await until('the export menu open on CSV', () => focusedIn(results.frame), (focus) => focus.testId === 'export-csv');
      await workbench.page.keyboard.press('Enter');
      // VS Code's save dialog: a quick input holding the proposed path, answered by typing.
      const input = workbench.quickInput();
      await until('the save dialog proposing keyboard-demo', () => input.inputValue().catch(() => ''), (value) => value.includes('keyboard-demo'));
      target = path.join(workspace, 'keyboard-export.csv');
      await workbench.page.keyboard.press('Control+A');
      await workbench.page.keyboard.type(target);
      await workbench.page.keyboard.press('Enter');
      const lines = await until('the CSV written', async () => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8').trimEnd().split(/\r?\n/) : []), (read) => read.length === euRows + 1);
      assert.equal(lines[0], 'id,full_name,region');
      assert.match(lines[1], new RegExp(`^${max},`), 'exported in the grid’s order: the largest id first');
      assert.ok(lines.slice(1).every((line) => line.endsWith(',EU')), 'bob’s rows only');
      await workbench.screenshot('keyboard-exported');
    });

    it('used no pointer at all: no press, right-click or wheel reached the workbench or the results view', async () => {
      const { workbench } = ui();
      assert.equal(await workbench.page.evaluate(POINTER_COUNT), 0, 'pointer events in the workbench');
      assert.equal(await results.frame.evaluate(POINTER_COUNT), 0, 'pointer events in the results view');
      fs.rmSync(target, { force: true });
      await workbench.closeAllEditors();
    });
  });
});
