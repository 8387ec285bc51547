/**
 * The harness works end to end, and the extension loads the way users get it: installed from the
 * development path, inactive until a SQL document opens, then active with no database driver
 * loaded. Runs first (see index.ts), so nothing else has activated the extension yet.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ImmutaWorksheetsApi } from '../../../src/extension';
import { EXTENSION_ID, loadedDriverModules, waitFor } from './helpers';
import { mark } from './marks';

describe('editor smoke', () => {
  it('runs inside a real VS Code', () => {
    assert.equal(typeof vscode.version, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('activates on a SQL document (and not before) without loading any database driver', async () => {
    const extension = vscode.extensions.getExtension<ImmutaWorksheetsApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    assert.equal(extension.isActive, false, 'not active before a SQL document opens');
    const opened = performance.now();
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: 'select 1' });
    const editor = await vscode.window.showTextDocument(document);
    assert.equal(editor.document.languageId, 'sql');
    await waitFor(() => extension.isActive, (active) => active, 'activation by onLanguage:sql', 10000, 1);
    const openToActiveMs = performance.now() - opened;
    mark('extensionActive');
    assert.deepEqual(loadedDriverModules(), []);
    const { activationMs } = await extension.activate();
    assert.ok(activationMs >= 0 && Number.isFinite(activationMs));
    // `npm run bench` reads these figures (see test/bench/activation.bench.ts).
    if (process.env.EDITOR_BENCH_OUTPUT) {
      fs.writeFileSync(process.env.EDITOR_BENCH_OUTPUT, JSON.stringify({ activationMs, openToActiveMs, vscode: vscode.version }));
    }
  });
});
