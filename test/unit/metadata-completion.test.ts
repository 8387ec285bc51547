import * as assert from 'node:assert/strict';
import { complete, scopeCache, type CompletionAnswer, type CompletionCache } from '../../src/metadata/completion';
import { MetadataService } from '../../src/metadata/metadata-service';
import type { MetadataQueries, MetaKind, MetaNode } from '../../src/metadata/types';
import type { RedshiftProfile } from '../../src/platforms/types';
import type { SqlDialectId } from '../../src/sql/dialects';
import { FAKE_QUERIES, fakeTimers, fakeWorld } from './metadata-fakes';

/** A dialect's identifier rules, as far as completion uses them. */
function queriesFor(containers: readonly ('catalog' | 'schema')[], plain: RegExp, quote: (name: string) => string): MetadataQueries {
  const identifier = (name: string) => (plain.test(name) ? name : quote(name));
  return {
    containers,
    nouns: {},
    children: () => ({ sql: 'unused', read: () => [] }),
    qualifiedName: (node) => node.path.map(identifier).join('.'),
    identifier,
    selectTop: () => 'unused',
  };
}

const REDSHIFT = queriesFor(['schema'], /^[a-z_][a-z0-9_$]*$/, (name) => `"${name.replace(/"/g, '""')}"`);
const SYNAPSE = queriesFor(['schema'], /^[A-Za-z_][A-Za-z0-9_]*$/, (name) => `[${name.replace(/]/g, ']]')}]`);
const SNOWFLAKE = queriesFor(['catalog', 'schema'], /^[A-Z_][A-Z0-9_$]*$/, (name) => `"${name.replace(/"/g, '""')}"`);
const TRINO = queriesFor(['catalog', 'schema'], /^[a-z_][a-z0-9_]*$/, (name) => `"${name.replace(/"/g, '""')}"`);
const SPARK = queriesFor(['schema'], /^[A-Za-z_][A-Za-z0-9_]*$/, (name) => `\`${name.replace(/`/g, '``')}\``);

/** A cache built from paths: 'sales' → its tables, 'sales.customers' → its columns; the top under ''. */
function cacheOf(levels: Record<string, string[]>, kinds: readonly MetaKind[]): CompletionCache & { asked: string[] } {
  const asked: string[] = [];
  const nodes = new Map<string, MetaNode[]>();
  for (const [key, names] of Object.entries(levels)) {
    const path = key === '' ? [] : key.split('.');
    nodes.set(
      key,
      names.map((entry) => {
        const [name, type] = entry.split(':');
        const kind: MetaKind = path.length < kinds.length ? kinds[path.length] : 'column';
        return { kind: kind === 'table' && name.startsWith('v_') ? 'view' : kind, name, path: [...path, name], ...(type === undefined ? {} : { dataType: type }) };
      }),
    );
  }
  return {
    asked,
    cached: (parent) => nodes.get(parent?.path.join('.') ?? ''),
    prefetch: (parent) => void asked.push(parent?.path.join('.') ?? '(top)'),
  };
}

const REDSHIFT_LEVELS = {
  '': ['public', 'sales', 'marketing'],
  sales: ['customers', 'orders', 'Order Items', 'v_revenue'],
  public: ['notes'],
  'sales.customers': ['id:integer', 'full_name:varchar', 'region:varchar', 'ssn:varchar'],
  'sales.orders': ['id:integer', 'customer_id:integer', 'total:numeric'],
};
const SCHEMA_KINDS: MetaKind[] = ['schema', 'table'];
const CATALOG_KINDS: MetaKind[] = ['catalog', 'schema', 'table'];

/** Completes at the `|` in `sql`. */
function at(sql: string, dialect: SqlDialectId, queries: MetadataQueries, cache: CompletionCache, maxItems?: number): CompletionAnswer & { offset: number } {
  const offset = sql.indexOf('|');
  const text = sql.slice(0, offset) + sql.slice(offset + 1);
  return { ...complete({ text, offset, dialect, queries, cache, ...(maxItems === undefined ? {} : { maxItems }) }), offset };
}

