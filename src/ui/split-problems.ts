import * as vscode from 'vscode';
import { splitStatements, type SplitProblem } from '../sql/splitter';
import { dialectOf, isSqlDocument, type DocumentWorksheets } from './document-worksheets';

/** Typing pauses this long before a document is split again for its problems. */
const SETTLE_MS = 250;

/**
 * Warnings in SQL documents where the text never closes a string, a comment or a block: such a
 * construct swallows the rest of the document (or batch) into one statement, which is the same
 * thing the platform's own client would do, but rarely what the user meant. Said at the opening
 * delimiter, before anything runs.
 */
export class SplitProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('immuta-worksheets-sql');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly documents: DocumentWorksheets) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.check(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      // Binding to a connection changes the dialect, and with it what is a string or a block.
      documents.onDidChange(() => vscode.workspace.textDocuments.forEach((document) => this.check(document))),
    ];
    vscode.workspace.textDocuments.forEach((document) => this.check(document));
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.collection.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isSqlDocument(document)) return;
    const key = document.uri.toString();
    const previous = this.pending.get(key);
    if (previous !== undefined) clearTimeout(previous);
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.check(document);
      }, SETTLE_MS),
    );
  }

  private check(document: vscode.TextDocument): void {
    if (!isSqlDocument(document) || document.isClosed) return;
    const problems = splitStatements(document.getText(), dialectOf(this.documents.get(document))).problems;
    this.collection.set(document.uri, problems.map((problem) => diagnosticFor(document, problem)));
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const timer = this.pending.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.delete(key);
    this.collection.delete(document.uri);
  }
}

function diagnosticFor(document: vscode.TextDocument, problem: SplitProblem): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(problem.range.start.offset), document.positionAt(problem.range.end.offset));
  const diagnostic = new vscode.Diagnostic(range, problem.message, vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'Immuta Worksheets';
  diagnostic.code = problem.kind;
  return diagnostic;
}
