/**
 * What a lab login's catalog lists, for the protocol labs' catalog statements (issue 19), in the
 * Immuta model of fixture.sql: the PostgreSQL session of the login, with the session's
 * impersonation already applied, says who the effective user is (immuta.whoami(), which fails
 * exactly as a policy view would for an identity that cannot be established); the data sources
 * that user may not read (immuta.access_context's project rule, evaluated by the lab's admin
 * connection from immuta.users and immuta.data_sources) are left out; everything else is listed
 * as PostgreSQL's catalog lists it to the login.
 */
import type { Client } from 'pg';
import type { LabPostgres } from './postgres';

export interface CatalogObject {
  readonly schema: string;
  readonly name: string;
  /** As PostgreSQL's information_schema says: BASE TABLE or VIEW. */
  readonly type: 'BASE TABLE' | 'VIEW';
}

export interface CatalogColumn {
  readonly name: string;
  /** PostgreSQL's type oid and modifier, for each lab to name the type as its platform would. */
  readonly oid: number;
  readonly typmod: number;
  readonly nullable: boolean;
}

/** Schemas that are PostgreSQL's own, not the lab world's. */
const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;

/** The effective Immuta user of the login's session (errors as a policy view's would). */
async function effectiveUser(client: Client): Promise<string> {
  const result = await client.query<{ effective_user: string }>('SELECT effective_user FROM immuta.whoami()');
  return result.rows[0].effective_user;
}

/** `schema.view` of each data source the user may not read: the rule of immuta.access_context. */
async function hiddenDataSources(lab: LabPostgres, user: string): Promise<Set<string>> {
  const rows = await lab.adminQuery<{ schema_name: string; view_name: string }>(
    `SELECT ds.schema_name, ds.view_name
       FROM immuta.data_sources AS ds CROSS JOIN immuta.users AS u
      WHERE u.name = $1
        AND NOT CASE WHEN u.current_project_id IS NULL THEN NOT ds.project_only
                     ELSE u.current_project_id = ANY (ds.project_ids) END`,
    [user],
  );
  return new Set(rows.map((row) => key(row.schema_name, row.view_name)));
}

function key(schema: string, name: string): string {
  return JSON.stringify([schema, name]);
}

/** The schemas the login may use. */
export async function catalogSchemas(client: Client): Promise<string[]> {
  await effectiveUser(client);
  const result = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'USAGE') AND nspname NOT IN ${SYSTEM_SCHEMAS} AND nspname NOT LIKE 'pg\\_%' ORDER BY nspname`,
  );
  return result.rows.map((row) => row.nspname);
}

/** Whether the login may use the schema. */
export async function schemaExists(client: Client, schema: string): Promise<boolean> {
  return (await catalogSchemas(client)).includes(schema);
}

/** The tables and views of `schema` the effective user may see, by name. */
export async function catalogObjects(client: Client, lab: LabPostgres, schema: string): Promise<CatalogObject[]> {
  const hidden = await hiddenDataSources(lab, await effectiveUser(client));
  const result = await client.query<{ table_name: string; table_type: 'BASE TABLE' | 'VIEW' }>(
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 AND table_schema NOT IN ${SYSTEM_SCHEMAS} ORDER BY table_name`,
    [schema],
  );
  return result.rows.filter((row) => !hidden.has(key(schema, row.table_name))).map((row) => ({ schema, name: row.table_name, type: row.table_type }));
}

// Some labs' connections parse no types (every value arrives as PostgreSQL's text), so numbers
// and booleans are read both ways.

/** The columns of a table or view the effective user may see, or undefined when it is not there for them. */
export async function catalogColumns(client: Client, lab: LabPostgres, schema: string, table: string): Promise<CatalogColumn[] | undefined> {
  const objects = await catalogObjects(client, lab, schema);
  if (!objects.some((object) => object.name === table)) return undefined;
  const result = await client.query<{ attname: string; atttypid: unknown; atttypmod: unknown; nullable: unknown }>(
    `SELECT a.attname, a.atttypid::int AS atttypid, a.atttypmod, NOT a.attnotnull AS nullable
       FROM pg_attribute AS a
      WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  return result.rows.map((row) => ({ name: row.attname, oid: Number(row.atttypid), typmod: Number(row.atttypmod), nullable: row.nullable === true || row.nullable === 't' }));
}
