/**
 * Procedural blocks in a real editor: one Run CodeLens per block (the splitter keeps a
 * BEGIN ATOMIC body or a rule's parenthesised actions whole, as psql does), and a warning at the
 * opening of a block or string that never closes, which goes away once it is closed.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

const SOURCE = 'Immuta Worksheets';

let files = 0;

/** A SQL file of its own (not an untitled document, whose name VS Code may hand out again while an earlier one is still closing). */
async function openSql(content: string): Promise<vscode.TextEditor> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'immuta-blocks-'));
  const file = path.join(folder, `blocks-${++files}.sql`);
  await fs.writeFile(file, content);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(document);
}

async function lensLines(document: vscode.TextDocument): Promise<number[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  return lenses.filter((lens) => lens.command?.command === 'immutaWorksheets.runStatementAt').map((lens) => lens.range.start.line).sort((a, b) => a - b);
}

function ours(document: vscode.TextDocument): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(document.uri).filter((diagnostic) => diagnostic.source === SOURCE);
}

describe('procedural blocks in a real editor', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows one Run lens per statement, a BEGIN ATOMIC function and a multi-action rule each counting once', async () => {
    await api();
    const editor = await openSql(
      [
        'SELECT 1;',
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql',
        'BEGIN ATOMIC',
        '  SELECT 1;',
        '  SELECT 2;',
        'END;',
        'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));',
        'SELECT 3;',
      ].join('\n'),
    );
    assert.deepEqual(await lensLines(editor.document), [0, 1, 6, 7]);
  });

  it('warns at a block that never closes, and the warning goes once the END is typed', async () => {
    await api();
    const editor = await openSql('SELECT 1;\nCREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC\n  INSERT INTO t VALUES (1);\n');
    const document = editor.document;
    const [warning] = await waitFor(() => ours(document), (found) => found.length === 1, 'a warning for the unclosed block');
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warning.code, 'unterminated-block');
    assert.equal(warning.range.start.line, 1);
    assert.equal(document.getText(warning.range), 'BEGIN');
    assert.match(warning.message, /never closed \(no matching END\)/);
    await editor.edit((edit) => edit.insert(document.positionAt(document.getText().length), 'END;\n'));
    await waitFor(() => ours(document), (found) => found.length === 0, 'the warning gone after END');
  });
});
