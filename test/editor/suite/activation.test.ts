import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, loadedDriverModules, waitFor } from './helpers';

describe('activation in a real extension host', () => {
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

describe('the driver check itself', () => {
  it('sees a platform bundle once one is loaded (so an empty list above means something)', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    assert.deepEqual(loadedDriverModules(), []);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the bundle the way the extension would
    require(`${extension.extensionPath}/dist/platforms/redshift.js`);
    assert.equal(loadedDriverModules().length, 1);
  });
});
