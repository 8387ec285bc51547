import type { SqlDialectId } from '../sql/dialects';
import { analyseStatement, type CursorContext, type NamePart, type TableReference } from './statement-context';
import { functionsOf, keywordsOf } from './sql-vocabulary';
import type { MetadataQueries, MetadataScope, MetadataSource, MetaKind, MetaNode } from './types';

/**
 * Completion in a worksheet from what the explorer has cached for the worksheet's scope. It
 * never waits on the network: a level it needs and does not have is asked for in the background
 * (`prefetch`) and the answer says it is incomplete, so the editor asks again as the user types.
 * Pure: the editor layer turns items into its own.
 */
export interface CompletionCache {
  /** A level as cached now (undefined parent: the top), never waiting. */
  cached(parent: MetaNode | undefined): readonly MetaNode[] | undefined;
  /** Loads a level in the background if it is not cached. */
  prefetch(parent: MetaNode | undefined): void;
}

/** One scope's read-only view of a metadata source. */
export function scopeCache(source: MetadataSource, scope: MetadataScope): CompletionCache {
  return { cached: (parent) => source.cached(scope, parent), prefetch: (parent) => source.prefetch(scope, parent) };
}

export type CompletionKind = MetaKind | 'alias' | 'keyword' | 'function';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  /** What replaces the range, quoted where the dialect needs it. */
  readonly insertText: string;
  /** A table's schema, a column's type and table. */
  readonly detail?: string;
  /** Orders kinds: what the context asks for first. */
  readonly sortText: string;
}

export interface CompletionRequest {
  /** The statement around the cursor (a whole document is cut at its semicolons). */
  readonly text: string;
  readonly offset: number;
  readonly dialect: SqlDialectId;
  readonly queries: MetadataQueries;
  readonly cache: CompletionCache;
  /** Above this many items, only those starting with what is typed are kept, and the answer is incomplete (default 5,000). */
  readonly maxItems?: number;
}

export interface CompletionAnswer {
  readonly items: readonly CompletionItem[];
  /** Something needed was not cached (it is being loaded) or items were cut: ask again. */
  readonly incomplete: boolean;
  /** The range the items replace. */
  readonly replaceStart: number;
  readonly replaceEnd: number;
}

const DEFAULT_MAX_ITEMS = 5_000;
const CLOSERS: Readonly<Record<string, string>> = { '"': '"', '[': ']', '`': '`' };

/** Lower-cased name → nodes, per cached level (the level's array is replaced when it reloads). */
const INDEXES = new WeakMap<readonly MetaNode[], Map<string, MetaNode[]>>();

function find(level: readonly MetaNode[], part: NamePart): MetaNode | undefined {
  let index = INDEXES.get(level);
  if (index === undefined) {
    index = new Map();
    for (const node of level) {
      const key = node.name.toLowerCase();
      const list = index.get(key);
      if (list === undefined) index.set(key, [node]);
      else list.push(node);
    }
    INDEXES.set(level, index);
  }
  const candidates = index.get(part.text.toLowerCase());
  if (candidates === undefined) return undefined;
  // A quoted name is exact; an unquoted one folds case (each server folds it its own way).
  return part.quoted ? candidates.find((node) => node.name === part.text) : (candidates.find((node) => node.name === part.text) ?? candidates[0]);
}

class Answer {
  readonly items: CompletionItem[] = [];
  incomplete = false;
  private readonly asked = new Set<string>();

  constructor(
    readonly request: CompletionRequest,
    private readonly cursor: CursorContext,
  ) {}

  /** A level from the cache, or undefined after asking for it. */
  level(parent: MetaNode | undefined): readonly MetaNode[] | undefined {
    const nodes = this.request.cache.cached(parent);
    if (nodes === undefined) {
      const key = parent === undefined ? '' : parent.path.join('\u0000');
      // Once per answer: a level can be needed twice on the way (the top, for one).
      if (!this.asked.has(key)) this.request.cache.prefetch(parent);
      this.asked.add(key);
      this.incomplete = true;
    }
    return nodes;
  }

