/**
 * The explorer's catalog queries for Redshift and Synapse (src/platforms/<id>/metadata.ts), run
 * through real worksheets against the lab (PostgreSQL's SVV views; the TDS lab's sys views), as
 * governor and as governor impersonating bob. What each identity must see is derived from the
 * fixture's tables (immuta.users, immuta.data_sources) and from PostgreSQL's grants, read as the
 * admin: never from the lab's catalog views themselves.
 */
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import type { MetaNode, MetaQuery, MetadataQueries } from '../../src/metadata/types';
import { metadataQueries } from '../../src/platforms/metadata-queries';
import type { ConnectionProfile } from '../../src/platforms/types';
import type { StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import type { WorksheetRegistry } from '../../src/worksheets/registry';
import type { TdsLab } from '../lab/tds-server';
import { lab } from './shared-lab';
import { synapseProfile, synapseSuiteHooks, type SynapseHarness } from './synapse-harness';
import { collector, harnessPerTest, redshiftProfile, type CollectedResult } from './worksheet-harness';

const BOB = 'bob@example.com';

interface DataSource {
  readonly schema_name: string;
  readonly view_name: string;
  readonly project_only: boolean;
  readonly project_ids: number[];
}

/** Schemas no catalog of the lab lists: PostgreSQL's own and the lab's catalog schemas. */
const NOT_USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'lab_redshift', 'sys') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

/**
 * What `login` acting as `immutaUser` should see, from the fixture: the data sources Immuta lets
 * the user see (project rule of the fixture's header), plus every other relation the login has a
 * privilege on; and the schemas: all, less data-source schemas left with nothing to show.
 */
async function expectedCatalog(login: string, immutaUser: string): Promise<{ tables: Set<string>; hidden: Set<string>; schemas: Set<string> }> {
  const [user] = await lab().adminQuery<{ current_project_id: number | null }>('SELECT current_project_id FROM immuta.users WHERE name = $1', [immutaUser]);
  assert.ok(user, `the fixture has an Immuta user ${immutaUser}`);
  const sources = await lab().adminQuery<DataSource>('SELECT schema_name, view_name, project_only, project_ids FROM immuta.data_sources');
  const visible = (source: DataSource) => (user.current_project_id === null ? !source.project_only : source.project_ids.includes(user.current_project_id));
  const key = (schema: string, name: string) => `${schema}.${name}`;
  const sourceKeys = new Set(sources.map((source) => key(source.schema_name, source.view_name)));
  const hidden = new Set(sources.filter((source) => !visible(source)).map((source) => key(source.schema_name, source.view_name)));
  const relations = await lab().adminQuery<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
     FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${NOT_USER_SCHEMAS}
       AND (pg_has_role($1, c.relowner, 'USAGE') OR has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))`,
    [login],
  );
  const tables = new Set(relations.map((relation) => key(relation.schema, relation.name)).filter((name) => !hidden.has(name)));
  const all = await lab().adminQuery<{ schema: string }>(`SELECT n.nspname AS schema FROM pg_namespace AS n WHERE ${NOT_USER_SCHEMAS}`);
  const sourceSchemas = new Set(sources.map((source) => source.schema_name));
  const schemas = new Set(all.map((row) => row.schema).filter((schema) => !sourceSchemas.has(schema) || [...tables].some((table) => table.startsWith(`${schema}.`))));
  assert.ok([...sourceKeys].some((name) => tables.has(name)) || tables.size > 0, 'the expectation is not empty');
  return { tables, hidden, schemas };
}

/** Runs one level's statement in the worksheet: its outcome and first result set. */
async function runLevel(worksheet: Worksheet, query: MetaQuery): Promise<{ outcome: StatementOutcome; result: CollectedResult | undefined }> {
  const { observer, results } = collector();
  const [outcome] = await worksheet.run([{ text: query.sql }], observer).outcomes;
  return { outcome, result: results[0] };
}

async function level(worksheet: Worksheet, query: MetaQuery): Promise<MetaNode[]> {
  const { outcome, result } = await runLevel(worksheet, query);
  if (outcome.status !== 'succeeded') {
    throw new Error(`the level's query ${outcome.status}: ${outcome.status === 'failed' ? outcome.error.message : ''}\n${query.sql}`);
  }
  return query.read((result?.columns ?? []).map((column) => column.name), result?.rows ?? []);
}

