/**
 * Issue 19: the catalog queries of Trino, Snowflake and Databricks Spark, run through real
 * worksheets (bundled drivers, the labs' protocol servers) as governor and as bob. What each
 * identity must see is derived from the fixture's Immuta metadata (immuta.data_sources,
 * immuta.users, and the project rule of immuta.access_context), never written down here.
 */
import * as assert from 'node:assert/strict';
import type { MetaNode, MetadataQueries } from '../../src/metadata/types';
import { metadataQueries } from '../../src/platforms/metadata-queries';
import type { ConnectionProfile } from '../../src/platforms/types';
import type { WorksheetRegistry } from '../../src/worksheets/registry';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { startDatabricksLab } from '../lab/databricks-server';
import { startSnowflakeLab } from '../lab/snowflake-server';
import { startTrinoLab } from '../lab/trino-server';
import { createDatabricksHarness, databricksProfile } from './databricks-harness';
import { lab } from './shared-lab';
import { createSnowflakeHarness, snowflakeProfile } from './snowflake-harness';
import { createTrinoHarness, trinoProfile } from './trino-harness';
import { collector } from './worksheet-harness';

const GOVERNOR = 'governor@example.com';
const BOB = 'bob@example.com';

interface Platform {
  readonly id: 'trino' | 'snowflake' | 'databricks';
  /** A lab server and a registry whose governor profile opens worksheets on it. */
  start(): Promise<{ registry: WorksheetRegistry; profile: ConnectionProfile; close(): Promise<void> }>;
  /** A fixture (PostgreSQL) name as this platform's catalog spells it. */
  spell(name: string): string;
  /** A fixture column type (PostgreSQL's format_type) as this platform's catalog names it. */
  type(pgType: string): string;
  /** A catalog statement that fails on the server, and the server's words for why. */
  readonly failing: { readonly parent: MetaNode; readonly message: RegExp };
  /** The server's words when analyst, who may not impersonate, tries to act as bob. */
  readonly refused: RegExp;
}

const IMMUTA_REFUSAL = /analyst@example\.com does not have the IMPERSONATE_USER permission/;

function numeric(pgType: string): [string, string] | undefined {
  const match = /^numeric\((\d+),(\d+)\)$/.exec(pgType);
  return match ? [match[1], match[2]] : undefined;
}

function unknownType(pgType: string): never {
  throw new Error(`the test maps no platform type for ${pgType}`);
}

const PLATFORMS: readonly Platform[] = [
  {
    id: 'trino',
    async start() {
      const server = await startTrinoLab(lab());
      return { registry: createTrinoHarness(server).registry, profile: trinoProfile(server, 'governor'), close: () => server.close() };
    },
    spell: (name) => name,
    type: (pgType) => {
      const decimal = numeric(pgType);
      if (decimal) return `decimal(${decimal[0]},${decimal[1]})`;
      return ({ integer: 'integer', bigint: 'bigint', text: 'varchar', date: 'date', boolean: 'boolean' } as Record<string, string>)[pgType] ?? unknownType(pgType);
    },
    failing: { parent: { kind: 'catalog', name: 'no_such_catalog', path: ['no_such_catalog'] }, message: /Catalog 'no_such_catalog' not found/ },
    refused: IMMUTA_REFUSAL,
  },
  {
    id: 'snowflake',
    async start() {
      const server = await startSnowflakeLab(lab());
      return { registry: createSnowflakeHarness().registry, profile: snowflakeProfile(server, 'governor'), close: () => server.close() };
    },
    spell: (name) => name.toUpperCase(),
    type: (pgType) => {
      const decimal = numeric(pgType);
      if (decimal) return `NUMBER(${decimal[0]},${decimal[1]})`;
      return ({ integer: 'NUMBER(38,0)', bigint: 'NUMBER(38,0)', text: 'TEXT', date: 'DATE', boolean: 'BOOLEAN' } as Record<string, string>)[pgType] ?? unknownType(pgType);
    },
    failing: { parent: { kind: 'catalog', name: 'NO_SUCH_DB', path: ['NO_SUCH_DB'] }, message: /Database 'NO_SUCH_DB' does not exist or not authorized/ },
    // Snowflake refuses earlier: analyst is not granted Immuta's impersonation role.
    refused: /Role 'IMMUTA_IMPERSONATION' does not exist or not authorized/,
  },
  {
    id: 'databricks',
    async start() {
      const server = await startDatabricksLab(lab());
      return { registry: createDatabricksHarness(server).registry, profile: databricksProfile(server, 'governor'), close: () => server.close() };
    },
    spell: (name) => name,
    type: (pgType) => {
      const decimal = numeric(pgType);
      if (decimal) return `decimal(${decimal[0]},${decimal[1]})`;
      return ({ integer: 'int', bigint: 'bigint', text: 'string', date: 'date', boolean: 'boolean' } as Record<string, string>)[pgType] ?? unknownType(pgType);
    },
    failing: { parent: { kind: 'schema', name: 'no_such_db', path: ['no_such_db'] }, message: /SCHEMA_NOT_FOUND.*no_such_db/ },
    refused: IMMUTA_REFUSAL,
  },
];

