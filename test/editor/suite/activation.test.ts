import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ImmutaWorksheetsApi } from '../../../src/extension';

const EXTENSION_ID = 'immuta-worksheets.immuta-worksheets';

/** Database drivers (and our per-platform bundles that inline them) that activation must not load. */
const DRIVER_MODULES = /[\\/](node_modules[\\/](pg|pg-protocol|pg-pool|snowflake-sdk|trino-client|mssql|tedious|@databricks[\\/]sql)[\\/]|dist[\\/]platforms[\\/][a-z]+\.js$)/;

function loadedDriverModules(): string[] {
  return Object.keys(require.cache).filter((file) => DRIVER_MODULES.test(file));
}

async function api(): Promise<ImmutaWorksheetsApi> {
  const extension = vscode.extensions.getExtension<ImmutaWorksheetsApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in this extension host`);
  return extension.activate();
}

async function waitFor<T>(read: () => T, accept: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!accept(value)) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

describe('activation in a real extension host', () => {
  it('activates on a SQL document without loading any database driver', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: 'SELECT 1;' });
    await vscode.window.showTextDocument(document);
    const extension = vscode.extensions.getExtension<ImmutaWorksheetsApi>(EXTENSION_ID);
    assert.ok(extension);
    await waitFor(() => extension.isActive, (active) => active, 'activation by onLanguage:sql');
    assert.deepEqual(loadedDriverModules(), []);
    const { activationMs } = await api();
    assert.ok(activationMs >= 0 && Number.isFinite(activationMs));
  });

  it('registers every contributed command', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await extension.activate();
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((entry) => entry.command);
    assert.ok(contributed.length >= 7);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((command) => !registered.has(command)), []);
  });

  it('shows the status bar items for a SQL document and hides them for other files', async () => {
    const extension = await api();
    const sql = await vscode.workspace.openTextDocument({ language: 'sql', content: 'SELECT 2;' });
    await vscode.window.showTextDocument(sql);
    const shown = await waitFor(() => extension.statusBar(), (state) => state.visible, 'status bar items for SQL');
    assert.equal(shown.connection, '$(database) Select connection');
    assert.equal(shown.identity, '$(account) yourself');
    assert.equal(shown.warning, false);

    const text = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'not sql' });
    await vscode.window.showTextDocument(text);
    await waitFor(() => extension.statusBar(), (state) => !state.visible, 'status bar items hidden for plain text');

    await vscode.window.showTextDocument(sql);
    await waitFor(() => extension.statusBar(), (state) => state.visible, 'status bar items back for SQL');
  });

  it('explains, instead of failing, a command run without a SQL editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Must resolve (the command shows an information message) rather than throw.
    await vscode.commands.executeCommand('immutaWorksheets.stopImpersonating');
    await vscode.commands.executeCommand('immutaWorksheets.verifyImpersonation');
    assert.deepEqual(loadedDriverModules(), [], 'still no driver loaded');
  });
});
