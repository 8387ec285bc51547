/**
 * The lab Immuta API's data sources, built from `immuta.data_sources` (with `immuta.users`,
 * `immuta.projects`, `immuta.project_members`), in the shapes of the v1 Swagger
 * (/work/shared/immuta-api/immuta-v1-swagger.json):
 *   - search hits of GET /dataSource: Model11 `{count, hits}`;
 *   - one data source (GET /dataSource/{id}, GET /dataSource/name/{name}): the `dataSource`
 *     properties (Model346: id, name, blobHandlerType, status, subscriptionStatus,
 *     subscribedAsUser, subscribers, sqlSchemaName, sqlTableName, ...) plus `handler`, a list of
 *     Model198 whose `metadata` is the handler metadata (x-alt-definitions/metadata: schema,
 *     table, database, hostname, port, dataSourceName);
 *   - GET /project/{id}/dataSources: Model98 `{count, dataSources: Model97[]}`;
 *   - GET /dataSource/{id}/access: the Swagger documents its parameters (states, searchText,
 *     size, offset) but not its answer; the lab answers `{count, users}` with one entry per user.
 *
 * Who may read a data source follows the fixture's `immuta.access_context` (fixture.sql): a user
 * acting under a project reads only the data sources that project includes; a user acting under
 * no project reads every data source that is not project_only. The lab has no subscription table,
 * so "subscribed" is that rule: the access list and `subscriptionStatus` say who can read it now.
 */
import { ImmutaLabError, type Json, type Page, type ProjectRow, type Shape, type UserRow } from './immuta-model';

export interface DataSourceRow {
  readonly id: number;
  readonly name: string;
  readonly schema_name: string;
  readonly view_name: string;
  readonly project_ids: readonly number[];
  readonly project_only: boolean;
}

/** Where the lab's data sources live: the lab PostgreSQL. */
export interface DataSourceHost {
  readonly hostname: string;
  readonly port: number;
  readonly database: string;
}

interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const LAB_TIMESTAMP = '2024-01-01T00:00:00.000Z';
const FUTURE_FIELD = { nested: [1] } as const;

export function loadDataSources(db: Queryable): Promise<DataSourceRow[]> {
  return db.query<DataSourceRow>('SELECT id, name, schema_name, view_name, project_ids, project_only FROM immuta.data_sources ORDER BY id');
}

/** The fixture's `data_source_visible` for `user` (immuta.access_context). */
export function canRead(source: DataSourceRow, user: UserRow): boolean {
  return user.current_project_id === null ? !source.project_only : source.project_ids.includes(user.current_project_id);
}

function subscription(source: DataSourceRow, user: UserRow): Json {
  const subscribed = canRead(source, user);
  return { subscriptionStatus: subscribed ? 'subscribed' : 'not_subscribed', subscribedAsUser: subscribed };
}

function connectionString(host: DataSourceHost): string {
  return `${host.hostname}:${host.port}/${host.database}`;
}

/** A search hit: what a data source list shows, for the caller. */
export function dataSourceHitJson(source: DataSourceRow, caller: UserRow, host: DataSourceHost, shape: Shape): Json {
  return {
    id: source.id,
    name: source.name,
    blobHandlerType: 'PostgreSQL',
    status: 'ok',
    connectionString: connectionString(host),
    ...subscription(source, caller),
    deleted: false,
    createdAt: LAB_TIMESTAMP,
    ...(shape.extraFields ? { futureField: FUTURE_FIELD } : {}),
  };
}

