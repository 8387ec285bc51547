import * as vscode from 'vscode';
import { checkFileConnection, looksLikeCheckFile, parseCheckFile } from '../checks/check-file';
import type { CheckDefinition, CheckFile } from '../checks/types';
import type { Logger } from '../common/logger';
import { platformInfo } from '../platforms/catalog';
import type { ConnectionProfile } from '../platforms/types';
import type { SourceRange } from '../sql/positions';
import { resolveCheckConnection, type CheckConnection } from './check-connection';

/** What the catalog knows of one check file: its text (live while open), parse and connection. */
export interface CheckFileState {
  readonly uri: vscode.Uri;
  readonly text: string;
  readonly parsed: CheckFile;
  readonly connection: CheckConnection;
}

/** One (check, identity) pair: what a test item stands for when it runs. */
export interface CheckCase {
  readonly file: CheckFileState;
  readonly check: CheckDefinition;
  readonly identity: string;
  readonly item: vscode.TestItem;
}

export interface CheckCatalogDeps {
  /** The configured connections, read fresh. */
  profiles(): readonly ConnectionProfile[];
  /** The connection the document's worksheet is bound to, if it is open and bound. */
  bound(uri: vscode.Uri): ConnectionProfile | undefined;
  /** A file's checks left the catalog (deleted, or no longer a check file). */
  removed?(uri: vscode.Uri): void;
  readonly logger: Logger;
}

const GLOB = '**/*.sql';
const EXCLUDE = '**/node_modules/**';

/**
 * The check files of the workspace as Test Explorer items: file → check (with its range) → one
 * child per identity when a check has several. Open documents count with their live text,
 * files on disk through a watcher; a file's parse problems are diagnostics at their place,
 * replaced at each parse and gone with the file.
 */
export class CheckCatalog implements vscode.Disposable {
  private readonly files = new Map<string, CheckFileState>();
  /** Each case item's case; a check item with several identities has none (its children do). */
  private readonly cases = new WeakMap<vscode.TestItem, CheckCase>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('immutaWorksheets.checks');
  private readonly subscriptions: vscode.Disposable[] = [];
  private discovered: Promise<void> | undefined;
  /** Documents changed since the last parse; parsed once per burst of change events. */
  private readonly changed = new Map<string, vscode.TextDocument>();

