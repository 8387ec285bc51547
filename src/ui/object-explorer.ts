import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { LevelResult, MetadataQueries, MetadataScope, MetadataSource, MetaKind, MetaNode } from '../metadata/types';
import { metadataQueries } from '../platforms/metadata-queries';
import type { Worksheet } from '../worksheets/worksheet';

export const OBJECTS_VIEW_ID = 'immutaWorksheets.objects';

/** What a table's tooltip adds when Immuta is configured (its data source, and whether the identity sees it). */
export interface ObjectFacts {
  /** Markdown lines for a table or view's tooltip, known now (never waits); undefined when none. */
  tableNote(scope: MetadataScope, node: MetaNode): string | undefined;
  /** The sentence on the scope's project context (only its data sources are visible), when known. */
  projectNote(scope: MetadataScope): string | undefined;
  /** The project the scope's identity works in, when known (for the view's title). */
  project(scope: MetadataScope): string | null | undefined;
}

/** A row of the tree: an object, or a level's problem shown where the level would be. */
export type ExplorerItem =
  | { readonly type: 'node'; readonly scope: MetadataScope; readonly node: MetaNode }
  | { readonly type: 'problem'; readonly parent: MetaNode | undefined; readonly message: string; readonly unverified: boolean }
  /** A line that is not an object: an empty level, a level cut short. */
  | { readonly type: 'note'; readonly message: string };

const ICONS: Readonly<Record<MetaKind, string>> = { catalog: 'database', schema: 'symbol-namespace', table: 'table', view: 'eye', column: 'symbol-field' };

/** Whose view it is: the worksheet's connection and effective identity, or why there is none. */
export function scopeOf(worksheet: Worksheet | undefined): { scope: MetadataScope } | { reason: string } {
  const profile = worksheet?.profile;
  if (!worksheet || !profile) return { reason: 'Open a SQL worksheet bound to a connection to see what its identity can see.' };
  const identity = worksheet.identity;
  switch (identity.kind) {
    case 'yourself':
      return { scope: { profile, user: undefined } };
    case 'impersonating':
      return { scope: { profile, user: identity.user } };
    case 'applying':
    case 'clearing':
      return { reason: `The worksheet is changing whom it runs as (${identity.user}); the objects follow once it is done.` };
    default:
      return { reason: 'Whom this worksheet runs as is not known, so no objects are listed. Choose whom to run as in the status bar.' };
  }
}

function sameScope(a: MetadataScope | undefined, b: MetadataScope | undefined): boolean {
  return a?.profile.name === b?.profile.name && a?.user === b?.user && a?.profile === b?.profile;
}

/**
 * The object explorer: the active worksheet's catalogs or schemas, tables and views, and columns,
 * as its effective identity sees them (each scope's own metadata session, src/metadata), loaded
 * level by level. In the Explorer beside Outline and Timeline, because it follows the active
 * editor as they do.
 */