  name(name: string): string {
    const open = this.cursor.openQuote;
    const sql = this.request.queries.identifier(name);
    if (open === undefined || sql.startsWith(open)) return sql;
    // The user opened a quote: keep it, and close it.
    const closer = CLOSERS[open] ?? open;
    return `${open}${name.split(closer).join(closer + closer)}${closer}`;
  }

  node(node: MetaNode, sortText: string, insertText: string, detail?: string): void {
    this.items.push({ label: node.name, kind: node.kind, insertText, sortText: `${sortText}${node.name}`, ...(detail === undefined ? {} : { detail }) });
  }
}

/** The completion items at `offset`. */
export function complete(request: CompletionRequest): CompletionAnswer {
  const { cursor, references } = analyseStatement(request.text, request.offset, request.dialect);
  const answer = new Answer(request, cursor);
  if (cursor.kind !== 'none') {
    if (cursor.kind === 'table') tableContext(answer, request, cursor);
    else expressionContext(answer, request, cursor, references);
  }
  return finish(answer, request, cursor);
}

function finish(answer: Answer, request: CompletionRequest, cursor: CursorContext): CompletionAnswer {
  let items = answer.items;
  let incomplete = answer.incomplete;
  const max = request.maxItems ?? DEFAULT_MAX_ITEMS;
  if (items.length > max) {
    const typed = cursor.prefix.toLowerCase();
    items = items.filter((item) => item.label.toLowerCase().startsWith(typed));
    if (items.length > max) items = items.slice(0, max);
    incomplete = true;
  }
  return { items, incomplete, replaceStart: cursor.replaceStart, replaceEnd: cursor.replaceEnd };
}

/** The containers a qualifier names (`sales.` → the sales schema; `hive.` → a catalog), searching cached levels. */
function containerAt(answer: Answer, queries: MetadataQueries, qualifier: readonly NamePart[]): MetaNode | undefined {
  const depth = queries.containers.length;
  if (qualifier.length === 0 || qualifier.length > depth) return undefined;
  const top = answer.level(undefined);
  if (top === undefined) return undefined;
  if (qualifier.length === depth || depth === 1) {
    let node = find(top, qualifier[0]);
    for (let i = 1; node !== undefined && i < qualifier.length; i++) {
      const level = answer.level(node);
      node = level === undefined ? undefined : find(level, qualifier[i]);
    }
    if (node !== undefined || depth === 1) return node;
  }
  // One name where there are catalogs above schemas: a catalog, else a schema of a cached catalog.
  const catalog = find(top, qualifier[0]);
  if (catalog !== undefined) return catalog;
  for (const candidate of top) {
    const schemas = answer.request.cache.cached(candidate);
    const schema = schemas === undefined ? undefined : find(schemas, qualifier[0]);
    if (schema !== undefined) return schema;
  }
  return undefined;
}

/** Every cached schema (the level just above tables), top down; asks for the top levels it lacks. */
function cachedSchemas(answer: Answer, queries: MetadataQueries): MetaNode[] {
  let level: MetaNode[] = [...(answer.level(undefined) ?? [])];
  for (let depth = 1; depth < queries.containers.length; depth++) {
    const next: MetaNode[] = [];
    for (const node of level) next.push(...(answer.request.cache.cached(node) ?? []));
    level = next;
  }
  return level;
}

function tableContext(answer: Answer, request: CompletionRequest, cursor: CursorContext): void {
  const { queries } = request;
  if (cursor.qualifier.length > 0) {
    const container = containerAt(answer, queries, cursor.qualifier);
    if (container === undefined) return;
    for (const node of answer.level(container) ?? []) answer.node(node, node.kind === 'table' || node.kind === 'view' ? '1' : '2', answer.name(node.name));
    return;
  }
  for (const node of answer.level(undefined) ?? []) answer.node(node, '2', answer.name(node.name));
  // Tables of every cached schema, inserted qualified: the session's default schema is not known here.
  for (const schema of cachedSchemas(answer, queries)) {
    const tables = request.cache.cached(schema);
    if (tables === undefined) continue;
    const detail = schema.path.join('.');
    for (const table of tables) answer.node(table, '1', cursor.openQuote === undefined ? queries.qualifiedName(table) : answer.name(table.name), detail);
  }
  keywords(answer, request.dialect, '9');
}

