import * as path from 'node:path';
import * as vscode from 'vscode';
import { PlatformLoader } from './platforms/loader';
import { profileLogin } from './platforms/profile';
import type { ConnectionProfile } from './platforms/types';
import { CONNECTIONS_SETTING, ConnectionStore } from './ui/connection-store';
import { ConnectionWizard } from './ui/connection-wizard';
import { ImportConnections } from './ui/import-connections';
import { DocumentWorksheets, isSqlDocument } from './ui/document-worksheets';
import { EffectProbeEditor } from './ui/effect-probe-editor';
import { RecentUsers } from './ui/identity-picker';
import { createOutputLogger } from './ui/output-logger';
import { HistoryCommands, readHistorySettings } from './ui/history-commands';
import { ImmutaService } from './ui/immuta-service';
import { ProbePrompts } from './ui/probe-prompts';
import { readResultsSettings, ResultsController } from './ui/results-controller';
import { ResultMemory } from './results/result-memory';
import { sweepSpillFolder } from './results/spill-file';
import { RunController } from './ui/run-controller';
import { CODELENS_SETTING, StatementLenses } from './ui/statement-lenses';
import { workerEngine } from './compare/comparison-engine';
import { CompareCommand } from './ui/compare-command';
import { ParameterPrompt } from './ui/parameter-prompt';
import { ComparisonSets } from './ui/compare-picker';
import { MetadataService } from './metadata/metadata-service';
import { explorerActions } from './ui/explorer-commands';
import { ObjectExplorer } from './ui/object-explorer';
import { CheckExplorer } from './ui/check-explorer';
import { SqlCompletion } from './ui/sql-completion';
import { SplitProblems } from './ui/split-problems';
import { WorksheetStatusBar } from './ui/status-bar';
import { WorksheetCommands } from './ui/worksheet-commands';
import { Walkthrough } from './ui/walkthrough';
import { setListenerErrorSink } from './common/events';
import { YOURSELF_IDENTITY } from './checks/types';
import { createTrace } from './common/trace';
import { AuditLog } from './worksheets/audit-log';
import { WorksheetRegistry } from './worksheets/registry';
import type { Worksheet } from './worksheets/worksheet';
import { historyEntryFor, RunHistory } from './worksheets/run-history';

/**
 * The composition root: builds the long-lived parts and hands them their dependencies. No
 * database driver is loaded here; each platform's bundle is required on first use.
 */
/** What the extension exposes to other extensions (and to its own editor tests). */
export interface ImmutaWorksheetsApi {
  /** What the status bar items show right now. */
  statusBar(): ReturnType<WorksheetStatusBar['current']>;
  /** Milliseconds that activate() took. */
  readonly activationMs: number;
}

