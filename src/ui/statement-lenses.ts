import * as vscode from 'vscode';
import { isSqlDocument, type DocumentWorksheets } from './document-worksheets';
import type { RunController } from './run-controller';

export const CODELENS_SETTING = 'immutaWorksheets.codeLens.enabled';

/** `▶ Run` (or `▶ Run as <user>`) above every statement of a SQL document. */
export class StatementLenses implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(
    private readonly documents: DocumentWorksheets,
    private readonly runner: RunController,
  ) {}

  /** Lenses name the identity, so they follow every worksheet change. */
  refresh(): void {
    this.changeEmitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isSqlDocument(document) || !vscode.workspace.getConfiguration().get<boolean>(CODELENS_SETTING, true)) {
      return [];
    }
    const worksheet = this.documents.get(document);
    const identity = worksheet?.identity;
    const title = identity?.kind === 'impersonating' ? `▶ Run as ${identity.user}` : identity?.kind === 'unknown' ? '▶ Run (identity unknown: will be refused)' : '▶ Run';
    return this.runner.split(document, worksheet).map((statement) => {
      const start = document.positionAt(statement.startOffset);
      return new vscode.CodeLens(new vscode.Range(start, start), {
        title,
        tooltip: 'Run this statement in this worksheet\u2019s session',
        command: 'immutaWorksheets.runStatementAt',
        arguments: [document.uri.toString(), statement.startOffset],
      });
    });
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
