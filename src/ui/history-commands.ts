import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { AuditLog } from '../worksheets/audit-log';
import type { HistoryEntry, HistoryStatementText, RunHistory } from '../worksheets/run-history';
import { RESULTS_SETTINGS } from './results-controller';
import { historyItemView } from './history-items';

export const HISTORY_SETTINGS = {
  statementText: 'immutaWorksheets.history.statementText',
} as const;

/** Read fresh at every record, so a changed setting applies to the next run. */
export function readHistorySettings(): { statementText: HistoryStatementText } {
  const value = vscode.workspace.getConfiguration().get<string>(HISTORY_SETTINGS.statementText, 'redacted');
  // Anything unexpected keeps the least: a typo must not bring back text the user turned off.
  return { statementText: value === 'redacted' ? 'redacted' : 'none' };
}

export interface HistoryCommandsDeps {
  readonly history: RunHistory;
  readonly audit: AuditLog;
  /** The stable key (document URI) of the worksheet in the active editor, if any. */
  readonly activeWorksheetKey: () => string | undefined;
  readonly logger: Logger;
}

type Scope = 'worksheet' | 'all';

interface HistoryItem extends vscode.QuickPickItem {
  readonly entry?: HistoryEntry;
  /** Accepting this item switches to all worksheets (the "nothing here" hints). */
  readonly showsAll?: true;
}

interface FormatItem extends vscode.QuickPickItem {
  readonly format: 'csv' | 'json';
}

const copyButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy statement' };
const showAllButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('files'), tooltip: 'Show runs of all worksheets' };
const showWorksheetButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('file'), tooltip: "Show this worksheet's runs only" };

/** Browse and reuse the run history; export the impersonation audit log; clear the history. */
export class HistoryCommands {
  constructor(private readonly deps: HistoryCommandsDeps) {}

  /** A searchable list of past runs; resolves when the list closes. */
  async searchHistory(): Promise<void> {
    const { history } = this.deps;
    if (history.entries().length === 0) {
      void vscode.window.showInformationMessage(
        'No run history yet. Every statement you run in a worksheet is recorded here with whom it ran as and how it ended. Run one with "Immuta: Run Statement or Selection".',
      );
      return;
    }
    const activeKey = this.deps.activeWorksheetKey();
    let scope: Scope = activeKey === undefined ? 'all' : 'worksheet';
    const worksheetLabel = activeKey === undefined ? undefined : history.entries().find((entry) => entry.worksheetKey === activeKey)?.worksheet;

    const picker = vscode.window.createQuickPick<HistoryItem>();
    picker.matchOnDescription = true;
    picker.matchOnDetail = true;
    picker.placeholder = 'Search statements, users, profiles, worksheets and outcomes (every word must match)';

    const render = () => {
      picker.title = scope === 'worksheet' ? `Run History: ${worksheetLabel ?? 'this worksheet'}` : 'Run History: all worksheets';
      picker.buttons = activeKey === undefined ? [] : [scope === 'worksheet' ? showAllButton : showWorksheetButton];
      const query = picker.value.trim();
      const found = history.search(query, scope === 'worksheet' ? { worksheetKey: activeKey } : {});
      picker.items = found.length > 0 ? found.map(toItem) : [emptyItem(scope, query)];
    };

    return new Promise<void>((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      const refresh = history.onDidChange(() => render());
      subscriptions.push(
        picker.onDidChangeValue(() => render()),
        picker.onDidTriggerButton(() => {
          scope = scope === 'worksheet' ? 'all' : 'worksheet';
          render();
        }),
        picker.onDidTriggerItemButton(({ item }) => {
          const statement = item.entry?.statement;
          if (typeof statement === 'string') {
            void this.copy(statement);
          }
        }),
        picker.onDidAccept(() => {
          const item = picker.selectedItems[0];
          if (!item) return;
          if (item.showsAll) {
            scope = 'all';
            render();
            return;
          }
          if (!item.entry) return;
          picker.hide();
          void this.open(item.entry);
        }),
        picker.onDidHide(() => {
          refresh.dispose();
          subscriptions.forEach((subscription) => subscription.dispose());
          picker.dispose();
          resolve();
        }),
      );
      render();
      picker.show();
    });
  }

