import * as vscode from 'vscode';
import { assuranceFacts, describeAssurance } from '../platforms/assurance';
import { impersonationUnavailable, profileEndpoint, profileLogin } from '../platforms/profile';
import type { Logger } from '../common/logger';
import { platformInfo } from '../platforms/catalog';
import type { ConnectionProfile } from '../platforms/types';
import type { VerifyResult, Worksheet } from '../worksheets/worksheet';
import { CONNECTIONS_SETTING, type ConnectionStore } from './connection-store';
import type { ConnectionWizard } from './connection-wizard';
import { isSqlDocument, type DocumentWorksheets } from './document-worksheets';
import { pickIdentity, type RecentUsers } from './identity-picker';
import type { ImmutaService } from './immuta-service';
import type { EffectProbeEditor } from './effect-probe-editor';
import { errorMessage } from './messages';
import { probeRefusal } from './probe-messages';
import type { ProbePrompts } from './probe-prompts';
import { COMMANDS } from './status-model';

/** Every command the extension contributes, by id. package.json lists the same ids. */
export const COMMAND_IDS = [
  'immutaWorksheets.selectConnection',
  'immutaWorksheets.impersonate',
  'immutaWorksheets.stopImpersonating',
  'immutaWorksheets.verifyImpersonation',
  'immutaWorksheets.reconnect',
  'immutaWorksheets.forgetSecret',
  'immutaWorksheets.showLog',
  'immutaWorksheets.runStatement',
  'immutaWorksheets.runAll',
  'immutaWorksheets.runStatementAt',
  'immutaWorksheets.compareAs',
  'immutaWorksheets.compareStatementAt',
  'immutaWorksheets.refreshObjects',
  'immutaWorksheets.selectTopRows',
  'immutaWorksheets.copyQualifiedName',
  'immutaWorksheets.compareTable',
  'immutaWorksheets.cancel',
  'immutaWorksheets.newWorksheet',
  'immutaWorksheets.addConnection',
  'immutaWorksheets.importConnections',
  'immutaWorksheets.testConnection',
  'immutaWorksheets.showResults',
  'immutaWorksheets.openResultsInEditor',
  'immutaWorksheets.searchHistory',
  'immutaWorksheets.exportAuditLog',
  'immutaWorksheets.clearHistory',
  'immutaWorksheets.setImmutaApiKey',
  'immutaWorksheets.forgetImmutaApiKey',
  'immutaWorksheets.setEffectProbe',
] as const;

type CommandId = (typeof COMMAND_IDS)[number];

/** What the run commands need; the RunController provides it. */
export interface Runner {
  runCurrent(): Promise<void>;
  runAll(): Promise<void>;
  runAt(uri: string, offset: number): Promise<void>;
  cancel(): void;
}

/** Results, history and audit commands; their owners provide them. */
export interface RecordCommands {
  showResults(): void;
  openResultsInEditor(): void;
  searchHistory(): Promise<void>;
  exportAuditLog(): Promise<void>;
  clearHistory(): Promise<void>;
  /** Compare as…: the selected statement or the one at the cursor, or (CodeLens) the one at an offset. */
  compare(): Promise<void>;
  compareAt(uri: string, offset: number): Promise<void>;
  /** The object explorer's actions on the item they were invoked on. */
  explorer(action: 'refresh' | 'selectTop' | 'copyName' | 'compare', item: unknown): Promise<void>;
}

/** The commands behind the status bar items and the palette. */
export class WorksheetCommands {
  constructor(
    private readonly documents: DocumentWorksheets,
    private readonly store: ConnectionStore,
    private readonly recent: RecentUsers,
    private readonly logger: Logger,
    private readonly showLog: () => void,
    private readonly runner: Runner,
    private readonly wizard: ConnectionWizard,
    private readonly records: RecordCommands,
    private readonly immuta: ImmutaService,
    private readonly probes: { readonly editor: EffectProbeEditor; readonly prompts: ProbePrompts },
  ) {}

