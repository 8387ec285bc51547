import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { describeCandidate, discoverConnections, mergeImported, type Discovery, type PlannedCandidate } from '../connections-import/discover';
import { MSSQL_SETTING, SQLTOOLS_SETTING } from '../connections-import/extension-settings';
import { nodeImportEnvironment } from '../connections-import/node-environment';
import type { ImportEnvironment, ImportProblem, MissingField } from '../connections-import/types';
import { PLATFORMS } from '../platforms/catalog';
import { parseProfile } from '../platforms/profile';
import type { PlatformId } from '../platforms/types';
import { CONNECTIONS_SETTING, type ConnectionStore } from './connection-store';

/** How each missing setting is asked for. */
const ASK: Readonly<Record<MissingField, { prompt: (name: string) => string; placeholder: string }>> = {
  httpPath: { prompt: (name) => `HTTP path of the SQL warehouse or cluster for "${name}" (its Connection details)`, placeholder: '/sql/1.0/warehouses/1234567890abcdef' },
  database: { prompt: (name) => `Database (dedicated SQL pool) for "${name}"`, placeholder: 'my_pool' },
  tenantId: { prompt: (name) => `Microsoft Entra tenant id for "${name}"`, placeholder: '00000000-0000-0000-0000-000000000000' },
};

export function problemLine(problem: ImportProblem): string {
  return `${problem.file}${problem.line !== undefined ? `:${problem.line}` : ''}: ${problem.message}`;
}

/**
 * `Immuta: Import Connections…`: finds the connections this machine already has (see
 * src/connections-import), lets the user pick, asks what a source lacks, and writes the
 * profiles into the user settings and their secrets into SecretStorage.
 */
export class ImportConnections {
  constructor(
    private readonly store: ConnectionStore,
    private readonly logger: Logger,
    private readonly showLog: () => void,
    private readonly environment: () => ImportEnvironment = () => nodeImportEnvironment(),
  ) {}

  /** The user's own connections list (imports go there, never into a workspace). */
  private globalEntries(): unknown[] {
    const value = vscode.workspace.getConfiguration().inspect<unknown>(CONNECTIONS_SETTING)?.globalValue;
    return Array.isArray(value) ? value : [];
  }

  discover(): Discovery {
    const configuration = vscode.workspace.getConfiguration();
    const global = this.globalEntries();
    // Names loaded from elsewhere (workspace settings) are taken too, so an import never shadows one.
    const others = this.store.list().profiles.map((profile) => ({ name: profile.name }));
    return discoverConnections(
      this.environment(),
      { mssqlConnections: configuration.get<unknown>(MSSQL_SETTING), sqltoolsConnections: configuration.get<unknown>(SQLTOOLS_SETTING) },
      [...global, ...others],
      (path) => fs.readFileSync(path, 'utf8'),
    );
  }

  async run(discovery: Discovery = this.discover()): Promise<void> {
    this.reportProblems(discovery.problems);
    if (discovery.candidates.length === 0) {
      void vscode.window.showInformationMessage(
        'No connections were found to import (looked in ~/.snowflake, ~/.databrickscfg, ~/.pg_service.conf and PG* variables, ~/.trino_config, and the mssql and SQLTools settings).',
      );
      return;
    }
    const items = discovery.candidates.map((candidate) => ({
      label: String(candidate.profile.name),
      description: `${PLATFORMS[candidate.profile.platform as PlatformId]?.displayName ?? String(candidate.profile.platform)}${candidate.action === 'update' ? ' · update' : ''}`,
      detail: describeCandidate(candidate),
      picked: true,
      candidate,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Import Connections',
      placeHolder: 'Connections found on this machine: pick those to import',
      canPickMany: true,
      ignoreFocusOut: true,
      matchOnDetail: true,
    });
    if (picked === undefined || picked.length === 0) return;
    const chosen: PlannedCandidate[] = [];
    for (const { candidate } of picked) {
      const completed = await this.askMissing(candidate);
      if (completed === undefined) return; // Escape: nothing is written.
      chosen.push(completed);
    }
    const merged = mergeImported(this.globalEntries(), chosen);
    await vscode.workspace.getConfiguration().update(CONNECTIONS_SETTING, merged.entries, vscode.ConfigurationTarget.Global);
    for (const candidate of chosen) await this.keepSecret(candidate);
    this.logger.info(`imported connections: ${chosen.map((candidate) => `"${String(candidate.profile.name)}" from ${candidate.id}`).join(', ')}`);
    const summary = `Imported ${merged.added}, updated ${merged.updated}.`;
    // A list in the workspace's (or folder's) settings replaces the user's list there: say so, or the imports look lost.
    const inspected = vscode.workspace.getConfiguration().inspect<unknown[]>(CONNECTIONS_SETTING);
    if (inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined) {
      void vscode.window.showWarningMessage(
        `${summary} They are in your user settings, but this workspace's settings have their own ${CONNECTIONS_SETTING}, which replaces the user list here: copy the imported entries into the workspace settings to use them in this workspace.`,
      );
      return;
    }
    void vscode.window.showInformationMessage(summary);
  }

  private async askMissing(candidate: PlannedCandidate): Promise<PlannedCandidate | undefined> {
    const answers: Record<string, string> = {};
    for (const field of candidate.missing ?? []) {
      const ask = ASK[field];
      const value = await vscode.window.showInputBox({
        title: `Import Connections: ${String(candidate.profile.name)}`,
        prompt: ask.prompt(String(candidate.profile.name)),
        placeHolder: ask.placeholder,
        ignoreFocusOut: true,
        validateInput: (text) => (text.trim() === '' ? 'Needed to connect.' : undefined),
      });
      if (value === undefined) return undefined;
      answers[field] = value.trim();
    }
    return { ...candidate, profile: { ...candidate.profile, ...answers }, missing: [] };
  }

  private async keepSecret(candidate: PlannedCandidate): Promise<void> {
    if (candidate.secret === undefined) return;
    const parsed = parseProfile(candidate.profile, String(candidate.profile.name), (path) => fs.readFileSync(path, 'utf8'));
    if (!parsed.ok) {
      this.logger.warn(`the secret of "${String(candidate.profile.name)}" was not stored: ${parsed.problems.join(' ')}`);
      return;
    }
    await this.store.remember(parsed.profile, { [candidate.secret.field]: candidate.secret.value });
  }

  private reportProblems(problems: readonly ImportProblem[]): void {
    if (problems.length === 0) return;
    for (const problem of problems) this.logger.warn(`import connections: ${problemLine(problem)}`);
    const first = problemLine(problems[0]);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    void vscode.window.showWarningMessage(`Some connections could not be imported: ${first}${more}`, 'Show Log').then((action) => {
      if (action === 'Show Log') this.showLog();
    });
  }
}
