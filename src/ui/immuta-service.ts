import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { ImmutaAwareness, describeImmutaError, projectName, type ProjectFact } from '../immuta/awareness';
import { ImmutaClient } from '../immuta/client';
import { ImmutaApiError } from '../immuta/errors';
import type { ConnectionProfile } from '../platforms/types';
import type { MetadataScope } from '../metadata/types';
import { dataSourceTooltip, projectContextSentence } from '../immuta/data-source-facts';
import type { ObjectFacts } from './object-explorer';
import type { RunStamp } from '../worksheets/run-types';
import type { WorksheetSnapshot } from '../worksheets/worksheet';
import type { PickerImmuta } from './identity-picker';
import type { ImmutaFacts } from './status-model';

export const IMMUTA_SETTINGS = {
  url: 'immutaWorksheets.immuta.url',
  authentication: 'immutaWorksheets.immuta.authentication',
  timeoutSeconds: 'immutaWorksheets.immuta.timeoutSeconds',
  caFile: 'immutaWorksheets.immuta.caFile',
} as const;

const KEY_PREFIX = 'immutaWorksheets.immutaApiKey/';

interface ImmutaSettings {
  readonly url: string;
  readonly auth: 'auto' | 'bearer' | 'raw';
  readonly timeoutMs: number;
  readonly caFile: string;
}

function readSettings(): ImmutaSettings {
  const config = vscode.workspace.getConfiguration();
  const auth = config.get<string>(IMMUTA_SETTINGS.authentication, 'auto');
  const seconds = config.get<number>(IMMUTA_SETTINGS.timeoutSeconds, 10);
  return {
    url: (config.get<string>(IMMUTA_SETTINGS.url, '') ?? '').trim(),
    auth: auth === 'bearer' || auth === 'raw' ? auth : 'auto',
    timeoutMs: Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 120) * 1000 : 10_000,
    caFile: (config.get<string>(IMMUTA_SETTINGS.caFile, '') ?? '').trim(),
  };
}

/** The API key lives in SecretStorage under the tenant's URL, so two tenants keep two keys. */
function keyName(url: string): string {
  return `${KEY_PREFIX}${url.replace(/\/+$/, '').toLowerCase()}`;
}

/**
 * The extension's link to Immuta: builds the API client from the settings and the stored key,
 * keeps the awareness (what is known about permissions and projects) configured, and says each
 * worksheet's project context once. Nothing here blocks the editor: facts arrive as events.
 */
