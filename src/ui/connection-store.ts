import * as fs from 'node:fs';
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { PlatformError } from '../platforms/errors';
import { parseProfile, profileEndpoint, profileLogin, secretNeeded } from '../platforms/profile';
import { secretPrompt } from '../platforms/secret-prompt';
import type { ConnectionProfile, ConnectionSecret } from '../platforms/types';

export const CONNECTIONS_SETTING = 'immutaWorksheets.connections';

export interface ProfileList {
  readonly profiles: readonly ConnectionProfile[];
  /** One message per bad entry, each naming the setting at fault. */
  readonly problems: readonly string[];
}

/**
 * Connection profiles come from settings (read fresh each time, so edits apply at once);
 * their secrets live only in SecretStorage and are asked for on first use.
 */
export class ConnectionStore {
  /** Secrets being read or asked for, per profile: concurrent callers share one prompt. */
  private readonly asking = new Map<string, Promise<ConnectionSecret>>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
  ) {}

  list(): ProfileList {
    const raw = vscode.workspace.getConfiguration().get<unknown>(CONNECTIONS_SETTING, []);
    if (!Array.isArray(raw)) {
      return { profiles: [], problems: [`${CONNECTIONS_SETTING} must be a list of connection profiles.`] };
    }
    const profiles: ConnectionProfile[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    raw.forEach((entry: unknown, index) => {
      const where = `${CONNECTIONS_SETTING}[${index}]`;
      const parsed = parseProfile(entry, where, (path) => fs.readFileSync(resolvePath(path), 'utf8'));
      if (!parsed.ok) {
        problems.push(...parsed.problems);
      } else if (seen.has(parsed.profile.name)) {
        problems.push(`${where}.name "${parsed.profile.name}" is used by an earlier profile; names must be unique.`);
      } else {
        seen.add(parsed.profile.name);
        profiles.push(parsed.profile);
      }
    });
    return { profiles, problems };
  }

  find(name: string): ConnectionProfile | undefined {
    return this.list().profiles.find((profile) => profile.name === name);
  }

  /**
   * The secret of a profile, asking the user for it (once) when SecretStorage has none. Sessions
   * that need it at the same time (a worksheet, the object explorer's metadata session, the sides
   * of a comparison) share one prompt: a second input box would dismiss the first, and the
   * session waiting on it would fail with "no password was given".
   */
  secretFor(profile: ConnectionProfile): Promise<ConnectionSecret> {
    const key = secretKey(profile);
    const pending = this.asking.get(key);
    if (pending) return pending;
    const asked = this.readOrAsk(profile, key).finally(() => this.asking.delete(key));
    this.asking.set(key, asked);
    return asked;
  }

  private async readOrAsk(profile: ConnectionProfile, key: string): Promise<ConnectionSecret> {
    const stored = await this.secrets.get(key);
    if (stored !== undefined) {
      return JSON.parse(stored) as ConnectionSecret;
    }
    const need = secretNeeded(profile);
    if (need === undefined) return {};
    const { title, prompt } = secretPrompt(profile, need);
    const value = await vscode.window.showInputBox({
      title,
      prompt,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined || (value === '' && !need.mayBeEmpty)) {
      throw new PlatformError('configuration', `No ${need.label.toLowerCase()} was given for the connection "${profile.name}"; nothing was run.`);
    }
    const secret: ConnectionSecret = { [need.field]: value };
    await this.secrets.store(key, JSON.stringify(secret));
    this.logger.info(`stored the secret of connection "${profile.name}"`);
    return secret;
  }

  /** Keeps a secret found elsewhere (Import Connections) as if the user had typed it at the prompt. */
  async remember(profile: ConnectionProfile, secret: ConnectionSecret): Promise<void> {
    await this.secrets.store(secretKey(profile), JSON.stringify(secret));
    this.logger.info(`stored the secret of connection "${profile.name}"`);
  }

  async forget(profile: ConnectionProfile): Promise<void> {
    await this.secrets.delete(secretKey(profile));
    this.logger.info(`forgot the secret of connection "${profile.name}"`);
  }
}

/** One secret per profile and login, so that pointing a profile elsewhere never reuses it. */
function secretKey(profile: ConnectionProfile): string {
  return `immutaWorksheets.secret/${profile.platform}/${profile.name}/${profileLogin(profile)}@${profileEndpoint(profile)}`;
}

function resolvePath(path: string): string {
  if (path.startsWith('~/')) {
    return `${process.env.HOME ?? ''}${path.slice(1)}`;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && !isAbsolute(path) && !vscode.workspace.isTrusted) {
    // A user-settings profile must not take its CA or key from whatever untrusted folder is open.
    throw new Error('a relative path would be read from this workspace, which is not trusted (Restricted Mode); use an absolute path, or trust the workspace');
  }
  return folder && !isAbsolute(path) ? vscode.Uri.joinPath(folder.uri, path).fsPath : path;
}
