/**
 * The harness works end to end: a real VS Code API, our extension loaded from the development
 * path and activated, and an editor opened on a SQL document.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { mark } from './marks';

const EXTENSION_ID = 'immuta-worksheets.immuta-worksheets';

describe('editor smoke', () => {
  it('runs inside a real VS Code', () => {
    assert.equal(typeof vscode.version, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('loads and activates the extension', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    await extension.activate();
    mark('extensionActive');
    assert.equal(extension.isActive, true);
  });

  it('opens an untitled SQL document in an editor', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: 'select 1' });
    const editor = await vscode.window.showTextDocument(document);
    assert.equal(editor.document.languageId, 'sql');
    assert.equal(editor.document.getText(), 'select 1');
    assert.equal(vscode.window.activeTextEditor?.document, document);
  });
});
