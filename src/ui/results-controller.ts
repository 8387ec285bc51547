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

/** The results entry of a finished result shown from elsewhere (never a worksheet id: those are UUIDs). */
const FINISHED_KEY = 'finished-result';
import type { WorksheetId } from '../worksheets/worksheet';
import { isSqlDocument } from './document-worksheets';
import { ResultExporter } from './result-export';
import { ResultsFeed } from './results-feed';
import { ResultsPanel } from './results-panel';
import { RESULTS_PANEL_VIEW_ID, ResultsViewProvider } from './results-view-provider';

export const RESULTS_SETTINGS = {
  rowLimit: 'immutaWorksheets.results.rowLimit',
  cellTextLimit: 'immutaWorksheets.results.cellTextLimit',
  retainImpersonatedRuns: 'immutaWorksheets.results.retainImpersonatedRuns',
  memoryBudgetMB: 'immutaWorksheets.results.memoryBudgetMB',
  location: 'immutaWorksheets.results.location',
} as const;

/** Where a worksheet's results show: the view in the bottom panel, or an editor tab of their own. */
export type ResultsLocation = 'panel' | 'editor';

/** Settings are read fresh at each use, so a change applies to the next run without a reload. */
export function readResultsSettings(): { rowLimit: number; cellTextLimit: number; retainImpersonatedRuns: boolean; memoryBudgetMB: number; location: ResultsLocation } {
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
    location: config.get<string>(RESULTS_SETTINGS.location, 'panel') === 'editor' ? 'editor' : 'panel',
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
  /** The worksheet's results as a webview shows them (run, place), wherever that is. */
  readonly feed: ResultsFeed;
  /** Their editor tab, while open; otherwise they show in the bottom panel's view. */
  readonly tab: ResultsPanel;
  label: string;
  document: vscode.Uri;
  statements: readonly RunStatement[];
  run?: RunResults;
  handle?: RunHandle;
}

/**
 * The results of every worksheet: each worksheet's latest run, shown by the results view in the
 * bottom panel while the worksheet is the active one, or by an editor tab of its own.
 * Replacing a run frees the previous run's rows; a paused statement of it is let go first
 * (read to its end without keeping rows), so the worksheet's queue can move on.
 */
