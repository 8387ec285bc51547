/**
 * Issue 19's two figures:
 *
 * - completion with 10,000 tables (50 schemas × 200) and 200,000 columns (20 a table) cached in
 *   a MetadataService: the engine's answer time over many requests at varied cursor positions
 *   (after FROM, after `schema.`, after `alias.`, in the select list, in WHERE), median and p95;
 * - expanding a schema with 5,000 tables on the lab PostgreSQL: `children()` of that schema
 *   through the service and a real Redshift worksheet, as yourself and as bob, warm (the
 *   session open, as it is once the explorer has listed the schemas) and cold (the session
 *   opened, impersonated and verified first), with the Redshift catalog queries. The
 *   completion figure uses an information_schema query set of its own over generated names.
 */
import { benchProfile } from './lab-profile';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { complete, scopeCache } from '../../src/metadata/completion';
import { MetadataService, type MetadataWorksheet } from '../../src/metadata/metadata-service';
import type { MetadataQueries, MetadataScope, MetaNode } from '../../src/metadata/types';
import { PlatformLoader } from '../../src/platforms/loader';
import type { RedshiftProfile, Row } from '../../src/platforms/types';
import type { RunObserver, StatementInput, StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres } from '../lab/postgres';
import { median } from './stats';
import type { BenchFigure, BenchSuite } from './types';

const ROOT = path.resolve(__dirname, '../../..');
const SCHEMAS = 50;
const TABLES_PER_SCHEMA = 200;
const COLUMNS_PER_TABLE = 20;
const REQUESTS = Number(process.env.METADATA_BENCH_REQUESTS ?? 2000);
const LAB_TABLES = 5000;
const LAB_RUNS = 5;

const identifier = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Information-schema catalog queries (PostgreSQL rules). */
const QUERIES: MetadataQueries = {
  containers: ['schema'],
  nouns: {},
  children(parent: MetaNode | undefined) {
    if (parent === undefined) {
      return { sql: 'SELECT schema_name FROM information_schema.schemata ORDER BY 1', read: (_c, rows) => rows.map((row) => ({ kind: 'schema' as const, name: String(row[0]), path: [String(row[0])] })) };
    }
    if (parent.kind === 'schema') {
      return {
        sql: `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ${literal(parent.name)} ORDER BY 1`,
        read: (_c, rows) => rows.map((row) => ({ kind: row[1] === 'VIEW' ? ('view' as const) : ('table' as const), name: String(row[0]), path: [parent.name, String(row[0])] })),
      };
    }
    return {
      sql: `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(parent.path[0])} AND table_name = ${literal(parent.name)} ORDER BY ordinal_position`,
      read: (_c, rows) => rows.map((row) => ({ kind: 'column' as const, name: String(row[0]), path: [...parent.path, String(row[0])], dataType: String(row[1]) })),
    };
  },
  qualifiedName: (node) => node.path.map(identifier).join('.'),
  identifier,
  selectTop: (node, rows) => `SELECT * FROM ${node.path.map(identifier).join('.')} LIMIT ${rows}`,
};

/** A worksheet that answers the catalog queries from generated names, instantly. */
function syntheticWorksheet(): MetadataWorksheet {
  const answer = (sql: string): Row[] => {
    if (sql.includes('information_schema.schemata')) return Array.from({ length: SCHEMAS }, (_, s) => [`s${s}`]);
    const schema = /table_schema = '(s\d+)'/.exec(sql)?.[1] ?? 's0';
    const table = /table_name = '(t\d+)'/.exec(sql)?.[1];
    if (table === undefined) return Array.from({ length: TABLES_PER_SCHEMA }, (_, t) => [`t${t}`, t % 10 === 0 ? 'VIEW' : 'BASE TABLE']);
    return Array.from({ length: COLUMNS_PER_TABLE }, (_, c) => [c === 0 ? 'id' : `${schema}_${table}_c${c}`, c % 3 === 0 ? 'integer' : 'character varying']);
  };
  return {
    id: 'synthetic',
    impersonate: async () => undefined,
    run: (statements: readonly StatementInput[], observer: RunObserver = {}) => ({
      outcomes: (async (): Promise<StatementOutcome[]> => {
        observer.columns?.(0, [{ name: 'name', type: 'text' }]);
        await observer.rows?.(0, answer(statements[0].text));
        return [{ status: 'succeeded', summary: {} } as unknown as StatementOutcome];
      })(),
      cancel: () => undefined,
    }),
  };
}

const STATEMENTS = [
  'SELECT * FROM |',
  'SELECT * FROM s17.|',
  'SELECT * FROM s17.t1|',
  'SELECT c.| FROM s3.t42 c JOIN s9.t7 o ON o.id = c.id',
  'SELECT c.id, | FROM s3.t42 c JOIN s9.t7 o ON o.id = c.id WHERE c.s3_t42_c4 > 10',
  'SELECT c.id FROM s3.t42 c JOIN s9.t7 o ON o.id = c.id WHERE o.s9_t7_c|',
  `WITH recent AS (\n  SELECT id, s12_t150_c2 FROM s12.t150 WHERE s12_t150_c3 > 0\n)\nSELECT r.id, x.|\nFROM recent r\nJOIN s12.t151 x ON x.id = r.id\nLEFT JOIN s40.t9 y ON y.id = x.id\nWHERE r.s12_t150_c2 IS NOT NULL\nORDER BY 1`,
  'SELECT COUNT(*) FROM s44.t199 t WHERE t.| AND 1 = 1 GROUP BY 1',
];

