import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { ComparisonExportFormat } from '../compare/comparison-protocol';
import { comparisonJson, comparisonMarkdown, summaryLines, type ComparisonReport, type SidePreview, type SideReport } from '../compare/comparison-report';
import { runComparison, YOURSELF, type ComparisonSide, type SucceededSide } from '../compare/comparison-runner';
import type { ComparisonEngine } from '../compare/comparison-engine';
import { impersonationUnavailable } from '../platforms/profile';
import type { ConnectionProfile, StatementParameters } from '../platforms/types';
import type { WorksheetRegistry } from '../worksheets/registry';
import type { Worksheet } from '../worksheets/worksheet';
import { ComparisonSets, pickComparisonIdentities } from './compare-picker';
import { ComparisonPanel } from './comparison-panel';
import type { ConnectionStore } from './connection-store';
import { dialectOf, isSqlDocument } from './document-worksheets';
import type { ParameterPrompt } from './parameter-prompt';
import type { RecentUsers } from './identity-picker';
import type { ImmutaService } from './immuta-service';
import { errorMessage } from './messages';
import { readResultsSettings } from './results-controller';
import type { RunController } from './run-controller';

export const COMPARE_SETTINGS = { concurrency: 'immutaWorksheets.compare.concurrency' } as const;

/** Rows of each side the view shows; the host keeps the rest for the exports. */
export const PREVIEW_ROWS = 100;

export interface CompareDependencies {
  readonly extensionUri: vscode.Uri;
  readonly registry: WorksheetRegistry;
  readonly store: ConnectionStore;
  readonly runner: RunController;
  readonly recent: RecentUsers;
  readonly sets: ComparisonSets;
  readonly immuta: ImmutaService;
  readonly engine: ComparisonEngine;
  readonly logger: Logger;
  /** The document's worksheet, asking for a connection first when it has none. */
  bound(document: vscode.TextDocument): Promise<Worksheet | undefined>;
  /** Asks for the statement's named parameters (every side runs with the same values). */
  readonly parameters?: ParameterPrompt;
  /** A comparison tab opened (the walkthrough's step). */
  readonly opened?: () => void;
}

function readConcurrency(): number {
  const value = vscode.workspace.getConfiguration().get<number>(COMPARE_SETTINGS.concurrency, 3);
  return Number.isFinite(value) && value >= 1 ? Math.min(6, Math.floor(value)) : 3;
}

/**
 * Compare as… (issue 18): runs one statement of a worksheet as several identities, each in a
 * short-lived session of its own, and shows what each saw and how they differ in a tab. The
 * worksheet's own session and identity are not touched.
 */
export class CompareCommand implements vscode.Disposable {
  private readonly open = new Set<{ cancel(): void; dispose(): void }>();

  constructor(private readonly deps: CompareDependencies) {}

