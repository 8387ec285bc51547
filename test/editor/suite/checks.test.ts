/**
 * Policy check files in a real extension host (issue 20): a `.sql` file with `-- @check` blocks
 * gets its parse problems as diagnostics (source "Immuta checks") at their line while it is open,
 * updated as it is edited, and none once it is fixed or no longer a check file. The Test Explorer
 * items themselves are not readable through the stable API; the UI tier (test/ui/checks.test.ts)
 * covers them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

const GOOD = `-- @check Everyone sees rows
-- @as yourself
-- @expect rows > 0
SELECT 1;
`;
const TYPO_LINE = 2;

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'Immuta checks');
}

async function replaceAll(document: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applied');
}

describe('policy check files in a real extension host', () => {
  let folder: string;

  before(async () => {
    await api();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-checks-'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('a typo in an expectation is a problem at its line while it is there, and goes when fixed', async () => {
    const file = path.join(folder, 'typo.sql');
    fs.writeFileSync(file, GOOD.replace('-- @expect rows > 0', '-- @expect rows >> 0'));
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    const problems = await waitFor(() => ours(document.uri), (found) => found.length > 0, 'a diagnostic of the typo');
    assert.equal(problems[0].range.start.line, TYPO_LINE, `at the @expect line: ${problems[0].message}`);
    assert.equal(problems[0].severity, vscode.DiagnosticSeverity.Error);

    // Fixed in the editor (not saved): the live text counts.
    await replaceAll(document, GOOD);
    await waitFor(() => ours(document.uri), (found) => found.length === 0, 'the diagnostic gone after the fix');

    // Broken again, then no longer a check file at all: its problems go with its checks.
    await replaceAll(document, GOOD.replace('-- @expect rows > 0', '-- @expect rows >> 0'));
    await waitFor(() => ours(document.uri), (found) => found.length > 0, 'the diagnostic back');
    await replaceAll(document, 'SELECT 1;\n');
    await waitFor(() => ours(document.uri), (found) => found.length === 0, 'no diagnostics for a plain SQL file');
  });

  it('"Open Actual Result" is a command that says so when there is no case result to open', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('immutaWorksheets.openCheckResult'));
    const window = vscode.window as unknown as { showInformationMessage: (message: string) => Thenable<string | undefined> };
    const original = window.showInformationMessage;
    const shown: string[] = [];
    window.showInformationMessage = (message: string) => {
      shown.push(message);
      return Promise.resolve(undefined);
    };
    try {
      await vscode.commands.executeCommand('immutaWorksheets.openCheckResult', {});
    } finally {
      window.showInformationMessage = original;
    }
    assert.deepEqual(shown, ['This case has no captured result to open: run it again.']);
  });
});
