/**
 * In Restricted Mode VS Code withholds the workspace's values of the settings the manifest lists
 * in `restrictedConfigurations`; the extension then works with the user's own connections and
 * says, in the status bar and the connection picker, why the workspace's are missing.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from '../suite/helpers';
import { USER_CONNECTION, WORKSPACE_CONNECTION } from './fixture';

type PickItems = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;
/** The call stood in for, as the extension makes it. */
type Window = { showQuickPick: (items: PickItems) => Thenable<vscode.QuickPickItem | undefined> };

describe('Restricted Mode (an untrusted workspace)', () => {
  it('runs untrusted, and VS Code withholds only the restricted workspace settings', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the folder opened in Restricted Mode');
    const config = vscode.workspace.getConfiguration();
    const connections = config.inspect<unknown[]>('immutaWorksheets.connections');
    assert.equal(connections?.workspaceValue, undefined, 'get() and inspect() see no workspace connections');
    assert.deepEqual(config.get('immutaWorksheets.connections'), [USER_CONNECTION]);
    assert.equal(config.get('immutaWorksheets.immuta.url'), '');
    assert.equal(config.get('immutaWorksheets.codeLens.enabled'), false, 'an unrestricted workspace setting still applies');
  });

  it('the status bar says that workspace connections are ignored, and links Manage Workspace Trust', async () => {
    const extension = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: 'select 1' });
    await vscode.window.showTextDocument(document);
    const shown = await waitFor(() => extension.statusBar(), (state) => state.visible, 'status bar items for SQL');
    assert.equal(shown.connection, '$(workspace-untrusted) Select connection · Restricted Mode');
    assert.match(shown.connectionTooltip, /connection profiles and the Immuta URL in its settings are ignored/);
    assert.match(shown.connectionTooltip, /\(command:workbench\.trust\.manage\)/);
    assert.match(shown.identityTooltip, /no Immuta URL in your user settings; a workspace\u2019s is ignored in Restricted Mode/);
  });

  it('the connection picker offers the user\u2019s connections and Manage Workspace Trust, never the workspace\u2019s', async () => {
    await api();
    const window = vscode.window as unknown as Window;
    const original = window.showQuickPick;
    const offered: string[] = [];
    window.showQuickPick = (items: PickItems) =>
      Promise.resolve(items).then((list) => {
        offered.push(...list.map((item) => item.label));
        return undefined;
      });
    try {
      await vscode.commands.executeCommand('immutaWorksheets.selectConnection');
      await waitFor(() => offered, (labels) => labels.length > 0, 'the connection picker');
    } finally {
      window.showQuickPick = original;
    }
    assert.ok(offered.includes(`$(database) ${USER_CONNECTION.name}`), JSON.stringify(offered));
    assert.ok(!offered.some((label) => label.includes(WORKSPACE_CONNECTION.name)), JSON.stringify(offered));
    assert.ok(offered.includes('$(workspace-untrusted) Manage Workspace Trust…'), JSON.stringify(offered));
  });
});
