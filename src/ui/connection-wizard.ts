import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { PlatformLoader } from '../platforms/loader';
import type { ConnectionProfile } from '../platforms/types';
import { buildEntry, snowflakeImpersonationNote, stepTitle, wizardSteps, type Answers, type Step, type WizardContext } from './connection-entry';
import { CONNECTIONS_SETTING, type ConnectionStore } from './connection-store';
import type { ImportConnections } from './import-connections';
import { errorMessage } from './messages';

/** The value of the Add Connection platform list's first item when connections were found on this machine. */
const IMPORT_CHOICE = '\u0000import';

/** `Immuta: Add Connection` and `Immuta: Test Connection`. */
export class ConnectionWizard {
  constructor(
    private readonly store: ConnectionStore,
    private readonly loader: PlatformLoader,
    private readonly logger: Logger,
    private readonly importer?: ImportConnections,
  ) {}

  /** `Immuta: Import Connections…` */
  async importConnections(): Promise<void> {
    await this.importer?.run();
  }

  /**
   * Walks through the platform's steps (see connection-entry.ts), appends the entry to the
   * settings, and offers to test it. Escape at any step returns before anything is written.
   */
  async add(): Promise<void> {
    const context: WizardContext = {
      existingNames: new Set(this.store.list().profiles.map((profile) => profile.name)),
      // In Restricted Mode the workspace's connections can be neither read nor safely extended
      // (its current list is withheld, so appending would overwrite it): user settings only.
      askSaveTarget: (vscode.workspace.workspaceFolders?.length ?? 0) > 0 && vscode.workspace.isTrusted,
    };
    // Connections this machine already has are offered first: importing beats typing them again.
    const discovery = this.importer?.discover();
    const found = discovery?.candidates.length ?? 0;
    const answers: Answers = {};
    // Steps depend only on earlier answers, so position n is the same step however the list grows.
    for (let position = 0; ; position++) {
      const steps = wizardSteps(answers, context);
      const step = steps[position];
      if (step === undefined) break;
      const total = answers.platform === undefined ? undefined : steps.length;
      const offerImport = position === 0 && found > 0 && step.kind === 'pick';
      const answer = await this.ask(step, stepTitle(position + 1, total, step.label), offerImport ? found : 0);
      if (answer === undefined) return;
      if (answer === IMPORT_CHOICE) {
        await this.importer?.run(discovery);
        return;
      }
      answers[step.key] = answer;
    }

    const built = buildEntry(answers, context);
    if (!built.ok) {
      // Only reachable if an input box let through what its own validator refuses; say so rather than write a bad entry.
      void vscode.window.showErrorMessage(`The connection was not added: ${built.problems.join(' ')}`);
      return;
    }
    const { entry } = built;
    const target = built.saveTo === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const configuration = vscode.workspace.getConfiguration();
    const inspected = configuration.inspect<unknown[]>(CONNECTIONS_SETTING);
    const current = (target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
    await configuration.update(CONNECTIONS_SETTING, [...current, entry], target);
    const name = String(entry.name);
    this.logger.info(`added connection "${name}"`);
    const note = entry.platform === 'snowflake' ? ` ${snowflakeImpersonationNote()}` : '';
    const action = await vscode.window.showInformationMessage(`Connection "${name}" was added.${note}`, 'Test Connection');
    if (action === 'Test Connection') {
      const profile = this.store.find(name);
      if (profile) {
        await this.test(profile);
      } else {
        // The entry was saved but does not load (e.g. the key file cannot be read): show why instead of doing nothing.
        const problems = this.store.list().problems;
        void vscode.window.showErrorMessage(`"${name}" cannot be tested yet: ${problems.join(' ') || 'it is not among the loaded connections.'}`);
      }
    }
  }

  /** Shows one step; undefined means the user pressed Escape (or closed the dialog). */
  private async ask(step: Step, title: string, importable = 0): Promise<string | undefined> {
    switch (step.kind) {
      case 'text':
        return vscode.window.showInputBox({
          title,
          prompt: step.prompt,
          placeHolder: step.placeholder,
          value: step.initial,
          ignoreFocusOut: true,
          validateInput: (value) => step.validate(value),
        });
      case 'pick': {
        const importItem =
          importable > 0
            ? [{ label: `$(cloud-download) Import ${importable} connection${importable === 1 ? '' : 's'} found on this machine…`, description: '', value: IMPORT_CHOICE }]
            : [];
        const picked = await vscode.window.showQuickPick(
          [...importItem, ...step.choices.map((choice) => ({ label: choice.label, description: choice.description, value: choice.value }))],
          { title, placeHolder: step.placeholder, ignoreFocusOut: true },
        );
        return picked?.value;
      }
      case 'file': {
        const files = await vscode.window.showOpenDialog({
          title: `${title}: ${step.prompt}`,
          openLabel: 'Select',
          canSelectFiles: true,
          canSelectFolders: false,
          canSelectMany: false,
          filters: Object.fromEntries(Object.entries(step.filters).map(([label, extensions]) => [label, [...extensions]])),
        });
        return files?.[0]?.fsPath;
      }
    }
  }

  /** Opens a session of its own, reports who and where, and closes it. */
  async test(profile: ConnectionProfile): Promise<void> {
    const started = Date.now();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing "${profile.name}"…`, cancellable: false },
      async () => {
        try {
          const driver = await this.loader.load(profile.platform);
          const secret = await this.store.secretFor(profile);
          const session = await driver.open(profile, secret, { logger: this.logger });
          try {
            return { ok: true as const, login: session.login, id: session.id };
          } finally {
            await session.close();
          }
        } catch (error) {
          return { ok: false as const, error };
        }
      },
    );
    if (outcome.ok) {
      void vscode.window.showInformationMessage(`Connected to "${profile.name}" as ${outcome.login} (session ${outcome.id}) in ${Date.now() - started} ms.`);
    } else {
      void vscode.window.showErrorMessage(`"${profile.name}" could not connect: ${errorMessage(outcome.error)}`);
    }
  }
}