  /** The palette and the editor: the selected statement, or the one at the cursor. */
  async compareCurrent(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isSqlDocument(editor.document)) {
      void vscode.window.showInformationMessage('Compare as… runs a statement of a SQL worksheet: open a SQL file first.');
      return;
    }
    await this.compare(editor.document, editor.document.offsetAt(editor.selection.active), editor.selection);
  }

  /** From a CodeLens: the statement starting at `offset` of the document `uri`. */
  async compareAt(uri: string, offset: number): Promise<void> {
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
    if (document) await this.compare(document, offset);
  }

  /** The object explorer: a statement of its own (on a table) in the document's worksheet. */
  async compareStatement(document: vscode.TextDocument, statement: string): Promise<void> {
    await this.compare(document, 0, undefined, statement);
  }

  dispose(): void {
    for (const comparison of this.open) comparison.dispose();
    this.open.clear();
  }

  private async compare(document: vscode.TextDocument, offset: number, selection?: vscode.Selection, statement?: string): Promise<void> {
    const worksheet = await this.deps.bound(document);
    const profile = worksheet?.profile;
    if (!worksheet || !profile) return;
    const found = statement !== undefined ? { text: statement } : this.deps.runner.statementFor(document, worksheet, offset, selection);
    if ('problem' in found) {
      void vscode.window.showInformationMessage(found.problem);
      return;
    }
    // Asked before the identities, as a run asks: Escape here compares nothing.
    const asked = this.deps.parameters ? await this.deps.parameters.forRun(document, profile, dialectOf(worksheet), [found.text]) : [undefined];
    if (asked === undefined) return;
    const parameters = asked[0];
    const unavailable = impersonationUnavailable(profile);
    if (unavailable !== undefined) {
      // Said up front; the comparison still runs yourself and shows the others as not run.
      void vscode.window.showWarningMessage(`${profile.name}: ${unavailable} In a comparison only "yourself" runs.`);
    }
    const key = document.uri.toString();
    const identities = await pickComparisonIdentities({
      profileName: profile.name,
      recent: this.deps.recent.list(profile.name),
      last: this.deps.sets.last(key),
      immuta: this.deps.immuta.picker(profile),
    });
    if (!identities) return;
    await this.deps.sets.remember(key, identities);
    // One password prompt, not one per side: the sides' sessions all read the stored secret.
    try {
      await this.deps.store.secretFor(profile);
    } catch (error) {
      void vscode.window.showErrorMessage(errorMessage(error, profile.platform));
      return;
    }
    await this.run(profile, found.text, identities, parameters);
  }

  private async run(profile: ConnectionProfile, statement: string, identities: readonly string[], parameters: StatementParameters | undefined): Promise<void> {
    const { engine, logger } = this.deps;
    const controller = new AbortController();
    // Exports outlive the run (and its Cancel); they stop when the tab closes.
    const lifetime = new AbortController();
    const sides: SideReport[] = identities.map((label) => ({ label, state: 'running' }));
    const results: (ComparisonSide | undefined)[] = identities.map(() => undefined);
    const previews: SidePreview[] = [];
    let report: ComparisonReport = { statement, connection: profile.name, platform: profile.platform, startedAt: Date.now(), sides, compared: [] };
    let running = true;
    let closed = false;
    const title = `Compare: ${statement.replace(/\s+/g, ' ').slice(0, 40)}${statement.length > 40 ? '…' : ''}`;
    const comparison = {
      cancel: () => controller.abort(),
      dispose: () => panel.dispose(),
    };
    const panel = new ComparisonPanel(this.deps.extensionUri, title, {
      cancel: () => controller.abort(),
      export: (format) => void this.export(format, report, results, lifetime.signal),
      closed: () => {
        closed = true;
        controller.abort();
        lifetime.abort();
        this.open.delete(comparison);
        // The rows go with the tab.
        results.fill(undefined);
      },
    });
    this.open.add(comparison);
    this.deps.opened?.();
    const show = () => {
      if (!closed) panel.show({ type: 'report', report, summaries: summaryLines(report), previews: [...previews], running, previewLimit: PREVIEW_ROWS });
    };
    show();

    const setSide = (index: number, side: SideReport) => {
      sides[index] = side;
      report = { ...report, sides: [...sides] };
      show();
    };
    const settle = (index: number, side: ComparisonSide) => {
      results[index] = side;
      setSide(index, sideReport(side, identities[index]));
      if (side.status !== 'succeeded') return;
      previews.push({ label: side.label, columns: side.columns, rows: engine.preview(side, PREVIEW_ROWS) });
      show();
      // The project the identity works in, asked afresh, fills in when Immuta answers.
      void this.deps.immuta.projectOf(side.stamp, profile).then(
        (project) => {
          if (project !== undefined) setSide(index, { ...sides[index], project });
        },
        (error: unknown) => logger.warn(`compare: the project of ${side.label} is unknown (${error instanceof Error ? error.message : String(error)})`),
      );
    };

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Comparing as ${identities.length} identities on ${profile.name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let done = 0;
        try {
          await runComparison(
            { open: (bound) => this.deps.registry.create(bound), close: (worksheet) => this.deps.registry.close(worksheet.id) },
            profile,
            statement,
            identities,
            {
              rowLimit: readResultsSettings().rowLimit,
              concurrency: readConcurrency(),
              signal: controller.signal,
              ...(parameters !== undefined ? { parameters } : {}),
              onSide: (index, side) => {
                done++;
                progress.report({ message: `${done} of ${identities.length} done`, increment: 100 / (identities.length + 1) });
                settle(index, side);
              },
            },
          );
          const succeeded = results.filter((side): side is SucceededSide => side?.status === 'succeeded');
          if (controller.signal.aborted) {
            report = { ...report, noDiff: 'the comparison was cancelled.' };
          } else if (succeeded.length < 2) {
            report = { ...report, noDiff: `${succeeded.length === 0 ? 'no identity' : 'only one identity'} ran the statement; a comparison needs two.` };
          } else {
            progress.report({ message: 'comparing the results…' });
            const diff = await engine.diff(succeeded, controller.signal);
            report = { ...report, diff, compared: succeeded.map((side) => side.label) };
          }
        } catch (error) {
          logger.error(`compare: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          report = { ...report, noDiff: controller.signal.aborted ? 'the comparison was cancelled.' : `comparing failed: ${error instanceof Error ? error.message : String(error)}` };
          if (!controller.signal.aborted) void vscode.window.showErrorMessage(`Compare as…: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          running = false;
          report = { ...report, finishedAt: Date.now() };
          show();
        }
      },
    );
  }

  private async export(format: ComparisonExportFormat, report: ComparisonReport, results: readonly (ComparisonSide | undefined)[], signal: AbortSignal): Promise<void> {
    try {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const extension = format === 'markdown' ? 'md' : format;
      const name = `comparison-${new Date(report.startedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${extension}`;
      const target = await vscode.window.showSaveDialog({
        title: format === 'csv' ? 'Export the differing rows as CSV' : format === 'json' ? 'Export the comparison as JSON' : 'Export the comparison summary as Markdown',
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: format === 'csv' ? { CSV: ['csv'] } : format === 'json' ? { JSON: ['json'] } : { Markdown: ['md'] },
        saveLabel: 'Export',
      });
      if (!target) return;
      let text: string;
      if (format === 'json') text = comparisonJson(report);
      else if (format === 'markdown') text = comparisonMarkdown(report);
      else {
        const succeeded = results.filter((side): side is SucceededSide => side?.status === 'succeeded' && report.compared.includes(side.label));
        const diff = report.diff;
        if (diff === undefined) throw new Error('there are no differences to export yet.');
        text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Writing the differing rows…' }, () => this.deps.engine.differingCsv(succeeded, diff, signal));
      }
      await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
      this.deps.logger.info(`compare: exported ${format} to ${target.fsPath}`);
      const open = 'Open';
      const choice = await vscode.window.showInformationMessage(`Exported the comparison to ${vscode.workspace.asRelativePath(target)}.`, open);
      if (choice === open) await vscode.window.showTextDocument(target);
    } catch (error) {
      this.deps.logger.error(`compare export: ${error instanceof Error ? error.message : String(error)}`);
      void vscode.window.showErrorMessage(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** What the view and the exports say of one side. */
function sideReport(side: ComparisonSide, label: string): SideReport {
  switch (side.status) {
    case 'succeeded':
      return {
        label,
        state: 'succeeded',
        ranAs: side.stamp.ranAs.kind === 'yourself' ? `yourself (${side.stamp.login})` : side.stamp.ranAs.user,
        assurance: side.stamp.assuranceNote,
        rows: side.rowCount,
        truncated: side.truncated,
        durationMs: side.durationMs,
        queryId: side.queryId,
        sessionId: side.stamp.sessionId,
        startedAt: side.stamp.startedAt,
        columns: side.columns,
      };
    case 'failed':
      return { label, state: 'failed', message: errorMessage(side.error, side.stamp?.platform, label === YOURSELF ? undefined : { user: label }) };
    case 'unsupported':
      return { label, state: 'unsupported', message: side.reason };
    default:
      return { label, state: 'cancelled' };
  }
}