/** The whole tree down to tables: schema names and `schema.table` names. */
async function walk(worksheet: Worksheet, queries: MetadataQueries): Promise<{ schemas: Set<string>; tables: Map<string, MetaNode> }> {
  const schemas = await level(worksheet, queries.children(undefined));
  const tables = new Map<string, MetaNode>();
  for (const schema of schemas) {
    assert.equal(schema.kind, 'schema');
    for (const table of await level(worksheet, queries.children(schema))) {
      assert.deepEqual(table.path, [schema.name, table.name]);
      tables.set(`${schema.name}.${table.name}`, table);
    }
  }
  return { schemas: new Set(schemas.map((schema) => schema.name)), tables };
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

/** The columns of a relation as PostgreSQL defines them (admin's view), in order. */
async function definedColumns(schema: string, table: string): Promise<{ name: string; type: string; nullable: boolean }[]> {
  return lab().adminQuery(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
     FROM pg_attribute AS a WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [schema, table],
  );
}

/** SQL Server's spelling of the fixture's PostgreSQL column types. */
function tsqlType(postgresType: string): string {
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(postgresType);
  if (numeric) return `decimal(${numeric[1]},${numeric[2]})`;
  const known: Record<string, string> = { integer: 'int', bigint: 'bigint', text: 'nvarchar(max)', date: 'date', boolean: 'bit' };
  assert.ok(known[postgresType], `a T-SQL spelling for ${postgresType}`);
  return known[postgresType];
}

interface Platform {
  readonly queries: () => MetadataQueries;
  readonly registry: () => WorksheetRegistry;
  readonly profile: (overrides?: Partial<ConnectionProfile>) => ConnectionProfile;
  readonly columnType: (postgresType: string) => string;
  /** The catalog view the columns level reads, for the refused-level test. */
  readonly columnsView: string;
  /** The server's words when that view is refused. */
  readonly refusal: RegExp;
}

function catalogSuite(platform: Platform): void {
  const worksheetAs = async (user: string | undefined): Promise<Worksheet> => {
    const worksheet = platform.registry().create(platform.profile());
    if (user !== undefined) await worksheet.impersonate(user);
    return worksheet;
  };

  for (const user of [undefined, BOB]) {
    const who = user ?? 'governor@example.com';
    it(`lists schemas and tables as ${user === undefined ? 'governor (no project)' : `governor impersonating ${user}`}: exactly what the fixture lets ${who} see`, async () => {
      const expected = await expectedCatalog('governor', who);
      const seen = await walk(await worksheetAs(user), platform.queries());
      assert.deepEqual(sorted(seen.tables.keys()), sorted(expected.tables));
      for (const hidden of expected.hidden) assert.ok(!seen.tables.has(hidden), `${hidden} is hidden from ${who}`);
      assert.deepEqual(sorted(seen.schemas), sorted(expected.schemas));
      const customers = seen.tables.get('sales.customers');
      assert.equal(customers?.kind, 'view', 'the Customers data source is a view');
    });
  }

  it('governor does not see the project-only Fraud Cases; bob (in Fraud Analytics) sees it and Customers, and no other data source', async () => {
    const governor = await walk(await worksheetAs(undefined), platform.queries());
    const bob = await walk(await worksheetAs(BOB), platform.queries());
    const sources = await lab().adminQuery<{ key: string }>("SELECT schema_name || '.' || view_name AS key FROM immuta.data_sources ORDER BY id");
    const seenBy = (tables: Map<string, MetaNode>) => sources.map((source) => source.key).filter((key) => tables.has(key));
    assert.ok(!governor.tables.has('fraud.cases'));
    assert.deepEqual(seenBy(bob.tables), ['sales.customers', 'fraud.cases']);
    assert.ok(!bob.schemas.has('marketing'), 'a schema of hidden data sources only is not listed');
  });

  it('lists the columns of sales.customers with their types, as bob; none of a data source bob may not see', async () => {
    const worksheet = await worksheetAs(BOB);
    const queries = platform.queries();
    const customers: MetaNode = { kind: 'view', name: 'customers', path: ['sales', 'customers'] };
    const columns = await level(worksheet, queries.children(customers));
    const defined = await definedColumns('sales', 'customers');
    assert.deepEqual(
      columns.map((column) => ({ kind: column.kind, path: column.path, type: column.dataType, nullable: column.nullable })),
      defined.map((column) => ({ kind: 'column', path: ['sales', 'customers', column.name], type: platform.columnType(column.type), nullable: column.nullable })),
    );
    assert.deepEqual(await level(worksheet, queries.children({ kind: 'view', name: 'campaigns', path: ['marketing', 'campaigns'] })), []);

    // Select Top reads the same columns, as bob.
    const { outcome, result } = await runLevel(worksheet, { sql: queries.selectTop(customers, 100), read: () => [] });
    assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : '');
    assert.deepEqual(result?.columns.map((column) => column.name), defined.map((column) => column.name));
    assert.ok((result?.rows.length ?? 0) > 0 && (result?.rows.length ?? 0) <= 100, `${result?.rows.length} rows`);
  });

  it('walks and reads names that need quoting (o\'brien, a"b]c, x]y)', async () => {
    await lab().adminQuery(`CREATE SCHEMA IF NOT EXISTS "o'brien"; CREATE TABLE IF NOT EXISTS "o'brien"."a""b]c" ("x]y" int, "Select" text); GRANT USAGE ON SCHEMA "o'brien" TO lab_login; GRANT SELECT ON "o'brien"."a""b]c" TO lab_login`);
    try {
      const worksheet = await worksheetAs(BOB);
      const queries = platform.queries();
      const schema = (await level(worksheet, queries.children(undefined))).find((node) => node.name === "o'brien");
      assert.ok(schema, "the schema o'brien is listed");
      const [table] = await level(worksheet, queries.children(schema));
      assert.deepEqual(table?.path, ["o'brien", 'a"b]c']);
      assert.deepEqual((await level(worksheet, queries.children(table))).map((column) => column.name), ['x]y', 'Select']);
      const { outcome, result } = await runLevel(worksheet, { sql: queries.selectTop(table, 100), read: () => [] });
      assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.error.message : '');
      assert.deepEqual(result?.columns.map((column) => column.name), ['x]y', 'Select']);
    } finally {
      await lab().adminQuery(`DROP SCHEMA "o'brien" CASCADE`);
    }
  });

  it('a level whose query the server refuses surfaces the server’s message; the other levels still load', async () => {
    const worksheet = await worksheetAs(BOB);
    const queries = platform.queries();
    await lab().adminQuery(`REVOKE SELECT ON ${platform.columnsView} FROM lab_login`);
    try {
      const { outcome } = await runLevel(worksheet, queries.children({ kind: 'view', name: 'customers', path: ['sales', 'customers'] }));
      assert.equal(outcome.status, 'failed');
      if (outcome.status === 'failed') assert.match(outcome.error.message, platform.refusal);
    } finally {
      await lab().adminQuery(`GRANT SELECT ON ${platform.columnsView} TO lab_login`);
    }
    const schemas = await level(worksheet, queries.children(undefined));
    assert.ok(schemas.some((schema) => schema.name === 'sales'));
  });
}

