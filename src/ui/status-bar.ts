import * as vscode from 'vscode';
import type { WorksheetSnapshot } from '../worksheets/worksheet';
import { COMMANDS, statusModel, type ImmutaFacts, type StatusContext, type StatusItemModel } from './status-model';

/**
 * Two status bar items for the active SQL editor: its connection and whom it runs as.
 * `render` is the only way they change.
 */
export class WorksheetStatusBar implements vscode.Disposable {
  private readonly connection = vscode.window.createStatusBarItem('immutaWorksheets.connection', vscode.StatusBarAlignment.Left, 100);
  private readonly identity = vscode.window.createStatusBarItem('immutaWorksheets.identity', vscode.StatusBarAlignment.Left, 99);
  private visible = false;

  constructor() {
    this.connection.name = 'Immuta Worksheets: Connection';
    this.identity.name = 'Immuta Worksheets: Impersonation';
  }

  /** `visible` is false for editors that are not SQL; `snapshot` is undefined before a worksheet exists. */
  render(visible: boolean, snapshot: WorksheetSnapshot | undefined, immuta?: ImmutaFacts, context?: StatusContext): void {
    this.visible = visible;
    if (!visible) {
      this.connection.hide();
      this.identity.hide();
      return;
    }
    const model = statusModel(snapshot, Date.now(), immuta, context);
    apply(this.connection, model.connection);
    apply(this.identity, model.identity);
  }

  /** What the items show now (for the extension's API and its tests). */
  current(): {
    readonly visible: boolean;
    readonly connection: string;
    readonly connectionTooltip: string;
    readonly identity: string;
    readonly identityTooltip: string;
    readonly identityLabel: string;
    readonly warning: boolean;
  } {
    return {
      visible: this.visible,
      connection: this.connection.text,
      connectionTooltip: tooltipText(this.connection),
      identity: this.identity.text,
      identityTooltip: tooltipText(this.identity),
      identityLabel: this.identity.accessibilityInformation?.label ?? '',
      warning: this.identity.backgroundColor !== undefined,
    };
  }

  dispose(): void {
    this.connection.dispose();
    this.identity.dispose();
  }
}

function apply(item: vscode.StatusBarItem, model: StatusItemModel): void {
  item.text = model.text;
  // Screen readers say this instead of the text with its icons: the identity in words.
  item.accessibilityInformation = { label: model.label, role: 'button' };
  const tooltip = new vscode.MarkdownString(model.tooltip, true);
  tooltip.isTrusted = { enabledCommands: Object.values(COMMANDS) };
  item.tooltip = tooltip;
  item.command = model.command;
  item.backgroundColor = model.error
    ? new vscode.ThemeColor('statusBarItem.errorBackground')
    : model.warning
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
  item.show();
}

function tooltipText(item: vscode.StatusBarItem): string {
  const tooltip = item.tooltip;
  return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
}