export class ObjectExplorer implements vscode.TreeDataProvider<ExplorerItem>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerItem | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly view: vscode.TreeView<ExplorerItem>;
  private scope: MetadataScope | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly source: MetadataSource,
    private readonly facts: ObjectFacts | undefined,
    private readonly logger: Logger,
  ) {
    this.view = vscode.window.createTreeView(OBJECTS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(this.view);
  }

  /** The scope shown now (undefined: none). */
  get current(): MetadataScope | undefined {
    return this.scope;
  }

  /** Follows the active worksheet: a new connection or identity shows its own objects. */
  follow(worksheet: Worksheet | undefined): void {
    const found = scopeOf(worksheet);
    const scope = 'scope' in found ? found.scope : undefined;
    this.retitle(found);
    if (sameScope(scope, this.scope)) return;
    this.scope = scope;
    this.changeEmitter.fire(undefined);
  }

  /** Forgets what is cached for the node (or the whole view) and loads it again. */
  refresh(item?: ExplorerItem): void {
    if (!this.scope) return;
    if (item?.type === 'node') this.source.invalidate(this.scope, item.node);
    else this.source.invalidate(this.scope);
    this.changeEmitter.fire(item?.type === 'node' ? item : undefined);
  }

  /** Draws the tree again from what is cached (an Immuta fact landed, say). */
  redraw(): void {
    if (this.scope) {
      this.retitle({ scope: this.scope });
      this.changeEmitter.fire(undefined);
    }
  }

  queries(): MetadataQueries | undefined {
    return this.scope ? metadataQueries(this.scope.profile.platform) : undefined;
  }

  getTreeItem(item: ExplorerItem): vscode.TreeItem {
    if (item.type === 'note') {
      const tree = new vscode.TreeItem(item.message, vscode.TreeItemCollapsibleState.None);
      tree.iconPath = new vscode.ThemeIcon('info');
      tree.contextValue = 'note';
      return tree;
    }
    if (item.type === 'problem') {
      const tree = new vscode.TreeItem(item.message, vscode.TreeItemCollapsibleState.None);
      tree.iconPath = new vscode.ThemeIcon(item.unverified ? 'shield' : 'error', new vscode.ThemeColor(item.unverified ? 'problemsWarningIcon.foreground' : 'problemsErrorIcon.foreground'));
      tree.tooltip = item.message;
      tree.contextValue = 'problem';
      return tree;
    }
    const { node, scope } = item;
    const leaf = node.kind === 'column';
    const tree = new vscode.TreeItem(node.name, leaf ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    tree.id = `${scope.profile.name}\u0000${scope.user ?? ''}\u0000${node.kind}\u0000${node.path.join('\u0000')}`;
    tree.iconPath = new vscode.ThemeIcon(ICONS[node.kind]);
    tree.contextValue = node.kind;
    const noun = this.queries()?.nouns[node.kind] ?? node.kind;
    if (leaf) tree.description = `${node.dataType ?? ''}${node.nullable === false ? ' not null' : ''}`;
    else if (node.kind === 'view') tree.description = 'view';
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.supportHtml = false;
    tooltip.isTrusted = false;
    tooltip.appendText(`${noun} ${node.path.join('.')}`);
    if (node.dataType) tooltip.appendText(`\n${node.dataType}`);
    if (node.comment) tooltip.appendText(`\n\n${node.comment}`);
    if (node.kind === 'table' || node.kind === 'view') {
      const note = this.facts?.tableNote(scope, node);
      if (note) tooltip.appendText(`\n\n${note}`);
    }
    tree.tooltip = tooltip;
    return tree;
  }

  async getChildren(item?: ExplorerItem): Promise<ExplorerItem[]> {
    const scope = this.scope;
    if (!scope || item?.type === 'problem' || item?.type === 'note') return [];
    const parent = item?.node;
    let result: LevelResult;
    try {
      result = await this.source.children(scope, parent);
    } catch (error) {
      // Nothing a level does may break the tree, nor the extension host.
      this.logger.error(`explorer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      result = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (!sameScope(scope, this.scope)) return [];
    if (result.kind !== 'nodes') {
      if (result.kind === 'unverified' && parent === undefined) this.view.message = result.message;
      return [{ type: 'problem', parent, message: result.message, unverified: result.kind === 'unverified' }];
    }
    if (parent === undefined) this.view.message = result.nodes.length === 0 ? 'Nothing is visible to this identity here.' : this.facts?.projectNote(scope);
    // An empty level says so, rather than looking like one that never loaded.
    if (parent !== undefined && result.nodes.length === 0) return [{ type: 'note', message: `Nothing in ${parent.name} is visible to ${scope.user ?? 'you'}.` }];
    if (result.kind === 'nodes' && result.truncated === true) {
      const items: ExplorerItem[] = result.nodes.map((node) => ({ type: 'node', scope, node }));
      return [...items, { type: 'note', message: `Only the first ${result.nodes.length.toLocaleString('en-US')} are listed.` }];
    }
    return result.nodes.map((node) => ({ type: 'node', scope, node }));
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }

  private retitle(found: { scope: MetadataScope } | { reason: string }): void {
    if ('reason' in found) {
      this.view.description = undefined;
      this.view.message = found.reason;
      return;
    }
    const { scope } = found;
    const project = this.facts?.project(scope);
    const who = scope.user === undefined ? 'as yourself' : `as ${scope.user}`;
    this.view.description = `${scope.profile.name} · ${who}${project ? ` · project ${project}` : ''}`;
    const supported = metadataQueries(scope.profile.platform) !== undefined;
    this.view.message = supported ? this.facts?.projectNote(scope) : 'This platform\u2019s objects are not listed yet.';
  }
}
