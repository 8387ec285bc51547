/**
 * The results and comparison webviews checked by axe-core (an accessibility engine) in Chromium,
 * in the states a user meets: rows with a cell focused and its value open, an error, hostile
 * values, a run of several statements, a running and a paused statement, the export menu, and a
 * finished comparison; in VS Code's dark, light and two high-contrast themes (colour contrast
 * depends on them). No serious or critical violation may remain; each one found is printed with
 * its elements.
 */
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { resultView } from './fake-host';
import { blocking, countByImpact, describeViolations, runAxe } from './axe';
import { fourIdentities } from './comparison-fixtures';
import { HOSTILE_ROWS, hostileRun, selectRun, STAMP, WIDE_COLUMNS, wideRow } from './fixtures';
import { suiteHarness, type ViewPage } from './harness';
import type { ThemeName } from './themes';

const THEME_NAMES: readonly ThemeName[] = ['dark', 'light', 'hc-dark', 'hc-light'];

/** Checks the page as it is now in each theme; fails with every serious or critical violation. */
async function check(view: ViewPage<unknown>, state: string): Promise<void> {
  const found: string[] = [];
  for (const theme of THEME_NAMES) {
    await view.theme(theme);
    const violations = await runAxe(view.page);
    const counts = countByImpact(violations);
    const nodes = violations.reduce((sum, violation) => sum + violation.targets.length, 0);
    console.log(`      axe · ${state} · ${theme}: ${violations.length} rules violated (${nodes} elements): critical ${counts.critical}, serious ${counts.serious}, moderate ${counts.moderate}, minor ${counts.minor}`);
    const bad = blocking(violations);
    if (bad.length > 0) found.push(`${theme} theme:\n${describeViolations(bad)}`);
    else if (violations.length > 0) console.log(describeViolations(violations));
  }
  assert.equal(found.length, 0, `serious or critical accessibility violations with ${state}:\n${found.join('\n')}`);
}

async function waitForText(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).getByText(text).first().waitFor();
}

describe('accessibility (axe-core)', function () {
  const harness = suiteHarness();

  describe('results view', function () {
    let view: ViewPage<import('./fake-host').FakeHost>;
    let page: Page;

    beforeEach(async function () {
      view = await harness().open();
      page = view.page;
    });

    afterEach(async function () {
      const csp = await view.cspViolations();
      const { pageErrors } = view;
      await view.close();
      assert.deepEqual(csp, [], 'axe ran without any CSP violation');
      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    });

    it('has no serious or critical violations while empty', async function () {
      await page.getByTestId('empty').waitFor();
      await check(view, 'no results yet');
    });

    it('has no serious or critical violations with a result, a cell focused and its value open', async function () {
      const rows = Array.from({ length: 40 }, (_row, i) => wideRow(i));
      const run = selectRun('a11y-rows', { status: 'succeeded', storedRows: rows.length, stamp: { ...STAMP, durationMs: 42, rowCount: rows.length } });
      await view.host.state(run, { [run.results[0].id]: (i) => rows[i] });
      await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
      await check(view, 'a result');
      // A cell chosen with the keyboard, sorted, its whole value open below the grid.
      await page.locator('[data-testid="grid"] .slick-cell.l2').first().click();
      await page.keyboard.press('Enter');
      await page.getByTestId('detail').waitFor();
      await check(view, 'a focused cell and the value pane');
      await page.getByTestId('export').click();
      await page.getByTestId('export-menu').waitFor();
      await check(view, 'the export menu open');
    });

    it('has no serious or critical violations with an error', async function () {
      const run = selectRun(
        'a11y-failed',
        {
          status: 'failed',
          columns: null,
          stamp: { ...STAMP, durationMs: 85 },
          error: { message: 'column "nme" does not exist', code: '42703', detail: 'There is a column named "name" in table "orders".', hint: 'Perhaps you meant to reference the column "orders.name".', line: 2, column: 8 },
        },
        'SELECT id,\n       nme\nFROM sales.orders',
      );
      await view.host.state(run);
      await page.getByTestId('error').waitFor();
      await check(view, 'an error');
    });

    it('has no serious or critical violations with the hostile-values result', async function () {
      const run = hostileRun();
      await view.host.state(run, { [run.results[0].id]: (i) => HOSTILE_ROWS[i] });
      await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').nth(2).waitFor();
      await check(view, 'hostile values');
    });

    it('has no serious or critical violations with several statements, one running and one paused', async function () {
      const stamp = { ...STAMP, durationMs: 40, rowCount: 5 };
      const run = {
        runId: 'a11y-multi',
        worksheet: 'load.sql',
        results: [
          resultView('a0', 0, { statement: "INSERT INTO sales.orders VALUES (1, 'a')", status: 'succeeded', command: 'INSERT', stamp, notices: [{ severity: 'NOTICE', message: 'table "orders" was analyzed' }] }),
          resultView('a1', 1, { statement: 'SELECT * FROM sales.orders', status: 'running', columns: WIDE_COLUMNS, stamp: STAMP, storedRows: 30 }),
          resultView('a2', 2, { statement: 'SELECT * FROM sales.big', status: 'paused', columns: WIDE_COLUMNS, stamp: STAMP, storedRows: 100, rowLimit: 100 }),
          resultView('a3', 3, { statement: 'DELETE FROM sales.orders', status: 'skipped' }),
        ],
      };
      await view.host.state(run, { a1: wideRow, a2: wideRow });
      await waitForText(page, 'summary-text', 'INSERT · 5 rows affected');
      await check(view, 'a summary with notices');
      await page.getByTestId('tab').nth(1).click();
      await page.getByTestId('cancel').waitFor();
      await page.locator('[data-testid="grid"] .slick-row:not(.row-pending)').first().waitFor();
      await check(view, 'a running statement');
      await page.getByTestId('tab').nth(2).click();
      await page.getByTestId('fetch-more').waitFor();
      await check(view, 'a paused statement');
    });
  });

  describe('comparison view', function () {
    it('has no serious or critical violations with a finished comparison', async function () {
      const view = await harness().openComparison();
      try {
        await view.host.send(fourIdentities());
        await view.page.getByTestId('progress').getByText('Done', { exact: true }).waitFor();
        await check(view, 'a comparison');
        assert.deepEqual(await view.cspViolations(), [], 'axe ran without any CSP violation');
      } finally {
        await view.close();
      }
    });
  });
});
