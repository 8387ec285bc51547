import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultsView } from './results-view';
import { flow, scenario, until } from './scenario';
import { activeStatements, impersonateFromStatusBar, openWithConnection } from './steps';
import { ui } from './ui-context';

/** Reads of the customers data source with a marker in their statement, as the fixture's query log recorded them. */
function readsMarked(marker: string): Promise<{ login: string; effective_user: string }[]> {
  return ui().lab.adminQuery('SELECT login, effective_user FROM immuta.query_log WHERE statement LIKE $1 ORDER BY id', [`%${marker}%`]);
}

/**
 * The same person's path on the other platforms: pick the lab's Trino or Snowflake connection,
 * impersonate bob from the status bar, run a statement, and see bob's rows stamped "as bob".
 */
describe('worksheets on the other platforms, in the workbench', () => {
  const runAsBob = (file: string, connection: string, platform: string, marker: string) => async () => {
    const { workbench } = ui();
    await openWithConnection(workbench, file, connection);
    await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'bob@example.com');
    await workbench.screenshot(`${file.replace('.sql', '')}-impersonating-bob`);

    // A statement of our own, marked so that the lab's query log can say whom it ran as.
    await workbench.focusEditor(file);
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.press('Enter');
    await workbench.page.keyboard.type(`SELECT region, count(*) AS n, '${marker}' AS marker FROM sales.customers GROUP BY region ORDER BY region;`);
    // Into the statement (before its semicolon), then run the statement under the cursor.
    await workbench.page.keyboard.press('ArrowLeft');
    await workbench.page.keyboard.press('Control+Enter');
    const results = await ResultsView.of(workbench.page, file);
    await results.waitForStatus('1 row');
    const stamp = await results.stampText();
    assert.match(stamp, /as bob@example\.com/);
    assert.ok(stamp.includes(platform), `the stamp names ${platform}: ${stamp}`);
    assert.deepEqual(await results.visibleRows(), [['EU', '500', marker]], 'bob sees the 500 EU customers and no other region');
    assert.deepEqual(await readsMarked(marker), [{ login: 'governor', effective_user: 'bob@example.com' }], 'the server ran it as bob, for governor');
    await workbench.screenshot(`${file.replace('.sql', '')}-ran-as-bob`);
  };

  flow('Snowflake: impersonates bob from the status bar and runs as bob', 120_000, runAsBob('snowflake-demo.sql', 'Lab Snowflake (governor)', 'Snowflake', 'ui-snowflake-run'));

  flow('Snowflake: applied until an effect probe confirms it; a probe that disagrees refuses the run and nothing reaches the server', 180_000, async () => {
    const { workbench, snowflake } = ui();
    const file = 'snowflake-demo.sql';
    const connection = 'Lab Snowflake (governor)';
    await openWithConnection(workbench, file, connection);
    if (!(await workbench.statusItem('as bob@example.com').isVisible())) {
      await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'bob@example.com');
    }
    // Immuta publishes no Snowflake statement: reading the variable back is not a confirmation.
    const applied = workbench.statusItem('as bob@example.com · applied');
    await applied.waitFor({ state: 'visible' });
    assert.equal(await workbench.statusItemKind(applied), 'warning', 'applied on Snowflake shows on the warning background');
    // Said once per connection, on its first impersonation (a toast, or in the notification centre).
    await workbench.waitForNotification('is applied, not confirmed');
    await workbench.hideNotificationCenter();
    const before = await workbench.hoverText(applied, 'Applied, not confirmed');
    assert.match(before, /Immuta publishes no impersonation statement for Snowflake/);
    assert.match(before, /\$IMMUTA_IMP_USER/);
    assert.doesNotMatch(before, /verified/i);
    await workbench.screenshot('snowflake-tooltip-applied');
    await workbench.dismissHover();

    // An effect probe, set through the command as a user would.
    await workbench.focusEditor(file);
    await workbench.runCommand('Immuta: Set Effect Probe');
    await workbench.answerQuickInput('SELECT effective_user FROM immuta.whoami()', undefined, '(1/2)');
    await workbench.answerQuickInput('{user}', undefined, '(2/2)');
    // Saved into the connection's own entry of the workspace settings (where the demo defines it).
    const settingsFile = path.join(ui().workspace, '.vscode', 'settings.json');
    await until(
      'the probe in the connection\u2019s settings entry',
      async () => {
        // VS Code may be midway through writing the file: a half-written file is "not yet", not a failure.
        let settings: Record<string, { name: string; effectProbe?: unknown }[]>;
        try {
          settings = JSON.parse(await fs.promises.readFile(settingsFile, 'utf8')) as Record<string, { name: string; effectProbe?: unknown }[]>;
        } catch {
          return undefined;
        }
        return settings['immutaWorksheets.connections'].find((entry) => entry.name === connection)?.effectProbe;
      },
      (probe) => JSON.stringify(probe) === JSON.stringify({ statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' }),
    );
    await workbench.hideNotificationCenter();
    await workbench.focusEditor(file);
    await workbench.runCommand('Immuta: Verify Impersonation');
    const confirmed = workbench.statusItem('as bob@example.com · confirmed');
    await confirmed.waitFor({ state: 'visible' });
    if (!/project|IMPERSONATE_USER/.test(await confirmed.innerText())) {
      // (With the Immuta API key set by an earlier flow, bob's project still warns, rightly.)
      assert.equal(await workbench.statusItemKind(confirmed), 'plain', 'confirmed needs no warning');
    }
    const after = await workbench.hoverText(confirmed, 'Confirmed: the effect probe answered as bob@example.com');
    assert.doesNotMatch(after, /Add an effect probe/);
    await workbench.screenshot('snowflake-tooltip-confirmed');
    await workbench.dismissHover();

    // The tenant's Immuta reads another variable (the lab ignores this one): the probe says so.
    snowflake.ignoreImpersonation(true);
    try {
      await workbench.focusEditor(file);
      await workbench.runCommand('Immuta: Verify Impersonation');
      const refused = workbench.statusItem('bob@example.com not confirmed');
      await refused.waitFor({ state: 'visible' });
      assert.equal(await workbench.statusItemKind(refused), 'error');
      await workbench.waitForNotification('the effect probe answered "governor@example.com"');
      await workbench.screenshot('snowflake-probe-disagrees');
      await workbench.hideNotificationCenter();

      // A statement of our own: refused before it is sent, so the query log never sees it.
      const marker = 'ui-snowflake-refused';
      await workbench.focusEditor(file);
      await workbench.page.keyboard.press('Control+End');
      await workbench.page.keyboard.press('Enter');
      await workbench.page.keyboard.type(`SELECT count(*) AS n, '${marker}' AS marker FROM sales.customers;`);
      await workbench.page.keyboard.press('ArrowLeft');
      await workbench.page.keyboard.press('Control+Enter');
      const results = await ResultsView.of(workbench.page, file);
      await results.waitForStatus(/failed/i);
      const error = (await results.frame.getByTestId('error').textContent()) ?? '';
      assert.match(error, /effect probe answered "governor@example\.com"/, `the refusal quotes the probe's answer: ${error}`);
      assert.deepEqual(await readsMarked(marker), [], 'nothing ran as yourself while the status bar named bob');
      await workbench.screenshot('snowflake-run-refused-by-probe');
    } finally {
      snowflake.ignoreImpersonation(false);
    }
    // Fixed on the server's side: Verify confirms bob again, for the flows after this one.
    await workbench.focusEditor(file);
    await workbench.runCommand('Immuta: Verify Impersonation');
    await workbench.statusItem('as bob@example.com · confirmed').waitFor({ state: 'visible' });
    // The refusals were errors, which stay until dismissed: leave the next flows a quiet window.
    await workbench.clearNotifications();
  });

  scenario('Starburst (Trino), impersonating from the status bar and by a typed statement', 120_000, () => {
    it('Starburst (Trino): impersonates bob from the status bar and runs as bob', runAsBob('trino-demo.sql', 'Lab Trino (governor)', 'Starburst (Trino)', 'ui-trino-run'));

    it('Starburst (Trino): a typed SET SESSION of the Immuta property changes whom the worksheet runs as', async () => {
      const { workbench } = ui();
      await workbench.focusEditor('trino-demo.sql');
      await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
      // Back to the top (the editor was left scrolled to the statement typed at its end), then click
      // at the start of a line: in a narrow editor group a line's middle can be out of view.
      await workbench.page.keyboard.press('Control+Home');
      await workbench.clickLine(workbench.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: /RESET\s+SESSION/ }).first());
      await workbench.page.keyboard.press('Control+Enter');
      await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
      await workbench.clickLine(workbench.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: /^\s*SET\s+SESSION\s+immuta/ }).first());
      await workbench.page.keyboard.press('Control+Enter');
      await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
      await workbench.screenshot('trino-typed-set-session');
    });
  });

  flow('Azure Synapse: a server killed mid-query gives a clear error; the next run reconnects as bob, and the extension host lives on', 120_000, async () => {
    const { workbench, tds } = ui();
    const file = 'synapse-demo.sql';
    await openWithConnection(workbench, file, 'Lab Synapse (governor)');
    await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'bob@example.com');

    await workbench.focusEditor(file);
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.press('Enter');
    await workbench.page.keyboard.type("WAITFOR DELAY '00:00:30';");
    await workbench.page.keyboard.press('ArrowLeft');
    await workbench.page.keyboard.press('Control+Enter');
    const results = await ResultsView.of(workbench.page, file);
    await results.waitForStatus('Running…');
    // The lab runs WAITFOR as pg_sleep: kill the server once it is seen running the statement.
    await until('the WAITFOR running at the server', () => activeStatements('pg_sleep(30)'), (rows) => rows.length === 1);
    await tds.killConnections();
    await results.waitForStatus(/failed/i);
    const error = (await results.frame.getByTestId('error').textContent()) ?? '';
    // What happened, that the statement (which the server was running) may or may not have
    // completed, and what the worksheet does next.
    assert.match(error, /The connection to the database was lost \([^)]+\)\. The statement may or may not have completed\. The next statement opens a new session and re-applies impersonation of bob@example\.com before it runs\./, `a clear error: ${error}`);
    await workbench.screenshot('synapse-server-killed');

    // The extension host survived: the same worksheet runs again, reconnected and still as bob.
    await workbench.focusEditor(file);
    await workbench.page.keyboard.press('Control+Home');
    await workbench.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: 'GROUP BY region' }).first().click({ position: { x: 4, y: 4 } });
    await workbench.page.keyboard.press('Control+Enter');
    const again = await ResultsView.of(workbench.page, file);
    await again.waitForStatus('1 row');
    assert.match(await again.stampText(), /as bob@example\.com/);
    assert.deepEqual(await again.visibleRows(), [['EU', '500']]);
    await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
    await workbench.screenshot('synapse-reconnected-as-bob');
  });

  flow('Databricks Unity Catalog: the status bar and the picker say impersonation is not available, before anything runs', 60_000, async () => {
    const { workbench } = ui();
    await openWithConnection(workbench, 'databricks-demo.sql', 'Lab Databricks Unity Catalog (governor)');
    const item = workbench.statusItem('yourself · no impersonation');
    await item.waitFor({ state: 'visible' });
    await item.click();
    await workbench.waitForNotification('does not support user impersonation on Databricks Unity Catalog');
    await workbench.screenshot('databricks-unity-catalog-no-impersonation');
  });
});
