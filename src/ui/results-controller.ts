import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { Trace } from '../common/trace';
import { platformInfo } from '../platforms/catalog';
import { errorView } from '../results/error-view';
import type { ViewSettings } from '../results/protocol';
import { ResultMemory } from '../results/result-memory';
import type { ResultSet, ResultStorage } from '../results/result-set';
import { RunResults, type RunResultsOptions } from '../results/run-results';
import type { RunHandle, RunObserver, RunStamp, StatementOutcome } from '../worksheets/run-types';
import type { WorksheetId } from '../worksheets/worksheet';
import { ResultExporter } from './result-export';
import { ResultsPanel } from './results-panel';

export const RESULTS_SETTINGS = {
  rowLimit: 'immutaWorksheets.results.rowLimit',
  cellTextLimit: 'immutaWorksheets.results.cellTextLimit',
  retainImpersonatedRuns: 'immutaWorksheets.results.retainImpersonatedRuns',
  memoryBudgetMB: 'immutaWorksheets.results.memoryBudgetMB',
} as const;

/** Settings are read fresh at each use, so a change applies to the next run without a reload. */
export function readResultsSettings(): { rowLimit: number; cellTextLimit: number; retainImpersonatedRuns: boolean; memoryBudgetMB: number } {
  const config = vscode.workspace.getConfiguration();
  const positive = (key: string, fallback: number) => {
    const value = config.get<number>(key, fallback);
    return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
  };
  return {
    rowLimit: positive(RESULTS_SETTINGS.rowLimit, 100_000),
    cellTextLimit: positive(RESULTS_SETTINGS.cellTextLimit, 500),
    retainImpersonatedRuns: config.get<boolean>(RESULTS_SETTINGS.retainImpersonatedRuns, true),
    memoryBudgetMB: positive(RESULTS_SETTINGS.memoryBudgetMB, 256),
  };
}

/** A statement of a run and where it stands in its document. */
export interface RunStatement {
  readonly text: string;
  readonly startOffset: number;
}

/** One run about to start: its observer for the worksheet, then its handle once it runs. */
export interface ResultsRun {
  readonly observer: RunObserver;
  attach(handle: RunHandle): void;
}

interface Entry {
  readonly panel: ResultsPanel;
  label: string;
  document: vscode.Uri;
  statements: readonly RunStatement[];
  run?: RunResults;
  handle?: RunHandle;
}

/**
 * The results of every worksheet: each worksheet's latest run and the panel showing it.
 * Replacing a run frees the previous run's rows; a paused statement of it is let go first
 * (read to its end without keeping rows), so the worksheet's queue can move on.
 */
