import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { isPlatformError } from '../platforms/errors';
import { platformInfo } from '../platforms/catalog';
import { redactSecretsFor, scrubSecrets } from '../sql/secrets';
import { runUnits } from '../sql/batches';
import { splitStatements, statementAt, type SplitStatement } from '../sql/splitter';
import { errorSpan } from '../worksheets/error-span';
import type { RunHandle } from '../worksheets/run-types';
import type { Worksheet } from '../worksheets/worksheet';
import { dialectOf, isSqlDocument, type DocumentWorksheets } from './document-worksheets';
import { probeRefusal, type ProbeRefusal } from './probe-messages';
import type { ParameterPrompt } from './parameter-prompt';
import type { ResultsController } from './results-controller';

/** A statement (or a T-SQL batch) to run, with where it stands in the document. */
interface Located {
  readonly text: string;
  readonly startOffset: number;
  readonly endOffset: number;
  /** T-SQL `GO n`: sent n times. */
  readonly repeat?: number;
}

const HIGHLIGHT_MS = 700;

/**
 * Runs statements of SQL documents in their worksheets: the statement at the cursor, the
 * selection, everything, or the statement a CodeLens names. Highlights what runs, reports errors
 * with a server position as diagnostics, and can cancel.
 */
export class RunController implements vscode.Disposable {
  private readonly runs = new Map<string, RunHandle>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('immuta-worksheets');
  private readonly highlight = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    isWholeLine: false,
  });

  constructor(
    private readonly documents: DocumentWorksheets,
    private readonly results: ResultsController,
    private readonly bound: (document: vscode.TextDocument) => Promise<Worksheet | undefined>,
    private readonly logger: Logger,
    /** A run the effect probe stopped: said out loud, not only in the results view. */
    private readonly probeRefused: (refusal: ProbeRefusal) => void = () => undefined,
    /** Asks for named parameters' values before a run; absent: statements go as typed. */
    private readonly parameters?: ParameterPrompt,
  ) {}

  /** The statement at the cursor, or the selected statements (T-SQL: the selected batches). */
  async runCurrent(): Promise<void> {
    const editor = activeSqlEditor();
    if (!editor) return;
    const worksheet = await this.bound(editor.document);
    if (!worksheet) return;
    const selection = editor.selection;
    const statements = selection.isEmpty
      ? this.atOffset(editor.document, worksheet, editor.document.offsetAt(selection.active))
      : this.inSelection(editor.document, worksheet, selection);
    if (statements.length === 0) {
      void vscode.window.showInformationMessage('The cursor is not on a statement. Put it inside one (or select some SQL) and run again.');
      return;
    }
    await this.run(editor, worksheet, statements);
  }

  async runAll(): Promise<void> {
    const editor = activeSqlEditor();
    if (!editor) return;
    const worksheet = await this.bound(editor.document);
    if (!worksheet) return;
    // T-SQL goes batch by batch, as sqlcmd and SSMS send it; other dialects statement by statement.
    const statements = runUnits(editor.document.getText(), dialectOf(worksheet));
    if (statements.length === 0) {
      void vscode.window.showInformationMessage('This worksheet has no statements to run.');
      return;
    }
    await this.run(editor, worksheet, statements);
  }

  /** From a CodeLens: the statement starting at `offset` of the document `uri`. */
  async runAt(uri: string, offset: number): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document.uri.toString() === uri);
    if (!editor) return;
    const worksheet = await this.bound(editor.document);
    if (!worksheet) return;
    await this.run(editor, worksheet, this.atOffset(editor.document, worksheet, offset));
  }

  /**
   * Runs `text`, which stands at `startOffset` of the document `uri`, as it is (the explorer's
   * Select Top): not re-split from the document, so text around it cannot join it.
   */
  async runText(uri: string, text: string, startOffset: number): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document.uri.toString() === uri);
    if (!editor) return;
    const worksheet = await this.bound(editor.document);
    if (!worksheet) return;
    await this.run(editor, worksheet, [{ text, startOffset, endOffset: startOffset + text.length }]);
  }

  /**
   * The one statement a comparison runs: the selection's text when it is one statement (T-SQL: one
   * batch), else the statement at `offset`; undefined when there is none or several are selected.
   */
  statementFor(document: vscode.TextDocument, worksheet: Worksheet, offset: number, selection?: vscode.Selection): { text: string } | { problem: string } {
    if (selection && !selection.isEmpty) {
      const units = this.inSelection(document, worksheet, selection);
      if (units.length === 1) return { text: units[0].text };
      if (units.length > 1) return { problem: `The selection holds ${units.length} statements; Compare as… runs one. Select one statement, or put the cursor inside it.` };
    }
    const [statement] = this.atOffset(document, worksheet, offset);
    return statement ? { text: statement.text } : { problem: 'The cursor is not on a statement. Put it inside one (or select it) and compare again.' };
  }

  cancel(): void {
    const document = activeSqlEditor()?.document;
    const worksheet = document ? this.documents.get(document) : undefined;
    if (worksheet) {
      // Through the results: a statement paused at the row limit must be let go for the cancel to land.
      this.results.cancel(worksheet.id);
    }
  }

  /** Statements of a document, split by its worksheet's dialect (PostgreSQL before binding). */
  split(document: vscode.TextDocument, worksheet: Worksheet | undefined): readonly SplitStatement[] {
    return splitStatements(document.getText(), dialectOf(worksheet)).statements;
  }

  dispose(): void {
    for (const handle of this.runs.values()) handle.cancel();
    this.diagnostics.dispose();
    this.highlight.dispose();
  }

  private atOffset(document: vscode.TextDocument, worksheet: Worksheet, offset: number): Located[] {
    const result = { statements: this.split(document, worksheet), problems: [] };
    const statement = statementAt(result, offset);
    return statement ? [located(statement)] : [];
  }

  /** The selected text's statements, or for T-SQL its batches (SSMS runs a selection the same way). */
  private inSelection(document: vscode.TextDocument, worksheet: Worksheet, selection: vscode.Selection): Located[] {
    const base = document.offsetAt(selection.start);
    return runUnits(document.getText(selection), dialectOf(worksheet)).map((unit) => ({
      ...unit,
      startOffset: base + unit.startOffset,
      endOffset: base + unit.endOffset,
    }));
  }

  private async run(editor: vscode.TextEditor, worksheet: Worksheet, statements: readonly Located[]): Promise<void> {
    const document = editor.document;
    // Every value is asked for before the first statement goes: a cancelled prompt sends nothing.
    const parameters = this.parameters ? await this.parameters.forRun(document, worksheet.profile, dialectOf(worksheet), statements.map((statement) => statement.text)) : undefined;
    if (this.parameters && parameters === undefined) {
      void vscode.window.setStatusBarMessage('Run cancelled: a parameter value was not given, so nothing was sent.', 4000);
      return;
    }
    const ranges = statements.map((statement) => new vscode.Range(document.positionAt(statement.startOffset), document.positionAt(statement.endOffset)));
    editor.setDecorations(this.highlight, ranges);
    setTimeout(() => editor.setDecorations(this.highlight, []), HIGHLIGHT_MS);
    this.diagnostics.delete(document.uri);

    // Replaces the worksheet's previous results; a statement of it paused at the row limit is let go.
    const results = this.results.begin(worksheet.id, document, statements);
    const handle = worksheet.run(
      statements.map((statement, index) => {
        const bound = parameters?.[index];
        return { text: statement.text, ...(statement.repeat !== undefined && statement.repeat > 1 ? { repeat: statement.repeat } : {}), ...(bound !== undefined ? { parameters: bound } : {}) };
      }),
      results.observer,
    );
    results.attach(handle);
    this.runs.set(worksheet.id, handle);
    const outcomes = await handle.outcomes;
    if (this.runs.get(worksheet.id) === handle) this.runs.delete(worksheet.id);

    const problems: vscode.Diagnostic[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status !== 'failed') return;
      const statement = statements[index];
      const error = outcome.error;
      const span = errorSpan(statement.startOffset, error);
      const start = document.positionAt(span?.offset ?? statement.startOffset);
      // A span the server located (SQL Server: a line of the batch) is marked whole; a point, as its word.
      const range = !span
        ? ranges[index]
        : span.length !== undefined && span.length > 0
          ? new vscode.Range(start, document.positionAt(span.offset + span.length))
          : document.getWordRangeAtPosition(start) ?? new vscode.Range(start, start.translate(0, 1));
      const diagnostic = new vscode.Diagnostic(range, error.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'Immuta Worksheets';
      if (isPlatformError(error) && error.code) diagnostic.code = error.code;
      problems.push(diagnostic);
    });
    this.diagnostics.set(document.uri, problems);
    const failedAt = outcomes.findIndex((outcome) => outcome.status === 'failed');
    const failed = outcomes[failedAt];
    if (failed?.status === 'failed') {
      // The log reaches disk: a server that quotes the statement must not put its secrets there.
      const dialect = worksheet.profile ? platformInfo(worksheet.profile.platform).sqlDialect : undefined;
      this.logger.warn(`run failed: ${scrubSecrets(failed.error.message, redactSecretsFor(statements[failedAt].text, dialect).secrets)}`);
      const refusal = probeRefusal(failed.error, worksheet.identity, worksheet.profile?.name);
      if (refusal) this.probeRefused(refusal);
    }
  }
}

function located(statement: SplitStatement): Located {
  return { text: statement.text, startOffset: statement.startOffset, endOffset: statement.endOffset };
}

function activeSqlEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && isSqlDocument(editor.document) ? editor : undefined;
}