export function activate(context: vscode.ExtensionContext): ImmutaWorksheetsApi {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Immuta Worksheets', { log: true });
  context.subscriptions.push(channel);
  const logger = createOutputLogger(channel);
  // A listener that throws is logged, not swallowed (src/common/events.ts).
  context.subscriptions.push(setListenerErrorSink((message) => logger.error(message)));

  const loader = new PlatformLoader((platform) => path.join(__dirname, 'platforms', `${platform}.js`));
  const store = new ConnectionStore(context.secrets, logger);
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: (profile) => store.secretFor(profile),
    logger,
  });
  const documents = new DocumentWorksheets(registry, store, context.workspaceState, logger);
  const statusBar = new WorksheetStatusBar();
  // Get Started: each step completes when the person does what it teaches.
  const walkthrough = new Walkthrough(context);
  // The Immuta API: user search, IMPERSONATE_USER, project context. Never awaited by the editor.
  const immuta = new ImmutaService(context.secrets, logger);
  // History and the audit log live in the extension's global storage, never in the workspace.
  const storage = context.globalStorageUri.fsPath;
  const storageError = (what: string) => (operation: string, error: unknown) =>
    logger.warn(`${what}: ${operation} failed (${error instanceof Error ? error.message : String(error)})`);
  const history = RunHistory.open({
    file: path.join(storage, 'history', 'runs.jsonl'),
    retainImpersonatedText: () => readResultsSettings().retainImpersonatedRuns,
    statementText: () => readHistorySettings().statementText,
    onError: storageError('run history'),
  });
  const audit = AuditLog.open({ file: path.join(storage, 'audit', 'impersonation.jsonl'), onError: storageError('audit log') });
  // Result rows over the window's memory budget spill here (src/results/result-memory.ts); files a
  // crashed window left are swept once activation is done (only ours, only of dead hosts).
  const spillFolder = path.join(storage, 'spill');
  const memory = new ResultMemory({
    budgetBytes: readResultsSettings().memoryBudgetMB * 1024 * 1024,
    spillFolder,
    onSpillError: (error) => logger.warn(`results over the memory budget stay in memory: writing the spill file failed (${error instanceof Error ? error.message : String(error)})`),
  });
  setImmediate(() => {
    const swept = sweepSpillFolder(spillFolder);
    if (swept > 0) logger.info(`deleted ${swept} result spill file(s) left by an earlier window`);
  });
  const rowsCrossNetwork = vscode.env.uiKind === vscode.UIKind.Web || vscode.env.remoteName !== undefined;
  const results = new ResultsController(context.extensionUri, logger, createTrace(), rowsCrossNetwork, (worksheetId, label, document, outcome, result) => {
    if (result.stamp) walkthrough.completed('ran');
    const worksheet = registry.get(worksheetId);
    const profile = worksheet?.profile;
    const entry = historyEntryFor(
      {
        worksheet: label,
        worksheetKey: document.toString(),
        profile: profile?.name ?? '',
        platform: profile?.platform ?? '',
        login: profile ? profileLogin(profile) : '',
        ranAs: result.stamp?.ranAs ?? null,
        startedAt: result.stamp?.startedAt ?? Date.now(),
      },
      result.statement ?? '',
      outcome,
    );
    if (entry) history.record(entry);
  }, (stamp, worksheetId) => immuta.projectForRun(stamp, worksheetId, registry.get(worksheetId)?.profile), memory);
  const records = new HistoryCommands({
    history,
    audit,
    activeWorksheetKey: () => vscode.window.activeTextEditor?.document.uri.toString(),
    logger,
  });
  // Effect probes: the one-time notice on unconfirmed connections, and loud refusals.
  const prompts = new ProbePrompts(context.globalState, context.extensionUri, logger);
  // The runner asks the commands to bind a document that has no connection yet.
  // Named query parameters (:region): asked for before a run, last values per document in workspace state.
  const parameterPrompt = new ParameterPrompt(context.workspaceState);
  const runner: RunController = new RunController(documents, results, (document) => commands.worksheetFor(document), logger, (refusal) => prompts.refused(refusal), parameterPrompt);
  const adoptProbes = (profiles: readonly ConnectionProfile[]) => registry.adoptEffectProbes(profiles);
  const probeEditor = new EffectProbeEditor({
    store,
    adopt: adoptProbes,
    activeConnection: () => {
      const document = vscode.window.activeTextEditor?.document;
      return isSqlDocument(document) ? documents.get(document)?.profile?.name : undefined;
    },
    logger,
  });
  const wizard = new ConnectionWizard(store, loader, logger, new ImportConnections(store, logger, () => channel.show()));
  const recentUsers = new RecentUsers(context.globalState);
  // Metadata sessions (issue 19): one worksheet of their own per connection and identity, never a user's.
  const metadata = new MetadataService({ sessions: { open: (profile) => registry.create(profile), close: (worksheet) => registry.close(worksheet.id) } });
  const explorer = new ObjectExplorer(metadata, immuta.objectFacts(), logger);
  const compare: CompareCommand = new CompareCommand({
    extensionUri: context.extensionUri,
    registry,
    store,
    runner,
    recent: recentUsers,
    sets: new ComparisonSets(context.workspaceState),
    immuta,
    engine: workerEngine(path.join(__dirname, 'compare-worker.js')),
    logger,
    bound: (document): Promise<Worksheet | undefined> => commands.worksheetFor(document),
    parameters: parameterPrompt,
    opened: () => walkthrough.completed('compared'),
  });
  // Policy checks in the Test Explorer (issue 20): each case in a short-lived worksheet of its own, as Compare's sides.
  const checks = new CheckExplorer({
    profiles: () => store.list().profiles,
    bound: (uri) => {
      const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri.toString());
      return document ? documents.get(document)?.profile : undefined;
    },
    secretFor: (profile) => store.secretFor(profile),
    environment: {
      open: (profile) => registry.create(profile),
      close: (worksheet) => registry.close(worksheet.id),
      projectOf: (identity, profile) => immuta.projectOfUser(identity === YOURSELF_IDENTITY ? undefined : identity, profile),
    },
    results,
    logger,
    judged: () => walkthrough.completed('checked'),
  });
  const commands = new WorksheetCommands(documents, store, recentUsers, logger, () => channel.show(), runner, wizard, {
    showResults: () => {
      const document = vscode.window.activeTextEditor?.document;
      if (!isSqlDocument(document)) {
        void vscode.window.showInformationMessage('Open a SQL worksheet to show its results.');
        return;
      }
      results.reveal(documents.ensure(document).id, document);
    },
    openResultsInEditor: () => results.openInEditor(),
    searchHistory: () => records.searchHistory(),
    exportAuditLog: () => records.exportAuditLog(),
    clearHistory: () => records.clearHistory(),
    compare: () => compare.compareCurrent(),
    compareAt: (uri, offset) => compare.compareAt(uri, offset),
    explorer: explorerActions({
      explorer,
      runText: (uri, text, offset) => runner.runText(uri, text, offset),
      compare: (document, statement) => compare.compareStatement(document, statement),
    }),
  }, immuta, { editor: probeEditor, prompts });
  const lenses = new StatementLenses(documents, runner);

  const render = () => {
    const document = vscode.window.activeTextEditor?.document;
    const sql = isSqlDocument(document);
    // ensure(): a file with a remembered connection shows it at once (no session opens here).
    const snapshot = sql ? documents.ensure(document).snapshot() : undefined;
    statusBar.render(sql, snapshot, immuta.facts(snapshot), { restricted: !vscode.workspace.isTrusted });
    if (snapshot?.profile) walkthrough.completed('connected');
    // The explorer follows the active worksheet's connection and identity (the last SQL editor's, while another has focus).
    if (sql) explorer.follow(documents.get(document));
    void vscode.commands.executeCommand('setContext', 'immutaWorksheets.running', snapshot?.busy === true);
    lenses.refresh();
  };
  context.subscriptions.push(
    { dispose: () => void registry.dispose() },
    documents,
    statusBar,
    immuta,
    immuta.awareness.onDidChange(render),
    results,
    runner,
    compare,
    metadata,
    explorer,
    checks,
    // A file without `@connection` runs on its document's connection: a new binding re-resolves it.
    documents.onDidChange(() => checks.reresolve()),
    immuta.awareness.dataSources.onDidChange(() => explorer.redraw()),
    vscode.languages.registerCompletionItemProvider({ language: 'sql' }, new SqlCompletion(documents, metadata, logger), '.', ' '),
    lenses,
    new SplitProblems(documents),
    vscode.languages.registerCodeLensProvider({ language: 'sql' }, lenses),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(CODELENS_SETTING)) lenses.refresh();
      // A probe edited in settings.json applies to open worksheets at once, like one set by the command.
      if (event.affectsConfiguration(CONNECTIONS_SETTING)) {
        checks.reresolve();
        adoptProbes(store.list().profiles).catch((error: unknown) => logger.warn(`handing worksheets edited effect probes failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }),
    ...commands.register(),
    vscode.window.onDidChangeActiveTextEditor(render),
    vscode.workspace.onDidOpenTextDocument(render),
    registry.onDidChange(render),
    history,
    audit,
    registry.onDidChange((snapshot) => {
      if (snapshot.closed) {
        results.closed(snapshot.id);
        immuta.forgetWorksheet(snapshot.id);
      }
    }),
    documents.onDidChange(() => {
      const document = vscode.window.activeTextEditor?.document;
      const worksheet = isSqlDocument(document) ? documents.get(document) : undefined;
      if (document && worksheet) results.rename(worksheet.id, document);
    }),
    registry.onDidAudit((entry) => audit.record(entry)),
    registry.onDidAudit((entry) => {
      if (entry.action === 'apply' && entry.outcome === 'ok') walkthrough.completed('impersonated');
    }),
    walkthrough.register(),
    registry.onDidAudit((entry) => prompts.observe(entry, registry.get(entry.worksheetId)?.profile)),
    registry.onDidAudit((entry) => logger.info(`audit ${entry.action} ${entry.outcome} user=${entry.user ?? 'yourself'} worksheet=${entry.worksheetId}${entry.detail ? `: ${entry.detail}` : ''}`)),
    documents.onDidChange(render),
    // Trust can only be granted while the window lives (taking it back reloads the window): the
    // workspace's connections now count, so documents bind to the ones they remember.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      logger.info('workspace trust granted: the workspace\'s connection settings are in use');
      void documents.bindRemembered().then(render, (error: unknown) => logger.error(`binding remembered connections failed: ${error instanceof Error ? error.message : String(error)}`));
      render();
    }),
  );
  render();
  walkthrough.openOnFirstActivation().then((opened) => {
    if (opened) logger.info('opened the Get Started walkthrough (the first activation in this profile)');
  }, (error: unknown) => logger.warn(`opening the Get Started walkthrough failed: ${error instanceof Error ? error.message : String(error)}`));
  const activationMs = performance.now() - started;
  logger.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { statusBar: () => statusBar.current(), activationMs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
