import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { ConnectionProfile } from '../platforms/types';
import type { WorksheetRegistry } from '../worksheets/registry';
import type { Worksheet } from '../worksheets/worksheet';
import type { ConnectionStore } from './connection-store';

const BINDINGS_KEY = 'immutaWorksheets.bindings';
/** How long a worksheet outlives its last tab, so that a save-as can adopt it. */
const CLOSE_GRACE_MS = 1500;

interface ClosingWorksheet {
  readonly worksheet: Worksheet;
  readonly text: string;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function isSqlDocument(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return document !== undefined && document.languageId === 'sql';
}

/**
 * Maps SQL documents to worksheets. A worksheet lives as long as some tab shows its document
 * (split views share it); a rename moves it; a save-as of an untitled worksheet adopts it, so
 * its session and impersonation carry over. A document that was never seen starts fresh.
 */
export class DocumentWorksheets implements vscode.Disposable {
  private readonly byUri = new Map<string, Worksheet>();
  /** The document of each worksheet: its text is still readable after its tab closed. */
  private readonly documentOf = new Map<string, vscode.TextDocument>();
  private readonly closing = new Map<string, ClosingWorksheet>();
  /** Files opened in the last moments: a save-as may open the new file before closing the old tab. */
  private readonly recentlyOpened = new Map<string, { readonly text: string; readonly at: number }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when the document ↔ worksheet mapping changes. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly registry: WorksheetRegistry,
    private readonly store: ConnectionStore,
    private readonly memento: vscode.Memento,
    private readonly logger: Logger,
  ) {
    this.subscriptions.push(
      vscode.window.tabGroups.onDidChangeTabs((event) => {
        for (const tab of event.closed) {
          const uri = tabUri(tab);
          if (uri && !this.isShown(uri)) {
            this.scheduleClose(uri);
          }
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (!this.isShown(document.uri)) {
          this.scheduleClose(document.uri);
        }
      }),
      vscode.workspace.onDidOpenTextDocument((document) => {
        if (document.uri.scheme !== 'untitled' && isSqlDocument(document)) {
          this.forgetOldOpens();
          this.recentlyOpened.set(document.uri.toString(), { text: document.getText(), at: Date.now() });
        }
        this.adoptSaveAs(document);
      }),
      vscode.workspace.onDidRenameFiles((event) => {
        for (const { oldUri, newUri } of event.files) {
          this.move(oldUri, newUri);
        }
      }),
    );
  }

  /** The worksheet of a document, if it has one yet. */
  get(document: vscode.TextDocument): Worksheet | undefined {
    return this.byUri.get(document.uri.toString());
  }

  /** The document's worksheet, created (and bound to the remembered profile) when needed. */
  ensure(document: vscode.TextDocument): Worksheet {
    const key = document.uri.toString();
    const existing = this.byUri.get(key) ?? this.revive(key);
    if (existing) {
      this.documentOf.set(key, document);
      return existing;
    }
    const remembered = this.rememberedProfile(document.uri);
    const worksheet = this.registry.create(remembered);
    this.byUri.set(key, worksheet);
    this.documentOf.set(key, document);
    this.changeEmitter.fire();
    return worksheet;
  }

  async bind(document: vscode.TextDocument, profile: ConnectionProfile): Promise<Worksheet> {
    const worksheet = this.ensure(document);
    await worksheet.bind(profile);
    if (document.uri.scheme !== 'untitled') {
      await this.memento.update(BINDINGS_KEY, { ...this.bindings(), [document.uri.toString()]: profile.name });
    }
    this.changeEmitter.fire();
    return worksheet;
  }

  /**
   * Binds worksheets that still have no connection to the one remembered for their document, if
   * it can be found now: after Workspace Trust is granted, the workspace's own profiles appear.
   */
  async bindRemembered(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const [key, worksheet] of this.byUri) {
      if (worksheet.profile !== undefined) continue;
      const profile = this.rememberedProfile(vscode.Uri.parse(key));
      if (profile) pending.push(worksheet.bind(profile));
    }
    await Promise.all(pending);
    if (pending.length > 0) this.changeEmitter.fire();
  }

  dispose(): void {
    for (const pending of this.closing.values()) {
      clearTimeout(pending.timer);
    }
    this.closing.clear();
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.changeEmitter.dispose();
  }

