/**
 * "New Worksheet" binds its document before showing it: a command that comes the moment its
 * editor shows (a quick click on the status bar) finds the connection chosen, and does not ask
 * for one again. The suite shares the extension's `vscode` API object, so it stands in for the
 * connection quick pick and counts how often the extension asks.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

type PickItems = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;
type Window = { showQuickPick: (items: PickItems, options?: vscode.QuickPickOptions) => Thenable<vscode.QuickPickItem | undefined> };

describe('New Worksheet in a real extension host', () => {
  const window = vscode.window as unknown as Window;
  const original = window.showQuickPick;

  afterEach(async () => {
    window.showQuickPick = original;
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update('immutaWorksheets.connections', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a command run the moment the new editor shows finds its connection and does not ask for one again', async () => {
    const status = await api();
    await vscode.workspace.getConfiguration().update(
      'immutaWorksheets.connections',
      [{ name: 'Bound at once', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'governor', tls: { mode: 'disable' } }],
      vscode.ConfigurationTarget.Global,
    );
    const asked: string[] = [];
    window.showQuickPick = (items: PickItems, options?: vscode.QuickPickOptions) => {
      asked.push(options?.title ?? '');
      return Promise.resolve(items).then((list) => list[0]);
    };
    // As soon as the untitled editor is active, "click" the identity item: Impersonate User.
    const clicked = new Promise<void>((resolve) => {
      const listener = vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor?.document.uri.scheme !== 'untitled') return;
        listener.dispose();
        void vscode.commands.executeCommand('immutaWorksheets.impersonate');
        resolve();
      });
    });
    await vscode.commands.executeCommand('immutaWorksheets.newWorksheet');
    await clicked;
    // The identity picker opens (it is a quick pick of its own, not stood in for) once the
    // worksheet is bound; the connection is not asked for a second time.
    await waitFor(() => status.statusBar().connection, (text) => text.includes('Bound at once'), 'the new worksheet bound in the status bar');
    assert.deepEqual(asked, ['New worksheet on…'], 'the connection was asked for once, by New Worksheet');
  });
});
