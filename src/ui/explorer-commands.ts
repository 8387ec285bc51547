import * as vscode from 'vscode';
import { isSqlDocument } from './document-worksheets';
import type { ExplorerItem, ObjectExplorer } from './object-explorer';

/** The object explorer's commands (its title bar and its items' context menus). */
export type ExplorerAction = 'refresh' | 'selectTop' | 'copyName' | 'compare';

/** Rows Select Top reads. */
export const TOP_ROWS = 100;

export interface ExplorerCommandDeps {
  readonly explorer: ObjectExplorer;
  /** Runs `text`, standing at `offset` of the document, in its worksheet. */
  runText(uri: string, text: string, offset: number): Promise<void>;
  /** Compare as… with a statement of the document's worksheet. */
  compare(document: vscode.TextDocument, statement: string): Promise<void>;
}

/** What each explorer action does with the item it was invoked on (the commands are registered with the others'). */
export function explorerActions(deps: ExplorerCommandDeps): (action: ExplorerAction, item: unknown) => Promise<void> {
  const { explorer } = deps;
  return async (action, raw) => {
    const item = raw as ExplorerItem | undefined;
    if (action === 'refresh') {
      explorer.refresh(item);
      return;
    }
    const queries = explorer.queries();
    if (item?.type !== 'node' || !queries) return;
    if (action === 'copyName') {
      const name = item.node.kind === 'column' ? queries.identifier(item.node.name) : queries.qualifiedName(item.node);
      await vscode.env.clipboard.writeText(name);
      vscode.window.setStatusBarMessage(`Copied ${name}`, 3000);
      return;
    }
    const editor = worksheetEditor();
    if (!editor) return;
    if (action === 'selectTop') {
      // Appended to the worksheet the tree shows, and run there: in its session, as its identity.
      const statement = queries.selectTop(item.node, TOP_ROWS);
      // Written with a terminator where the dialect's statements end with one (T-SQL's TOP form has its own).
      const text = statement.trimEnd().endsWith(';') ? statement : `${statement};`;
      const offset = await append(editor, text);
      await deps.runText(editor.document.uri.toString(), statement, offset);
      return;
    }
    await deps.compare(editor.document, queries.selectTop(item.node, TOP_ROWS));
  };
}

function worksheetEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((candidate) => isSqlDocument(candidate.document));
  if (editor && isSqlDocument(editor.document)) return editor;
  void vscode.window.showInformationMessage('Open the SQL worksheet to run this in.');
  return undefined;
}

/** Adds `statement` on a line of its own at the end of the document; returns where it starts. */
async function append(editor: vscode.TextEditor, statement: string): Promise<number> {
  const document = editor.document;
  const text = document.getText();
  const prefix = text.length === 0 ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  const end = document.positionAt(text.length);
  const done = await editor.edit((edit) => edit.insert(end, `${prefix}${statement}\n`));
  if (!done) throw new Error('The statement could not be added to the worksheet.');
  const offset = text.length + prefix.length;
  const start = document.positionAt(offset);
  editor.selection = new vscode.Selection(start, start);
  editor.revealRange(new vscode.Range(start, start));
  return offset;
}
