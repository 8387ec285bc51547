import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesHolding, setWorkspaceSettings, spillFiles } from './disk-search';
import { flow, until } from './scenario';
import { impersonateFromStatusBar, newWorksheet, runAtCursor } from './steps';
import { ui } from './ui-context';
import type { Workbench } from './workbench';

const BUDGET = 'immutaWorksheets.results.memoryBudgetMB';
const RETAIN = 'immutaWorksheets.results.retainImpersonatedRuns';
/** The setting's minimum: 10,000,000 rows are well over it, and so are 80,000 wide ones. */
const SMALL_BUDGET_MB = 16;

/** A new worksheet on the lab's Redshift holding `sql`; returns its label ("Untitled-N"). */
async function worksheetWith(workbench: Workbench, sql: string): Promise<string> {
  await newWorksheet(workbench, 'Lab Redshift (governor)');
  const label = ((await workbench.editorTab('Untitled', { active: true }).innerText()).match(/Untitled-\d+/) ?? [''])[0];
  assert.ok(label !== '', 'the new worksheet has an Untitled-N tab');
  // Empty, the editor's text area is all lines: a click there gives it the keyboard.
  await workbench.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await replaceText(workbench, sql);
  return label;
}

/**
 * Replaces the text of the worksheet that has the keyboard with `sql`, pasted in one piece (no
 * auto-closed quotes); the cursor ends in the statement, for Ctrl+Enter.
 */
async function replaceText(workbench: Workbench, sql: string): Promise<void> {
  await workbench.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible' });
  await workbench.page.keyboard.press('Control+A');
  await workbench.page.keyboard.insertText(sql);
  await workbench.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: sql.slice(0, 30) }).first().waitFor({ state: 'visible' });
}

/** Closes the worksheet `label` without saving, which closes its results too, and waits for its tab to go. */
async function discardWorksheet(workbench: Workbench, label: string): Promise<void> {
  await workbench.focusEditor(label);
  await workbench.runCommand('View: Revert and Close Editor');
  await workbench.editorTab(label).waitFor({ state: 'detached' });
}

/** Waits until none of `files` exists (the extension deletes spill files as their result goes). */
async function gone(files: readonly string[], what: string): Promise<void> {
  await until(what, async () => files.filter((file) => fs.existsSync(file)), (left) => left.length === 0, 30_000);
}

/** Spill files made since `before` was listed, once at least one holds bytes. */
async function newSpills(before: readonly string[]): Promise<string[]> {
  return until(
    'a spill file with bytes in it',
    async () => spillFiles().filter((file) => !before.includes(file)),
    (files) => files.some((file) => fs.existsSync(file) && fs.statSync(file).size > 0),
  );
}

/**
 * Results over the window's memory budget live in a spill file in the extension's storage; the
 * flows set a small budget for themselves and put the default back for the flows after them.
 */