  constructor(
    private readonly controller: vscode.TestController,
    private readonly deps: CheckCatalogDeps,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(GLOB);
    this.subscriptions.push(
      this.diagnostics,
      watcher,
      watcher.onDidCreate((uri) => void this.refreshFromDisk(uri)),
      watcher.onDidChange((uri) => void this.refreshFromDisk(uri)),
      watcher.onDidDelete((uri) => this.remove(uri)),
      vscode.workspace.onDidOpenTextDocument((document) => this.refreshDocument(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.documentChanged(event.document)),
      // A closed document's unsaved edits are gone: the file on disk counts again.
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (isCheckCandidate(document.uri)) void this.refreshFromDisk(document.uri);
      }),
    );
    controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    // Documents already open show their problems at once, before the Testing view is opened.
    for (const document of vscode.workspace.textDocuments) this.refreshDocument(document);
  }

  /** Finds every check file of the workspace (once; the watcher keeps the list current after). */
  discover(): Promise<void> {
    this.discovered ??= (async () => {
      const uris = await vscode.workspace.findFiles(GLOB, EXCLUDE);
      await Promise.all(uris.map((uri) => this.refreshFromDisk(uri)));
    })();
    return this.discovered;
  }

  file(uri: vscode.Uri): CheckFileState | undefined {
    return this.files.get(uri.toString());
  }

  /** Every case under `item` (itself, a check's identities, a file's checks). */
  casesUnder(item: vscode.TestItem): CheckCase[] {
    const own = this.cases.get(item);
    if (own) return [own];
    const found: CheckCase[] = [];
    item.children.forEach((child) => found.push(...this.casesUnder(child)));
    return found;
  }

  /** The item of a case of the catalog's current parse, if it is still there. */
  itemOf(uri: string, checkName: string, identity: string): vscode.TestItem | undefined {
    const check = this.controller.items.get(uri)?.children.get(checkName);
    if (!check) return undefined;
    return this.cases.get(check)?.identity === identity ? check : check.children.get(identity);
  }

  /** Connections or bindings changed: every file's connection (and so its dialect) is resolved again. */
  reresolve(): void {
    for (const state of [...this.files.values()]) this.update(state.uri, state.text);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private documentChanged(document: vscode.TextDocument): void {
    if (!isCheckCandidate(document.uri)) return;
    const key = document.uri.toString();
    const first = this.changed.size === 0;
    this.changed.set(key, document);
    // Many change events of one edit (a paste, a format) reach here in one turn: one parse after them.
    if (first) {
      queueMicrotask(() => {
        const documents = [...this.changed.values()];
        this.changed.clear();
        for (const changed of documents) this.refreshDocument(changed);
      });
    }
  }

  private refreshDocument(document: vscode.TextDocument): void {
    if (!isCheckCandidate(document.uri) || document.isClosed) return;
    this.update(document.uri, document.getText());
  }

  private async refreshFromDisk(uri: vscode.Uri): Promise<void> {
    if (!isCheckCandidate(uri)) return;
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString() && !document.isClosed);
    if (open) {
      this.update(uri, open.getText());
      return;
    }
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      this.update(uri, new TextDecoder().decode(bytes));
    } catch (error) {
      // Deleted between the event and the read: the delete event removes it.
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') {
        this.remove(uri);
        return;
      }
      this.deps.logger.warn(`checks: reading ${uri.fsPath} failed (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private update(uri: vscode.Uri, text: string): void {
    if (!looksLikeCheckFile(text)) {
      this.remove(uri);
      return;
    }
    const written = checkFileConnection(text);
    const connection = resolveCheckConnection(written?.name, this.deps.profiles(), this.deps.bound(uri));
    // The statements split as the connection's platform does; PostgreSQL's rules until one is known.
    const dialect = 'profile' in connection ? platformInfo(connection.profile.platform).sqlDialect : 'postgres';
    const parsed = parseCheckFile(text, dialect);
    const state: CheckFileState = { uri, text, parsed, connection };
    this.files.set(uri.toString(), state);
    this.diagnostics.set(uri, parsed.diagnostics.map((problem) => {
      const range = new vscode.Range(problem.line, problem.startColumn, problem.line, Math.max(problem.endColumn, problem.startColumn + 1));
      const diagnostic = new vscode.Diagnostic(range, problem.message, problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      diagnostic.source = 'Immuta checks';
      return diagnostic;
    }));
    this.draw(state);
  }

  private draw(state: CheckFileState): void {
    const key = state.uri.toString();
    let fileItem = this.controller.items.get(key);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(key, vscode.workspace.asRelativePath(state.uri, false), state.uri);
      this.controller.items.add(fileItem);
    }
    fileItem.error = 'error' in state.connection ? state.connection.error : undefined;
    const checks: vscode.TestItem[] = [];
    const names = new Set<string>();
    for (const check of state.parsed.checks) {
      // A duplicate name is a diagnostic of the parse; the first check of the name keeps the item.
      if (names.has(check.name)) continue;
      names.add(check.name);
      // Items are kept across parses (only their range and cases change), so a run under way, the
      // tree's expansion and the results shown still refer to the items on screen.
      const item = this.item(fileItem.children, check.name, state.uri);
      item.range = toRange(check.range);
      const identities = [...new Set(check.identities)];
      if (identities.length === 1) {
        // No description with the identity: the Test Explorer reads an item's description, not its
        // label, to screen readers, which would hear only "bob@example.com (Passed)".
        this.cases.set(item, { file: state, check, identity: identities[0], item });
        item.children.replace([]);
      } else {
        this.cases.delete(item);
        item.children.replace(identities.map((identity) => {
          const child = this.item(item.children, identity, state.uri);
          child.range = toRange(check.range);
          this.cases.set(child, { file: state, check, identity, item: child });
          return child;
        }));
      }
      checks.push(item);
    }
    fileItem.children.replace(checks);
  }

  private item(siblings: vscode.TestItemCollection, id: string, uri: vscode.Uri): vscode.TestItem {
    return siblings.get(id) ?? this.controller.createTestItem(id, id, uri);
  }

  private remove(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.files.delete(key)) this.deps.removed?.(uri);
    this.controller.items.delete(key);
    this.diagnostics.delete(uri);
  }
}

function isCheckCandidate(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && uri.path.toLowerCase().endsWith('.sql') && !uri.path.includes('/node_modules/');
}

function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}