describe('metadata: Redshift catalog (SVV views) as the effective identity', () => {
  const harness = harnessPerTest();
  catalogSuite({
    queries: () => metadataQueries('redshift') as MetadataQueries,
    registry: () => harness().registry,
    profile: () => redshiftProfile('governor'),
    columnType: (postgresType) => postgresType,
    columnsView: 'lab_redshift.svv_columns',
    refusal: /permission denied for view svv_columns/,
  });
});

describe('metadata: Synapse catalog (sys views) as the effective identity', () => {
  let server: TdsLab | undefined;
  let harness: SynapseHarness | undefined;
  /** The profile maps bob to his Synapse user, as the fixture links them (immuta.users.synapse_user). */
  let bobOnSynapse = '';
  synapseSuiteHooks(
    (started) => (server = started),
    (made) => (harness = made),
  );
  before(async () => {
    const [row] = await lab().adminQuery<{ synapse_user: string }>('SELECT synapse_user FROM immuta.users WHERE name = $1', [BOB]);
    assert.ok(row?.synapse_user, `the fixture links ${BOB} to a Synapse user`);
    bobOnSynapse = row.synapse_user;
  });
  catalogSuite({
    queries: () => metadataQueries('synapse') as MetadataQueries,
    registry: () => (harness as SynapseHarness).registry,
    profile: () => synapseProfile(server as TdsLab, 'governor', { userMap: { [BOB]: bobOnSynapse } }),
    columnType: tsqlType,
    columnsView: 'sys.columns',
    refusal: /permission denied for view columns/,
  });
});

describe('lab catalogs check the identity as a data read does, and log nothing', () => {
  it('an impersonation the login may not hold fails every catalog view with the fixture’s message; a catalog read writes no query_log row', async () => {
    const analyst = lab().logins.analyst;
    const client = new Client({ host: lab().host, port: lab().port, database: lab().database, user: analyst.user, password: analyst.password });
    await client.connect();
    try {
      const before = await lab().adminQuery<{ count: string }>('SELECT count(*) FROM immuta.query_log');
      const [own] = (await client.query<{ table_name: string }>("SELECT table_name FROM svv_tables WHERE table_schema = 'sales'")).rows;
      assert.equal(own?.table_name, 'customers', 'the login reads its own catalog');
      const after = await lab().adminQuery<{ count: string }>('SELECT count(*) FROM immuta.query_log');
      assert.equal(after[0].count, before[0].count);

      await client.query('CALL immuta_procedures.impersonate_user($1)', [BOB]);
      for (const view of ['svv_all_schemas', 'svv_tables', 'svv_columns', 'sys.schemas', 'sys.objects', 'sys.columns']) {
        await assert.rejects(client.query(`SELECT * FROM ${view}`), /does not have the IMPERSONATE_USER permission/, view);
      }
    } finally {
      await client.end();
    }
  });
});