const labels = (answer: CompletionAnswer, kinds: readonly string[]) => answer.items.filter((item) => kinds.includes(item.kind)).map((item) => item.label).sort();
const insert = (answer: CompletionAnswer, label: string) => answer.items.find((item) => item.label === label)?.insertText;

describe('completion on Redshift (PostgreSQL rules)', () => {
  it('after FROM offers schemas and every cached table, inserted qualified and quoted where needed', () => {
    const answer = at('SELECT * FROM |', 'postgres', REDSHIFT, cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS));
    assert.deepEqual(labels(answer, ['schema']), ['marketing', 'public', 'sales']);
    assert.deepEqual(labels(answer, ['table', 'view']), ['Order Items', 'customers', 'notes', 'orders', 'v_revenue']);
    assert.equal(insert(answer, 'customers'), 'sales.customers');
    assert.equal(insert(answer, 'Order Items'), 'sales."Order Items"');
    assert.equal(answer.items.find((item) => item.label === 'v_revenue')?.kind, 'view');
    assert.equal(answer.incomplete, false, 'marketing\u2019s tables are not asked for until the user names it');
  });

  it('after `schema.` offers that schema\u2019s tables and replaces only what is typed of the name', () => {
    const answer = at('SELECT * FROM sales.cu| WHERE 1 = 1', 'postgres', REDSHIFT, cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS));
    assert.deepEqual(labels(answer, ['table', 'view']), ['Order Items', 'customers', 'orders', 'v_revenue']);
    assert.equal(insert(answer, 'customers'), 'customers');
    assert.equal(insert(answer, 'Order Items'), '"Order Items"');
    assert.deepEqual([answer.replaceStart, answer.replaceEnd], [answer.offset - 2, answer.offset]);
    assert.deepEqual(labels(answer, ['keyword']), [], 'no keyword after a qualifier');
  });

  it('after `alias.` offers that table\u2019s columns, resolving aliases from FROM and JOIN', () => {
    const cache = cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS);
    const sql = 'SELECT c.|, o.total FROM sales.customers c JOIN sales.orders AS o ON o.customer_id = c.id';
    assert.deepEqual(labels(at(sql, 'postgres', REDSHIFT, cache), ['column']), ['full_name', 'id', 'region', 'ssn']);
    const orders = at('SELECT c.id FROM sales.customers c JOIN sales.orders AS o ON o.| = c.id', 'postgres', REDSHIFT, cache);
    assert.deepEqual(labels(orders, ['column']), ['customer_id', 'id', 'total']);
    assert.equal(orders.items.find((item) => item.label === 'total')?.detail, 'numeric');
  });

  it('in the select list offers the statement\u2019s columns first, then its aliases, functions and keywords', () => {
    const answer = at('SELECT | FROM sales.customers AS c, public.notes', 'postgres', REDSHIFT, cacheOf({ ...REDSHIFT_LEVELS, 'public.notes': ['id:integer', 'body:text'] }, SCHEMA_KINDS));
    assert.deepEqual(labels(answer, ['column']), ['body', 'full_name', 'id', 'region', 'ssn']);
    assert.deepEqual(labels(answer, ['alias']), ['c']);
    const sorted = [...answer.items].sort((a, b) => a.sortText.localeCompare(b.sortText));
    assert.equal(sorted[0].kind, 'column');
    assert.ok(labels(answer, ['function']).includes('NVL') && labels(answer, ['keyword']).includes('ILIKE'));
  });

  it('offers nothing inside a string or a comment', () => {
    const cache = cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS);
    assert.equal(at("SELECT 'FROM sales.|' FROM sales.customers", 'postgres', REDSHIFT, cache).items.length, 0);
    assert.equal(at('SELECT 1 -- FROM sales.|', 'postgres', REDSHIFT, cache).items.length, 0);
    assert.equal(at('SELECT 1 /* FROM | */', 'postgres', REDSHIFT, cache).items.length, 0);
    assert.equal(at('SELECT $$ FROM | $$', 'postgres', REDSHIFT, cache).items.length, 0);
    assert.ok(at('SELECT 1 /* note */ FROM |', 'postgres', REDSHIFT, cache).items.length > 0, 'after a closed comment it completes again');
  });

  it('never waits: a level it lacks is asked for in the background and the answer says it is incomplete', () => {
    const cache = cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS);
    const tables = at('SELECT * FROM marketing.|', 'postgres', REDSHIFT, cache);
    assert.deepEqual([tables.items.length, tables.incomplete, cache.asked], [0, true, ['marketing']]);
    const columns = at('SELECT v.| FROM sales.v_revenue v', 'postgres', REDSHIFT, cache);
    assert.deepEqual([columns.items.length, columns.incomplete, cache.asked.at(-1)], [0, true, 'sales.v_revenue']);
    const empty = cacheOf({}, SCHEMA_KINDS);
    assert.equal(at('SELECT * FROM |', 'postgres', REDSHIFT, empty).incomplete, true);
    assert.deepEqual(empty.asked, ['(top)']);
  });

  it('reads only the statement around the cursor', () => {
    const answer = at('SELECT c.id FROM sales.customers c;\nSELECT c.| FROM sales.orders c;\nSELECT 1', 'postgres', REDSHIFT, cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS));
    assert.deepEqual(labels(answer, ['column']), ['customer_id', 'id', 'total']);
  });

  it('after a comma in FROM a table comes next; an unqualified table finds its schema', () => {
    const cache = cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS);
    assert.ok(labels(at('SELECT * FROM sales.customers c, |', 'postgres', REDSHIFT, cache), ['table']).includes('orders'));
    assert.deepEqual(labels(at('SELECT * FROM customers WHERE customers.|', 'postgres', REDSHIFT, cache), ['column']), ['full_name', 'id', 'region', 'ssn']);
  });

  it('keeps the quote the user opened, and cuts a long list to what is typed', () => {
    const cache = cacheOf(REDSHIFT_LEVELS, SCHEMA_KINDS);
    const quoted = at('SELECT * FROM sales."Or|', 'postgres', REDSHIFT, cache);
    assert.equal(insert(quoted, 'Order Items'), '"Order Items"');
    assert.equal(insert(quoted, 'orders'), '"orders"');
    assert.equal(quoted.replaceStart, quoted.offset - 3);
    const cut = at('SELECT * FROM sales.o|', 'postgres', REDSHIFT, cache, 2);
    assert.deepEqual([labels(cut, ['table', 'view']), cut.incomplete], [['Order Items', 'orders'], true]);
  });
});

