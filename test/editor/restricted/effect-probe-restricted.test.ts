/**
 * Set Effect Probe… in Restricted Mode: the workspace's connections can be neither read nor
 * written there, so a probe for one of them is refused with the reason and a way to trust the
 * workspace, before anything is asked, and the workspace's settings file stays as it was.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api } from '../suite/helpers';
import { RESTRICTED_WORKSPACE_SETTINGS, USER_CONNECTION, WORKSPACE_CONNECTION } from './fixture';

type Message = (message: string, ...items: unknown[]) => Thenable<string | undefined>;
interface Window {
  showErrorMessage: Message;
  showInputBox: (options?: vscode.InputBoxOptions) => Thenable<string | undefined>;
}

describe('Set Effect Probe in Restricted Mode', () => {
  it('refuses a workspace connection, says why, offers Manage Workspace Trust, and changes no settings', async () => {
    await api();
    const window = vscode.window as unknown as Window;
    const original = { showErrorMessage: window.showErrorMessage, showInputBox: window.showInputBox };
    const errors: { message: string; items: unknown[] }[] = [];
    const asked: string[] = [];
    window.showErrorMessage = (message, ...items) => {
      errors.push({ message, items });
      return Promise.resolve(undefined);
    };
    window.showInputBox = (options) => {
      asked.push(options?.title ?? '');
      return Promise.resolve(undefined);
    };
    try {
      await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe', WORKSPACE_CONNECTION.name);
    } finally {
      Object.assign(window, original);
    }
    assert.deepEqual(asked, [], 'nothing is asked for a probe that cannot be saved');
    assert.deepEqual(errors, [
      {
        message: `The connection "${WORKSPACE_CONNECTION.name}" is not in your user settings, and this workspace\u2019s settings can be neither read nor changed in Restricted Mode. Trust the workspace to edit its connections.`,
        items: ['Manage Workspace Trust'],
      },
    ]);
    assert.deepEqual(vscode.workspace.getConfiguration().get('immutaWorksheets.connections'), [USER_CONNECTION]);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the restricted workbench has its folder open');
    const file = JSON.parse(fs.readFileSync(path.join(folder.uri.fsPath, '.vscode', 'settings.json'), 'utf8')) as unknown;
    assert.deepEqual(file, RESTRICTED_WORKSPACE_SETTINGS);
  });
});