async function completionFigures(): Promise<BenchFigure[]> {
  const profile = { name: 'synthetic', platform: 'redshift' } as RedshiftProfile;
  const scope: MetadataScope = { profile, user: 'bob@example.com' };
  const service = new MetadataService({ sessions: { open: syntheticWorksheet, close: async () => undefined }, queries: () => QUERIES });
  const schemas = await service.children(scope, undefined);
  if (schemas.kind !== 'nodes') throw new Error('synthetic schemas did not load');
  let columns = 0;
  let tables = 0;
  for (const schema of schemas.nodes) {
    const level = await service.children(scope, schema);
    if (level.kind !== 'nodes') throw new Error('synthetic tables did not load');
    tables += level.nodes.length;
    for (const table of level.nodes) {
      const loaded = await service.children(scope, table);
      columns += loaded.kind === 'nodes' ? loaded.nodes.length : 0;
    }
  }
  const cache = scopeCache(service, scope);
  const cases = STATEMENTS.map((sql) => ({ text: sql.replace('|', ''), offset: sql.indexOf('|') }));
  const times: number[] = [];
  const afterFrom: number[] = [];
  let items = 0;
  for (let i = 0; i < REQUESTS + 100; i++) {
    const request = cases[i % cases.length];
    const started = performance.now();
    const answer = complete({ ...request, dialect: 'postgres', queries: QUERIES, cache });
    const elapsed = performance.now() - started;
    if (answer.items.length === 0) throw new Error(`no items for ${request.text}`);
    // The first requests warm the JIT and build the per-level name indexes.
    if (i >= 100) {
      times.push(elapsed);
      if (i % cases.length === 0) afterFrom.push(elapsed);
      items += answer.items.length;
    }
  }
  await service.dispose();
  times.sort((a, b) => a - b);
  const p95 = times[Math.floor(times.length * 0.95)];
  const mid = median(times);
  return [
    { name: `completion answer, median (${tables.toLocaleString('en-US')} tables, ${columns.toLocaleString('en-US')} columns cached)`, value: mid, unit: 'ms', target: '<= 30 ms', met: mid <= 30 },
    { name: 'completion answer, p95', value: p95, unit: 'ms', target: '<= 80 ms', met: p95 <= 80 },
    { name: 'completion items per answer, mean', value: Math.round(items / times.length), unit: 'items' },
    { name: '  after FROM with nothing typed (every table, cut to 5,000), median', value: median(afterFrom), unit: 'ms' },
  ];
}

async function expandFigures(): Promise<BenchFigure[]> {
  const lab = await startLabPostgres();
  try {
    await lab.adminQuery('CREATE SCHEMA bench_meta');
    await lab.adminQuery(`DO $$ BEGIN FOR i IN 1..${LAB_TABLES} LOOP EXECUTE format('CREATE TABLE bench_meta.t%s (id int, name text, created date)', i); END LOOP; END $$`);
    await lab.adminQuery('GRANT USAGE ON SCHEMA bench_meta TO lab_login');
    await lab.adminQuery('GRANT SELECT ON ALL TABLES IN SCHEMA bench_meta TO lab_login');
    const loader = new PlatformLoader((platform) => path.join(ROOT, 'dist/platforms', `${platform}.js`));
    const registry = new WorksheetRegistry({ loadDriver: (platform) => loader.load(platform), getSecret: async () => ({ password: lab.logins.governor.password }), logger: silentLogger });
    const profile: RedshiftProfile = benchProfile(lab, { effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' } });
    // The real Redshift catalog queries (svv_tables; the lab's views of them follow the effective identity).
    const service = new MetadataService<Worksheet>({ sessions: { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) } });
    const schema: MetaNode = { kind: 'schema', name: 'bench_meta', path: ['bench_meta'] };
    const expand = async (scope: MetadataScope): Promise<number> => {
      service.invalidate(scope, schema);
      const started = performance.now();
      const result = await service.children(scope, schema);
      const elapsed = performance.now() - started;
      if (result.kind !== 'nodes' || result.nodes.length !== LAB_TABLES) throw new Error(`expanding bench_meta: ${result.kind === 'nodes' ? `${result.nodes.length} tables` : result.message}`);
      return elapsed;
    };
    const figures: BenchFigure[] = [];
    try {
      for (const user of [undefined, 'bob@example.com']) {
        const scope: MetadataScope = { profile, user };
        const cold = await expand(scope);
        const warm: number[] = [];
        for (let run = 0; run < LAB_RUNS; run++) warm.push(await expand(scope));
        const who = user ?? 'yourself';
        const mid = median(warm);
        figures.push({ name: `expand a schema of ${LAB_TABLES.toLocaleString('en-US')} tables on the lab PostgreSQL as ${who}, session open (median of ${LAB_RUNS})`, value: mid, unit: 'ms', target: '<= 500 ms', met: mid <= 500 });
        figures.push({ name: `  same, first expand (session opened${user === undefined ? '' : ', impersonated and probed'})`, value: cold, unit: 'ms' });
      }
    } finally {
      await service.dispose();
      await registry.dispose();
    }
    return figures;
  } finally {
    await lab.stop();
  }
}

export const metadataBench: BenchSuite = {
  title: 'metadata (explorer and completion)',
  async run(): Promise<BenchFigure[]> {
    return [...(await completionFigures()), ...(await expandFigures())];
  },
};