describe('completion on the other dialects', () => {
  it('Synapse (T-SQL): brackets where needed, TOP among the keywords, columns in the select list', () => {
    const cache = cacheOf({ '': ['dbo', 'sales'], dbo: ['Customers', 'Order Lines'], 'dbo.Customers': ['CustomerId:int', 'Full Name:nvarchar'] }, SCHEMA_KINDS);
    const list = at('SELECT TOP 10 | FROM dbo.Customers', 'tsql', SYNAPSE, cache);
    assert.deepEqual(labels(list, ['column']), ['CustomerId', 'Full Name']);
    assert.equal(insert(list, 'Full Name'), '[Full Name]');
    assert.ok(labels(list, ['keyword']).includes('TOP') && labels(list, ['function']).includes('ISNULL'));
    assert.equal(insert(at('SELECT * FROM |', 'tsql', SYNAPSE, cache), 'Order Lines'), 'dbo.[Order Lines]');
    const bracket = at('SELECT * FROM dbo.[Ord|', 'tsql', SYNAPSE, cache);
    assert.equal(insert(bracket, 'Customers'), '[Customers]');
  });

  it('Snowflake: databases then schemas then tables; an unquoted name typed in lower case finds its upper-case object', () => {
    const cache = cacheOf({ '': ['ANALYTICS', 'RAW'], ANALYTICS: ['PUBLIC', 'FINANCE'], 'ANALYTICS.PUBLIC': ['CUSTOMERS', 'mixedCase'], 'ANALYTICS.PUBLIC.CUSTOMERS': ['ID:NUMBER', 'REGION:TEXT'] }, CATALOG_KINDS);
    assert.deepEqual(labels(at('select * from analytics.|', 'snowflake', SNOWFLAKE, cache), ['schema']), ['FINANCE', 'PUBLIC']);
    const tables = at('select * from analytics.public.|', 'snowflake', SNOWFLAKE, cache);
    assert.deepEqual(labels(tables, ['table']), ['CUSTOMERS', 'mixedCase']);
    assert.equal(insert(tables, 'mixedCase'), '"mixedCase"');
    assert.deepEqual(labels(at('select c.| from analytics.public.customers c qualify 1 = 1', 'snowflake', SNOWFLAKE, cache), ['column']), ['ID', 'REGION']);
    assert.deepEqual(labels(at('select * from public.|', 'snowflake', SNOWFLAKE, cache), ['table']), ['CUSTOMERS', 'mixedCase'], 'a schema of a cached database');
    assert.equal(insert(at('select * from |', 'snowflake', SNOWFLAKE, cache), 'CUSTOMERS'), 'ANALYTICS.PUBLIC.CUSTOMERS');
  });

  it('Trino: catalog.schema.table references resolve to their columns', () => {
    const cache = cacheOf({ '': ['hive', 'system'], hive: ['sales'], 'hive.sales': ['orders'], 'hive.sales.orders': ['order_id:bigint', 'amount:double'] }, CATALOG_KINDS);
    const answer = at('SELECT o.| FROM hive.sales.orders o CROSS JOIN UNNEST(ARRAY[1]) AS t(x)', 'trino', TRINO, cache);
    assert.deepEqual(labels(answer, ['column']), ['amount', 'order_id']);
    assert.deepEqual(labels(at('SELECT * FROM hive.|', 'trino', TRINO, cache), ['schema']), ['sales']);
  });

  it('Databricks Spark: backticks where needed; a double-quoted text is a string, not a name', () => {
    const cache = cacheOf({ '': ['default', 'fraud'], fraud: ['cases'], 'fraud.cases': ['case id:int', 'status:string'] }, SCHEMA_KINDS);
    const answer = at('SELECT f.| FROM fraud.cases f', 'spark', SPARK, cache);
    assert.equal(insert(answer, 'case id'), '`case id`');
    assert.equal(at('SELECT "fraud.|" FROM fraud.cases', 'spark', SPARK, cache).items.length, 0);
  });
});

