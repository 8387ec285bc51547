/**
 * The comparison page (Compare as…) as a user sees it: the built bundle in Chromium under the
 * page's CSP, fed reports made by the real diff (compareSides) and delivered through JSON, as
 * VS Code delivers them.
 */
import * as assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { ToComparisonPage } from '../../src/compare/comparison-protocol';
import type { ComparedSide } from '../../src/compare/diff';
import { ALICE, BOB, CAROL, CAROL_ERROR, failedSide, finished, fourIdentities, fourIdentitiesRunning, YOU } from './comparison-fixtures';
import { closeCleanly, suiteHarness, type ComparisonView } from './harness';

/** The text of every cell of a table's body, row by row. */
async function bodyRows(table: Locator): Promise<string[][]> {
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => Array.from((row as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (cell) => cell.textContent ?? '')),
  );
}

async function headers(table: Locator): Promise<string[]> {
  return table.locator('thead th').allTextContents();
}

/** An identity's column (its stamp and rows). */
function sideOf(page: Page, label: string): Locator {
  return page.locator(`[data-testid="side"][aria-label="${label}"]`);
}

/** The ids of the rows marked in an identity's column. */
async function markedIds(page: Page, label: string): Promise<string[]> {
  return sideOf(page, label).locator('tr.cmp-marked td:first-child').allTextContents();
}