/** One data source in full, with where it lives (handler metadata) and, unless asked not to, how many can read it. */
export function dataSourceJson(source: DataSourceRow, caller: UserRow, users: readonly UserRow[], host: DataSourceHost, shape: Shape, includeSubscribers: boolean): Json {
  return {
    ...dataSourceHitJson(source, caller, host, shape),
    description: '',
    policyHandlerType: 'Builder',
    recordFormat: 'json',
    // The Postgres (query engine) names Immuta would give it: lower case, [a-z0-9_].
    sqlSchemaName: source.schema_name,
    sqlTableName: `${source.schema_name}_${source.view_name}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_'),
    ...(includeSubscribers ? { subscribers: users.filter((user) => canRead(source, user)).length } : {}),
    handler: [
      {
        dataSourceId: source.id,
        metadata: {
          dataSourceName: source.name,
          hostname: host.hostname,
          port: host.port,
          database: host.database,
          schema: source.schema_name,
          table: source.view_name,
          ...(shape.extraFields ? { futureField: FUTURE_FIELD } : {}),
        },
      },
    ],
  };
}

function integerParam(params: URLSearchParams, name: string, fallback: number, minimum: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ImmutaLabError(400, `"${name}" must be a number`);
  const value = Number(raw);
  if (value < minimum) throw new ImmutaLabError(400, `"${name}" must be larger than or equal to ${minimum}`);
  return value;
}

function paged<T>(items: T[], params: URLSearchParams, defaultSize: number): Page<T> {
  const size = Math.min(integerParam(params, 'size', defaultSize, 1), 100);
  const offset = integerParam(params, 'offset', 0, 0);
  return { count: items.length, hits: items.slice(offset, offset + size) };
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * GET /dataSource: `searchText` a case-insensitive substring of the name; `schema` the remote
 * schema, exactly; `subscription` (repeatable) the caller's status. Ordered by name. Like
 * Immuta, the listing shows every data source (discovery), with the caller's status on each.
 */
export function searchDataSources(rows: readonly DataSourceRow[], caller: UserRow, params: URLSearchParams): Page<DataSourceRow> {
  const text = params.get('searchText')?.toLowerCase();
  const schema = params.get('schema');
  const statuses = params.getAll('subscription').filter((status) => status !== '');
  const matches = rows
    .filter((row) => !text || row.name.toLowerCase().includes(text))
    .filter((row) => schema === null || schema === '' || row.schema_name === schema)
    .filter((row) => statuses.length === 0 || statuses.includes(canRead(row, caller) ? 'subscribed' : 'not_subscribed'))
    .sort(byName);
  return paged(matches, params, 25);
}

/**
 * GET /dataSource/{id}/access: users who can read the data source now, as state "subscribed"
 * (the only state the lab knows; asking for others lists nobody). `searchText`: a
 * case-insensitive substring of the user name, email or display name.
 */
export function accessJson(source: DataSourceRow, users: readonly UserRow[], params: URLSearchParams, shape: Shape): Json {
  const states = params.getAll('states').filter((state) => state !== '');
  const text = params.get('searchText')?.toLowerCase();
  const listed = states.length === 0 || states.includes('subscribed') ? users.filter((user) => canRead(source, user)) : [];
  const matches = listed
    .filter((user) => !text || user.name.toLowerCase().includes(text) || (user.email ?? '').toLowerCase().includes(text))
    .sort(byName);
  const page = paged(matches, params, 25);
  return {
    count: page.count,
    users: page.hits.map((user) => ({
      profile: user.id,
      iamid: user.iam,
      userid: user.name,
      name: user.name,
      email: user.email ?? undefined,
      state: 'subscribed',
      type: 'user',
      approved: true,
      expiration: null,
      ...(shape.extraFields ? { futureField: FUTURE_FIELD } : {}),
    })),
  };
}

/** GET /project/{id}/dataSources: Model98, each entry a Model97 with the caller's status. */
export function projectDataSourcesJson(project: ProjectRow, rows: readonly DataSourceRow[], caller: UserRow, host: DataSourceHost, params: URLSearchParams): Json {
  const text = params.get('searchText')?.toLowerCase();
  const included = rows.filter((row) => row.project_ids.includes(project.id)).filter((row) => !text || row.name.toLowerCase().includes(text));
  const sorted = [...included].sort(byName);
  if (params.get('sortOrder') === 'desc') sorted.reverse();
  const page = paged(sorted, params, 15);
  return {
    count: page.count,
    dataSources: page.hits.map((row) => ({
      dataSourceId: row.id,
      dataSourceName: row.name,
      addedBy: 'governor@example.com',
      addedOn: LAB_TIMESTAMP,
      deleted: false,
      derivedInThisProject: false,
      policyHandlerType: 'Builder',
      blobHandlerType: 'PostgreSQL',
      subscriptionType: 'manual',
      subscriptionStatus: canRead(row, caller) ? 'subscribed' : 'not_subscribed',
      connectionString: connectionString(host),
    })),
  };
}