describe('completion from a metadata service', () => {
  it('answers at once without what is not loaded, fills the cache in the background, and offers it on the next request', async () => {
    const fake = fakeWorld();
    fake.answers.set('schemas', { rows: [['sales']] });
    fake.answers.set('tables of sales', { rows: [['customers'], ['orders']] });
    const service = new MetadataService({ sessions: fake.sessions, queries: () => FAKE_QUERIES, timers: fakeTimers() });
    const scope = { profile: { name: 'lab', platform: 'redshift' } as RedshiftProfile, user: 'bob@example.com' };
    const cache = scopeCache(service, scope);
    const loaded = new Promise<void>((resolve) => service.onDidLoad((_scope, parent) => parent?.name === 'sales' && resolve()));
    await service.children(scope, undefined);
    const first = at('SELECT * FROM sales.|', 'postgres', FAKE_QUERIES, cache);
    assert.deepEqual([first.items.length, first.incomplete], [0, true]);
    await loaded;
    const second = at('SELECT * FROM sales.|', 'postgres', FAKE_QUERIES, cache);
    assert.deepEqual([labels(second, ['table']), second.incomplete], [['customers', 'orders'], false]);
    assert.deepEqual(fake.log, ['open 1', 'impersonate 1 bob@example.com', 'run 1 schemas', 'run 1 tables of sales'], 'the tables were read once, as bob');
    await service.dispose();
  });
});
