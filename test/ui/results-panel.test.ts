/**
 * Results below the editors, as SQL tools show them: the Results view in the bottom panel follows
 * the active worksheet, keeps each worksheet's results and where the user was in them, leaves the
 * keyboard in the editor, moves into an editor tab on request, and its stamp stays on one line.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { resultsFrame, ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { impersonateFromStatusBar, openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

const A = 'panel-a.sql';
const B = 'panel-b.sql';
const A_TEXT = "SELECT n, 'alpha' AS sheet FROM generate_series(1, 2000) AS n;\nSELECT 'alpha two' AS sheet;\n";
const B_TEXT = "SELECT DISTINCT region, 'bravo' AS sheet FROM sales.customers ORDER BY 1;\n";

/** Sets (or with undefined, removes) immutaWorksheets.results.location in the workspace settings. */
function setLocation(workspace: string, location: 'panel' | 'editor' | undefined): void {
  const file = path.join(workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (location === undefined) delete settings['immutaWorksheets.results.location'];
  else settings['immutaWorksheets.results.location'] = location;
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** The box of the element hosting a webview frame, in the workbench's coordinates. */
async function frameBox(frame: Frame): Promise<{ x: number; y: number; width: number; height: number }> {
  let outer: Frame = frame;
  while (outer.parentFrame() !== null && outer.parentFrame() !== outer.page().mainFrame()) outer = outer.parentFrame() as Frame;
  const box = await (await outer.frameElement()).boundingBox();
  if (!box) throw new Error('the results webview has no box on screen');
  return box;
}

/** Whether the results are drawn inside the bottom panel (webviews float over the part they belong to). */
async function inBottomPanel(view: ResultsView): Promise<boolean> {
  const panel = await ui().workbench.page.locator('.part.panel').first().boundingBox();
  const box = await frameBox(view.frame);
  return panel !== null && box.y >= panel.y - 1 && box.y + box.height <= panel.y + panel.height + 1;
}

/** The active result's tab in the results page. */
function activeTab(view: ResultsView): Locator {
  return view.frame.locator('[data-testid="tab"][aria-selected="true"]').first();
}

/**
 * Waits until the page told the host where the user is (its debug mark "<resultId>:<topRow>"), so
 * a switch away keeps it; returns the result id.
 */
async function placeKnown(view: ResultsView, accept: (topRow: number, resultId: string) => boolean): Promise<string> {
  const mark = await until('the results page to tell the host where the user is', () => view.frame.evaluate('document.body.dataset.placePosted || ""') as Promise<string>, (seen) => {
    const at = seen.lastIndexOf(':');
    return at > 0 && accept(Number(seen.slice(at + 1)), seen.slice(0, at));
  });
  return mark.slice(0, mark.lastIndexOf(':'));
}

/** Brings a worksheet's editor forward by its tab, as a person switches worksheets. */
async function switchTo(file: string): Promise<ResultsView> {
  const { workbench } = ui();
  await workbench.focusEditor(file);
  return ResultsView.of(workbench.page, file);
}

describe('results in the bottom panel', () => {
  scenario('two worksheets share the Results view in the bottom panel', 300_000, () => {
    it('a run shows in the bottom panel and leaves the keyboard in the editor: Ctrl+Enter then Ctrl+Shift+Enter both run', async () => {
      const { workbench, workspace } = ui();
      fs.writeFileSync(path.join(workspace, A), A_TEXT);
      fs.writeFileSync(path.join(workspace, B), B_TEXT);
      await openWithConnection(workbench, A, 'Lab Redshift (governor)');
      await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'generate_series' }).first());
      await workbench.page.keyboard.press('Control+Enter');
      let results = await ResultsView.of(workbench.page, A);
      await passwordIfAsked(workbench, 'governor', results.frame.locator('[data-testid="status-text"]').filter({ hasNotText: /^Queued/ }).first());
      await results.waitForStatus(/^2,000 rows/, 30_000);
      assert.ok(await inBottomPanel(results), 'the results are in the bottom panel');
      assert.equal(await workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${A}` }).count(), 0, 'no editor tab of results opened');
      // The keyboard stayed in the editor: the next shortcut (which needs the editor's focus) runs the whole worksheet.
      await workbench.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 5000 });
      await workbench.page.keyboard.press('Control+Shift+Enter');
      await until('the run of both statements in the panel', () => results.frame.locator('[data-testid="tab"]').count(), (count) => count === 2);
      results = await ResultsView.of(workbench.page, A);
      await results.waitForStatus(/^2,000 rows/, 30_000);
      assert.deepEqual((await results.visibleRows())[0], ['1', 'alpha']);
      await workbench.screenshot('panel-a-two-statements');
    });

    it('another worksheet shows its own results and stamp; switching back shows the first one where the user left it', async () => {
      const { workbench } = ui();
      const a = await ResultsView.of(workbench.page, A);
      // Scroll the first statement's rows to row 1,000 and wait until the host knows.
      await a.frame.evaluate(`(() => {
        const viewport = document.querySelector('[data-testid="grid"] .slick-viewport');
        viewport.scrollTop = 24 * 1000;
      })()`);
      await placeKnown(a, (topRow) => topRow >= 990);
      const topBefore = (await a.visibleRows())[0]?.[0];

      await openWithConnection(workbench, B, 'Lab Redshift (governor)');
      await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'carol@example.com');
      await workbench.focusEditor(B);
      await workbench.page.keyboard.press('Control+Enter');
      let b = await ResultsView.of(workbench.page, B);
      await b.waitForStatus(/^\d+ rows?/, 30_000);
      assert.ok(await inBottomPanel(b), "B's results are in the bottom panel too");
      assert.equal((await b.visibleRows())[0]?.[1], 'bravo', "the panel shows B's rows");
      assert.match(await b.stampText(), /as carol@example\.com/);
      await workbench.screenshot('panel-b-as-carol');
      await workbench.resultsTab(B).waitFor({ state: 'visible' });

      const back = await switchTo(A);
      await back.waitForStatus(/^2,000 rows/);
      assert.equal(await back.frame.locator('[data-testid="tab"]').count(), 2, "A's run of two statements is back");
      assert.match(await back.stampText(), /as yourself \(governor\)/, "A's own stamp");
      const rows = await back.visibleRows();
      // The top row, give or take the partly visible row above it (the host keeps the row index).
      const topAfter = Number(rows[0]?.[0]);
      assert.ok(Math.abs(topAfter - Number(topBefore)) <= 2, `A opens where the user left it (row ${topBefore}), not at the top: row ${topAfter}`);
      const first = await placeKnown(back, (topRow) => topRow >= 990);
      await workbench.screenshot('panel-back-to-a-at-row-1000');

      // The other statement's tab: chosen in A, kept across a switch to B and back.
      const states = async () => back.frame.evaluate('document.body.dataset.states + " states, active tab: " + document.querySelector(\'[data-testid="tab"][aria-selected="true"]\')?.textContent');
      const before = await states();
      await back.frame.locator('[data-testid="tab"]').nth(1).click();
      await back.frame
        .locator('[data-testid="tab"][aria-selected="true"]', { hasText: 'alpha two' })
        .waitFor({ state: 'visible', timeout: 5000 })
        .catch(async (error: unknown) => {
          throw new Error(`the second tab was not chosen by its click: before ${before}; after ${await states()} (${String(error)})`);
        });
      await back.waitForStatus(/^1 row\b/);
      await placeKnown(back, (topRow, resultId) => topRow === 0 && resultId !== first);
      b = await switchTo(B);
      assert.match(await b.stampText(), /as carol@example\.com/, "B's stamp again");
      const again = await switchTo(A);
      await again.waitForStatus(/^1 row\b/);
      assert.match((await activeTab(again).textContent()) ?? '', /alpha two/, 'the second statement is still the one shown');
      await workbench.screenshot('panel-back-to-a-second-tab');
    });

    it("keeps the stamp on one line at 1,280 px, and the whole stamp is in its tooltip", async () => {
      const { workbench } = ui();
      await workbench.page.setViewportSize({ width: 1280, height: 800 });
      try {
        const b = await switchTo(B);
        const line = b.byTestId('stamp');
        await line.waitFor({ state: 'visible' });
        const height = async (locator: Locator) => (await locator.boundingBox())?.height ?? 0;
        const lineHeight = await height(b.byTestId('stamp-as'));
        const stampHeight = await height(line);
        await workbench.screenshot('panel-stamp-one-line-1280');
        assert.ok(lineHeight > 0 && stampHeight <= lineHeight + 1, `the stamp is ${stampHeight} px tall; one line is ${lineHeight} px`);
        assert.ok(await b.byTestId('stamp-as').isVisible(), 'whom it ran as shows');
        assert.ok(await line.locator('.stamp-rows').isVisible(), 'the row count shows');
        const tooltip = (await line.getAttribute('title')) ?? '';
        for (const part of ['Lab Redshift', 'governor', 'as carol@example.com', 'started']) assert.ok(tooltip.includes(part), `the tooltip has "${part}": ${tooltip}`);
        // The same window without the secondary side bar (VS Code opens it by default): a wider panel, still one line.
        const sideBar = workbench.page.locator('.part.auxiliarybar').first();
        if (await sideBar.isVisible()) {
          await workbench.runCommand('View: Toggle Secondary Side Bar Visibility');
          await sideBar.waitFor({ state: 'hidden' });
          try {
            await until('the stamp laid out in the wider panel', async () => (await line.boundingBox())?.width ?? 0, (width) => width > 800);
            await workbench.screenshot('panel-stamp-one-line-1280-no-secondary-side-bar');
            assert.ok((await height(line)) <= (await height(b.byTestId('stamp-as'))) + 1, 'one line in the wider panel too');
            // Every part shown is whole (the platform gives way below 900 px: the connection names it).
            const cut = (await line.evaluate(`[...document.querySelector('[data-testid="stamp"]').children]
              .filter((part) => part.offsetWidth > 0 && part.scrollWidth > part.clientWidth + 1)
              .map((part) => part.textContent)`)) as string[];
            assert.deepEqual(cut, [], 'no part of the stamp is cut');
            assert.ok(await line.locator('.stamp-login').isVisible(), 'the login shows');
          } finally {
            await workbench.runCommand('View: Toggle Secondary Side Bar Visibility');
            await sideBar.waitFor({ state: 'visible' });
          }
        }
      } finally {
        await workbench.page.setViewportSize({ width: 1400, height: 900 });
      }
    });

    it('Open in Editor Tab moves the results into a tab; closing it brings them back to the panel', async () => {
      const { workbench } = ui();
      await switchTo(A);
      await workbench.page.locator('.part.panel .title-actions a[aria-label*="Open Results in Editor Tab"], .part.panel .actions-container a[aria-label*="Open Results in Editor Tab"]').first().click();
      const tab = workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${A}` }).first();
      await tab.waitFor({ state: 'visible' });
      const inTab = await ResultsView.of(workbench.page, A);
      assert.ok(!(await inBottomPanel(inTab)), 'the results are in the editor tab now');
      await inTab.waitForStatus(/^1 row\b/);
      await workbench.screenshot('results-in-editor-tab');
      await tab.hover();
      await tab.locator('.tab-actions .codicon-close, .tab-actions a').first().click();
      await tab.waitFor({ state: 'detached' });
      await workbench.focusEditor(A);
      const inPanel = await ResultsView.of(workbench.page, A);
      assert.ok(await inBottomPanel(inPanel), 'the results are back in the panel');
      await inPanel.waitForStatus(/^1 row\b/);
    });

    it('with the location setting "editor", results open in editor tabs', async () => {
      const { workbench, workspace } = ui();
      await workbench.focusEditor(A);
      setLocation(workspace, 'editor');
      try {
        // The results on show move into a tab as soon as VS Code has the setting.
        await workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${A}` }).first().waitFor({ state: 'visible', timeout: 20_000 });
        await workbench.focusEditor(B);
        await workbench.page.keyboard.press('Control+Enter');
        await workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${B}` }).first().waitFor({ state: 'visible' });
        const b = await ResultsView.of(workbench.page, B);
        await b.waitForStatus(/^\d+ rows?/, 30_000);
        assert.ok(!(await inBottomPanel(b)), "B's new run is in its editor tab");
        await workbench.screenshot('location-editor-tabs');
      } finally {
        setLocation(workspace, undefined);
      }
    });

    it("closing a worksheet's last tab discards its results: the panel no longer shows them", async () => {
      const { workbench } = ui();
      await workbench.focusEditor(A);
      await workbench.page.keyboard.press('Control+W');
      await workbench.editorTab(A).waitFor({ state: 'detached' });
      await workbench.focusEditor(B);
      await workbench.page.keyboard.press('Control+W');
      await workbench.editorTab(B).waitFor({ state: 'detached' });
      // Their results tabs close with them.
      await workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${A}` }).waitFor({ state: 'detached' });
      await workbench.page.locator('.tabs-container .tab', { hasText: `Results · ${B}` }).waitFor({ state: 'detached' });
      await until('the panel to show no worksheet closed', async () => {
        const frame = await resultsFrame(workbench.page, 5000).catch(() => undefined);
        return frame ? frame.title() : '(no results view on screen)';
      }, (title) => !title.includes(A) && !title.includes(B));
      await workbench.screenshot('panel-after-closing-both');
    });
  });
});
