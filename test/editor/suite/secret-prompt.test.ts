/**
 * The password prompt the running extension shows names the server the password goes to. The
 * suite shares the extension's `vscode` API object, so it can stand in for the quick pick and
 * the input box and read what the extension asked with.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

type PickItems = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;
/** The two calls stood in for, as the extension makes them. */
type Window = { showInputBox: typeof vscode.window.showInputBox; showQuickPick: (items: PickItems) => Thenable<vscode.QuickPickItem | undefined> };

describe('the password prompt in a real extension host', () => {
  const window = vscode.window as unknown as Window;
  const original = { showInputBox: window.showInputBox, showQuickPick: window.showQuickPick };

  afterEach(async () => {
    window.showInputBox = original.showInputBox;
    window.showQuickPick = original.showQuickPick;
    await vscode.workspace.getConfiguration().update('immutaWorksheets.connections', undefined, vscode.ConfigurationTarget.Global);
  });

  it('names the login, host and port of the connection it asks for', async () => {
    await api();
    await vscode.workspace.getConfiguration().update(
      'immutaWorksheets.connections',
      [{ name: 'Trusted-looking name', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'governor', tls: { mode: 'disable' } }],
      vscode.ConfigurationTarget.Global,
    );
    const asked: vscode.InputBoxOptions[] = [];
    window.showQuickPick = (items: PickItems) => Promise.resolve(items).then((list) => list[0]);
    window.showInputBox = (options?: vscode.InputBoxOptions) => {
      asked.push(options ?? {});
      return Promise.resolve(undefined); // Escape: nothing is connected to
    };
    await vscode.commands.executeCommand('immutaWorksheets.testConnection');
    const [prompt] = await waitFor(() => asked, (list) => list.length > 0, 'the password prompt');
    assert.equal(prompt.title, 'Password for governor on 127.0.0.1:1 (connection "Trusted-looking name")');
    assert.match(prompt.prompt ?? '', /^Sent to the Redshift server 127\.0\.0\.1:1 to sign in as governor/);
    assert.equal(prompt.password, true);
  });
});