interface DataSource {
  readonly name: string;
  readonly schema_name: string;
  readonly view_name: string;
  readonly project_ids: number[];
  readonly project_only: boolean;
}

/** The data sources `user` may read, by the fixture's rule (immuta.access_context). */
async function visibleDataSources(user: string): Promise<{ visible: DataSource[]; hidden: DataSource[] }> {
  const sources = await lab().adminQuery<DataSource>('SELECT name, schema_name, view_name, project_ids, project_only FROM immuta.data_sources ORDER BY id');
  const [who] = await lab().adminQuery<{ current_project_id: number | null }>('SELECT current_project_id FROM immuta.users WHERE name = $1', [user]);
  assert.ok(who, `the fixture has an Immuta user ${user}`);
  const sees = (source: DataSource) => (who.current_project_id === null ? !source.project_only : source.project_ids.includes(who.current_project_id));
  return { visible: sources.filter(sees), hidden: sources.filter((source) => !sees(source)) };
}

/** One level, as a metadata session runs it: the level's statement, its first result set, read(). */
async function level(worksheet: Worksheet, queries: MetadataQueries, parent: MetaNode | undefined): Promise<MetaNode[]> {
  const query = queries.children(parent);
  const { observer, results } = collector();
  const [outcome] = await worksheet.run([{ text: query.sql }], observer).outcomes;
  if (outcome.status !== 'succeeded') {
    throw new Error(outcome.status === 'failed' ? outcome.error.message : `${query.sql}: ${outcome.status}`);
  }
  const [first] = results;
  return query.read(
    first.columns.map((column) => column.name),
    first.rows,
  );
}

/** Every table and view the identity's catalog lists, as `schema.table` (container levels walked). */
async function walk(worksheet: Worksheet, queries: MetadataQueries): Promise<Map<string, MetaNode>> {
  let containers: MetaNode[] = [];
  let parents: (MetaNode | undefined)[] = [undefined];
  for (const kind of queries.containers) {
    containers = [];
    for (const parent of parents) {
      const nodes = await level(worksheet, queries, parent);
      assert.ok(nodes.every((node) => node.kind === kind), `the ${kind} level lists ${kind}s`);
      containers.push(...nodes);
    }
    parents = containers;
  }
  const objects = new Map<string, MetaNode>();
  for (const schema of containers) {
    for (const node of await level(worksheet, queries, schema)) {
      assert.ok(node.kind === 'table' || node.kind === 'view', `${node.name} is a table or a view`);
      objects.set(`${schema.name}.${node.name}`, node);
    }
  }
  return objects;
}