/** Waits until `read` gives `expected`, saying what it gave last when giving up. */
async function until<T>(what: string, read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await read();
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) throw new Error(`${what}: expected ${JSON.stringify(expected)}, still ${JSON.stringify(seen)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the page has handled what it was sent and painted twice (for "nothing happened" checks). */
async function pageSettled(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))))');
}

describe('comparison webview', function () {
  const harness = suiteHarness();
  let view: ComparisonView;
  let page: Page;

  beforeEach(async function () {
    view = await harness().openComparison();
    page = view.page;
  });

  afterEach(async function () {
    await closeCleanly(view, 'the page posts only comparison messages');
  });

  /** Sends a finished report and waits until the page shows it. */
  async function showFinished(message: ToComparisonPage): Promise<void> {
    await view.host.send(message);
    await page.getByTestId('progress').getByText('Done', { exact: true }).waitFor();
  }

  it('says ready first, shows a running comparison, then replaces it with the finished one', async function () {
    assert.deepEqual(view.host.received, [{ type: 'ready' }], 'ready is the first (and only) message before any report');
    await view.host.send(fourIdentitiesRunning());
    await page.getByTestId('progress').getByText('Running… 1 of 4 identities done').waitFor();
    assert.equal(await page.getByTestId('no-diff').textContent(), 'The differences follow once every identity has run.');
    assert.equal(await page.getByTestId('side').count(), 4);
    assert.deepEqual(await sideOf(page, ALICE).getByTestId('side-state').allTextContents(), ['running']);
    assert.equal(await page.getByTestId('presence').count(), 0);
    await view.screenshot('comparison-running');

    await showFinished(fourIdentities());
    assert.equal(await page.getByTestId('summary-line').count(), 4, 'the new summary replaced the old one');
    assert.equal(await page.getByTestId('side').count(), 4, 'one column per identity, not eight');
    assert.equal(await page.getByTestId('no-diff').count(), 0);
    assert.equal(await page.getByTestId('presence').count(), 1);
    assert.equal(await sideOf(page, ALICE).getByTestId('side-state').count(), 0, 'a succeeded side shows no state');
    assert.equal(await page.evaluate('document.body.dataset.state'), 'done');
  });

  it('shows a real diff: the summary per identity, rows some do not see, columns that differ, errors, and each identity\'s rows', async function () {
    await showFinished(fourIdentities());
    assert.equal(await page.getByTestId('title').textContent(), 'Compared as 4 identities · lab-redshift');
    assert.equal(await page.getByTestId('statement').textContent(), 'SELECT * FROM sales.customers');

    const lines = await page.getByTestId('summary-line').allTextContents();
    assert.deepEqual(
      lines.map((line) => line.split(':')[0]),
      [YOU, ALICE, BOB, CAROL],
      'one line per identity, in the order chosen',
    );
    assert.equal(lines[0], 'yourself: 6 rows · ssn in the clear');
    assert.equal(lines[1], 'alice@example.com: 4 rows (−2 vs yourself) · ssn masked');
    assert.equal(lines[2], 'bob@example.com: 5 rows (−1 vs yourself) · no email column · ssn masked · project Fraud Analytics');
    assert.equal(lines[3], `carol@example.com: failed · ${CAROL_ERROR}`);

    assert.equal(await page.getByTestId('key').textContent(), 'Rows matched by id.');
    // Rows 3 and 5 are EU rows (alice sees the US only); row 6 is past bob's five.
    assert.deepEqual(await bodyRows(page.getByTestId('presence')), [
      [`${YOU}, ${BOB}`, ALICE, '2', 'Show rows'],
      [`${YOU}, ${ALICE}`, BOB, '1', 'Show rows'],
    ]);
    const columns = page.getByTestId('columns');
    assert.deepEqual(await headers(columns), ['Column', YOU, ALICE, BOB, 'Rows differing', 'Show the rows']);
    assert.deepEqual(await bodyRows(columns), [
      ['email', 'same', 'same', 'no such column', '0 of 4', ''],
      ['ssn', 'in the clear', 'masked', 'masked', '6 of 6', 'Show rows'],
    ]);
    assert.equal(await page.getByTestId('columns-same').textContent(), 'The same for everyone: id, name, region.');
    assert.deepEqual(await page.getByTestId('side-error').allTextContents(), [`${CAROL}: ${CAROL_ERROR}`]);

    // One column per identity, in the order chosen, each with its stamp and its own rows.
    assert.deepEqual(await page.getByTestId('side').evaluateAll((sides) => sides.map((side) => side.getAttribute('aria-label'))), [YOU, ALICE, BOB, CAROL]);
    assert.equal(await sideOf(page, ALICE).locator('.cmp-facts').textContent(), 'as alice@example.com · 4 rows · 120 ms · query q-2');
    assert.equal(await sideOf(page, BOB).locator('.cmp-facts').textContent(), 'as bob@example.com · project Fraud Analytics · 5 rows · 140 ms · query q-3');
    assert.equal(await sideOf(page, ALICE).getByTestId('side-stamp').getAttribute('title'), 'confirmed by the server');
    assert.deepEqual(await headers(sideOf(page, YOU).getByTestId('side-rows')), ['id', 'name', 'email', 'region', 'ssn']);
    assert.deepEqual(await headers(sideOf(page, BOB).getByTestId('side-rows')), ['id', 'name', 'region', 'ssn']);
    assert.deepEqual((await bodyRows(sideOf(page, YOU).getByTestId('side-rows'))).map((row) => row[0]), ['1', '2', '3', '4', '5', '6']);
    assert.deepEqual((await bodyRows(sideOf(page, ALICE).getByTestId('side-rows'))).map((row) => row[0]), ['1', '2', '4', '6']);
    assert.deepEqual((await bodyRows(sideOf(page, BOB).getByTestId('side-rows')))[0], ['1', 'Ada Park', 'US', '***-**-6789']);
    assert.deepEqual((await bodyRows(sideOf(page, YOU).getByTestId('side-rows')))[0], ['1', 'Ada Park', 'ada@example.org', 'US', '123-45-6789']);
    assert.equal(await sideOf(page, CAROL).getByTestId('side-state').textContent(), 'failed');
    assert.equal(await sideOf(page, CAROL).locator('.cmp-message').textContent(), CAROL_ERROR);
    assert.equal(await sideOf(page, CAROL).getByTestId('side-rows').count(), 0, 'a failed side shows no rows');
    await view.screenshot('comparison-four-identities');
  });

  it('shows markup in values, labels, column names and errors as text, creating no elements', async function () {
    const img = '<img src=x onerror=alert(1)>';
    const script = '<script>alert(2)</script>';
    const label = `${script}@example.com`;
    const column = '<img src=y onerror=alert(3)>';
    const you: ComparedSide = { label: YOU, columns: ['id', 'note', column], rows: [[1, img, 'a'], [2, 'plain', 'b']] };
    const other: ComparedSide = { label, columns: ['id', 'note', column], rows: [[1, script, 'a']] };
    const message = finished([you, other], [failedSide(`<b>mallory</b>`, `denied: ${img}`)], { statement: `SELECT '${img}' AS "${column}"` });
    await showFinished(message);

    const lines = await page.getByTestId('summary-line').allTextContents();
    assert.ok(lines[1].startsWith(`${label}: 1 row`), `the label shows as typed: ${lines[1]}`);
    assert.equal(lines[2], `<b>mallory</b>: failed · denied: ${img}`);
    assert.deepEqual(await page.getByTestId('side-error').allTextContents(), [`<b>mallory</b>: denied: ${img}`]);
    assert.equal(await page.getByTestId('statement').textContent(), `SELECT '${img}' AS "${column}"`);
    assert.deepEqual(await headers(sideOf(page, YOU).getByTestId('side-rows')), ['id', 'note', column]);
    assert.deepEqual(await bodyRows(sideOf(page, YOU).getByTestId('side-rows')), [['1', img, 'a'], ['2', 'plain', 'b']]);
    assert.deepEqual(await bodyRows(sideOf(page, label).getByTestId('side-rows')), [['1', script, 'a']]);
    assert.deepEqual(await headers(page.getByTestId('columns')), ['Column', YOU, label, 'Rows differing', 'Show the rows']);

    // The examples of the differing column carry the hostile values too.
    await page.getByRole('button', { name: 'Show rows where note differs' }).click();
    await page.getByTestId('examples-title').waitFor();
    assert.deepEqual(await bodyRows(page.getByTestId('example-rows')), [['1', img, script]]);

    // (The page's own <script> goes when the page builds its body, so none is left at all.)
    for (const tag of ['img', 'b', 'script']) assert.equal(await page.locator(tag).count(), 0, `no <${tag}> element`);
    await pageSettled(page);
    assert.deepEqual(view.dialogs, []);
  });

  it('shows the rows of a difference, marks them in each identity\'s column, and closes them', async function () {
    await showFinished(fourIdentities());
    const examples = page.getByTestId('examples');
    assert.equal(await examples.isVisible(), false);

    await page.getByRole('button', { name: `Show rows seen by ${YOU}, ${BOB} only` }).click();
    await until('the examples title', async () => (await examples.isVisible()) && (await page.getByTestId('examples-title').textContent()), `Rows seen by ${YOU}, ${BOB} only (2 of 2)`);
    const rows = page.getByTestId('example-rows');
    // Every column of any identity, each side's values under their own column (bob has no email).
    assert.deepEqual(await headers(rows), ['Identity', 'id', 'name', 'email', 'region', 'ssn']);
    assert.deepEqual(await bodyRows(rows), [
      [YOU, '3', 'Cleo Weiss', 'cleo@example.org', 'EU', '345-67-8901'],
      [BOB, '3', 'Cleo Weiss', '—', 'EU', '***-**-8901'],
      [YOU, '5', 'Eva Lund', 'eva@example.org', 'EU', '567-89-0123'],
      [BOB, '5', 'Eva Lund', '—', 'EU', '***-**-0123'],
    ]);
    assert.deepEqual(await markedIds(page, YOU), ['3', '5']);
    assert.deepEqual(await markedIds(page, BOB), ['3', '5']);
    assert.deepEqual(await markedIds(page, ALICE), []);

    await page.getByRole('button', { name: 'Show rows where ssn differs' }).click();
    await until('the examples title', () => page.getByTestId('examples-title').textContent(), 'Rows where ssn differs (6 of 6)');
    assert.deepEqual(await headers(rows), ['id', YOU, ALICE, BOB]);
    assert.deepEqual((await bodyRows(rows)).slice(0, 3), [
      ['1', '123-45-6789', '***-**-6789', '***-**-6789'],
      ['2', '234-56-7890', '***-**-7890', '***-**-7890'],
      ['3', '345-67-8901', '—', '***-**-8901'],
    ]);
    assert.deepEqual(await markedIds(page, ALICE), ['1', '2', '4', '6']);
    assert.deepEqual(await markedIds(page, BOB), ['1', '2', '3', '4', '5']);
    await view.theme('light');
    await view.screenshot('comparison-show-rows-light');

    // A report that comes again (the host re-sends on every change) keeps the rows shown.
    await view.host.send(fourIdentities());
    await pageSettled(page);
    assert.equal(await page.getByTestId('examples-title').textContent(), 'Rows where ssn differs (6 of 6)');
    assert.deepEqual(await markedIds(page, ALICE), ['1', '2', '4', '6']);

    await page.getByTestId('close-examples').click();
    await until('the examples', () => examples.isVisible(), false);
    assert.equal(await page.locator('tr.cmp-marked').count(), 0, 'no row stays marked');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), 'Show rows where ssn differs', 'the keyboard is back on the button that showed the rows');
  });

  it('hides the columns that are the same for everyone with Differences only, keeping the key column', async function () {
    await showFinished(fourIdentities());
    await page.getByTestId('differences-only').check();
    await until('yourself\'s columns', () => headers(sideOf(page, YOU).getByTestId('side-rows')), ['id', 'email', 'ssn']);
    assert.deepEqual(await headers(sideOf(page, BOB).getByTestId('side-rows')), ['id', 'ssn']);
    assert.deepEqual((await bodyRows(sideOf(page, ALICE).getByTestId('side-rows')))[0], ['1', 'ada@example.org', '***-**-6789']);
    assert.equal(await page.getByTestId('columns-same').count(), 0);
    assert.equal(await page.getByTestId('differences-only').isChecked(), true, 'the filter stays on across its own re-render');
    // The rows of a difference are still marked among the fewer columns.
    await page.getByRole('button', { name: `Show rows seen by ${YOU}, ${ALICE} only` }).click();
    await until('the rows marked for yourself', () => markedIds(page, YOU), ['6']);
    await view.screenshot('comparison-differences-only');

    // From the keyboard: Space turns it off, and the focus stays on it to turn it on again.
    await page.getByTestId('differences-only').focus();
    await page.keyboard.press('Space');
    await until('yourself\'s columns', () => headers(sideOf(page, YOU).getByTestId('side-rows')), ['id', 'name', 'email', 'region', 'ssn']);
    assert.equal(await page.getByTestId('columns-same').count(), 1);
    await page.keyboard.press('Space');
    await until('yourself\'s columns', () => headers(sideOf(page, YOU).getByTestId('side-rows')), ['id', 'email', 'ssn']);
  });

  it('offers Cancel and no export while running, and the three exports once done', async function () {
    await view.host.send(fourIdentitiesRunning());
    const cancel = page.getByTestId('cancel');
    await cancel.waitFor();
    for (const id of ['export-json', 'export-markdown', 'export-csv']) assert.equal(await page.getByTestId(id).isDisabled(), true, `${id} is disabled while running`);
    await page.getByTestId('export-json').click({ force: true });
    await cancel.click();
    await view.host.waitFor('cancel');
    assert.deepEqual(view.host.received.slice(1), [{ type: 'cancel' }], 'a disabled export posts nothing; Cancel posts cancel');

    await showFinished(fourIdentities());
    assert.equal(await cancel.count(), 0, 'no Cancel once done');
    await page.getByTestId('export-json').click();
    await page.getByTestId('export-markdown').click();
    await page.getByTestId('export-csv').click();
    await until('the exports asked for', async () => view.host.messages('export'), [
      { type: 'export', format: 'json' },
      { type: 'export', format: 'markdown' },
      { type: 'export', format: 'csv' },
    ]);
  });

  it('offers no CSV of differing rows when there is no diff to take them from', async function () {
    const done = fourIdentities();
    const report = { ...done.report, sides: [done.report.sides[0], failedSide(ALICE, 'denied'), failedSide(BOB, 'denied')], diff: undefined, compared: [], noDiff: 'only one identity ran the statement; a comparison needs two.' };
    await showFinished({ ...done, report, summaries: ['yourself: 6 rows', `${ALICE}: failed · denied`, `${BOB}: failed · denied`] });
    assert.equal(await page.getByTestId('no-diff').textContent(), 'only one identity ran the statement; a comparison needs two.');
    assert.equal(await page.getByTestId('export-csv').isDisabled(), true);
    assert.equal(await page.getByTestId('export-markdown').isDisabled(), false);
    assert.deepEqual(await page.getByTestId('side-error').allTextContents(), [`${ALICE}: denied`, `${BOB}: denied`]);
  });
});
