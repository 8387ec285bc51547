import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConsoleMessage, Dialog } from 'playwright-core';
import { ResultsView } from './results-view';
import { flow, scenario } from './scenario';
import { answerIdentityPicker, impersonateFromStatusBar, newWorksheet, openWithConnection, runAtCursor } from './steps';
import { ui } from './ui-context';

/** Lines of a file, counted without reading it all into one string. */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of fs.createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) count++;
  }
  return count;
}

/**
 * Waits for the notification that says an export finished. How long a million rows take depends
 * on the machine: the wait goes on while the export shows progress (the file grows, or its
 * progress notification moves) and gives up when neither moved for 60 s, saying where it stood.
 */
async function waitForExport(target: string, notification: string): Promise<void> {
  const { workbench } = ui();
  const progress = workbench.page.locator('.notification-list-item', { hasText: 'Exporting' }).first();
  const where = async () => `${fs.existsSync(target) ? fs.statSync(target).size : -1} bytes; ${(await progress.textContent().catch(() => null)) ?? 'no progress notification'}`;
  let last = await where();
  let movedAt = Date.now();
  try {
    while (!(await workbench.notificationShown(notification))) {
      const now = await where();
      if (now !== last) {
        last = now;
        movedAt = Date.now();
      } else if (Date.now() - movedAt > 60_000) {
        throw new Error(`the export stood still for 60 s (${now}) and no "${notification}" came; notifications: ${JSON.stringify(await workbench.notifications())}`);
      }
      await workbench.page.waitForTimeout(500);
    }
  } finally {
    await workbench.hideNotificationCenter();
  }
}