for (const platform of PLATFORMS) {
  describe(`catalog queries on the ${platform.id} lab, as the worksheet's identity (issue 19)`, function () {
    this.timeout(60000);
    const queries = metadataQueries(platform.id);
    let setup: Awaited<ReturnType<Platform['start']>>;

    before(async () => {
      setup = await platform.start();
    });

    after(async () => {
      await setup.registry.dispose();
      await setup.close();
    });

    async function worksheetAs(user: string | undefined): Promise<Worksheet> {
      const worksheet = setup.registry.create(setup.profile);
      if (user !== undefined) await worksheet.impersonate(user);
      return worksheet;
    }

    const name = (source: DataSource) => `${platform.spell(source.schema_name)}.${platform.spell(source.view_name)}`;

    for (const [who, user] of [
      ['governor (himself, no project)', undefined],
      ['governor impersonating bob (project Fraud Analytics)', BOB],
    ] as const) {
      it(`lists exactly the data sources the fixture lets ${who} read`, async () => {
        assert.ok(queries, `${platform.id} has catalog queries`);
        const expected = await visibleDataSources(user ?? GOVERNOR);
        // The fixture must make a difference for the test to prove one.
        assert.ok(expected.hidden.length > 0 && expected.visible.length > 0, 'some data sources are visible and some hidden');
        const listed = await walk(await worksheetAs(user), queries);
        for (const source of expected.visible) assert.ok(listed.has(name(source)), `${name(source)} (${source.name}) is listed; listed: ${[...listed.keys()].join(', ')}`);
        for (const source of expected.hidden) assert.ok(!listed.has(name(source)), `${name(source)} (${source.name}) is not listed`);
      });
    }

    it('reads the brief’s cases: governor lacks fraud.cases; bob has sales.customers and fraud.cases, not marketing.campaigns', async () => {
      assert.ok(queries);
      const governor = await walk(await worksheetAs(undefined), queries);
      const bob = await walk(await worksheetAs(BOB), queries);
      const spelled = (qualified: string) => qualified.split('.').map(platform.spell).join('.');
      assert.equal(governor.has(spelled('fraud.cases')), false);
      assert.equal(governor.has(spelled('sales.customers')), true);
      assert.equal(bob.has(spelled('sales.customers')), true);
      assert.equal(bob.has(spelled('fraud.cases')), true);
      assert.equal(bob.has(spelled('marketing.campaigns')), false);
    });

    it('lists the columns of sales.customers with their types, as bob; Select Top reads it as bob', async () => {
      assert.ok(queries);
      const worksheet = await worksheetAs(BOB);
      const listed = await walk(worksheet, queries);
      const customers = listed.get(`${platform.spell('sales')}.${platform.spell('customers')}`);
      assert.ok(customers, 'sales.customers is listed for bob');
      const columns = await level(worksheet, queries, customers);
      const fixture = await lab().adminQuery<{ attname: string; type: string }>(
        `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = 'sales.customers'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      );
      assert.deepEqual(
        columns.map((column) => [column.kind, column.name, column.dataType]),
        fixture.map((column) => ['column', platform.spell(column.attname), platform.type(column.type)]),
      );
      assert.deepEqual(columns[0].path, [...customers.path, columns[0].name]);

      const { observer, results } = collector();
      const [outcome] = await worksheet.run([{ text: queries.selectTop(customers, 100) }], observer).outcomes;
      assert.equal(outcome.status, 'succeeded', queries.selectTop(customers, 100));
      const region = results[0].columns.findIndex((column) => column.name.toLowerCase() === 'region');
      const [bob] = await lab().adminQuery<{ regions: string[] }>(`SELECT ARRAY(SELECT jsonb_array_elements_text(attributes -> 'region')) AS regions FROM immuta.users WHERE name = $1`, [BOB]);
      assert.ok(results[0].rows.length > 0 && results[0].rows.length <= 100);
      assert.ok(results[0].rows.every((row) => bob.regions.includes(String(row[region]))), 'only bob’s regions');
    });

    it('lists nothing for an identity the server cannot establish (analyst may not impersonate): the server’s refusal is what comes back', async () => {
      assert.ok(queries);
      const worksheet = setup.registry.create({ ...setup.profile, name: setup.profile.name.replace('governor', 'analyst'), user: lab().logins.analyst.user } as ConnectionProfile);
      let refused: Error | undefined;
      try {
        await worksheet.impersonate(BOB);
      } catch (error) {
        refused = error as Error; // verified at once: the worksheet never acts as bob
      }
      const listing = refused ? Promise.reject(refused) : walk(worksheet, queries);
      await assert.rejects(listing, (error: Error) => {
        assert.match(error.message, platform.refused);
        return true;
      });
    });

    it('a level the server refuses fails with the server’s message', async () => {
      assert.ok(queries);
      const worksheet = await worksheetAs(BOB);
      await assert.rejects(level(worksheet, queries, platform.failing.parent), (error: Error) => {
        assert.match(error.message, platform.failing.message);
        return true;
      });
    });
  });
}