export class ResultsController implements vscode.Disposable {
  private readonly entries = new Map<WorksheetId, Entry>();
  private readonly exporter: ResultExporter;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly trace: Trace,
    /** Whether row pages cross a network to the webview (VS Code for the Web, remote windows). */
    private readonly rowsCrossNetwork: boolean,
    private readonly onStatementFinished: (worksheetId: WorksheetId, label: string, document: vscode.Uri, outcome: StatementOutcome, result: ResultSet) => void,
    /** The Immuta project of whom a statement runs as, for its stamp. */
    private readonly projectOf?: (stamp: RunStamp, worksheetId: WorksheetId) => ReturnType<NonNullable<RunResultsOptions['projectOf']>>,
    /** Every result's rows in this window share it; spills go to its folder (none: nothing spills). */
    private readonly memory: ResultMemory = new ResultMemory({ budgetBytes: Number.POSITIVE_INFINITY }),
  ) {
    this.exporter = new ResultExporter(logger);
    this.storage = {
      memory: this.memory,
      encrypt: (stamp) => !readResultsSettings().retainImpersonatedRuns && (stamp === null || stamp.ranAs !== null),
    };
    this.subscriptions.push(
      vscode.workspace.onDidRenameFiles((event) => {
        for (const { oldUri, newUri } of event.files) {
          for (const entry of this.entries.values()) {
            if (entry.document.toString() !== oldUri.toString()) continue;
            entry.document = newUri;
            entry.label = labelOf(newUri);
            entry.panel.rename(entry.label);
          }
        }
      }),
    );
  }

  /** Starts showing a new run of a worksheet. */
  begin(worksheetId: WorksheetId, document: vscode.TextDocument, statements: readonly RunStatement[]): ResultsRun {
    const entry = this.entry(worksheetId, document);
    this.rename(worksheetId, document);
    entry.statements = statements;
    this.release(entry);
    const settings = readResultsSettings();
    this.memory.setBudget(settings.memoryBudgetMB * 1024 * 1024);
    const label = entry.label;
    if (this.trace.enabled) this.trace.mark('run-start', { statements: statements.length, ...this.trace.memory() });
    const run = new RunResults(
      label,
      statements.map((statement) => statement.text),
      {
        rowLimit: settings.rowLimit,
        storage: this.storage,
        platformName: (platform) => platformInfo(platform).displayName,
        describeError: errorView,
        projectOf: this.projectOf && ((stamp: RunStamp) => this.projectOf?.(stamp, worksheetId) ?? { now: undefined }),
        onStarted: (result) => {
          if (this.trace.enabled) this.trace.mark('statement-start', { resultId: result.id });
        },
        onFirstRows: (result) => {
          if (this.trace.enabled) this.trace.mark('first-rows', { resultId: result.id });
        },
        onFinished: (result, outcome) => {
          if (this.trace.enabled) {
            this.trace.mark('finished', { resultId: result.id, status: result.status, rows: result.rowCount, chars: result.sizeChars, ...this.trace.memory() });
          }
          try {
            this.onStatementFinished(worksheetId, entry.label, entry.document, outcome, result);
          } catch (error) {
            this.logger.error(`recording a finished statement failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      },
    );
    entry.run = run;
    entry.handle = undefined;
    entry.panel.show(run, this.resultsColumn(entry));
    return {
      observer: run.observer(),
      attach: (handle) => {
        if (entry.run === run) entry.handle = handle;
      },
    };
  }

  /** Cancels a worksheet's run; a statement paused at the row limit is let go so the cancel lands. */
  cancel(worksheetId: WorksheetId): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    entry.run?.stopReading();
    entry.handle?.cancel();
  }

  /** Opens the results of the active worksheet (also after its panel was closed). */
  reveal(worksheetId: WorksheetId, document: vscode.TextDocument): void {
    const entry = this.entry(worksheetId, document);
    entry.panel.reveal(this.resultsColumn(entry));
  }

  /** The worksheet's document was renamed or saved under a new name. */
  rename(worksheetId: WorksheetId, document: vscode.TextDocument): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    if (entry.document.toString() === document.uri.toString() && entry.label === labelOf(document.uri)) return;
    entry.label = labelOf(document.uri);
    entry.document = document.uri;
    entry.panel.rename(entry.label);
  }

  /** The worksheet closed: its panel closes and its rows are freed. */
  closed(worksheetId: WorksheetId): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    this.entries.delete(worksheetId);
    this.release(entry);
    entry.panel.dispose();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const id of [...this.entries.keys()]) this.closed(id);
    // The window is closing: every spill file goes, whatever still holds a result.
    this.memory.dispose();
  }

  /**
   * With no-retention on, a result run as another user (or whose stamp is not known) spills only
   * encrypted, under a key held in memory (src/results/spill-file.ts), so its rows never reach
   * the disk readable; the setting is read when the result's first rows are stored.
   *
   * Why encrypt rather than refuse to spill and stop at the budget: running as another user is
   * what this extension is for, so refusing would make exactly those results stop at 256 MB
   * while the same query run as yourself goes on. A key that lives only in this process gives
   * the same guarantee as not writing at all (nothing readable on disk, and after a crash the
   * ciphertext is undecryptable and swept at the next start), for the cost of AES-256-GCM,
   * which node:crypto runs at disk speed or better.
   */
  private readonly storage: ResultStorage;

  /**
   * Results of every worksheet gather in one editor group beside the editors (as tabs), so a new
   * worksheet's results do not push open yet another group.
   */
  private resultsColumn(except: Entry): vscode.ViewColumn | undefined {
    const editorColumn = vscode.window.activeTextEditor?.viewColumn;
    for (const entry of this.entries.values()) {
      const column = entry !== except ? entry.panel.viewColumn : undefined;
      if (column !== undefined && column !== editorColumn) return column;
    }
    return undefined;
  }

  private entry(worksheetId: WorksheetId, document: vscode.TextDocument): Entry {
    const existing = this.entries.get(worksheetId);
    if (existing) return existing;
    const label = labelOf(document.uri);
    const entry: Entry = {
      label,
      document: document.uri,
      statements: [],
      panel: new ResultsPanel(
        this.extensionUri,
        label,
        {
          cancel: () => this.cancel(worksheetId),
          fetchMore: (result, all) => result.fetchMore(all ? 'all' : readResultsSettings().rowLimit),
          stopReading: (result) => result.stopReading(),
          exportResult: (result, format, withStamp, destination) => this.exporter.export(result, format, withStamp, destination, baseName(entry.label)),
          copyMarkdown: (result) => this.exporter.copyMarkdown(result),
          showStatement: (result) => void this.showStatement(entry, result),
          settings: (): ViewSettings => ({ cellTextLimit: readResultsSettings().cellTextLimit }),
          closed: () => this.panelClosed(entry),
        },
        this.logger,
        this.trace,
        this.rowsCrossNetwork,
      ),
    };
    this.entries.set(worksheetId, entry);
    return entry;
  }

  /**
   * With `retainImpersonatedRuns` off, closing the view forgets a run that impersonated anyone:
   * its rows and its statement text (history never stored that text).
   */
  private panelClosed(entry: Entry): void {
    const run = entry.run;
    if (!run || readResultsSettings().retainImpersonatedRuns) return;
    if (!run.results.some((result) => result.stamp?.ranAs)) return;
    this.release(entry);
    entry.statements = [];
    entry.panel.clear();
    this.logger.info('results of an impersonated run were discarded when their view closed (retainImpersonatedRuns is off)');
  }

  private release(entry: Entry): void {
    const previous = entry.run;
    if (!previous) return;
    previous.stopReading();
    previous.dispose();
    entry.run = undefined;
    entry.handle = undefined;
  }

  private async showStatement(entry: Entry, result: ResultSet): Promise<void> {
    const statement = entry.statements[result.index];
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === entry.document.toString());
    if (!statement || !document) {
      void vscode.window.showInformationMessage('The worksheet of these results is no longer open.');
      return;
    }
    const error = result.view().error;
    const offset = statement.startOffset + (error?.line && error.column ? offsetOf(statement.text, error.line, error.column) : 0);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    const position = document.positionAt(offset);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}

function labelOf(uri: vscode.Uri): string {
  return uri.scheme === 'untitled' ? uri.path : (uri.path.split('/').pop() ?? uri.path);
}

/** A file-name base from a worksheet label: `sales.sql` → `sales`. */
function baseName(label: string): string {
  return (label.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '-') || 'results').slice(0, 80);
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return Math.min(text.length, offset + column - 1);
}
