/**
 * Immuta v1 REST shapes (Swagger: user Model46 with `profile`, search Model48, project Model61)
 * built from the lab's `immuta.users` / `immuta.projects` rows, and the searches over them.
 * Pure apart from the two loaders; immuta-server.ts does HTTP, auth and the test knobs.
 */

export type Json = Record<string, unknown>;

export interface UserRow {
  readonly id: number;
  /** The Immuta username (`userid`), e.g. 'bob@example.com' or "o'brien". */
  readonly name: string;
  readonly email: string | null;
  readonly iam: string;
  readonly login_role: string | null;
  readonly synapse_user: string | null;
  readonly permissions: readonly string[];
  readonly current_project_id: number | null;
}

export interface ProjectRow {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  /** immuta.project_members user ids. */
  readonly members: readonly number[];
}

/** How the answers are shaped: as a newer Immuta (`extraFields`) and/or an older one (`legacy`). */
export interface Shape {
  readonly extraFields: boolean;
  readonly legacy: boolean;
}

/** An answer other than 200: Immuta (hapi) errors are `{statusCode, error, message}`. */
export class ImmutaLabError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  readonly count: number;
  readonly hits: T[];
}

interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** The rows carry no timestamps; a fixed one keeps answers deterministic. */
const LAB_TIMESTAMP = '2024-01-01T00:00:00.000Z';
const FUTURE_FIELD = { nested: [1] } as const;

export function loadUsers(db: Queryable): Promise<UserRow[]> {
  return db.query<UserRow>(
    `SELECT id, name, email, iam, login_role, synapse_user, permissions, current_project_id
     FROM immuta.users`,
  );
}

export function loadProjects(db: Queryable): Promise<ProjectRow[]> {
  return db.query<ProjectRow>(
    `SELECT p.id, p.name, p.description,
            COALESCE(array_agg(m.user_id ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
     FROM immuta.projects AS p LEFT JOIN immuta.project_members AS m ON m.project_id = p.id
     GROUP BY p.id`,
  );
}

/** 'bob@example.com' → 'Bob', "o'brien" → "O'Brien", 'jane.doe@x' → 'Jane Doe'. */
export function displayName(userid: string): string {
  const local = userid.split('@')[0];
  return local
    .split(/[._]+/)
    .filter((word) => word !== '')
    .map((word) => word.replace(/(^|['-])(\p{L})/gu, (_match, before: string, letter: string) => before + letter.toUpperCase()))
    .join(' ');
}

/** Code-point order, so that the answer does not depend on a collation. */
function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

export function userJson(row: UserRow, shape: Shape): Json {
  const name = displayName(row.name);
  const email = row.email ?? undefined;
  const projectId = row.current_project_id === null ? null : shape.extraFields ? String(row.current_project_id) : row.current_project_id;
  const identity: Json = { id: row.id, iamid: row.iam, userid: row.name };
  const person: Json = shape.legacy
    ? { name, email }
    : {
        profile: {
          ...identity,
          name,
          email,
          externalUserIds: {
            // Every lab protocol server logs in as the PostgreSQL login; Synapse maps its own user.
            redshiftUser: row.login_role ?? undefined,
            snowflakeUser: row.login_role ?? undefined,
            databricksUser: row.login_role ?? undefined,
            prestoUser: row.login_role ?? undefined,
            asaUser: row.synapse_user ?? undefined,
          },
          systemGenerated: false,
          createdAt: LAB_TIMESTAMP,
          updatedAt: LAB_TIMESTAMP,
          ...(shape.extraFields ? { pronouns: 'they/them', futureField: FUTURE_FIELD } : {}),
        },
      };
  return {
    ...identity,
    ...person,
    permissions: [...row.permissions],
    ...(shape.legacy ? {} : { groupPermissions: [] }),
    groups: [],
    projectId,
    disabled: false,
    systemGenerated: false,
    authentication: 1,
    createdAt: LAB_TIMESTAMP,
    updatedAt: LAB_TIMESTAMP,
    ...(shape.extraFields ? { futureField: FUTURE_FIELD } : {}),
  };
}

/** Model61, with the caller's subscription taken from immuta.project_members. */
export function projectJson(row: ProjectRow, callerId: number, shape: Shape): Json {
  const member = row.members.includes(callerId);
  return {
    id: row.id,
    projectKey: row.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
    name: row.name,
    status: 'open',
    description: row.description ?? '',
    type: 'User',
    deleted: false,
    tags: [],
    purposes: [],
    allowMaskedJoins: false,
    subscriptionType: 'manual',
    subscriptionStatus: member ? 'subscribed' : 'not_subscribed',
    subscribedAsUser: member,
    createdAt: LAB_TIMESTAMP,
    updatedAt: LAB_TIMESTAMP,
    ...(shape.extraFields ? { futureField: FUTURE_FIELD, workspaceHints: ['lab'] } : {}),
  };
}

/** A whole answer body; a newer Immuta adds fields at the top level too. */
export function topLevel(body: Json, shape: Shape): Json {
  return shape.extraFields ? { ...body, futureField: FUTURE_FIELD } : body;
}

function integerParam(params: URLSearchParams, name: string, fallback: number, minimum: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ImmutaLabError(400, `"${name}" must be a number`);
  const value = Number(raw);
  if (value < minimum) throw new ImmutaLabError(400, `"${name}" must be larger than or equal to ${minimum}`);
  return value;
}

function page<T>(items: T[], params: URLSearchParams, defaultSize: number): Page<T> {
  const size = Math.min(integerParam(params, 'size', defaultSize, 1), 100);
  const offset = integerParam(params, 'offset', 0, 0);
  return { count: items.length, hits: items.slice(offset, offset + size) };
}

/**
 * GET /bim/user. `name`: case-insensitive substring of the display name or the userid;
 * `email`: case-insensitive substring; `userid`: exact; `iamid` (repeatable): any of;
 * `permission`: held by the user. Ordered by userid; `count` is before paging.
 */
export function searchUsers(rows: readonly UserRow[], params: URLSearchParams): Page<UserRow> {
  const name = params.get('name')?.toLowerCase();
  const email = params.get('email')?.toLowerCase();
  const userid = params.get('userid');
  const iams = params.getAll('iamid').filter((iam) => iam !== '');
  const permission = params.get('permission');
  const matches = rows
    .filter((row) => !name || displayName(row.name).toLowerCase().includes(name) || row.name.toLowerCase().includes(name))
    .filter((row) => !email || (row.email ?? '').toLowerCase().includes(email))
    .filter((row) => userid === null || userid === '' || row.name === userid)
    .filter((row) => iams.length === 0 || iams.includes(row.iam))
    .filter((row) => permission === null || permission === '' || row.permissions.includes(permission))
    .sort(byKey((row) => row.name));
  return page(matches, params, 25);
}

/** GET /bim/iam/{iamid}/user/{id}: `id` is the userid, or else the numeric id. */
export function findUser(rows: readonly UserRow[], iamid: string, id: string): UserRow | undefined {
  const inIam = rows.filter((row) => row.iam === iamid);
  return inIam.find((row) => row.name === id) ?? (/^\d+$/.test(id) ? inIam.find((row) => row.id === Number(id)) : undefined);
}

/** GET /project: `searchText` is a case-insensitive substring of the name; ordered by name. */
export function searchProjects(rows: readonly ProjectRow[], params: URLSearchParams): Page<ProjectRow> {
  const text = params.get('searchText')?.toLowerCase();
  const matches = rows.filter((row) => !text || row.name.toLowerCase().includes(text)).sort(byKey((row) => row.name));
  return page(matches, params, 10);
}