describe('the results view, as a person uses it', () => {
  /**
   * A million rows through the results view: streamed, paused at the row limit, fetched, scrolled,
   * sorted, exported, then found in the run history. Each step builds on the rows of the one before.
   * The long waits follow the run's progress (the status line) instead of a fixed guess of its length.
   */
  scenario('a million rows, as a person uses them', 900_000, () => {
    it('a query of 1,000,000 rows shows its first rows while it runs, pauses at the row limit, then fetches all', async () => {
      const { workbench } = ui();
      await openWithConnection(workbench, 'results-demo.sql', 'Lab Redshift (governor)');
      await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'generate_series' }).first());
      const results = await runAtCursor(workbench, 'results-demo.sql');
      // The view still shows the earlier flow's result (the hostile values) until this run's
      // columns replace it: its first rows are the ones under an "amount" header.
      await results.frame.locator('[data-testid="grid"] .slick-column-name', { hasText: /^amount$/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
      await results.frame.locator('[data-testid="grid"] .slick-row').first().waitFor({ state: 'visible', timeout: 60_000 });
      const statusAtFirstRows = await results.statusText();
      await workbench.screenshot('million-rows-first-rows');
      assert.match(statusAtFirstRows, /^(Streaming|Paused)/, `the first rows show before the statement finished (status: ${statusAtFirstRows})`);
      assert.deepEqual((await results.visibleRows())[0]?.slice(0, 4), ['1', 'customer 1', '1.25', 'false']);
      await results.waitForProgress('the pause at the row limit', ({ main }) => main.startsWith('Paused at the row limit (100,000 rows)'));
      await workbench.screenshot('million-rows-paused-at-limit');
      await results.byTestId('fetch-all').click();
      // Every row is in the view once the status counts them all and no longer says it is loading them.
      await results.waitForProgress('all 1,000,000 rows in the view', ({ main, extra }) => /^1,000,000 rows/.test(main) && !extra.includes('loading'));
      await workbench.screenshot('million-rows-all-fetched');
    });

    it('scrolls to the last of the million rows and sorts by a column (in the extension host)', async () => {
      const { workbench } = ui();
      const results = await ResultsView.of(workbench.page, 'results-demo.sql');
      const atEnd = await results.scrollToEnd('1000000');
      assert.equal(atEnd.at(-1)?.[0], '1000000', 'the last row is on screen');
      await workbench.screenshot('million-rows-scrolled-to-end');
      // More rows than the webview holds: the extension host sorts them in a worker, and the
      // grid pulls the sorted windows.
      const idHeader = results.frame.locator('.slick-header-column').filter({ has: results.frame.locator('.slick-column-name', { hasText: /^id$/ }) }).first();
      await idHeader.click();
      await results.waitForProgress('the sort by id, ascending', ({ extra }) => extra.includes('sorted by id ↑'));
      await idHeader.click();
      await results.waitForProgress('the sort by id, descending', ({ extra }) => extra.includes('sorted by id ↓'));
      const top = await results.visibleRows(2);
      assert.equal(top[0]?.[0], '1000000', 'sorted descending, the largest id comes first');
      assert.equal(top[1]?.[0], '999999');
      await workbench.screenshot('million-rows-sorted-descending');
    });

    it('exports all million rows to CSV through the save dialog', async () => {
      const { workbench, workspace } = ui();
      const results = await ResultsView.of(workbench.page, 'results-demo.sql');
      await results.byTestId('export').click();
      await results.byTestId('export-csv').click();
      await workbench.quickInput().waitFor({ state: 'visible' });
      await workbench.screenshot('export-save-dialog');
      const target = path.join(workspace, 'million.csv');
      await workbench.answerSaveDialog('results-demo-1.csv', target);
      // Writing a million rows takes as long as the disk and the CPU allow: the wait follows the
      // file growing, and gives up only when it stops growing.
      await waitForExport(target, 'Exported 1,000,000 rows');
      await workbench.screenshot('exported-csv');
      assert.equal(await countLines(target), 1_000_001, 'a header line and one line per row');
      const head = fs.readFileSync(target, 'utf8').slice(0, 200).split('\r\n');
      assert.equal(head[0], 'id,name,amount,active,day,seen_at,ratio,note,hash,doc');
      // The export follows the grid's order: sorted by id, descending, in the step before.
      assert.match(head[1], /^1000000,customer 1000000,/);
      assert.match(lastLine(target), /^1,customer 1,1\.25,false,2026-01-02,2026-01-01 00:00:01,0\.1429,note 1,c4ca4238a0b923820dcc509a6f75849b,"\{""id"" : 1, ""tag"" : ""x""\}"$/);
      fs.rmSync(target);
    });

    it('finds earlier runs in the run history by who they ran as', async () => {
      const { workbench } = ui();
      await workbench.focusEditor('results-demo.sql');
      await workbench.runCommand('Immuta: Search Run History');
      await workbench.quickInput().waitFor({ state: 'visible' });
      await workbench.quickInput().fill('customer');
      await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'as yourself' }).first().waitFor({ state: 'visible' });
      await workbench.screenshot('run-history-search');
      await workbench.closeQuickInput();
    });
  });

    flow('shows hostile cell values as text and runs nothing; NULL differs from the text NULL', 120_000, async () => {
      const { workbench } = ui();
      const dialogs: string[] = [];
      const violations: string[] = [];
      const onDialog = (dialog: Dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      };
      const onConsole = (message: ConsoleMessage) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      };
      workbench.page.on('dialog', onDialog);
      workbench.page.on('console', onConsole);
      try {
        await openWithConnection(workbench, 'results-demo.sql', 'Lab Redshift (governor)');
        await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: /AS\shtml,/ }).first());
        const results = await runAtCursor(workbench, 'results-demo.sql');
        await results.waitForStatus(/^1 row\b/, 30_000);
        const grid = results.frame.locator('[data-testid="grid"]');
        // SlickGrid marks each cell with its column (l1 is the first data column).
        const cell = (column: number) => grid.locator('.slick-row').first().locator(`.slick-cell.l${column + 1}`);
        await cell(0).waitFor({ state: 'visible' });
        // The grid renders only the columns in view: give the results the whole window, and wait
        // for the sixth column to be rendered.
        await workbench.toggleMaximizedResults('results-demo.sql');
        await cell(5).waitFor({ state: 'attached' });
        const text = async (column: number) => ((await cell(column).textContent()) ?? '').trim();
        await workbench.screenshot('hostile-cells-as-text');
        assert.equal(await text(0), '<img src=x onerror=alert(1)>');
        assert.equal(await text(1), '</script><script>alert(1)</script>');
        assert.equal(await text(2), '<img src=x onerror="document.body.dataset.pwned=1">');
        assert.equal(await grid.locator('img, script').count(), 0, 'no element was made from a value');
        assert.equal(await results.frame.locator('body[data-pwned]').count(), 0, 'the onerror handler never ran');
        assert.equal(await cell(3).locator('.cell-null').count(), 1, 'a real NULL is marked as NULL');
        assert.equal(await cell(4).locator('.cell-null').count(), 0, "the text 'NULL' is plain text");
        assert.equal(await text(4), 'NULL');
        await cell(5).scrollIntoViewIfNeeded();
        const cut = await text(5);
        assert.ok(cut.endsWith('…') && cut.length < 2000, 'long text is cut in the cell');
        await cell(5).click();
        const detail = results.byTestId('detail-value');
        await detail.waitFor({ state: 'visible' });
        assert.equal((await detail.textContent())?.length, 'long text '.length * 200, 'the whole value is shown on demand');
        await workbench.screenshot('long-value-in-detail-pane');
        const csp = await results.frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
        assert.match(csp ?? '', /default-src 'none'/);
        assert.match(csp ?? '', /script-src 'nonce-[^']+'/);
        assert.deepEqual(dialogs, [], 'no dialog opened');
        assert.deepEqual(violations, [], 'the page broke no rule of its Content Security Policy');
        await workbench.toggleMaximizedResults('results-demo.sql');
      } finally {
        workbench.page.off('dialog', onDialog);
        workbench.page.off('console', onConsole);
      }
    });

    flow('exports the impersonation audit log with every set and clear', 120_000, async () => {
      const { workbench, workspace } = ui();
      // Its own worksheet and user, so the flow needs nothing from the flows before it.
      await newWorksheet(workbench, 'Lab Redshift (governor)');
      await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, "o'brien");
      await workbench.statusItem("as o'brien").click();
      await workbench.openedQuickInput('Run this worksheet as');
      await answerIdentityPicker(workbench, 'stop', 'Stop impersonating');
      await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
      // Earlier flows' notifications must not crowd out the one this flow waits for.
      await workbench.clearNotifications();
      await workbench.runCommand('Immuta: Export Impersonation Audit Log');
      // The format pick, by its title: the closing command palette is the same widget.
      await workbench.openedQuickInput(/^Export Impersonation Audit Log \(/);
      await workbench.answerQuickInput('JSON', 'JSON');
      const target = path.join(workspace, 'audit.json');
      await workbench.answerSaveDialog('immuta-impersonation-audit-', target);
      await workbench.waitForNotification('of the impersonation audit log to audit.json', 30_000);
      const entries = JSON.parse(fs.readFileSync(target, 'utf8')) as { action: string; user: string | null; outcome: string }[];
      const applied = entries.findIndex((entry) => entry.action === 'apply' && entry.user === "o'brien" && entry.outcome === 'ok');
      assert.ok(applied >= 0, `setting o'brien is recorded: ${JSON.stringify(entries.slice(-4))}`);
      assert.ok(entries.slice(applied + 1).some((entry) => entry.action === 'clear' && entry.outcome === 'ok'), 'stopping impersonation after it is recorded');
      fs.rmSync(target);
      await workbench.focusActiveEditor();
      await workbench.page.keyboard.press('Control+W');
    });
});

/** A file's last line (read from its end: the export is over 100 MB). */
function lastLine(file: string): string {
  const descriptor = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(descriptor).size;
    const tail = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(descriptor, tail, 0, tail.length, size - tail.length);
    return tail.toString('utf8').trimEnd().split('\r\n').at(-1) ?? '';
  } finally {
    fs.closeSync(descriptor);
  }
}
