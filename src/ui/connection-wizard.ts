import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { PLATFORMS } from '../platforms/catalog';
import type { PlatformLoader } from '../platforms/loader';
import type { ConnectionProfile, TlsMode } from '../platforms/types';
import { CONNECTIONS_SETTING, type ConnectionStore } from './connection-store';
import { errorMessage } from './messages';

/** `Immuta: Add Connection` and `Immuta: Test Connection`. */
export class ConnectionWizard {
  constructor(
    private readonly store: ConnectionStore,
    private readonly loader: PlatformLoader,
    private readonly logger: Logger,
  ) {}

  /** Walks through a profile, appends it to the settings, and offers to test it. */
  async add(): Promise<void> {
    const platforms = Object.values(PLATFORMS).filter((info) => info.available);
    const platform = await vscode.window.showQuickPick(
      platforms.map((info) => ({ label: info.displayName, id: info.id })),
      { title: 'Add Connection (1/6): platform', placeHolder: 'Which data platform?', ignoreFocusOut: true },
    );
    if (!platform) return;
    const existing = new Set(this.store.list().profiles.map((profile) => profile.name));
    const ask = (step: number, prompt: string, options: vscode.InputBoxOptions = {}) =>
      vscode.window.showInputBox({ title: `Add Connection (${step}/6): ${prompt}`, ignoreFocusOut: true, ...options });
    const name = await ask(2, 'name', {
      prompt: 'Your name for this connection, shown in the status bar',
      validateInput: (value) => (value.trim() === '' ? 'A name is needed.' : existing.has(value.trim()) ? `"${value.trim()}" is already a connection.` : undefined),
    });
    if (name === undefined) return;
    const host = await ask(3, 'host', {
      prompt: 'Cluster endpoint, e.g. examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com',
      validateInput: (value) => (/^[A-Za-z0-9.:[\]_-]+$/.test(value.trim()) ? undefined : 'A host name or IP address.'),
    });
    if (host === undefined) return;
    const port = await ask(4, 'port', {
      value: '5439',
      validateInput: (value) => (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? undefined : 'A port from 1 to 65535.'),
    });
    if (port === undefined) return;
    const database = await ask(5, 'database', { value: 'dev', validateInput: (value) => (value.trim() === '' ? 'A database name is needed.' : undefined) });
    if (database === undefined) return;
    const user = await ask(6, 'login', {
      prompt: 'Database login (its Immuta user needs IMPERSONATE_USER to impersonate). The password is asked for on first connect.',
      validateInput: (value) => (value.trim() === '' ? 'A login is needed.' : undefined),
    });
    if (user === undefined) return;
    const tls = await vscode.window.showQuickPick(
      [
        { label: 'verify-full', description: 'encrypt; check the certificate and the host name (recommended)', mode: 'verify-full' as TlsMode },
        { label: 'verify-ca', description: 'encrypt; check the certificate chain only', mode: 'verify-ca' as TlsMode },
        { label: 'require', description: 'encrypt; trust any certificate', mode: 'require' as TlsMode },
        { label: 'disable', description: 'no TLS (local test databases only)', mode: 'disable' as TlsMode },
      ],
      { title: 'Add Connection: TLS', ignoreFocusOut: true },
    );
    if (!tls) return;
    const target = vscode.workspace.workspaceFolders?.length
      ? await vscode.window.showQuickPick(
          [
            { label: 'User settings', description: 'available in every workspace', target: vscode.ConfigurationTarget.Global },
            { label: 'Workspace settings', description: 'only in this workspace', target: vscode.ConfigurationTarget.Workspace },
          ],
          { title: 'Add Connection: save to', ignoreFocusOut: true },
        )
      : { target: vscode.ConfigurationTarget.Global };
    if (!target) return;

    const entry = {
      name: name.trim(),
      platform: platform.id,
      host: host.trim(),
      port: Number(port),
      database: database.trim(),
      user: user.trim(),
      tls: { mode: tls.mode },
    };
    const configuration = vscode.workspace.getConfiguration();
    const inspected = configuration.inspect<unknown[]>(CONNECTIONS_SETTING);
    const current = (target.target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
    await configuration.update(CONNECTIONS_SETTING, [...current, entry], target.target);
    this.logger.info(`added connection "${entry.name}"`);
    const action = await vscode.window.showInformationMessage(`Connection "${entry.name}" was added.`, 'Test Connection');
    if (action === 'Test Connection') {
      const profile = this.store.find(entry.name);
      if (profile) await this.test(profile);
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