describe('results over the memory budget, spilled to disk', () => {
  flow('10,000,000 rows complete under a 16 MB budget, spilled to a file that is deleted when the worksheet closes', 1_200_000, async () => {
    const { workbench } = ui();
    const before = spillFiles();
    let label: string | undefined;
    await setWorkspaceSettings({ [BUDGET]: SMALL_BUDGET_MB }, { [BUDGET]: String(SMALL_BUDGET_MB) });
    try {
      // Two narrow columns: ten million rows are stored in 10-25 s here, also with a core kept busy.
      label = await worksheetWith(workbench, 'SELECT g AS id, g % 7 AS mod7 FROM generate_series(1, 10000000) AS g');
      await workbench.focusEditor(label);
      const started = Date.now();
      const results = await runAtCursor(workbench, label);
      await results.waitForProgress('the pause at the row limit', ({ main }) => main.startsWith('Paused at the row limit'));
      await results.byTestId('fetch-all').click();
      await results.waitForProgress('all 10,000,000 rows stored', ({ main, extra }) => /^10,000,000 rows/.test(main) && !extra.includes('loading'), { maxMs: 1_000_000 });
      console.log(`      10,000,000 rows stored ${((Date.now() - started) / 1000).toFixed(1)} s after the run began`);
      await workbench.screenshot('ten-million-rows-spilled');

      const spilled = await newSpills(before);
      const bytes = spilled.reduce((sum, file) => sum + fs.statSync(file).size, 0);
      // Ten million rows are over 100 MB of JSON, and at most the budget's 16 MB stay in memory.
      assert.ok(bytes > 4 * SMALL_BUDGET_MB * 1024 * 1024, `the rows past the budget are in the spill file (${bytes} bytes in ${spilled.join(', ')})`);

      const atEnd = await results.scrollToEnd('10000000', 120_000);
      assert.deepEqual(atEnd.at(-1), ['10000000', String(10_000_000 % 7)], 'the last row, read back from the spill file');
      await workbench.screenshot('ten-million-rows-last-row');

      await discardWorksheet(workbench, label);
      label = undefined;
      await gone(spilled, 'the spill file deleted once its worksheet (and result) closed');
    } catch (error) {
      // The screen as the failure left it, before the clean-up below changes it.
      await workbench.screenshot('spill-flow-failed').catch(() => undefined);
      // The clean-up may fail on that screen too: say what failed first, as its error would hide it.
      console.log(`      failed before the clean-up: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      throw error;
    } finally {
      if (label !== undefined) await discardWorksheet(workbench, label).catch(() => undefined);
      await setWorkspaceSettings({ [BUDGET]: undefined }, { [BUDGET]: '256' });
    }
  });

  flow('with retainImpersonatedRuns off, an impersonated result spills encrypted: its values are in no file on disk, open or closed', 600_000, async () => {
    const { workbench, serverRoot, workspace } = ui();
    // Every folder of this run: the server's (storage, logs, temp) and the workspace's and browser's.
    const roots = [serverRoot, path.dirname(workspace)];
    // A value the statement computes, so its text never appears in the statement (or history).
    const needle = () => {
      const seed = randomBytes(8).toString('hex');
      return { seed, value: `needle-${createHash('md5').update(seed).digest('hex')}` };
    };
    // Eight copies of the value a row: 80,000 rows are ~28 MB of JSON, well over the budget.
    const query = (seed: string, rows: number) =>
      `SELECT g AS n, v AS a, v AS b, v AS c, v AS d, v AS e, v AS f, v AS h, v AS i FROM generate_series(1, ${rows}) AS g, (SELECT 'needle-' || md5('${seed}') AS v) AS s`;
    const plain = needle();
    const sealed = needle();
    let label: string | undefined;
    await setWorkspaceSettings({ [BUDGET]: SMALL_BUDGET_MB }, { [BUDGET]: String(SMALL_BUDGET_MB) });
    try {
      // The control: with retention on (the default), a spill is plain text and the search finds it.
      const beforeControl = spillFiles();
      label = await worksheetWith(workbench, query(plain.seed, 80_000));
      await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'bob@example.com');
      await workbench.focusEditor(label);
      let results = await runAtCursor(workbench, label);
      await results.waitForStatus(/^80,000 rows/, 120_000);
      assert.match(await results.stampText(), /as bob@example\.com/);
      assert.deepEqual((await results.visibleRows())[0]?.slice(0, 2), ['1', plain.value], 'the grid shows the computed value');
      const controlSpills = await newSpills(beforeControl);
      const control = await filesHolding(plain.value, roots);
      assert.ok(
        controlSpills.some((file) => control.hits.includes(file)),
        `the search finds the value in an unencrypted spill file (spills: ${controlSpills.join(', ')}; hits: ${control.hits.join(', ')})`,
      );

      // No retention: the same statement as bob, another value, spilled under a key held in memory.
      await setWorkspaceSettings({ [BUDGET]: SMALL_BUDGET_MB, [RETAIN]: false }, { [RETAIN]: 'false' });
      await workbench.focusEditor(label);
      await replaceText(workbench, query(sealed.seed, 90_000));
      const beforeSealed = spillFiles();
      await workbench.focusEditor(label);
      results = await runAtCursor(workbench, label);
      await results.waitForStatus(/^90,000 rows/, 120_000);
      assert.match(await results.stampText(), /as bob@example\.com/);
      assert.deepEqual((await results.visibleRows())[0]?.slice(0, 2), ['1', sealed.value], 'the grid shows the computed value');
      await workbench.screenshot('no-retention-impersonated-result-spilled');
      // The new run let go of the control's rows, and with them its spill file.
      await gone(controlSpills, 'the control run\u2019s spill file deleted when the next run replaced it');
      const sealedSpills = await newSpills(beforeSealed);
      const open = await filesHolding(sealed.value, roots);
      assert.ok(
        sealedSpills.every((file) => open.searched.includes(file)),
        'the search looked into the spill file',
      );
      assert.deepEqual(open.hits, [], 'while the result is open, no file holds its value readable');

      // Closing the worksheet discards its results (they show in the bottom panel): the file goes.
      await discardWorksheet(workbench, label);
      label = undefined;
      await gone(sealedSpills, 'the spill file deleted once the worksheet closed');
      const closed = await filesHolding(sealed.value, roots);
      assert.deepEqual(closed.hits, [], 'after the worksheet closed, no file holds its value readable');
      await workbench.screenshot('no-retention-results-closed');
    } catch (error) {
      // The screen as the failure left it, before the clean-up below changes it.
      await workbench.screenshot('spill-flow-failed').catch(() => undefined);
      // The clean-up may fail on that screen too: say what failed first, as its error would hide it.
      console.log(`      failed before the clean-up: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      throw error;
    } finally {
      if (label !== undefined) await discardWorksheet(workbench, label).catch(() => undefined);
      await setWorkspaceSettings({ [BUDGET]: undefined, [RETAIN]: undefined }, { [BUDGET]: '256', [RETAIN]: 'true' });
    }
  });
});
