/**
 * Metadata sessions through real worksheets on the lab PostgreSQL (the Redshift path). The
 * catalog queries here are this test's own (information_schema), not the platform's: what is
 * under test is the session (one per identity, impersonated and verified, idle-closed), not the
 * catalog. Each table level also reads `immuta.whoami()`, the fixture's own account of the
 * session's effective user, so a level says as whom it was read. A sequence the top level calls
 * counts the catalog statements that really ran. The profile has the effect probe a lab
 * connection verifies impersonation with (see test/integration/same-result.test.ts).
 */
import * as assert from 'node:assert/strict';
import { MetadataService } from '../../src/metadata/metadata-service';
import type { LevelResult, MetadataQueries, MetadataScope, MetaNode } from '../../src/metadata/types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { lab } from './shared-lab';
import { harnessPerTest, redshiftProfile } from './worksheet-harness';

const APPLICATION = 'immuta-worksheets-metadata-test';
/** Schemas whose table level reads a table no login may read: the level fails at the server. */
const FAILING = 'immuta_raw';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const identifier = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

const QUERIES: MetadataQueries = {
  containers: ['schema'],
  nouns: {},
  children(parent: MetaNode | undefined) {
    if (parent === undefined) {
      return {
        sql: "SELECT schema_name FROM information_schema.schemata WHERE (SELECT nextval('meta_marker.catalog_statements')) > 0 ORDER BY 1",
        read: (_columns, rows) => rows.map((row) => ({ kind: 'schema' as const, name: String(row[0]), path: [String(row[0])] })),
      };
    }
    if (parent.kind === 'schema') {
      const denied = parent.name === FAILING ? ' AND EXISTS (SELECT 1 FROM immuta_raw.customers)' : '';
      return {
        sql: `SELECT t.table_name, t.table_type, w.effective_user FROM information_schema.tables AS t CROSS JOIN immuta.whoami() AS w WHERE t.table_schema = ${literal(parent.name)}${denied} ORDER BY 1`,
        read: (_columns, rows) =>
          rows.map((row) => ({ kind: row[1] === 'VIEW' ? ('view' as const) : ('table' as const), name: String(row[0]), path: [parent.name, String(row[0])], comment: `read as ${String(row[2])}` })),
      };
    }
    return {
      sql: `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(parent.path[0])} AND table_name = ${literal(parent.name)} ORDER BY ordinal_position`,
      read: (_columns, rows) => rows.map((row) => ({ kind: 'column' as const, name: String(row[0]), path: [...parent.path, String(row[0])], dataType: String(row[1]) })),
    };
  },
  qualifiedName: (node) => node.path.map(identifier).join('.'),
  identifier,
  selectTop: (node, rows) => `SELECT * FROM ${node.path.map(identifier).join('.')} LIMIT ${rows}`,
};

const schema = (name: string): MetaNode => ({ kind: 'schema', name, path: [name] });

function nodes(result: LevelResult): readonly MetaNode[] {
  assert.equal(result.kind, 'nodes', result.kind === 'nodes' ? '' : `${result.kind}: ${result.message}`);
  return result.kind === 'nodes' ? result.nodes : [];
}