  register(): vscode.Disposable[] {
    const handlers: Record<CommandId, (...args: unknown[]) => Promise<unknown> | unknown> = {
      'immutaWorksheets.selectConnection': () => this.selectConnection(),
      'immutaWorksheets.impersonate': () => this.impersonate(),
      'immutaWorksheets.stopImpersonating': () => this.stopImpersonating(),
      'immutaWorksheets.verifyImpersonation': () => this.verify(),
      'immutaWorksheets.reconnect': () => this.reconnect(),
      'immutaWorksheets.forgetSecret': () => this.forgetSecret(),
      'immutaWorksheets.showLog': () => this.showLog(),
      'immutaWorksheets.runStatement': () => this.runner.runCurrent(),
      'immutaWorksheets.runAll': () => this.runner.runAll(),
      'immutaWorksheets.runStatementAt': (uri, offset) => (typeof uri === 'string' && typeof offset === 'number' ? this.runner.runAt(uri, offset) : undefined),
      'immutaWorksheets.compareAs': () => this.records.compare(),
      'immutaWorksheets.compareStatementAt': (uri, offset) => (typeof uri === 'string' && typeof offset === 'number' ? this.records.compareAt(uri, offset) : undefined),
      'immutaWorksheets.refreshObjects': (item) => this.records.explorer('refresh', item),
      'immutaWorksheets.selectTopRows': (item) => this.records.explorer('selectTop', item),
      'immutaWorksheets.copyQualifiedName': (item) => this.records.explorer('copyName', item),
      'immutaWorksheets.compareTable': (item) => this.records.explorer('compare', item),
      'immutaWorksheets.cancel': () => this.runner.cancel(),
      'immutaWorksheets.newWorksheet': () => this.newWorksheet(),
      'immutaWorksheets.addConnection': () => this.wizard.add(),
      'immutaWorksheets.importConnections': () => this.wizard.importConnections(),
      'immutaWorksheets.testConnection': () => this.testConnection(),
      'immutaWorksheets.showResults': () => this.records.showResults(),
      'immutaWorksheets.openResultsInEditor': () => this.records.openResultsInEditor(),
      'immutaWorksheets.searchHistory': () => this.records.searchHistory(),
      'immutaWorksheets.exportAuditLog': () => this.records.exportAuditLog(),
      'immutaWorksheets.clearHistory': () => this.records.clearHistory(),
      'immutaWorksheets.setImmutaApiKey': () => this.immuta.setKey(),
      'immutaWorksheets.forgetImmutaApiKey': () => this.immuta.forgetKey(),
      'immutaWorksheets.setEffectProbe': (connection) => this.setEffectProbe(typeof connection === 'string' ? connection : undefined),
    };
    return COMMAND_IDS.map((id) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await handlers[id](...args);
        } catch (error) {
          // A command never throws into VS Code: the user gets the message, the log gets the rest.
          this.logger.error(`${id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          void vscode.window.showErrorMessage(errorMessage(error));
        }
      }),
    );
  }

  async selectConnection(): Promise<ConnectionProfile | undefined> {
    const document = activeSqlDocument();
    if (!document) {
      void vscode.window.showInformationMessage('Open a SQL file (or run "Immuta: New Worksheet") to choose its connection.');
      return undefined;
    }
    const profile = await this.pickProfile();
    if (profile) {
      await this.documents.bind(document, profile);
    }
    return profile;
  }

  async impersonate(): Promise<void> {
    const worksheet = await this.boundWorksheet();
    if (!worksheet?.profile) {
      return;
    }
    const profile = worksheet.profile;
    const unavailable = impersonationUnavailable(profile);
    if (unavailable !== undefined && worksheet.identity.kind === 'yourself') {
      // Said before anyone types a name, instead of failing when it is applied.
      void vscode.window.showInformationMessage(`${profile.name}: ${unavailable}`, { modal: false });
      return;
    }
    const choice = await pickIdentity(profile.name, this.recent.list(profile.name), worksheet.identity, worksheet.snapshot().connection === 'open', this.immuta.picker(profile));
    if (!choice) {
      return;
    }
    if (choice.action === 'set-key') {
      await this.immuta.setKey();
      return;
    }
    if (choice.action === 'stop') {
      await this.withProgress('Stopping impersonation…', () => worksheet.stopImpersonating());
      return;
    }
    if (choice.action === 'verify') {
      await this.verifyWorksheet(worksheet);
      return;
    }
    if (choice.action === 'compare') {
      await this.records.compare();
      return;
    }
    try {
      await this.withProgress(`Impersonating ${choice.user} on ${profile.name}…`, () => worksheet.impersonate(choice.user));
    } catch (error) {
      this.logger.error(`impersonate ${choice.user}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const refusal = probeRefusal(error, worksheet.identity, profile.name);
      if (refusal) this.probes.prompts.refused(refusal);
      else void vscode.window.showErrorMessage(errorMessage(error, profile.platform, { user: choice.user }));
      return;
    }
    await this.recent.remember(profile.name, choice.user);
    // Users switch projects: ask Immuta afresh now, in the background (the status bar updates).
    if (worksheet.identity.kind === 'impersonating') void this.immuta.recheck(worksheet.id, choice.user, 0);
  }

  async stopImpersonating(): Promise<void> {
    const worksheet = this.activeWorksheet();
    if (worksheet) {
      await this.withProgress('Stopping impersonation…', () => worksheet.stopImpersonating());
    }
  }

  async verify(): Promise<void> {
    const worksheet = this.activeWorksheet();
    if (worksheet) {
      await this.verifyWorksheet(worksheet);
    }
  }

  async reconnect(): Promise<void> {
    const worksheet = this.activeWorksheet();
    if (worksheet) {
      await worksheet.reconnect();
    }
  }

  async forgetSecret(): Promise<void> {
    const profile = await this.pickProfile('Forget the stored secret of…');
    if (profile) {
      await this.store.forget(profile);
      void vscode.window.showInformationMessage(`The secret of "${profile.name}" was removed from VS Code's secret storage.`);
    }
  }

  /**
   * The effect probe of a connection: the one named (from a notice or a refusal), else the active
   * worksheet's, else one the user picks.
   */
  async setEffectProbe(connection: string | undefined): Promise<void> {
    if (connection !== undefined) {
      await this.probes.editor.editNamed(connection);
      return;
    }
    const profile = this.activeWorksheet()?.profile ?? (await this.pickProfile('Set the effect probe of…'));
    if (profile) await this.probes.editor.edit(profile);
  }

  private async verifyWorksheet(worksheet: Worksheet): Promise<void> {
    let result: VerifyResult;
    try {
      result = await this.withProgress('Verifying impersonation…', () => worksheet.verify());
    } catch (error) {
      // On a new session Verify applies again, and the probe may refuse it there.
      const refusal = probeRefusal(error, worksheet.identity, worksheet.profile?.name);
      if (!refusal) throw error;
      this.probes.prompts.refused(refusal);
      return;
    }
    const who = (user: string | null) => (user === null ? 'yourself' : user);
    const facts = worksheet.profile ? assuranceFacts(worksheet.profile) : undefined;
    switch (result.kind) {
      case 'impersonating':
        if (result.assurance === 'confirmed') {
          void vscode.window.showInformationMessage(`Confirmed: the connection\u2019s effect probe answered as ${result.user}.`);
        } else if (facts !== undefined) {
          void vscode.window.showInformationMessage(describeAssurance(result.assurance, facts, result.user), 'Add an Effect Probe…').then((choice) => {
            if (choice) void vscode.commands.executeCommand(COMMANDS.setEffectProbe);
          });
        }
        break;
      case 'yourself':
        void vscode.window.showInformationMessage(
          result.readBack
            ? 'Running as yourself: the server reports no impersonation on this session.'
            : `Running as yourself. ${platformInfo(worksheet.profile?.platform ?? 'redshift').displayName} cannot report impersonation back; this worksheet has set none on this session.`,
        );
        break;
      case 'mismatch':
        void vscode.window.showWarningMessage(
          `The server runs this worksheet as ${who(result.actual)}, not ${who(result.expected)}. Nothing will run until you choose whom to run as.`,
        );
        break;
      case 'probe-disagrees':
        this.probes.prompts.refused({
          message: `Impersonation of ${result.user} is not confirmed: the effect probe answered ${result.answer}, but ${JSON.stringify(result.expected)} was expected. Nothing runs in this worksheet until you fix the connection or the probe and verify again.`,
          connection: worksheet.profile?.name,
        });
        break;
      case 'cannot-tell':
        void vscode.window.showWarningMessage('Whom this worksheet runs as is not known, and this platform cannot read it back. Choose a user to impersonate, or stop impersonating.');
        break;
    }
  }

  async testConnection(): Promise<void> {
    const profile = await this.pickProfile('Test the connection…');
    if (profile) {
      await this.wizard.test(profile);
    }
  }

  /** An untitled SQL document, bound to a connection chosen first. */
  async newWorksheet(): Promise<void> {
    const profile = await this.pickProfile('New worksheet on…');
    if (!profile) return;
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: '' });
    // Bound before it is shown: a click on its status bar as soon as it shows finds the binding.
    const binding = this.documents.bind(document, profile);
    await vscode.window.showTextDocument(document);
    await binding;
  }

  /** The active SQL document's worksheet, asking for a connection first when it has none. */
  private async boundWorksheet(): Promise<Worksheet | undefined> {
    const document = activeSqlDocument();
    if (!document) {
      void vscode.window.showInformationMessage('Impersonation applies to a SQL worksheet: open a SQL file first.');
      return undefined;
    }
    return this.worksheetFor(document);
  }

  /** The document's worksheet, asking for a connection first when it has none. */
  async worksheetFor(document: vscode.TextDocument): Promise<Worksheet | undefined> {
    const worksheet = this.documents.ensure(document);
    await this.documents.bound(worksheet);
    if (worksheet.profile) {
      return worksheet;
    }
    const profile = await this.pickProfile();
    return profile ? this.documents.bind(document, profile) : undefined;
  }

  private activeWorksheet(): Worksheet | undefined {
    const document = activeSqlDocument();
    return document ? this.documents.get(document) : undefined;
  }

  private async pickProfile(title = 'Choose the connection for this worksheet'): Promise<ConnectionProfile | undefined> {
    const { profiles, problems } = this.store.list();
    for (const problem of problems) {
      this.logger.warn(problem);
    }
    // VS Code withholds a restricted workspace's values of the connections setting: say so where they would be missed.
    const restricted = !vscode.workspace.isTrusted;
    const manageTrust = 'Manage Workspace Trust';
    if (profiles.length === 0) {
      const action = await vscode.window.showWarningMessage(
        problems.length > 0
          ? `No usable connection: ${problems[0]}`
          : restricted
            ? `No connections in your user settings, and this workspace's are ignored in Restricted Mode. Trust the workspace to use its connections, or add one to your user settings.`
            : `No connections are configured yet. Add one, or edit the setting ${CONNECTIONS_SETTING}.`,
        ...(restricted ? [manageTrust] : []),
        'Add Connection',
        'Open Settings',
      );
      if (action === manageTrust) {
        await vscode.commands.executeCommand(COMMANDS.manageTrust);
      } else if (action === 'Add Connection') {
        await this.wizard.add();
      } else if (action === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettingsJson');
      }
      return undefined;
    }
    if (problems.length > 0) {
      void vscode.window.showWarningMessage(`Some connections were skipped: ${problems.join(' ')}`);
    }
    type Item = vscode.QuickPickItem & { readonly profile?: ConnectionProfile };
    const items: Item[] = profiles.map((profile) => ({
      label: `$(database) ${profile.name}`,
      description: platformInfo(profile.platform).displayName,
      detail: `${profileLogin(profile)} @ ${profileEndpoint(profile)}`,
      profile,
    }));
    if (restricted) {
      items.push(
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        { label: '$(workspace-untrusted) Manage Workspace Trust…', detail: "Restricted Mode: this workspace's connections are ignored until you trust it." },
      );
    }
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: restricted ? 'Connection profile (from your user settings: Restricted Mode)' : 'Connection profile' });
    if (picked && !picked.profile) {
      await vscode.commands.executeCommand(COMMANDS.manageTrust);
      return undefined;
    }
    return picked?.profile;
  }

  private withProgress<T>(title: string, work: () => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, work));
  }
}

function activeSqlDocument(): vscode.TextDocument | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return isSqlDocument(document) ? document : undefined;
}