export class ImmutaService implements vscode.Disposable {
  readonly awareness: ImmutaAwareness;
  private client: ImmutaClient | undefined;
  private settings: ImmutaSettings = readSettings();
  private readonly disposables: vscode.Disposable[] = [];
  /** Worksheet id → the user|project pairs already announced in it. */
  private readonly announced = new Map<string, Set<string>>();
  private configuring = Promise.resolve();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
  ) {
    this.awareness = new ImmutaAwareness({ log: (line) => logger.warn(line) });
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('immutaWorksheets.immuta')) void this.reconfigure();
      }),
      // The workspace's Immuta URL and CA file count from now on (they are restricted settings).
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reconfigure()),
      secrets.onDidChange((event) => {
        if (event.key.startsWith(KEY_PREFIX)) void this.reconfigure();
      }),
    );
    void this.reconfigure();
  }

  /** Settles once the current settings and key are in use (tests and commands wait on it). */
  ready(): Promise<void> {
    return this.configuring;
  }

  reconfigure(): Promise<void> {
    this.configuring = this.configuring.then(() => this.configure()).catch((error: unknown) => this.logger.error(`Immuta configuration failed: ${describeImmutaError(error)}`));
    return this.configuring;
  }

  private async configure(): Promise<void> {
    this.settings = readSettings();
    this.client?.dispose();
    this.client = undefined;
    const { url, auth, timeoutMs } = this.settings;
    if (url === '') {
      this.awareness.configure(undefined, { kind: 'off' });
      return;
    }
    const stored = await this.secrets.get(keyName(url));
    if (stored === undefined || stored === '') {
      this.awareness.configure(undefined, { kind: 'no-key' });
      return;
    }
    let ca: string | undefined;
    if (this.settings.caFile !== '') {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const relative = !path.isAbsolute(this.settings.caFile) && folder !== undefined;
      const file = relative ? path.join(folder, this.settings.caFile) : this.settings.caFile;
      try {
        // The user's own setting must not take its CA from whatever untrusted folder is open.
        if (relative && !vscode.workspace.isTrusted) throw new Error('a relative path would be read from this workspace, which is not trusted (Restricted Mode); use an absolute path, or trust the workspace');
        ca = await fs.readFile(file, 'utf8');
      } catch (error) {
        // Every Immuta fact then says why, in the status bar and the picker.
        const problem = new ImmutaApiError('configuration', `The Immuta CA file ${file} (setting ${IMMUTA_SETTINGS.caFile}) could not be read: ${error instanceof Error ? error.message : String(error)}.`, { operation: 'connect' });
        const fail = () => Promise.reject(problem);
        this.awareness.configure({
          me: fail,
          findUser: fail,
          project: fail,
          searchUsers: fail,
          searchDataSources: fail,
          dataSource: fail,
          dataSourceAccess: fail,
          projectDataSources: fail,
        });
        return;
      }
    }
    const client = new ImmutaClient({
      baseUrl: url,
      apiKey: () => Promise.resolve(this.secrets.get(keyName(url))),
      auth,
      timeoutMs,
      ca,
      log: (line) => this.logger.info(`immuta: ${line}`),
    });
    this.client = client;
    this.awareness.configure({
      me: (signal) => client.currentUser(signal),
      findUser: (userid, signal) => client.findUser(userid, signal),
      project: (id, signal) => client.project(id, signal),
      searchUsers: (text, options) => client.searchUsers(text, options),
      searchDataSources: (options) => client.searchDataSources(options),
      dataSource: (id, signal) => client.dataSource(id, signal),
      dataSourceAccess: (id, options) => client.dataSourceAccess(id, options),
      projectDataSources: (id, signal) => client.projectDataSources(id, signal),
    });
    this.logger.info(`Immuta API at ${url} (${auth} authorisation)`);
  }

  /** What the status bar shows about Immuta for a worksheet. */
  facts(snapshot: WorksheetSnapshot | undefined): ImmutaFacts {
    const profile = snapshot?.profile;
    if (!profile) return { permission: { kind: 'off' }, project: { kind: 'off' } };
    const permission = this.awareness.permission(profile.immutaUser);
    const user = this.subject(snapshot, permission.kind === 'held' || permission.kind === 'missing' ? permission.user : undefined);
    if (user !== undefined) return { permission, project: this.awareness.project(user) };
    // Your own project waits for your own name, which the permission check learns.
    const project: ProjectFact =
      permission.kind === 'off' || permission.kind === 'no-key' ? permission : permission.kind === 'error' ? { kind: 'error', message: permission.message } : { kind: 'checking' };
    return { permission, project };
  }

  /** The Immuta user statements run as: the impersonated user, or you when known. */
  private subject(snapshot: WorksheetSnapshot, me: string | undefined): string | undefined {
    const identity = snapshot.identity;
    if (identity.kind === 'impersonating' || identity.kind === 'applying') return identity.user;
    if (identity.kind === 'yourself') return snapshot.profile?.immutaUser ?? me;
    return undefined;
  }

  /** The picker's view of Immuta for a profile; undefined when no URL is configured. */
  picker(profile: ConnectionProfile): PickerImmuta | undefined {
    if (this.settings.url === '') return undefined;
    return {
      permission: () => this.awareness.permission(profile.immutaUser),
      checkPermission: () => this.awareness.checkPermission(profile.immutaUser),
      search: (text, signal) => this.awareness.search(text, signal),
    };
  }

  /**
   * Re-checks the project of the user a worksheet now runs as (fresh when `maxAgeMs` is 0), and
   * says once per worksheet when that user works inside a project.
   */
  async recheck(worksheetId: string, user: string, maxAgeMs?: number): Promise<ProjectFact> {
    const fact = await this.awareness.checkProject(user, maxAgeMs);
    if (fact.kind === 'project') this.announce(worksheetId, user, fact.name, fact.id);
    return fact;
  }

  /**
   * The project for a results stamp: what is known now, and a re-check (cached briefly) whose
   * answer updates the stamp when it lands. Runs never wait for Immuta.
   */
  projectForRun(stamp: RunStamp, worksheetId: string, profile: ConnectionProfile | undefined): { now: string | null | undefined; later?: Promise<string | null | undefined> } {
    const permission = this.awareness.permission(profile?.immutaUser);
    const user = stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : (profile?.immutaUser ?? (permission.kind === 'held' || permission.kind === 'missing' ? permission.user : undefined));
    if (user === undefined || !this.awareness.configured) return { now: undefined };
    const { now, later } = this.awareness.projectForRun(user);
    return {
      now,
      later: later.then((fact) => {
        if (fact.kind === 'project') this.announce(worksheetId, user, fact.name, fact.id);
        return projectName(fact);
      }),
    };
  }

  /**
   * The project of the identity a run had, without announcing it (a comparison names it in its
   * summary): a name, null for none, undefined when Immuta is not configured or cannot say.
   */
  projectOf(stamp: RunStamp, profile: ConnectionProfile): Promise<string | null | undefined> {
    return this.projectOfUser(stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : undefined, profile);
  }

  /** The same for a user by name (undefined: the connection's own login), e.g. a policy check's identity. */
  async projectOfUser(impersonated: string | undefined, profile: ConnectionProfile): Promise<string | null | undefined> {
    const permission = this.awareness.permission(profile.immutaUser);
    const user = impersonated ?? (profile.immutaUser ?? (permission.kind === 'held' || permission.kind === 'missing' ? permission.user : undefined));
    if (user === undefined || !this.awareness.configured) return undefined;
    const { now, later } = this.awareness.projectForRun(user);
    // Asked afresh (users switch projects); what was known before stands in if Immuta cannot say now.
    const fresh = projectName(await later);
    return fresh !== undefined ? fresh : now;
  }

  /**
   * What the object explorer says of Immuta (issue 19): a table's data source and whether the
   * scope's identity is subscribed, and the project context. Known-now answers only; the tree is
   * redrawn when one lands (awareness.dataSources.onDidChange).
   */
  objectFacts(): ObjectFacts {
    const userOf = (scope: MetadataScope): string | undefined => {
      if (scope.user !== undefined) return scope.user;
      const permission = this.awareness.permission(scope.profile.immutaUser);
      return scope.profile.immutaUser ?? (permission.kind === 'held' || permission.kind === 'missing' ? permission.user : undefined);
    };
    const projectFact = (scope: MetadataScope) => {
      const user = userOf(scope);
      return user === undefined || !this.awareness.configured ? undefined : this.awareness.project(user);
    };
    return {
      tableNote: (scope, node) => {
        const user = userOf(scope);
        if (user === undefined || !this.awareness.configured) return undefined;
        const [catalog, schema, name] = node.path.length >= 3 ? node.path.slice(-3) : [undefined, ...node.path.slice(-2)];
        if (schema === undefined || name === undefined) return undefined;
        const fact = this.awareness.dataSources.fact(user, catalog === undefined ? { schema, name } : { catalog, schema, name });
        const lines = dataSourceTooltip(fact);
        return lines.length > 0 ? lines.join('\n') : undefined;
      },
      projectNote: (scope) => {
        const fact = projectFact(scope);
        return fact?.kind === 'project' ? projectContextSentence({ name: fact.name }) : undefined;
      },
      project: (scope) => {
        const fact = projectFact(scope);
        return fact === undefined ? undefined : projectName(fact);
      },
    };
  }

  forgetWorksheet(worksheetId: string): void {
    this.announced.delete(worksheetId);
  }

  private announce(worksheetId: string, user: string, project: string, projectId: number): void {
    const said = this.announced.get(worksheetId) ?? new Set<string>();
    const key = `${user}\u0000${projectId}`;
    if (said.has(key)) return;
    said.add(key);
    this.announced.set(worksheetId, said);
    void vscode.window.showWarningMessage(
      `${user} is working in the Immuta project "${project}": this worksheet sees only that project's data sources while it runs as ${user}.`,
    );
  }

  /** Asks for the API key, stores it, and says whom it belongs to. */
  async setKey(): Promise<void> {
    let url = readSettings().url;
    if (url === '') {
      const typed = await vscode.window.showInputBox({
        title: 'Immuta URL',
        prompt: `The base URL of your Immuta tenant (saved in the ${vscode.workspace.workspaceFolders !== undefined && vscode.workspace.isTrusted ? 'workspace' : 'user'} setting immutaWorksheets.immuta.url).`,
        placeHolder: 'https://acme.hosted.immutacloud.com',
        ignoreFocusOut: true,
        validateInput: (value) => (/^https?:\/\/[^\s/]+/i.test(value.trim()) ? undefined : 'Enter an http:// or https:// URL'),
      });
      if (typed === undefined) return;
      url = typed.trim();
      // In Restricted Mode a workspace value of this setting would be ignored: keep it in the user's settings.
      const inWorkspace = vscode.workspace.workspaceFolders !== undefined && vscode.workspace.isTrusted;
      await vscode.workspace.getConfiguration().update(IMMUTA_SETTINGS.url, url, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }
    const key = await vscode.window.showInputBox({
      title: `Immuta API key for ${url}`,
      prompt: 'Create one in Immuta under your profile → API Keys. It is kept in VS Code\u2019s secret storage only.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'The key cannot be empty' : undefined),
    });
    if (key === undefined) return;
    await this.secrets.store(keyName(url), key.trim());
    await this.reconfigure();
    const client = this.client;
    if (!client) return;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the Immuta API key…' }, async () => {
      try {
        const me = await client.currentUser();
        const holds = me.permissions.includes('IMPERSONATE_USER');
        void vscode.window.showInformationMessage(`Immuta API key saved: it belongs to ${me.userid}, who ${holds ? 'holds' : 'does NOT hold'} IMPERSONATE_USER.`);
      } catch (error) {
        void vscode.window.showWarningMessage(`The Immuta API key was saved, but checking it failed: ${describeImmutaError(error)}`);
      }
    });
  }

  async forgetKey(): Promise<void> {
    const url = readSettings().url;
    if (url === '') {
      void vscode.window.showInformationMessage('No Immuta URL is configured, so no Immuta API key is in use.');
      return;
    }
    await this.secrets.delete(keyName(url));
    await this.reconfigure();
    void vscode.window.showInformationMessage(`The Immuta API key for ${url} was removed from VS Code's secret storage.`);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.client?.dispose();
    this.awareness.dispose();
  }
}
