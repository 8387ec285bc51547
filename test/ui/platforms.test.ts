import * as assert from 'node:assert/strict';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { ResultsView } from './results-view';
import { ui } from './ui-context';

/** Reads of the customers data source with a marker in their statement, as the fixture's query log recorded them. */
function readsMarked(marker: string): Promise<{ login: string; effective_user: string }[]> {
  return ui().lab.adminQuery('SELECT login, effective_user FROM immuta.query_log WHERE statement LIKE $1 ORDER BY id', [`%${marker}%`]);
}

/**
 * The same person's path on the other platforms: pick the lab's Trino or Snowflake connection,
 * impersonate bob from the status bar, run a statement, and see bob's rows stamped "as bob".
 */
describe('worksheets on the other platforms, in the workbench', function () {
  this.timeout(60000);

  for (const { file, connection, platform, marker } of [
    { file: 'trino-demo.sql', connection: 'Lab Trino (governor)', platform: 'Starburst (Trino)', marker: 'ui-trino-run' },
    { file: 'snowflake-demo.sql', connection: 'Lab Snowflake (governor)', platform: 'Snowflake', marker: 'ui-snowflake-run' },
  ]) {
    it(`${platform}: impersonates bob from the status bar and runs as bob`, async () => {
      const { workbench } = ui();
      await workbench.openFile(file);
      await workbench.runCommand('Immuta: Select Connection');
      await workbench.answerQuickInput(connection, connection);
      await workbench.statusItem(connection).waitFor({ state: 'visible' });
      await workbench.statusItem(/^\s*yourself\s*$/).click();
      await workbench.answerQuickInput('bob@example.com', 'bob@example.com');
      await workbench.page.locator('.quick-input-widget', { hasText: 'Password for governor' }).waitFor({ state: 'visible' });
      await workbench.answerQuickInput(DEMO_PASSWORDS.governor);
      await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
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
    });
  }

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

  it('Azure Synapse: a server killed mid-query gives a clear error; the next run reconnects as bob, and the extension host lives on', async () => {
    const { workbench, tds } = ui();
    const file = 'synapse-demo.sql';
    await workbench.openFile(file);
    await workbench.runCommand('Immuta: Select Connection');
    await workbench.answerQuickInput('Lab Synapse (governor)', 'Lab Synapse (governor)');
    await workbench.statusItem('Lab Synapse (governor)').waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.answerQuickInput('bob@example.com', 'bob@example.com');
    await workbench.page.locator('.quick-input-widget', { hasText: 'Password for governor' }).waitFor({ state: 'visible' });
    await workbench.answerQuickInput(DEMO_PASSWORDS.governor);
    await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });

    await workbench.focusEditor(file);
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.press('Enter');
    await workbench.page.keyboard.type("WAITFOR DELAY '00:00:30';");
    await workbench.page.keyboard.press('ArrowLeft');
    await workbench.page.keyboard.press('Control+Enter');
    const results = await ResultsView.of(workbench.page, file);
    await results.waitForStatus('Running…');
    await tds.killConnections();
    await results.waitForStatus(/failed/i);
    const error = (await results.frame.getByTestId('error').textContent()) ?? '';
    assert.match(error, /connection to the server was lost/i, `a clear error: ${error}`);
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

  it('Databricks Unity Catalog: the status bar and the picker say impersonation is not available, before anything runs', async () => {
    const { workbench } = ui();
    await workbench.openFile('databricks-demo.sql');
    await workbench.runCommand('Immuta: Select Connection');
    await workbench.answerQuickInput('Lab Databricks Unity Catalog (governor)', 'Lab Databricks Unity Catalog (governor)');
    const item = workbench.statusItem('yourself · no impersonation');
    await item.waitFor({ state: 'visible' });
    await item.click();
    await workbench.waitForNotification('does not support user impersonation on Databricks Unity Catalog');
    await workbench.screenshot('databricks-unity-catalog-no-impersonation');
  });
});
