import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConsoleMessage, Dialog } from 'playwright-core';
import { ResultsView } from './results-view';
import { ui } from './ui-context';

/** Lines of a file, counted without reading it all into one string. */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of fs.createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) count++;
  }
  return count;
}

describe('the results view, as a person uses it', function () {
  this.timeout(180_000);

  it('a query of 1,000,000 rows shows its first rows while it runs, pauses at the row limit, then fetches all', async () => {
    const { workbench } = ui();
    await workbench.openFile('results-demo.sql');
    await workbench.runCommand('Immuta: Select Connection');
    await workbench.answerQuickInput('Lab Redshift (governor)', 'Lab Redshift (governor)');
    await workbench.statusItem('Lab Redshift (governor)').waitFor({ state: 'visible' });
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'generate_series' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    const results = await ResultsView.of(workbench.page, 'results-demo.sql');
    await results.frame.locator('[data-testid="grid"] .slick-row').first().waitFor({ state: 'visible', timeout: 30_000 });
    const statusAtFirstRows = await results.statusText();
    await workbench.screenshot('million-rows-first-rows');
    assert.match(statusAtFirstRows, /^(Streaming|Paused)/, `the first rows show before the statement finished (status: ${statusAtFirstRows})`);
    assert.deepEqual((await results.visibleRows())[0]?.slice(0, 4), ['1', 'customer 1', '1.25', 'false']);
    await results.waitForStatus('Paused at the row limit (100,000 rows)', 60_000);
    await workbench.screenshot('million-rows-paused-at-limit');
    await results.byTestId('fetch-all').click();
    await results.waitForStatus(/^1,000,000 rows/, 120_000);
    // The view has every row once it no longer says it is loading them.
    await results.frame.locator('[data-testid="status-extra"]', { hasText: 'loading' }).waitFor({ state: 'hidden', timeout: 120_000 });
    await workbench.screenshot('million-rows-all-fetched');
  });

  it('scrolls to the last of the million rows and sorts by a column', async () => {
    const { workbench } = ui();
    const results = await ResultsView.of(workbench.page, 'results-demo.sql');
    await results.scrollToEnd();
    const atEnd = await results.visibleRows();
    assert.equal(atEnd.at(-1)?.[0], '1000000', 'the last row is on screen');
    await workbench.screenshot('million-rows-scrolled-to-end');
    const idHeader = results.frame.locator('.slick-header-column').filter({ has: results.frame.locator('.slick-column-name', { hasText: /^id$/ }) }).first();
    await idHeader.click();
    await idHeader.click();
    const deadline = Date.now() + 30_000;
    while ((await results.visibleRows())[0]?.[0] !== '1000000' && Date.now() < deadline) await workbench.page.waitForTimeout(200);
    const top = await results.visibleRows();
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
    await workbench.waitForNotification('Exported 1,000,000 rows', 120_000);
    await workbench.screenshot('exported-csv');
    assert.equal(await countLines(target), 1_000_001, 'a header line and one line per row');
    const head = fs.readFileSync(target, 'utf8').slice(0, 200).split('\r\n');
    assert.equal(head[0], 'id,name,amount,active,day,seen_at,ratio,note,hash,doc');
    assert.match(head[1], /^1,customer 1,1\.25,false,2026-01-02,2026-01-01 00:00:01,0\.1429,note 1,c4ca4238a0b923820dcc509a6f75849b,"\{""id"" : 1, ""tag"" : ""x""\}"$/);
    fs.rmSync(target);
  });

  it('shows hostile cell values as text and runs nothing; NULL differs from the text NULL', async () => {
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
      await workbench.editorTab('results-demo.sql').click();
      await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: /AS\shtml,/ }).first());
      await workbench.page.keyboard.press('Control+Enter');
      const results = await ResultsView.of(workbench.page, 'results-demo.sql');
      await results.waitForStatus(/^1 row\b/, 30_000);
      await workbench.page.waitForTimeout(500);
      // The grid renders only the columns in view: give the results the whole window.
      await workbench.resultsTab('results-demo.sql').click();
      await workbench.runCommand('View: Toggle Maximize Editor Group');
      await workbench.page.waitForTimeout(500);
      const grid = results.frame.locator('[data-testid="grid"]');
      // SlickGrid marks each cell with its column (l1 is the first data column).
      const cell = (column: number) => grid.locator('.slick-row').first().locator(`.slick-cell.l${column + 1}`);
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
      await workbench.runCommand('View: Toggle Maximize Editor Group');
    } finally {
      workbench.page.off('dialog', onDialog);
      workbench.page.off('console', onConsole);
    }
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

  it('exports the impersonation audit log with every set and clear', async () => {
    const { workbench, workspace } = ui();
    await workbench.focusEditor('results-demo.sql');
    await workbench.runCommand('Immuta: Export Impersonation Audit Log');
    await workbench.answerQuickInput('JSON', 'JSON');
    const target = path.join(workspace, 'audit.json');
    await workbench.answerSaveDialog('immuta-impersonation-audit-', target);
    await workbench.waitForNotification('of the impersonation audit log to audit.json', 30_000);
    const entries = JSON.parse(fs.readFileSync(target, 'utf8')) as { action: string; user: string | null; outcome: string }[];
    assert.ok(entries.some((entry) => entry.action === 'apply' && entry.user === 'bob@example.com' && entry.outcome === 'ok'), 'setting bob is recorded');
    assert.ok(entries.some((entry) => entry.action === 'clear' && entry.outcome === 'ok'), 'stopping impersonation is recorded');
    fs.rmSync(target);
  });
});
