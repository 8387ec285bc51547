/**
 * The results webview as a user sees it: the built bundle in Chromium under the page's CSP, fed
 * by a Node-side host that speaks the real protocol (pulls held until rows exist, chunked answers).
 */
import * as assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { PROTOCOL_VERSION, type ColumnView } from '../../src/results/protocol';
import { CACHE_ROWS } from '../../src/webview/row-store';
import { inPage, resultView, type Row } from './fake-host';
import { HOSTILE, HOSTILE_ROWS, hostileRun, selectRun, STAMP, WIDE_COLUMNS, wideRow } from './fixtures';
import { closeCleanly, suiteHarness, type ResultsPage } from './harness';

const GRID = '[data-testid="grid"]';

/** The grid row showing display row `index` (found by its row number), once it shows its cells rather than a placeholder. */
function gridRow(page: Page, index: number): Locator {
  return page.locator(`${GRID} .slick-row:not(.row-pending)`, { has: page.locator('.cell-rownum', { hasText: new RegExp(`^${index + 1}$`) }) });
}

/** The grid row of display row `index`, a placeholder or not. */
function anyGridRow(page: Page, index: number): Locator {
  return page.locator(`${GRID} .slick-row`, { has: page.locator('.cell-rownum', { hasText: new RegExp(`^${index + 1}$`) }) });
}

/** The cell of data column `column` (0-based) in display row `index`. */
function cell(page: Page, index: number, column: number): Locator {
  return gridRow(page, index).locator(`.slick-cell.l${column + 1}`);
}

function header(page: Page, name: string): Locator {
  return page.locator(`${GRID} .slick-header-column`, { has: page.locator('.slick-column-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function scrollGrid(page: Page, to: number | 'end'): Promise<void> {
  await page.locator(`${GRID} .slick-viewport-top.slick-viewport-left`).evaluate((element, target) => {
    const viewport = element as unknown as { scrollTop: number; scrollHeight: number };
    viewport.scrollTop = target === 'end' ? viewport.scrollHeight : target;
  }, to);
}

/** The highest row number the grid has in its DOM. */
async function lastRowNumber(page: Page): Promise<number> {
  const numbers = await page.locator(`${GRID} .cell-rownum`).allTextContents();
  return Math.max(0, ...numbers.map(Number));
}

/**
 * Waits until the page has handled what it was sent and painted twice: whatever a click or a
 * message would start (a handler, a dialog, a pull) has started by then. For "nothing happened"
 * checks, instead of a pause of a guessed length.
 */
async function pageSettled(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))))');
}

async function waitForRowsBeyond(page: Page, previous: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await lastRowNumber(page);
    if (last > previous) return last;
    if (Date.now() > deadline) throw new Error(`the grid still shows rows up to ${last} after scrolling`);
    await page.waitForTimeout(20);
  }
}