function expressionContext(answer: Answer, request: CompletionRequest, cursor: CursorContext, references: readonly TableReference[]): void {
  const { queries } = request;
  if (cursor.qualifier.length > 0) {
    const reference = referenceFor(references, cursor.qualifier);
    if (reference !== undefined) {
      const table = resolveTable(answer, queries, reference.parts);
      for (const column of (table === undefined ? undefined : answer.level(table)) ?? []) answer.node(column, '1', answer.name(column.name), column.dataType);
      return;
    }
    // `sales.` in an expression: the schema's tables (a qualified column reference is being written).
    const container = containerAt(answer, queries, cursor.qualifier);
    for (const node of (container === undefined ? undefined : answer.level(container)) ?? []) answer.node(node, '2', answer.name(node.name));
    return;
  }
  const seen = new Set<string>();
  for (const reference of references) {
    const table = resolveTable(answer, queries, reference.parts);
    const columns = table === undefined ? undefined : answer.level(table);
    const owner = reference.alias?.text ?? reference.parts[reference.parts.length - 1].text;
    for (const column of columns ?? []) {
      // A column two tables share is offered once (its detail names the first).
      if (seen.has(column.name)) continue;
      seen.add(column.name);
      answer.node(column, '1', answer.name(column.name), column.dataType === undefined ? owner : `${column.dataType} · ${owner}`);
    }
    if (reference.alias !== undefined) {
      answer.items.push({ label: reference.alias.text, kind: 'alias', insertText: reference.alias.quoted ? answer.name(reference.alias.text) : reference.alias.text, sortText: `2${reference.alias.text}`, detail: reference.parts.map((part) => part.text).join('.') });
    }
  }
  for (const name of functionsOf(request.dialect)) answer.items.push({ label: name, kind: 'function', insertText: name, sortText: `5${name}` });
  keywords(answer, request.dialect, '6');
}

function keywords(answer: Answer, dialect: SqlDialectId, rank: string): void {
  for (const word of keywordsOf(dialect)) answer.items.push({ label: word, kind: 'keyword', insertText: word, sortText: `${rank}${word}` });
}

/** The reference a qualifier means: an alias, else a table named by the qualifier's last parts. */
function referenceFor(references: readonly TableReference[], qualifier: readonly NamePart[]): TableReference | undefined {
  const same = (a: NamePart, b: NamePart) => (a.quoted || b.quoted ? a.text === b.text : a.text.toLowerCase() === b.text.toLowerCase());
  if (qualifier.length === 1) {
    const aliased = references.find((reference) => reference.alias !== undefined && same(reference.alias, qualifier[0]));
    if (aliased !== undefined) return aliased;
  }
  return references.find((reference) => {
    const tail = reference.parts.slice(-qualifier.length);
    return tail.length === qualifier.length && tail.every((part, i) => same(part, qualifier[i]));
  });
}

/** The table node a reference names: qualified through the containers, or the first cached schema that has it. */
function resolveTable(answer: Answer, queries: MetadataQueries, parts: readonly NamePart[]): MetaNode | undefined {
  const name = parts[parts.length - 1];
  if (parts.length > 1) {
    const container = containerAt(answer, queries, parts.slice(0, -1));
    const tables = container === undefined ? undefined : answer.level(container);
    return tables === undefined ? undefined : find(tables, name);
  }
  for (const schema of cachedSchemas(answer, queries)) {
    const tables = answer.request.cache.cached(schema);
    const table = tables === undefined ? undefined : find(tables, name);
    if (table !== undefined) return table;
  }
  // Not in any cached schema: load the usual default schema's tables, if there is one by that name.
  const fallback = cachedSchemas(answer, queries).find((schema) => ['public', 'dbo', 'default'].includes(schema.name.toLowerCase()));
  if (fallback !== undefined) answer.level(fallback);
  return undefined;
}