export class ResultsController implements vscode.Disposable {
  private readonly entries = new Map<WorksheetId, Entry>();
  private readonly exporter: ResultExporter;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly view: ResultsViewProvider;

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
    this.view = new ResultsViewProvider(extensionUri, viewSettings, logger);
    this.subscriptions.push(
      this.view,
      vscode.window.registerWebviewViewProvider(RESULTS_PANEL_VIEW_ID, this.view),
      // The view follows the active worksheet; other editors (and focus moving into a webview,
      // which leaves no active text editor) leave it as it is.
      vscode.window.onDidChangeActiveTextEditor((editor) => this.follow(editor?.document)),
      // Switched to tabs: the results on show move into one at once (the others at their next run).
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration(RESULTS_SETTINGS.location) || readResultsSettings().location !== 'editor') return;
        const shown = [...this.entries.values()].find((entry) => entry.feed === this.view.feed);
        if (shown) this.showInTab(shown, true);
      }),
      vscode.workspace.onDidRenameFiles((event) => {
        for (const { oldUri, newUri } of event.files) {
          for (const entry of this.entries.values()) {
            if (entry.document.toString() !== oldUri.toString()) continue;
            entry.document = newUri;
            this.relabel(entry, labelOf(newUri));
          }
        }
      }),
    );
    this.follow(vscode.window.activeTextEditor?.document);
  }

  /** Starts showing a new run of a worksheet. */
  begin(worksheetId: WorksheetId, document: vscode.TextDocument, statements: readonly RunStatement[]): ResultsRun {
    const entry = this.entry(worksheetId, document.uri);
    this.rename(worksheetId, document);
    const run = this.start(entry, statements, readResultsSettings().rowLimit, this.projectOf && ((stamp: RunStamp) => this.projectOf?.(stamp, worksheetId) ?? { now: undefined }), (result, outcome) => {
      this.onStatementFinished(worksheetId, entry.label, entry.document, outcome, result);
    });
    this.present(entry, true);
    return {
      observer: run.observer(),
      attach: (handle) => {
        if (entry.run === run) entry.handle = handle;
      },
    };
  }

  /**
   * Shows a result that ran elsewhere and has finished (a policy check's case, issue 20): replayed
   * into a run of its own, so the view pages, sorts and exports it as it does a worksheet's, with
   * the host keeping the rows. One such result shows at a time: the next replaces it (and frees
   * its rows). Not recorded in the run history: the check run's own stamp is its record.
   */
  showFinished(document: vscode.Uri, label: string, statement: RunStatement, rows: number, project: string | null | undefined, replay: (observer: RunObserver) => void): void {
    const entry = this.entry(FINISHED_KEY, document);
    entry.document = document;
    if (entry.label !== label) this.relabel(entry, label);
    // Every captured row shows: the result is whole already, nothing is left to page from a server.
    const run = this.start(entry, [statement], Math.max(rows, 1), () => ({ now: project }), undefined);
    replay(run.observer());
    this.present(entry, false);
  }

  private start(entry: Entry, statements: readonly RunStatement[], rowLimit: number, projectOf: RunResultsOptions['projectOf'], finished: ((result: ResultSet, outcome: StatementOutcome) => void) | undefined): RunResults {
    entry.statements = statements;
    this.release(entry);
    this.memory.setBudget(readResultsSettings().memoryBudgetMB * 1024 * 1024);
    if (this.trace.enabled) this.trace.mark('run-start', { statements: statements.length, ...this.trace.memory() });
    const run = new RunResults(
      entry.label,
      statements.map((statement) => statement.text),
      {
        rowLimit,
        storage: this.storage,
        platformName: (platform) => platformInfo(platform).displayName,
        describeError: errorView,
        projectOf,
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
            finished?.(result, outcome);
          } catch (error) {
            this.logger.error(`recording a finished statement failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      },
    );
    entry.run = run;
    entry.handle = undefined;
    entry.feed.show(run);
    return run;
  }

  /** Cancels a worksheet's run; a statement paused at the row limit is let go so the cancel lands. */
  cancel(worksheetId: WorksheetId): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    entry.run?.stopReading();
    entry.handle?.cancel();
  }

  /** Opens the results of the active worksheet (also after their tab was closed). */
  reveal(worksheetId: WorksheetId, document: vscode.TextDocument): void {
    this.present(this.entry(worksheetId, document.uri), false);
  }

  /**
   * Moves a worksheet's results into an editor tab: those the bottom panel's view shows, else
   * the active worksheet's. They stay there until the tab is closed.
   */
  openInEditor(): void {
    const document = vscode.window.activeTextEditor?.document;
    const entry =
      [...this.entries.values()].find((candidate) => candidate.feed === this.view.feed) ??
      (document ? [...this.entries.values()].find((candidate) => candidate.document.toString() === document.uri.toString()) : undefined);
    if (!entry) {
      void vscode.window.showInformationMessage('Run a statement in a worksheet first: there are no results to open in a tab.');
      return;
    }
    this.showInTab(entry, false);
  }

  /** The worksheet's document was renamed or saved under a new name. */
  rename(worksheetId: WorksheetId, document: vscode.TextDocument): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    if (entry.document.toString() === document.uri.toString() && entry.label === labelOf(document.uri)) return;
    entry.document = document.uri;
    this.relabel(entry, labelOf(document.uri));
  }

  /** The worksheet closed: its results go from wherever they show, and its rows (and spill files) are freed. */
  closed(worksheetId: WorksheetId): void {
    const entry = this.entries.get(worksheetId);
    if (!entry) return;
    this.entries.delete(worksheetId);
    this.release(entry);
    if (this.view.feed === entry.feed) this.view.showEmpty();
    entry.tab.dispose();
    entry.feed.dispose();
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
      const column = entry !== except ? entry.tab.viewColumn : undefined;
      if (column !== undefined && column !== editorColumn) return column;
    }
    return undefined;
  }

  private entry(worksheetId: WorksheetId, document: vscode.Uri): Entry {
    const existing = this.entries.get(worksheetId);
    if (existing) return existing;
    const label = labelOf(document);
    const feed = new ResultsFeed(
      label,
      {
        cancel: () => this.cancel(worksheetId),
        fetchMore: (result, all) => result.fetchMore(all ? 'all' : readResultsSettings().rowLimit),
        stopReading: (result) => result.stopReading(),
        exportResult: (result, format, withStamp, destination) => this.exporter.export(result, format, withStamp, destination, baseName(entry.label)),
        copyMarkdown: (result) => this.exporter.copyMarkdown(result),
        showStatement: (result) => void this.showStatement(entry, result),
        settings: viewSettings,
      },
      this.logger,
      this.trace,
      this.rowsCrossNetwork,
    );
    const entry: Entry = {
      label,
      document,
      statements: [],
      feed,
      tab: new ResultsPanel(this.extensionUri, feed, () => this.tabClosed(entry)),
    };
    this.entries.set(worksheetId, entry);
    return entry;
  }

  /**
   * Shows a worksheet's results where they belong: their editor tab while it is open (or always,
   * with the location setting `editor`), else the bottom panel's view. A run (`preserveFocus`)
   * leaves the keyboard in the editor, so Ctrl+Enter can run the next statement at once.
   */
  private present(entry: Entry, preserveFocus: boolean): void {
    if (entry.tab.isOpen || readResultsSettings().location === 'editor') {
      this.showInTab(entry, preserveFocus);
      return;
    }
    this.view.showFeed(entry.feed);
    this.view.reveal(preserveFocus);
  }

  private showInTab(entry: Entry, preserveFocus: boolean): void {
    if (this.view.feed === entry.feed) this.view.showEmpty(entry.label, inTabNote(entry.label));
    entry.tab.reveal(this.resultsColumn(entry), preserveFocus);
  }

  /** The active editor changed: the view shows the results of its worksheet (or says where they are). */
  private follow(document: vscode.TextDocument | undefined): void {
    if (!isSqlDocument(document)) return;
    const entry = [...this.entries.values()].find((candidate) => candidate.document.toString() === document.uri.toString());
    if (!entry) this.view.showEmpty(labelOf(document.uri));
    else if (entry.tab.isOpen) this.view.showEmpty(entry.label, inTabNote(entry.label));
    else this.view.showFeed(entry.feed);
  }

  private relabel(entry: Entry, label: string): void {
    entry.label = label;
    entry.feed.rename(label);
    entry.tab.rename();
    this.view.describe();
    this.follow(vscode.window.activeTextEditor?.document);
  }

  /** The results' editor tab closed: they show in the bottom panel again (kept unless discarded). */
  private tabClosed(entry: Entry): void {
    this.panelClosed(entry);
    if (![...this.entries.values()].includes(entry)) return;
    this.follow(vscode.window.activeTextEditor?.document);
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
    entry.feed.clear();
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

function viewSettings(): ViewSettings {
  return { cellTextLimit: readResultsSettings().cellTextLimit };
}

function inTabNote(label: string): string {
  return `The results of ${label} are in an editor tab. Close the tab to see them here again.`;
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