/** Waits until the grid shows no placeholder row, saying how many were left when giving up. */
async function noPlaceholders(page: Page, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await page.locator(`${GRID} .slick-row.row-pending`).count();
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} placeholder rows still show ${timeoutMs} ms after the window arrived`);
    await page.waitForTimeout(20);
  }
}

/** The rows the webview holds now and at most since it loaded (its debug counters). */
async function heldRows(page: Page): Promise<{ now: number; peak: number }> {
  const [now, peak] = await page.evaluate(() => {
    const data = (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document.body.dataset;
    return [Number(data.heldRows), Number(data.peakHeldRows)];
  });
  return { now, peak };
}

async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

const TEXT_COLUMNS: readonly ColumnView[] = [
  { name: 'id', type: 'int4', kind: 'number' },
  { name: 'value', type: 'text', kind: 'text' },
];

describe('results webview', function () {
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

  /** A one-statement run whose rows come from `rows` (all stored, succeeded). */
  async function showRows(columns: readonly ColumnView[], rows: readonly Row[], cellTextLimit = 200): Promise<string> {
    const run = selectRun('rows', { columns, status: 'succeeded', storedRows: rows.length, stamp: { ...STAMP, durationMs: 42, rowCount: rows.length } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: (i) => rows[i] }, { cellTextLimit });
    await view.host.waitFor('mark', (mark) => mark.name === 'stored');
    await cell(page, 0, 0).waitFor();
    return id;
  }

  it('says ready with the protocol version, and the grid works under the CSP with its nonce', async function () {
    assert.deepEqual(view.host.messages('ready'), [{ type: 'ready', protocol: PROTOCOL_VERSION }]);
    await page.getByTestId('empty').getByText('No results yet').waitFor();
    await showRows(TEXT_COLUMNS, [[1, 'a']]);
    // The row height comes from the <style> element SlickGrid creates: it only applies when the
    // element carries the page's nonce.
    const box = await gridRow(page, 0).boundingBox();
    assert.equal(box?.height, 24);
  });

  it('keeps the stamp on one line in a narrow view, the less important parts cut, with the whole stamp in its tooltip', async function () {
    const stamp = { ...STAMP, ranAs: 'carol.longname@example.com', assurance: 'confirmed' as const, durationMs: 1234, rowCount: 3 };
    const run = selectRun('narrow', { status: 'succeeded', storedRows: 3, stamp });
    await page.setViewportSize({ width: 640, height: 400 });
    await view.host.state(run, { [run.results[0].id]: wideRow });
    const line = page.getByTestId('stamp');
    await line.waitFor();
    const height = async (locator: Locator) => (await locator.boundingBox())?.height ?? 0;
    const badge = page.getByTestId('stamp-as');
    // One line: the stamp is no taller than its tallest part, the badge of whom it ran as.
    assert.ok((await height(line)) <= (await height(badge)) + 1, `the stamp is ${await height(line)} px tall, one line is ${await height(badge)} px`);
    assert.equal(await text(badge), 'as carol.longname@example.com · confirmed', 'whom it ran as is never cut');
    // The least telling parts give way whole (the connection's name usually says the platform).
    assert.equal(await page.locator('.stamp-platform').isVisible(), false, 'the platform gave way');
    assert.equal(await page.locator('.stamp-login').isVisible(), false, 'the login gave way');
    assert.equal(await page.locator('.stamp-rows').isVisible(), true, 'the row count stays');
    const tooltip = (await line.getAttribute('title')) ?? '';
    for (const part of ['Amazon Redshift', 'analytics-prod', 'svc_analyst', 'as carol.longname@example.com', 'project Fraud Detection', '3 rows']) {
      assert.ok(tooltip.includes(part), `the tooltip has "${part}": ${tooltip}`);
    }
    await view.screenshot('stamp-one-line-640px');
  });

  it('takes its page title from the host, and says why it shows nothing', async function () {
    await view.host.send({ type: 'state', run: null, settings: { cellTextLimit: 200 }, title: 'Results · b.sql', note: 'The results of b.sql are in an editor tab.' });
    await page.getByTestId('empty-text').getByText('are in an editor tab').waitFor();
    assert.equal(await page.title(), 'Results · b.sql');
    await view.host.send({ type: 'title', title: 'Results · c.sql' });
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'Results · c.sql');
    await view.host.send({ type: 'state', run: null, settings: { cellTextLimit: 200 }, title: 'Results · d.sql' });
    await page.getByTestId('empty-text').getByText('Run a statement in a worksheet').waitFor();
  });

  it('shows the first rows while the statement is still running, and says it is streaming', async function () {
    const run = selectRun('stream');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await page.getByTestId('status').getByText('Streaming… 0 rows').waitFor();
    await view.host.addRows(id, 120);
    await cell(page, 0, 1).waitFor();
    assert.equal(await text(cell(page, 0, 0)), '1');
    assert.equal(await text(cell(page, 0, 1)), 'customer 0');
    await page.getByTestId('status').getByText('Streaming… 120 rows').waitFor();
    assert.equal(await page.getByTestId('cancel').isVisible(), true);
    await page.getByTestId('cancel').click();
    assert.deepEqual(view.host.messages('cancel'), [{ type: 'cancel' }]);
    await view.theme('dark');
    await view.screenshot('streaming-dark');
    await view.host.addRows(id, 30_000);
    await page.getByTestId('status').getByText('Streaming… 30,120 rows').waitFor();
    await view.host.update(id, { status: 'succeeded', stamp: { ...STAMP, durationMs: 3200, rowCount: 30_120 } });
    await page.getByTestId('status').getByText('30,120 rows · 3.2 s').waitFor();
    assert.equal(await page.getByTestId('cancel').count(), 0);
    const painted = await view.host.waitFor('mark', (mark) => mark.name === 'painted');
    const stored = await view.host.waitFor('mark', (mark) => mark.name === 'stored');
    assert.equal(stored.rows, 30_120);
    assert.ok(painted.rows > 0 && painted.at <= stored.at, 'painted before everything was stored');
    assert.equal(view.host.messages('mark').length, 2, 'each mark once');
    assert.ok(view.host.messages('pull').every((pull, i, pulls) => i === 0 || pull.from >= pulls[i - 1].from), 'pulls move forward');
    await view.theme('light');
    await view.screenshot('succeeded-light');
  });

  it("shows a result's first rows that the host sends unasked, before its own pull is answered", async function () {
    const run = selectRun('head');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await page.getByTestId('status').getByText('Streaming… 0 rows').waitFor();
    // The view's pull for the first rows is held at the host: only the unasked rows can show.
    await view.host.waitFor('pull', (pull) => pull.resultId === id && pull.from === 0);
    view.host.holdAnswers();
    // Resolves once the held pull is answered, after releaseAnswers.
    const rowsAdded = view.host.addRows(id, 300);
    await view.host.head(id, 300);
    await cell(page, 0, 1).getByText('customer 0', { exact: true }).waitFor();
    assert.equal(await text(cell(page, 1, 1)), wideRow(1)[1]);
    await view.screenshot('head-before-pull-dark');
    // A second head for the same result is ignored: the view already holds its rows.
    const pullsBefore = view.host.pulls(id).length;
    await view.host.head(id, 300);
    await pageSettled(page);
    assert.equal(view.host.pulls(id).length, pullsBefore, 'no pull was started by the head');
    view.host.releaseAnswers();
    await rowsAdded;
    await view.host.update(id, { status: 'succeeded', stamp: { ...STAMP, durationMs: 20, rowCount: 300 } });
    await page.getByTestId('status').getByText('300 rows · 20 ms').waitFor();
    await cell(page, 0, 1).getByText('customer 0', { exact: true }).waitFor();
  });

  it('takes deflated pages (as a remote window sends them) and shows every row exactly, in order', async function () {
    view.host.compressRows = true;
    const run = selectRun('deflated');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await view.host.addRows(id, 230_000);
    await view.host.update(id, { status: 'succeeded', stamp: { ...STAMP, durationMs: 900, rowCount: 230_000 } });
    const stored = await view.host.waitFor('mark', (mark) => mark.name === 'stored', 30_000);
    assert.equal(stored.rows, 230_000);
    assert.equal(await text(cell(page, 0, 1)), 'customer 0');
    await scrollGrid(page, 'end');
    await waitForRowsBeyond(page, 229_990);
    await cell(page, 229_999, 1).getByText(`customer ${(229_999 * 7919) % 100_003}`, { exact: true }).waitFor();
    assert.ok(view.host.pulls().length >= 2, 'the rows at the end were pulled when the grid got there');
    assert.ok((await heldRows(page)).peak <= CACHE_ROWS, 'the view never held more than its cache');
  });

  it('shows 1,000,000 rows × 10 columns through a bounded window: scrolls to the last row with a small DOM and at most 20,000 rows held', async function () {
    const run = selectRun('million');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: inPage(wideRow) });
    await view.host.addRows(id, 1_000_000);
    await view.host.update(id, { status: 'succeeded', stamp: { ...STAMP, durationMs: 12_400, rowCount: 1_000_000 } });
    await view.host.waitFor('mark', (mark) => mark.name === 'stored', 60_000);
    await page.getByTestId('status').getByText('1,000,000 rows · 12.4 s').waitFor();
    await cell(page, 0, 0).getByText('1', { exact: true }).waitFor();
    const domRows: number[] = [await page.locator(`${GRID} .slick-row`).count()];
    let shown = await lastRowNumber(page);
    for (const top of [1_000_000, 6_000_000, 12_000_000, 18_000_000]) {
      await scrollGrid(page, top);
      shown = await waitForRowsBeyond(page, shown);
      // Placeholders first, then the rows of that window.
      await cell(page, shown - 1, 0).getByText(String(shown), { exact: true }).waitFor();
      domRows.push(await page.locator(`${GRID} .slick-row`).count());
    }
    await scrollGrid(page, 'end');
    const last = cell(page, 999_999, 0);
    await last.getByText('1000000', { exact: true }).waitFor();
    const lastBox = await last.boundingBox();
    const viewportBox = await page.locator(`${GRID} .slick-viewport-top.slick-viewport-left`).boundingBox();
    assert.ok(lastBox !== null && viewportBox !== null && lastBox.y >= viewportBox.y && lastBox.y + lastBox.height <= viewportBox.y + viewportBox.height, 'the last row is in view');
    domRows.push(await page.locator(`${GRID} .slick-row`).count());
    // About a viewport of rows plus SlickGrid's scroll buffer, wherever the grid is scrolled.
    const perViewport = Math.ceil((viewportBox?.height ?? 0) / 24);
    assert.ok(Math.max(...domRows) <= 3 * perViewport, `the grid keeps few rows in the DOM (${domRows.join(', ')}; ${perViewport} fit the viewport)`);
    assert.ok(Math.max(...domRows) - Math.min(...domRows) <= 1, `as many rows in the DOM at the top, the middle and the end (${domRows.join(', ')})`);
    const held = await heldRows(page);
    assert.ok(held.peak <= CACHE_ROWS && held.now <= CACHE_ROWS, `the view held at most ${CACHE_ROWS} rows (now ${held.now}, peak ${held.peak})`);
    assert.ok(view.host.pulls(id).length < 40, `a few windows were pulled, not the result (${view.host.pulls(id).length} pulls)`);
    await view.screenshot('million-end-dark');
  });

  it('jumps to the end with Ctrl+End: placeholder rows at once, then the rows when they arrive', async function () {
    const run = selectRun('jump');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: inPage(wideRow) });
    await view.host.addRows(id, 1_000_000, { status: 'succeeded', stamp: { ...STAMP, durationMs: 900, rowCount: 1_000_000 } });
    await cell(page, 0, 1).getByText('customer 0', { exact: true }).click();
    await view.host.waitFor('mark', (mark) => mark.name === 'stored', 30_000);
    await pageSettled(page);
    view.host.holdAnswers();
    await page.keyboard.press('Control+End');
    // The grid moved at once; the rows it shows are placeholders until the host answers.
    await anyGridRow(page, 999_999).waitFor();
    assert.ok((await page.locator(`${GRID} .slick-row.row-pending`).count()) > 0, 'placeholder rows show while the window is on its way');
    assert.equal(await text(anyGridRow(page, 999_999).locator('.slick-cell.l2')), '', 'a placeholder row has no cell text');
    await view.screenshot('jump-placeholders-dark');
    view.host.releaseAnswers();
    await cell(page, 999_999, 1).getByText(`customer ${(999_999 * 7919) % 100_003}`, { exact: true }).waitFor();
    // The jump may have asked for the end in more than one window (the viewport settles after the
    // first render): every placeholder goes once the answers are in.
    await noPlaceholders(page);
  });

  it('sorts a result larger than the view can hold in the host: sorting… shows, then the sorted first rows, and the last ones after Ctrl+End', async function () {
    const total = 50_000;
    const run = selectRun('big', { status: 'succeeded', storedRows: total, stamp: { ...STAMP, durationMs: 10, rowCount: total } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await cell(page, 0, 0).getByText('1', { exact: true }).waitFor();
    // The reference: the customer column in code-unit order, ties by arrival.
    const customers = Array.from({ length: total }, (_, index) => ({ index, key: wideRow(index)[1] as string }));
    customers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    view.host.holdAnswers();
    await header(page, 'customer').click();
    const asked = await view.host.waitFor('sort');
    assert.deepEqual(asked, { type: 'sort', resultId: id, column: 1, direction: 'asc' });
    await page.getByTestId('status-extra').getByText('Sorting…').waitFor();
    view.host.releaseAnswers();
    await page.getByTestId('status-extra').getByText('sorted by customer ↑').waitFor();
    assert.notEqual(customers[1].key, wideRow(1)[1], 'the sorted second row differs from the arrival one');
    await cell(page, 1, 1).getByText(customers[1].key, { exact: true }).waitFor();
    assert.equal(await page.locator(`${GRID} .slick-sort-indicator-asc`).count(), 1, 'the header shows the order');
    for (let row = 0; row < 5; row++) assert.equal(await text(cell(page, row, 1)), customers[row].key, `sorted row ${row}`);
    assert.equal(await text(cell(page, 0, 0)), wideRow(customers[0].index)[0], 'the whole row moved with its key');
    await cell(page, 0, 1).click();
    await page.keyboard.press('Control+End');
    await cell(page, total - 1, 1).getByText(customers[total - 1].key, { exact: true }).waitFor();
    assert.equal(await text(cell(page, total - 2, 1)), customers[total - 2].key);
    const held = await heldRows(page);
    assert.ok(held.peak <= CACHE_ROWS, `the view held at most ${CACHE_ROWS} rows (peak ${held.peak})`);
    // Descending, then arrival order again, each through the host.
    await header(page, 'customer').click();
    await view.host.waitFor('sort', (sort) => sort.direction === 'desc');
    await cell(page, 0, 1).getByText(customers[total - 1].key, { exact: true }).waitFor();
    await header(page, 'customer').click();
    await view.host.waitFor('sort', (sort) => sort.direction === null);
    await cell(page, 0, 1).getByText('customer 0', { exact: true }).waitFor();
    assert.equal(await page.locator(`${GRID} .slick-sort-indicator-asc, ${GRID} .slick-sort-indicator-desc`).count(), 0);
  });

  it("shows a host sort's progress with a Cancel sort button; cancelled, the rows keep their order", async function () {
    const total = 50_000;
    const run = selectRun('cancel-sort', { status: 'succeeded', storedRows: total, stamp: { ...STAMP, durationMs: 10, rowCount: total } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await cell(page, 0, 1).getByText('customer 0', { exact: true }).waitFor();
    view.host.holdAnswers();
    await header(page, 'customer').click();
    await view.host.waitFor('sort');
    await page.getByTestId('status-extra').getByText('Sorting…', { exact: true }).waitFor();
    await view.host.send({ type: 'sortProgress', resultId: id, done: 0.42 });
    await page.getByTestId('status-extra').getByText('Sorting… 42%').waitFor();
    await view.screenshot('host-sort-progress-dark');
    await page.getByTestId('cancel-sort').click();
    assert.deepEqual(await view.host.waitFor('cancelSort'), { type: 'cancelSort', resultId: id });
    await page.getByTestId('status-extra').getByText(/Sort cancelled/).waitFor();
    assert.equal(await page.getByTestId('cancel-sort').count(), 0, 'the button goes with the sort');
    view.host.releaseAnswers();
    await pageSettled(page);
    assert.equal(await text(cell(page, 0, 1)), 'customer 0', 'arrival order stays');
    assert.equal(await page.locator(`${GRID} .slick-sort-indicator-asc, ${GRID} .slick-sort-indicator-desc`).count(), 0, 'no sort indicator');
    assert.equal(view.host.messages('sort').length, 1);
  });

  it('does not sort a large result while it is held at the row limit, and says why', async function () {
    const run = selectRun('paused-big', { status: 'paused', storedRows: 50_000, rowLimit: 50_000, stamp: { ...STAMP, durationMs: null, rowCount: null } });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await cell(page, 0, 0).getByText('1', { exact: true }).waitFor();
    await header(page, 'id').click();
    await page.getByTestId('status-extra').getByText(/Sorting results over 20,000 rows is available once the statement has finished/).waitFor();
    assert.equal(view.host.messages('sort').length, 0);
    assert.ok((await heldRows(page)).peak < 50_000, 'the result was not pulled whole');
    // A selection reaching rows the view does not hold is not copied as blanks.
    await gridRow(page, 0).locator('.cell-rownum').click();
    await page.locator(`${GRID} .slick-header-column.header-rownum`).click();
    await page.keyboard.press('Control+c');
    await page.getByTestId('status-extra').getByText(/Copy takes the rows the view holds/).waitFor();
    assert.equal(view.host.messages('copy').length, 0);
  });

  it('pulls nothing for hidden tabs, and a view created again opens where the user was, from the host', async function () {
    const run = {
      runId: 'tabs',
      worksheet: 'a.sql',
      results: [0, 1].map((i) =>
        resultView(`tabs-${i}`, i, { statement: `SELECT ${i}`, status: 'succeeded', columns: TEXT_COLUMNS, stamp: STAMP, storedRows: i === 0 ? 10 : 60_000 }),
      ),
    };
    const source = (i: number): Row => [i + 1, `row ${i}`];
    await view.host.state(run, { 'tabs-0': source, 'tabs-1': source });
    await cell(page, 9, 1).getByText('row 9').waitFor();
    await pageSettled(page);
    assert.equal(view.host.pulls('tabs-1').length, 0, 'the hidden tab pulled nothing');
    await view.host.addRows('tabs-1', 1_000);
    await pageSettled(page);
    assert.equal(view.host.pulls('tabs-1').length, 0, 'the hidden tab pulled nothing as its result grew');
    await page.getByTestId('tab').nth(1).click();
    await cell(page, 0, 1).getByText('row 0').waitFor();
    await scrollGrid(page, 40_000 * 24);
    await cell(page, 40_002, 1).getByText('row 40002').waitFor();
    const place = await view.host.waitFor('viewState', (message) => message.resultId === 'tabs-1' && message.topRow >= 39_000);
    const pullsBefore = view.host.pulls('tabs-0').length;
    const receivedBefore = view.host.received.length;

    // The view is thrown away (hidden without retainContextWhenHidden) and loads again.
    await page.reload();
    await view.host.waitFor('ready');
    await cell(page, place.topRow + 2, 1).getByText(`row ${place.topRow + 2}`).waitFor();
    assert.equal(await page.getByTestId('tab').nth(1).getAttribute('aria-selected'), 'true', 'the tab the user had open is open again');
    assert.equal(view.host.pulls('tabs-0').length, pullsBefore, 'the hidden first tab pulled nothing after the restore');
    const pullsAfter = view.host.received.slice(receivedBefore).filter((message) => message.type === 'pull');
    assert.ok(pullsAfter.length > 0 && pullsAfter.every((pull) => pull.from >= place.topRow - 2_000), `the restored view pulled only the rows where the user was (${pullsAfter.map((pull) => pull.from).join(', ')})`);
  });

  it('sorts numbers as numbers with NULLs last in both directions, and keeps ties stable', async function () {
    const rows: Row[] = [
      ['10', 'b'],
      [null, 'n1'],
      ['9', 'a'],
      ['9223372036854775807', 'max'],
      ['9223372036854775806', 'max-1'],
      ['-2.5', 'neg'],
      [null, 'n2'],
      ['9', 'a2'],
    ];
    await showRows([{ name: 'n', type: 'int8', kind: 'number' }, { name: 'label', type: 'text', kind: 'text' }], rows);
    const labels = async (): Promise<string[]> => Promise.all(rows.map((_row, i) => text(cell(page, i, 1))));
    await header(page, 'n').click();
    await page.getByTestId('status').getByText('sorted by n ↑').waitFor();
    assert.deepEqual(await labels(), ['neg', 'a', 'a2', 'b', 'max-1', 'max', 'n1', 'n2']);
    await header(page, 'n').click();
    await page.getByTestId('status').getByText('sorted by n ↓').waitFor();
    assert.deepEqual(await labels(), ['max', 'max-1', 'b', 'a', 'a2', 'neg', 'n1', 'n2']);
    await header(page, 'label').click();
    await page.getByTestId('status').getByText('sorted by label ↑').waitFor();
    assert.deepEqual(await labels(), ['a', 'a2', 'b', 'max', 'max-1', 'n1', 'n2', 'neg']);
  });

  it('refuses to sort while the statement runs, and says why', async function () {
    const run = selectRun('locked');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: (i) => wideRow(99 - i) });
    await view.host.addRows(id, 100);
    await cell(page, 0, 0).getByText('100', { exact: true }).waitFor();
    await page.getByTestId('status-extra').getByText('sorting unlocks when the statement finishes or pauses').waitFor();
    await header(page, 'id').click();
    await page.getByTestId('status-extra').getByText('Sorting is available once the statement has finished or paused.').waitFor();
    assert.equal(await text(cell(page, 0, 0)), '100');
    await view.host.update(id, { status: 'paused', storedRows: 100 });
    await header(page, 'id').click();
    await page.getByTestId('status').getByText('sorted by id ↑').waitFor();
    assert.equal(await text(cell(page, 0, 0)), '1');
    // Fetching more streams again: the sort gives way to arrival order.
    await view.host.update(id, { status: 'running' });
    await cell(page, 0, 0).getByText('100', { exact: true }).waitFor();
    assert.equal(await page.locator(`${GRID} .slick-sort-indicator-asc`).count(), 0);
  });

  it('shows NULL as a marked-up placeholder, unlike the text "NULL"', async function () {
    await showRows(TEXT_COLUMNS, [
      [1, null],
      [2, 'NULL'],
      [3, ''],
      [4, 'tab\there "quoted"'],
    ]);
    const nullCell = cell(page, 0, 1);
    assert.equal(await nullCell.locator('.cell-null').count(), 1);
    assert.equal(await nullCell.locator('.cell-null').getAttribute('aria-label'), 'null');
    assert.equal(await nullCell.locator('.cell-null').evaluate((element) => (element as unknown as { ownerDocument: { defaultView: { getComputedStyle(e: unknown): { fontStyle: string } } } }).ownerDocument.defaultView.getComputedStyle(element).fontStyle), 'italic');
    const textCell = cell(page, 1, 1);
    assert.equal(await text(textCell), 'NULL');
    assert.equal(await textCell.locator('.cell-null').count(), 0);
    assert.equal(await text(cell(page, 2, 1)), '');
    // Copied, NULL is an empty field and the text NULL stays text; tabs and quotes are quoted.
    await cell(page, 0, 1).click();
    await cell(page, 3, 1).click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+c');
    assert.equal(view.host.messages('copy').at(-1)?.text, '\nNULL\n\n"tab\there ""quoted"""');
  });

  it('shows markup and script in cells, column names and statements as exact text', async function () {
    const { img, script } = HOSTILE;
    const run = hostileRun();
    const id = run.results[0].id;
    await view.host.state(run, { [id]: (i) => HOSTILE_ROWS[i] });
    await cell(page, 2, 1).waitFor();
    assert.equal(await text(cell(page, 0, 0)), img);
    assert.equal(await text(cell(page, 0, 1)), script);
    assert.equal(await text(cell(page, 1, 0)), '<style>body{display:none}</style>');
    assert.equal(await text(cell(page, 1, 1)), '&lt;not an entity&gt;');
    assert.equal(await text(page.locator(`${GRID} .slick-column-name`).nth(1)), '<b onmouseover=alert(2)>name</b>');
    assert.match(await text(page.getByTestId('tab')), /SELECT '<img src=x onerror=alert\(1\)>'/);
    assert.match(await text(page.getByTestId('stamp')), /as <i>eve<\/i>.*project <svg onload=alert\(3\)>/);
    for (const tag of ['img', 'b', 'i', 'svg', 'style', 'script']) {
      assert.equal(await page.locator(`#result-panel ${tag}, .tabs ${tag}`).count(), 0, `no <${tag}> element`);
    }
    assert.equal(await page.locator('script').count(), 1, 'only the page script');
    await cell(page, 0, 0).hover();
    await cell(page, 0, 0).click();
    await pageSettled(page);
    assert.deepEqual(view.dialogs, []);
  });

  it('cuts long text in the cell and shows the whole value, JSON pretty-printed, in the detail pane', async function () {
    const long = `${'lorem ipsum '.repeat(500)}THE END`;
    const json = JSON.stringify({ customer: { id: 7, tags: ['vip', 'eu'] }, note: 'x'.repeat(300) });
    await showRows(TEXT_COLUMNS, [
      [1, long],
      [2, json],
      [3, 'short'],
    ]);
    const shown = await text(cell(page, 0, 1));
    assert.equal(shown.length, 201);
    assert.ok(shown.endsWith('…') && long.startsWith(shown.slice(0, -1)));
    assert.equal(await page.getByTestId('detail').isVisible(), false);
    await cell(page, 0, 1).click();
    await page.getByTestId('detail').waitFor();
    assert.equal(await text(page.getByTestId('detail-value')), long);
    assert.match(await text(page.getByTestId('detail-title')), /^value · text · row 1 · 6,007 characters$/);
    await page.getByTestId('detail-copy').click();
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: long, what: 'the value of value' });
    await cell(page, 1, 1).click();
    await page.getByTestId('detail-value').getByText('"vip"').waitFor();
    assert.equal(await text(page.getByTestId('detail-value')), JSON.stringify(JSON.parse(json), null, 2));
    await page.getByTestId('detail-open').click();
    assert.deepEqual(view.host.messages('openValue'), [{ type: 'openValue', text: json, column: 'value' }]);
    await view.theme('dark');
    await view.screenshot('detail-json-dark');
    await cell(page, 1, 1).click();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('detail-value').getByText('short', { exact: true }).waitFor();
    await page.getByTestId('detail-close').click();
    assert.equal(await page.getByTestId('detail').isVisible(), false);
  });

  it('pauses at the row limit with Fetch more, Fetch all and Stop reading, then counts dropped rows', async function () {
    const run = selectRun('paused', { rowLimit: 100 });
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    await view.host.addRows(id, 100, { status: 'paused' });
    const status = page.getByTestId('status');
    await status.getByText('Paused at the row limit (100 rows) — more rows are waiting').waitFor();
    await view.theme('dark');
    await view.screenshot('paused-dark');
    await page.getByTestId('fetch-more').click();
    await page.getByTestId('fetch-all').click();
    await page.getByTestId('stop-reading').click();
    assert.deepEqual(
      view.host.received.filter((message) => message.type === 'fetchMore' || message.type === 'stopReading'),
      [
        { type: 'fetchMore', resultId: id, all: false },
        { type: 'fetchMore', resultId: id, all: true },
        { type: 'stopReading', resultId: id },
      ],
    );
    await view.host.update(id, { status: 'succeeded', discardedRows: 123, stamp: { ...STAMP, durationMs: 900, rowCount: 100 } });
    await status.getByText('Stopped reading: 123 more rows were counted and dropped').waitFor();
    await status.getByText('100 rows · 900 ms').waitFor();
    assert.equal(await page.getByTestId('fetch-more').count(), 0);
  });

  it('copies a selected range as TSV with Ctrl+C, and with the header row on request', async function () {
    await showRows(WIDE_COLUMNS, Array.from({ length: 20 }, (_row, i) => wideRow(i)));
    await cell(page, 0, 1).click();
    for (const key of ['Shift+ArrowDown', 'Shift+ArrowDown', 'Shift+ArrowRight', 'Shift+ArrowRight']) await page.keyboard.press(key);
    await page.keyboard.press('Control+c');
    const expected = [0, 1, 2].map((i) => wideRow(i).slice(1, 4).map((value) => (value === null ? '' : String(value))).join('\t'));
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: expected.join('\n'), what: '3 rows × 3 columns' });
    await page.keyboard.press('Control+Shift+C');
    const withHeaders = ['customer\tamount\tactive', ...expected].join('\n');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: withHeaders, what: '3 rows × 3 columns with headers' });
    await page.getByTestId('copy-with-headers').click();
    assert.equal(view.host.messages('copy').at(-1)?.text, withHeaders);
    await view.screenshot('selection-dark');

    // Dragging selects a range too.
    const from = await cell(page, 3, 6).boundingBox();
    const to = await cell(page, 4, 7).boundingBox();
    assert.ok(from !== null && to !== null);
    await page.mouse.move(from.x + 5, from.y + 5);
    await page.mouse.down();
    await page.mouse.move(to.x + 10, to.y + 10, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('Control+c');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: 'us-west-2\t3\nus-east-1\t4', what: '2 rows × 2 columns' });

    // Shift+click extends from the active cell.
    await cell(page, 5, 0).click();
    await cell(page, 6, 1).click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+c');
    assert.equal(view.host.messages('copy').at(-1)?.text, '6\tcustomer 39595\n7\tcustomer 47514');
  });

  it('selects whole rows from the row numbers', async function () {
    await showRows(WIDE_COLUMNS, Array.from({ length: 20 }, (_row, i) => wideRow(i)));
    await gridRow(page, 1).locator('.cell-rownum').click();
    await gridRow(page, 3).locator('.cell-rownum').click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+c');
    const expected = [1, 2, 3].map((i) => wideRow(i).map((value) => (value === null ? '' : String(value))).join('\t')).join('\n');
    assert.deepEqual(view.host.messages('copy').at(-1), { type: 'copy', text: expected, what: '3 rows × 10 columns' });
    assert.equal(await gridRow(page, 2).locator('.slick-cell.selected').count(), 10);
  });

  it('posts export, open and copy-as-Markdown requests for the active result', async function () {
    const id = await showRows(TEXT_COLUMNS, [[1, 'a']]);
    const choices: [string, string, boolean][] = [
      ['export-csv', 'csv', false],
      ['export-csv-stamp', 'csv', true],
      ['export-json', 'json', false],
      ['export-json-stamp', 'json', true],
    ];
    for (const [testId, format, withStamp] of choices) {
      await page.getByTestId('export').click();
      await page.getByTestId(testId).click();
      assert.deepEqual(view.host.messages('export').at(-1), { type: 'export', resultId: id, format, withStamp, destination: 'file' });
      assert.equal(await page.getByTestId('export-menu').isVisible(), false);
    }
    await page.getByTestId('open-csv').click();
    assert.deepEqual(view.host.messages('export').at(-1), { type: 'export', resultId: id, format: 'csv', withStamp: false, destination: 'untitled' });
    await page.getByTestId('open-json').click();
    assert.deepEqual(view.host.messages('export').at(-1), { type: 'export', resultId: id, format: 'json', withStamp: false, destination: 'untitled' });
    await page.getByTestId('copy-markdown').click();
    assert.deepEqual(view.host.messages('copyMarkdown'), [{ type: 'copyMarkdown', resultId: id }]);
    // Sorted in the view, the requests carry the grid's order: the host exports and copies in it.
    await header(page, 'value').click();
    await page.locator(`${GRID} .slick-sort-indicator-asc`).waitFor();
    await page.getByTestId('open-csv').click();
    assert.deepEqual(view.host.messages('export').at(-1), { type: 'export', resultId: id, format: 'csv', withStamp: false, destination: 'untitled', sort: { column: 1, direction: 'asc' } });
    await page.getByTestId('copy-markdown').click();
    assert.deepEqual(view.host.messages('copyMarkdown').at(-1), { type: 'copyMarkdown', resultId: id, sort: { column: 1, direction: 'asc' } });
    await page.getByTestId('export').click();
    await page.getByTestId('export-menu').waitFor();
    await view.theme('light');
    await view.screenshot('export-menu-light');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('export-menu').isVisible(), false);
  });

  it('shows a failed statement: message, code, detail, hint, and the statement with the position marked', async function () {
    const statement = 'SELECT id,\n       nme\nFROM sales.orders';
    const run = selectRun(
      'failed',
      {
        status: 'failed',
        columns: null,
        stamp: { ...STAMP, durationMs: 85 },
        error: { message: 'column "nme" does not exist', code: '42703', detail: 'There is a column named "name" in table "orders".', hint: 'Perhaps you meant to reference the column "orders.name".', line: 2, column: 8 },
      },
      statement,
    );
    await view.host.state(run);
    const error = page.getByTestId('error');
    await error.waitFor();
    assert.equal(await text(page.getByTestId('error-message')), 'column "nme" does not exist');
    assert.equal(await text(page.getByTestId('error-code')), '42703');
    assert.equal(await text(page.getByTestId('error-detail')), 'There is a column named "name" in table "orders".');
    assert.equal(await text(page.getByTestId('error-hint')), 'Perhaps you meant to reference the column "orders.name".');
    assert.equal(await text(page.getByTestId('error-position')), 'line 2, column 8');
    assert.equal(await text(page.getByTestId('error-mark')), 'n');
    assert.equal(await text(page.locator('.error-line .statement-code')), '       nme');
    assert.equal(await text(page.locator('.caret')), '       ^');
    await page.getByTestId('status').getByText('Failed after 85 ms').waitFor();
    assert.equal(await page.getByTestId('grid').isVisible(), false);
    assert.equal(await page.getByTestId('export').isDisabled(), true);
    await page.getByTestId('show-statement').click();
    assert.deepEqual(view.host.messages('showStatement'), [{ type: 'showStatement', resultId: run.results[0].id }]);
    await view.theme('dark');
    await view.screenshot('failed-dark');
    await view.theme('light');
    await view.screenshot('failed-light');
  });

  it('stamps whom the statement ran as, and its project', async function () {
    const run = selectRun('stamp', { status: 'succeeded', stamp: { ...STAMP, durationMs: 1500, rowCount: 0 } });
    await view.host.state(run);
    const stamp = page.getByTestId('stamp');
    await stamp.getByText('as bob', { exact: true }).waitFor();
    assert.match(await text(stamp), /^Amazon Redshift·analytics-prod·svc_analyst·as bob·project Fraud Detection·started .*·1\.5 s·0 rows·query id q-20250115-7781$/);
    assert.equal(await page.locator('.stamp-as.impersonating').count(), 1);
    await view.host.state(selectRun('stamp2', { stamp: { ...STAMP, ranAs: null, project: undefined } }));
    await stamp.getByText('as yourself (svc_analyst)', { exact: true }).waitFor();
    assert.match(await text(stamp), /project unknown/);
    await view.theme('light');
    await view.screenshot('yourself-light');
    assert.equal(await page.locator('.stamp-as.impersonating').count(), 0);
    await view.host.state(selectRun('stamp3', { stamp: { ...STAMP, ranAs: null, project: null } }));
    await stamp.getByText('as yourself (svc_analyst)', { exact: true }).waitFor();
    assert.doesNotMatch(await text(stamp), /project/);
  });

  it('warns "same result as yourself" beside whom it ran as, softly once the effect probe confirmed it', async function () {
    const yourselfAt = Date.UTC(2025, 0, 15, 13, 58, 0);
    const flagged = { ...STAMP, ranAs: '<b>bob</b>', assurance: 'applied' as const, durationMs: 20, rowCount: 1, sameAsYourself: { at: yourselfAt, rows: 1 } };
    await view.host.state(selectRun('same', { status: 'succeeded', stamp: flagged }));
    const same = page.getByTestId('stamp-same');
    await same.waitFor();
    assert.equal(await text(same), 'same result as yourself');
    assert.equal(await same.evaluate((element) => element.classList.contains('warn')), true, 'a warning without a probe');
    const title = (await same.getAttribute('title')) ?? '';
    assert.match(title, /^Check that impersonation takes effect on this platform: <b>bob<\/b> got the same columns and the same 1 row, in the same order, as your own run of this statement at /);
    assert.match(await text(page.getByTestId('stamp')), /as <b>bob<\/b> · applied·same result as yourself·project/, 'beside whom it ran as, markup shown as text');
    assert.equal(await page.locator('.stamp b').count(), 0, 'no markup from the user name');
    await view.theme('dark');
    await view.screenshot('same-result-dark');

    await view.host.state(selectRun('same-confirmed', { status: 'succeeded', stamp: { ...flagged, ranAs: 'bob', assurance: 'confirmed' } }));
    await page.getByTestId('stamp-as').getByText('as bob · confirmed', { exact: true }).waitFor();
    assert.equal(await text(same), 'same result as yourself');
    assert.equal(await same.evaluate((element) => element.classList.contains('warn')), false, 'no warning once confirmed');
    assert.match((await same.getAttribute('title')) ?? '', /The effect probe confirmed that bob is impersonated, so this statement's data is simply not restricted differently for bob and for you\.$/);

    await view.host.state(selectRun('not-same', { status: 'succeeded', stamp: { ...flagged, sameAsYourself: undefined } }));
    await page.getByTestId('stamp-as').getByText('as <b>bob</b> · applied', { exact: true }).waitFor();
    assert.equal(await same.count(), 0, 'nothing without the flag');
  });

  it('shows a run of several statements as keyboard-accessible tabs, with summaries for statements without rows', async function () {
    const stamp = { ...STAMP, durationMs: 40, rowCount: 5 };
    const run = {
      runId: 'multi',
      worksheet: 'load.sql',
      results: [
        resultView('m0', 0, { statement: "INSERT INTO sales.orders VALUES (1, 'a'), (2, 'b')", status: 'succeeded', command: 'INSERT', stamp, notices: [{ severity: 'NOTICE', message: 'table "orders" was analyzed' }] }),
        resultView('m1', 1, { statement: 'SELECT * FROM sales.orders', status: 'running', columns: WIDE_COLUMNS, stamp: STAMP }),
        resultView('m2', 2, { statement: 'UPDATE sales.orders SET qty = 0', status: 'queued' }),
        resultView('m3', 3, { statement: 'DELETE FROM sales.orders', status: 'skipped' }),
      ],
    };
    await view.host.state(run, { m1: wideRow });
    const tabs = page.getByTestId('tab');
    await tabs.nth(3).waitFor();
    assert.deepEqual(await tabs.evaluateAll((elements) => elements.map((element) => (element as unknown as { dataset: { status: string } }).dataset.status)), ['succeeded', 'running', 'queued', 'skipped']);
    assert.equal(await text(tabs.nth(0).locator('.tab-label')), "1 · INSERT INTO sales.orders VALUES (1, 'a'), (2, '…");
    assert.equal(await page.getByRole('tab', { selected: true }).count(), 1);
    await page.getByTestId('summary-text').getByText('INSERT · 5 rows affected').waitFor();
    assert.match(await text(page.getByTestId('notices')), /NOTICE\s*table "orders" was analyzed/);
    assert.equal(await page.getByTestId('export').isDisabled(), true);
    await view.theme('dark');
    await view.screenshot('summary-dark');

    await tabs.nth(0).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await tabs.nth(1).getAttribute('aria-selected'), 'true');
    await view.host.addRows('m1', 10);
    await cell(page, 9, 0).waitFor();
    assert.equal(await page.getByTestId('export').isDisabled(), false);
    await page.keyboard.press('End');
    assert.equal(await tabs.nth(3).getAttribute('aria-selected'), 'true');
    await page.getByTestId('placeholder').getByText('Not run: an earlier statement failed or was cancelled.').waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByTestId('placeholder').getByText('Waiting for the statements before this one…').waitFor();
    await view.host.update('m2', { status: 'succeeded', command: 'UPDATE', stamp: { ...STAMP, durationMs: 10, rowCount: 1 } });
    await page.getByTestId('summary-text').getByText('UPDATE · 1 row affected').waitFor();
    assert.equal(await text(tabs.nth(2).locator('.tab-count')), '1 affected');
  });

  it('adds a tab for each further result set of a batch as it arrives, after its statement’s first, numbered 2.1, 2.2', async function () {
    const batch = "DECLARE @n int = 2;\nSELECT @n AS n;\nSELECT * FROM sales.orders;";
    const run = {
      runId: 'batches',
      worksheet: 'batches.sql',
      results: [
        resultView('b0', 0, { statement: 'SELECT 1 AS one', status: 'succeeded', columns: TEXT_COLUMNS, storedRows: 1, stamp: { ...STAMP, durationMs: 5, rowCount: 1 } }),
        resultView('b1', 1, { statement: batch, status: 'running', columns: TEXT_COLUMNS, stamp: STAMP }),
        resultView('b2', 2, { statement: 'SELECT 3 AS three', status: 'queued' }),
      ],
    };
    await view.host.state(run, { b0: (i) => [i, 'one'], b1: (i) => [i, 'first set'] });
    const tabs = page.getByTestId('tab');
    await tabs.nth(2).waitFor();
    assert.equal(await text(tabs.nth(1).locator('.tab-label')), '2 · DECLARE @n int = 2; SELECT @n AS n; SELECT * FR…');
    await view.host.addRows('b1', 1, { status: 'succeeded', stamp: { ...STAMP, durationMs: 7, rowCount: 1 } });
    await view.host.add(resultView('b1.1', 1, { part: 1, statement: batch, status: 'running', columns: WIDE_COLUMNS, stamp: STAMP }), wideRow);
    await tabs.nth(3).waitFor();
    assert.deepEqual(await tabs.locator('.tab-label').allTextContents(), [
      '1 · SELECT 1 AS one',
      '2.1 · DECLARE @n int = 2; SELECT @n AS n; SELECT * FR…',
      '2.2 · DECLARE @n int = 2; SELECT @n AS n; SELECT * FR…',
      '3 · SELECT 3 AS three',
    ]);
    assert.equal(await tabs.nth(0).getAttribute('aria-selected'), 'true', 'the tab the user was on stays active');
    await tabs.nth(0).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await tabs.nth(2).getAttribute('aria-selected'), 'true');
    await view.host.addRows('b1.1', 3);
    await cell(page, 2, 0).getByText('3').waitFor();
    await view.host.update('b1.1', { status: 'succeeded', stamp: { ...STAMP, durationMs: 9, rowCount: 3 } });
    await page.getByTestId('status').getByText('3 rows · 9 ms').waitFor();
    assert.deepEqual(await tabs.evaluateAll((elements) => elements.map((element) => (element as unknown as { dataset: { status: string } }).dataset.status)), ['succeeded', 'succeeded', 'succeeded', 'queued']);
    await page.keyboard.press('ArrowLeft');
    await cell(page, 0, 1).getByText('first set').waitFor();
  });

  it('replaces the old run’s tabs and rows when a new run arrives', async function () {
    const first = {
      runId: 'old',
      worksheet: 'a.sql',
      results: [0, 1, 2].map((i) => resultView(`old-${i}`, i, { statement: `SELECT ${i} AS old_${i}`, status: 'running', columns: TEXT_COLUMNS, stamp: STAMP })),
    };
    await view.host.state(first, { 'old-0': (i) => [i, `old ${i}`] });
    await view.host.addRows('old-0', 5);
    await cell(page, 4, 1).getByText('old 4').waitFor();
    assert.equal(await page.getByTestId('tab').count(), 3);
    await view.host.state(selectRun('new', { columns: TEXT_COLUMNS }, 'SELECT * FROM fresh'), { 'new-r0': (i) => [i, `new ${i}`] });
    await page.getByTestId('tab').getByText('1 · SELECT * FROM fresh').waitFor();
    assert.equal(await page.getByTestId('tab').count(), 1);
    await view.host.addRows('new-r0', 3);
    await cell(page, 2, 1).getByText('new 2').waitFor();
    assert.equal(await page.locator(`${GRID} .slick-row`).count(), 3);
    assert.equal(await page.getByText('old 0').count(), 0);
    await view.host.state(null);
    await page.getByTestId('empty').waitFor();
  });

  it('stops pulling when a pull fails, and says the rows are gone', async function () {
    const run = selectRun('gone');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    const pull = await view.host.waitFor('pull');
    await view.host.send({ type: 'pullFailed', requestId: pull.requestId, resultId: id, reason: 'the result was discarded' });
    await page.getByTestId('status').getByText('Rows are no longer available: the result was discarded').waitFor();
    await pageSettled(page);
    assert.equal(view.host.messages('pull').length, 1);
  });

  it('reports a broken host message as a problem instead of failing silently', async function () {
    const run = selectRun('broken');
    const id = run.results[0].id;
    await view.host.state(run, { [id]: wideRow });
    const pull = await view.host.waitFor('pull');
    await view.host.send({ type: 'rows', requestId: pull.requestId, resultId: id, from: 0, count: 2, chunks: ['[["x"]]'] });
    const problem = await view.host.waitFor('problem');
    assert.match(problem.message, /an answer of 2 rows held 1/);
    view.host.clearReceived();
  });
});
