/**
 * Tolerant reading of Immuta's data source answers (v1 Swagger: search Model11 `{count, hits}`,
 * one data source `dataSource`/Model346 with `handler` metadata, project data sources Model98,
 * the access list `{count, users}`). Unknown fields are ignored; only a shape that cannot be the
 * answer is an error. Where a data source lives is read from its handler metadata
 * (`schema`, `table`, `database`), which the Swagger types as a list of Model198 but older
 * tenants send as one object.
 */
import { badResponseError } from './errors';
import type { DataSourceAccessEntry, DataSourceAccessResult, DataSourceSearchResult, ImmutaDataSource } from './types';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function integer(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** The first handler's metadata, from `handler: [{metadata}]` or `handler: {metadata}`. */
function handlerMetadata(value: Json): Json | undefined {
  const handler = Array.isArray(value.handler) ? (value.handler as unknown[]).find(isObject) : value.handler;
  return isObject(handler) && isObject(handler.metadata) ? handler.metadata : undefined;
}

/** One data source record (a search hit or a full answer); undefined without an id and a name. */
export function parseDataSource(value: unknown): ImmutaDataSource | undefined {
  if (!isObject(value)) return undefined;
  const id = integer(value.id) ?? integer(value.dataSourceId);
  const name = text(value.name) ?? text(value.dataSourceName);
  if (id === undefined || name === undefined) return undefined;
  const source: { -readonly [K in keyof ImmutaDataSource]: ImmutaDataSource[K] } = { id, name };
  const metadata = handlerMetadata(value);
  if (metadata !== undefined) {
    const database = text(metadata.database);
    const schema = text(metadata.schema);
    const table = text(metadata.table);
    if (database !== undefined) source.database = database;
    if (schema !== undefined) source.schema = schema;
    if (table !== undefined) source.table = table;
  }
  const status = text(value.subscriptionStatus);
  if (status !== undefined) source.subscriptionStatus = status;
  return source;
}

/** A whole answer that must be one data source. */
export function parseDataSourceAnswer(value: unknown, operation: string): ImmutaDataSource {
  if (!isObject(value)) throw badResponseError(operation, `expected a data source object, got ${describe(value)}`);
  const source = parseDataSource(value);
  if (source === undefined) throw badResponseError(operation, 'the data source has no "id" or "name"');
  return source;
}

/** `{count, <list>}` or a bare list; `list` is 'hits' (search), 'dataSources' (project) or 'users' (access). */
function listOf(value: unknown, list: string, operation: string): { items: unknown[]; count: number | undefined } {
  if (Array.isArray(value)) return { items: value, count: undefined };
  if (!isObject(value)) throw badResponseError(operation, `expected {count, ${list}}, got ${describe(value)}`);
  const items = value[list];
  if (items !== undefined && items !== null && !Array.isArray(items)) throw badResponseError(operation, `"${list}" is ${describe(items)}, not a list`);
  return { items: Array.isArray(items) ? items : [], count: integer(value.count) };
}

/** GET /dataSource (Model11) or GET /project/{id}/dataSources (Model98). Entries without id or name are skipped. */
export function parseDataSourceList(value: unknown, list: 'hits' | 'dataSources', operation: string): DataSourceSearchResult {
  const { items, count } = listOf(value, list, operation);
  const dataSources = items.map(parseDataSource).filter((source): source is ImmutaDataSource => source !== undefined);
  return { count: Math.max(count ?? items.length, dataSources.length), dataSources };
}

function parseAccessEntry(value: unknown): DataSourceAccessEntry | undefined {
  if (!isObject(value)) return undefined;
  const profile = isObject(value.profile) ? value.profile : {};
  const userid = text(value.userid) ?? text(profile.userid) ?? text(value.name);
  if (userid === undefined) return undefined;
  const iamid = text(value.iamid) ?? text(profile.iamid);
  const state = text(value.state);
  return { userid, ...(iamid === undefined ? {} : { iamid }), ...(state === undefined ? {} : { state }) };
}

/** GET /dataSource/{id}/access: `{count, users}` (or `hits`, or a bare list). */
export function parseAccessAnswer(value: unknown, operation: string): DataSourceAccessResult {
  const list = isObject(value) && value.users === undefined && Array.isArray(value.hits) ? 'hits' : 'users';
  const { items, count } = listOf(value, list, operation);
  const users = items.map(parseAccessEntry).filter((entry): entry is DataSourceAccessEntry => entry !== undefined);
  return { count: Math.max(count ?? items.length, users.length), users };
}