  private rememberedProfile(uri: vscode.Uri): ConnectionProfile | undefined {
    const name = this.bindings()[uri.toString()];
    return name === undefined ? undefined : this.store.find(name);
  }

  private bindings(): Record<string, string> {
    return this.memento.get<Record<string, string>>(BINDINGS_KEY, {});
  }

  private isShown(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tabUri(tab)?.toString() === key));
  }

  private scheduleClose(uri: vscode.Uri): void {
    const key = uri.toString();
    const worksheet = this.byUri.get(key);
    if (!worksheet || this.closing.has(key)) {
      return;
    }
    const document = this.documentOf.get(key) ?? vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === key);
    const text = document?.getText() ?? '';
    this.byUri.delete(key);
    this.documentOf.delete(key);
    if (uri.scheme === 'untitled' && this.adoptIntoRecentFile(worksheet, text)) {
      return;
    }
    const timer = setTimeout(() => {
      this.closing.delete(key);
      this.logger.info(`worksheet ${worksheet.id}: last tab closed, closing its session`);
      void this.registry.close(worksheet.id);
    }, CLOSE_GRACE_MS);
    this.closing.set(key, { worksheet, text, timer });
    this.changeEmitter.fire();
  }

  /** A tab reopened within the grace period takes its worksheet back. */
  private revive(key: string): Worksheet | undefined {
    const pending = this.closing.get(key);
    if (!pending) {
      return undefined;
    }
    clearTimeout(pending.timer);
    this.closing.delete(key);
    this.byUri.set(key, pending.worksheet);
    return pending.worksheet;
  }

  private forgetOldOpens(): void {
    const now = Date.now();
    for (const [key, opened] of this.recentlyOpened) {
      if (now - opened.at > CLOSE_GRACE_MS) this.recentlyOpened.delete(key);
    }
  }

  /** Save-as that opened the new file first: it takes over the untitled document's worksheet. */
  private adoptIntoRecentFile(worksheet: Worksheet, text: string): boolean {
    this.forgetOldOpens();
    for (const [key, opened] of this.recentlyOpened) {
      if (opened.text === text && !this.byUri.has(key)) {
        this.recentlyOpened.delete(key);
        this.adopt(key, worksheet);
        return true;
      }
    }
    return false;
  }

  /** Save-as of an untitled worksheet: the new file with the same text takes over its worksheet. */
  private adoptSaveAs(document: vscode.TextDocument): void {
    if (document.uri.scheme === 'untitled' || this.byUri.has(document.uri.toString())) {
      return;
    }
    const text = document.getText();
    for (const [key, pending] of this.closing) {
      if (key.startsWith('untitled:') && pending.text === text) {
        clearTimeout(pending.timer);
        this.closing.delete(key);
        this.adopt(document.uri.toString(), pending.worksheet);
        return;
      }
    }
  }

  private adopt(key: string, worksheet: Worksheet): void {
    this.byUri.set(key, worksheet);
    const profile = worksheet.profile;
    if (profile) {
      void this.memento.update(BINDINGS_KEY, { ...this.bindings(), [key]: profile.name });
    }
    this.logger.info(`worksheet ${worksheet.id}: saved as ${key}; session and identity kept`);
    this.changeEmitter.fire();
  }

  private move(oldUri: vscode.Uri, newUri: vscode.Uri): void {
    const oldKey = oldUri.toString();
    const worksheet = this.byUri.get(oldKey) ?? this.revive(oldKey);
    if (!worksheet) {
      return;
    }
    this.byUri.delete(oldKey);
    this.documentOf.delete(oldKey);
    this.byUri.set(newUri.toString(), worksheet);
    const bindings = { ...this.bindings() };
    if (bindings[oldKey] !== undefined) {
      bindings[newUri.toString()] = bindings[oldKey];
      delete bindings[oldKey];
      void this.memento.update(BINDINGS_KEY, bindings);
    }
    this.changeEmitter.fire();
  }
}

function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  const input = tab.input;
  if (input instanceof vscode.TabInputText) {
    return input.uri;
  }
  if (input instanceof vscode.TabInputTextDiff) {
    return input.modified;
  }
  return undefined;
}