async function backends(): Promise<{ pid: number; usename: string }[]> {
  return lab().adminQuery('SELECT pid, usename FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [APPLICATION]);
}

async function catalogStatements(): Promise<number> {
  const [row] = await lab().adminQuery<{ n: string }>("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM meta_marker.catalog_statements");
  return Number(row.n);
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let seen = await read();
  while (!done(seen)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(seen)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await read();
  }
  return seen;
}

describe('metadata sessions on the lab PostgreSQL (Redshift path)', function () {
  const current = harnessPerTest();
  let service: MetadataService<Worksheet> | undefined;

  before(async () => {
    await lab().adminQuery('CREATE SCHEMA meta_marker');
    await lab().adminQuery('CREATE SEQUENCE meta_marker.catalog_statements');
    await lab().adminQuery('GRANT USAGE ON SCHEMA meta_marker TO lab_login');
    await lab().adminQuery('GRANT USAGE, UPDATE ON SEQUENCE meta_marker.catalog_statements TO lab_login');
  });
  after(async () => {
    await lab().adminQuery('DROP SCHEMA meta_marker CASCADE');
  });
  afterEach(async () => {
    await service?.dispose();
    service = undefined;
  });

  function start(idleMs: number): { service: MetadataService<Worksheet>; governor: MetadataScope; as(user: string): MetadataScope } {
    const { registry } = current();
    // The effect probe is how a Redshift connection verifies an impersonation (the lab's whoami fails for an unknown user).
    const profile = redshiftProfile('governor', { applicationName: APPLICATION, effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' } });
    service = new MetadataService<Worksheet>({ sessions: { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) }, queries: () => QUERIES, idleMs });
    return { service, governor: { profile, user: undefined }, as: (user) => ({ profile, user }) };
  }

  it('gives governor and bob a session (a backend) each; bob\u2019s reads as bob; both close when idle', async () => {
    // Long enough that neither session idles out between the loads and the counts below, short enough to wait for.
    const { service: meta, governor, as } = start(3000);
    const bob = as('bob@example.com');
    const [mine, his] = await Promise.all([meta.children(governor, schema('sales')), meta.children(bob, schema('sales'))]);
    assert.deepEqual(new Set(nodes(mine).map((node) => node.comment)), new Set(['read as governor@example.com']));
    assert.deepEqual(new Set(nodes(his).map((node) => node.comment)), new Set(['read as bob@example.com']), 'the lab\u2019s effective user of bob\u2019s session is bob');
    const open = await backends();
    assert.equal(open.length, 2, `one backend per identity, saw ${JSON.stringify(open)}`);
    assert.equal(new Set(open.map((backend) => backend.pid)).size, 2);
    // Columns come through the same sessions, and nothing new is opened.
    assert.ok(nodes(await meta.children(bob, { kind: 'view', name: 'customers', path: ['sales', 'customers'] })).some((column) => column.name === 'region'));
    assert.equal((await backends()).length, 2);
    await waitFor('backends of idle metadata sessions', backends, (seen) => seen.length === 0);
    assert.equal(meta.openSessions(), 0);
    assert.ok(meta.cached(bob, schema('sales')) !== undefined, 'the levels stay cached after the sessions close');
  });

  it('lists nothing for a user it cannot impersonate (unverified) and sends no catalog statement', async () => {
    const { service: meta, governor, as } = start(60_000);
    const before = await catalogStatements();
    const result = await meta.children(as('nobody-at-all@example.com'), undefined);
    assert.equal(result.kind, 'unverified');
    assert.match(result.kind === 'unverified' ? result.message : '', /nobody-at-all@example\.com/);
    assert.equal(await catalogStatements(), before, 'no catalog statement ran for the unverified identity');
    assert.equal((await backends()).length, 0, 'its worksheet was closed');
    // The same level as governor does run (so the counter would have seen one).
    assert.ok(nodes(await meta.children(governor, undefined)).some((node) => node.name === 'sales'));
    assert.equal(await catalogStatements(), before + 1);
  });

  it('shows a failing level\u2019s server message on that level; the next level works in the same session', async () => {
    const { service: meta, as } = start(60_000);
    const bob = as('bob@example.com');
    const failed = await meta.children(bob, schema(FAILING));
    assert.equal(failed.kind, 'failed');
    assert.match(failed.kind === 'failed' ? failed.message : '', /permission denied for schema immuta_raw/);
    const sales = nodes(await meta.children(bob, schema('sales')));
    assert.ok(sales.some((node) => node.name === 'customers'));
    assert.equal((await backends()).length, 1, 'one session served both levels');
  });
});