  /** Writes the impersonation audit log to a CSV or JSON file the user picks. */
  async exportAuditLog(): Promise<void> {
    const { audit, logger } = this.deps;
    const available = audit.entries().length;
    if (available === 0) {
      void vscode.window.showInformationMessage(
        'The impersonation audit log is empty, so there is nothing to export. Entries are added whenever a worksheet starts, stops, verifies or re-applies impersonation, or refuses to.',
      );
      return;
    }
    const format = await vscode.window.showQuickPick<FormatItem>(
      [
        { label: 'CSV', description: 'for spreadsheets', detail: 'One row per entry; cells that look like formulas are kept as text.', format: 'csv' },
        { label: 'JSON', description: 'for scripts', detail: 'An array of objects with every field present.', format: 'json' },
      ],
      { title: `Export Impersonation Audit Log (${entryWord(available)})`, placeHolder: 'Choose a file format' },
    );
    if (!format) return;

    const fileName = `immuta-impersonation-audit-${localDate(new Date())}.${format.format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export Impersonation Audit Log',
      saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : vscode.Uri.file(join(homedir(), fileName)),
      filters: format.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!target) return;

    // One snapshot, so the count reported is the count written.
    const entries = audit.entries();
    const text = format.format === 'csv' ? audit.toCsv(entries) : audit.toJson(entries);
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.error(`audit export to ${target.toString()} failed: ${reason}`);
      void vscode.window.showErrorMessage(`Could not write the audit log to ${target.fsPath}: ${reason}. Choose another location and try again.`);
      return;
    }
    logger.info(`audit export: ${entries.length} entries as ${format.format} to ${target.toString()}`);
    const open = 'Open';
    const choice = await vscode.window.showInformationMessage(`Exported ${entryWord(entries.length)} of the impersonation audit log to ${vscode.workspace.asRelativePath(target)}.`, open);
    if (choice === open) {
      await vscode.window.showTextDocument(target);
    }
  }

  /** Deletes the run history of every worksheet after a modal confirmation. */
  async clearHistory(): Promise<void> {
    const { history, logger } = this.deps;
    const count = history.entries().length;
    if (count === 0) {
      void vscode.window.showInformationMessage('The run history is already empty.');
      return;
    }
    const confirm = 'Clear History';
    const choice = await vscode.window.showWarningMessage(
      `Clear the run history (${entryWord(count)})?`,
      { modal: true, detail: 'The statements of every worksheet are removed from history; this cannot be undone. The impersonation audit log is kept.' },
      confirm,
    );
    if (choice !== confirm) return;
    if (await history.clear()) {
      logger.info(`run history cleared (${count} entries)`);
      void vscode.window.showInformationMessage('Run history cleared.');
    } else {
      void vscode.window.showErrorMessage('The run history was cleared in this window but its file could not be emptied. Run "Immuta: Show Log" for the reason.');
    }
  }

  private async open(entry: HistoryEntry): Promise<void> {
    if (entry.statement === null) {
      // Either setting may have changed since, so both reasons are named.
      void vscode.window.showInformationMessage(
        `This run's statement was not retained. Run history keeps no statement text when "${HISTORY_SETTINGS.statementText}" is "none"${
          entry.ranAs !== null ? `, and none of statements run as another user (this one ran as ${entry.ranAs}) when "${RESULTS_SETTINGS.retainImpersonatedRuns}" is off` : ''
        }.`,
      );
      return;
    }
    try {
      const document = await vscode.workspace.openTextDocument({ language: 'sql', content: entry.statement });
      await vscode.window.showTextDocument(document);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.logger.error(`opening a history statement failed: ${reason}`);
      void vscode.window.showErrorMessage(`Could not open the statement: ${reason}`);
    }
  }

  private async copy(statement: string): Promise<void> {
    try {
      await vscode.env.clipboard.writeText(statement);
      vscode.window.setStatusBarMessage('$(check) Statement copied', 3000);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.logger.error(`copying a history statement failed: ${reason}`);
      void vscode.window.showErrorMessage(`Could not copy the statement: ${reason}`);
    }
  }
}

function toItem(entry: HistoryEntry): HistoryItem {
  const view = historyItemView(entry);
  return {
    label: view.label,
    iconPath: new vscode.ThemeIcon(view.icon),
    description: view.description,
    detail: view.detail,
    // The history already filtered on the whole statement; the picker must not hide a run
    // whose match lies beyond the first line.
    alwaysShow: true,
    buttons: view.copyable ? [copyButton] : [],
    entry,
  };
}

function emptyItem(scope: Scope, query: string): HistoryItem {
  if (scope === 'worksheet') {
    return {
      label: query === '' ? 'No runs in this worksheet yet' : `No runs of this worksheet match "${query}"`,
      detail: 'Press Enter (or use the button in the title bar) to show the runs of all worksheets.',
      alwaysShow: true,
      showsAll: true,
    };
  }
  return { label: `No runs match "${query}"`, detail: 'Every word must occur in the statement, user, profile, worksheet or outcome.', alwaysShow: true };
}

function entryWord(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? 'entry' : 'entries'}`;
}

function localDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
