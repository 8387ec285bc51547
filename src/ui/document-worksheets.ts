import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { platformInfo } from '../platforms/catalog';
import type { ConnectionProfile } from '../platforms/types';
import type { SqlDialectId } from '../sql/dialects';
import type { WorksheetRegistry } from '../worksheets/registry';
import { SaveAsEvidence } from '../worksheets/save-as-evidence';
import type { Worksheet } from '../worksheets/worksheet';
import type { ConnectionStore } from './connection-store';

const BINDINGS_KEY = 'immutaWorksheets.bindings';
/** How long a worksheet outlives its last tab, so that a save-as can adopt it. */
const CLOSE_GRACE_MS = 1500;
/** How far apart a save-as's two halves (the untitled tab closing, the file saved) may be. */
const SAVE_AS_WINDOW_MS = 5000;

interface ClosingWorksheet {
  readonly worksheet: Worksheet;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The dialect a document's statements are split by: its worksheet's platform, PostgreSQL before binding. */
export function dialectOf(worksheet: Worksheet | undefined): SqlDialectId {
  return worksheet?.profile ? platformInfo(worksheet.profile.platform).sqlDialect : 'postgres';
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
  /**
   * The last text of each untitled worksheet's document. A save-as empties the untitled document
   * before it reports it closed, so its text must be known before then: it is the evidence that
   * the saved file is this worksheet's document.
   */
  private readonly untitledText = new Map<string, string>();
  private readonly closing = new Map<string, ClosingWorksheet>();
  /** Links a saved file to the untitled worksheet it was saved from, on evidence only. */
  private readonly saveAs = new SaveAsEvidence({ windowMs: SAVE_AS_WINDOW_MS });
  /** Bindings under way: the worksheet's profile is set once its queue reaches them. */
  private readonly binding = new Map<Worksheet, Promise<void>>();
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
        if (document.uri.scheme !== 'untitled') this.saveAs.fileOpened(document.uri.toString());
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.fileSaved(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.noteUntitledText(event.document)),
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
      this.noteUntitledText(document);
      return existing;
    }
    const remembered = this.rememberedProfile(document.uri);
    const worksheet = this.registry.create(remembered);
    this.byUri.set(key, worksheet);
    this.noteUntitledText(document);
    this.changeEmitter.fire();
    return worksheet;
  }

  async bind(document: vscode.TextDocument, profile: ConnectionProfile): Promise<Worksheet> {
    const worksheet = this.ensure(document);
    const binding = worksheet.bind(profile);
    this.binding.set(worksheet, binding);
    try {
      await binding;
    } finally {
      if (this.binding.get(worksheet) === binding) this.binding.delete(worksheet);
    }
    if (document.uri.scheme !== 'untitled') {
      await this.memento.update(BINDINGS_KEY, { ...this.bindings(), [document.uri.toString()]: profile.name });
    }
    this.changeEmitter.fire();
    return worksheet;
  }

  /**
   * Resolves once a connection being chosen for `worksheet` is bound (at once when none is), so a
   * command that comes meanwhile (a click on the status bar right after "New Worksheet") does not
   * ask for a connection again. A failed binding is reported by whoever bound it.
   */
  async bound(worksheet: Worksheet): Promise<void> {
    await this.binding.get(worksheet)?.catch(() => undefined);
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

  /** Keeps the text of an untitled worksheet's document (a save-as empties it before closing it). */
  private noteUntitledText(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (document.uri.scheme !== 'untitled' || !this.byUri.has(key)) return;
    const text = document.getText();
    // A save-as empties the document just before closing it: keep what it held. (Emptied by the
    // user instead, the kept text is stale; no file saved empty matches it, so nothing is adopted.)
    if (text === '' && this.untitledText.has(key)) return;
    this.untitledText.set(key, text);
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
    const text = this.untitledText.get(key) ?? '';
    this.byUri.delete(key);
    this.untitledText.delete(key);
    if (uri.scheme === 'untitled') {
      // The file of a save-as may have been saved before the untitled tab closed.
      const savedFile = this.saveAs.untitledClosed(key, text);
      if (savedFile !== undefined && this.adopt(savedFile, worksheet)) {
        return;
      }
    }
    const timer = setTimeout(() => {
      this.closing.delete(key);
      this.saveAs.forgetUntitled(key);
      this.logger.info(`worksheet ${worksheet.id}: last tab closed, closing its session`);
      void this.registry.close(worksheet.id);
    }, CLOSE_GRACE_MS);
    this.closing.set(key, { worksheet, timer });
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
    this.saveAs.forgetUntitled(key);
    this.byUri.set(key, pending.worksheet);
    return pending.worksheet;
  }

  /** A file was saved: if it is the save-as of an untitled worksheet that just closed, it takes that worksheet over. */
  private fileSaved(document: vscode.TextDocument): void {
    if (document.uri.scheme === 'untitled') {
      return;
    }
    const untitledKey = this.saveAs.fileSaved(document.uri.toString(), document.getText());
    const pending = untitledKey === undefined ? undefined : this.closing.get(untitledKey);
    if (untitledKey === undefined || !pending) {
      return;
    }
    if (this.adopt(document.uri.toString(), pending.worksheet)) {
      clearTimeout(pending.timer);
      this.closing.delete(untitledKey);
    }
  }

  /**
   * The file `key` takes over `worksheet`. A worksheet the file already has is replaced only while
   * it is untouched (the editor may have made one as the file's tab opened); one in use is kept,
   * and the save-as then starts as yourself.
   */
  private adopt(key: string, worksheet: Worksheet): boolean {
    const existing = this.byUri.get(key);
    if (existing && existing !== worksheet) {
      const state = existing.snapshot();
      if (state.connection !== 'closed' || state.identity.kind !== 'yourself' || state.busy || state.queued > 0) {
        this.logger.info(`worksheet ${worksheet.id}: not adopted by ${key}, whose own worksheet is in use`);
        return false;
      }
      void this.registry.close(existing.id);
    }
    this.byUri.set(key, worksheet);
    const profile = worksheet.profile;
    if (profile) {
      void this.memento.update(BINDINGS_KEY, { ...this.bindings(), [key]: profile.name });
    }
    this.logger.info(`worksheet ${worksheet.id}: saved as ${key}; session and identity kept`);
    this.changeEmitter.fire();
    return true;
  }

  private move(oldUri: vscode.Uri, newUri: vscode.Uri): void {
    const oldKey = oldUri.toString();
    const worksheet = this.byUri.get(oldKey) ?? this.revive(oldKey);
    if (!worksheet) {
      return;
    }
    this.byUri.delete(oldKey);
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
