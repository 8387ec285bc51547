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
    return this.runner.split(document, worksheet).flatMap((statement) => {
      const start = document.positionAt(statement.startOffset);
      const range = new vscode.Range(start, start);
      const at = [document.uri.toString(), statement.startOffset];
      return [
        new vscode.CodeLens(range, { title, tooltip: 'Run this statement in this worksheet\u2019s session', command: 'immutaWorksheets.runStatementAt', arguments: at }),
        new vscode.CodeLens(range, {
          title: '⇆ Compare as…',
          tooltip: 'Run this statement as several identities, each in a session of its own, and show the differences (this worksheet\u2019s session is not touched)',
          command: 'immutaWorksheets.compareStatementAt',
          arguments: at,
        }),
      ];
    });
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
