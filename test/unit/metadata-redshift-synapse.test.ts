import * as assert from 'node:assert/strict';
import type { MetaNode, MetadataQueries } from '../../src/metadata/types';
import { metadataQueries } from '../../src/platforms/metadata-queries';
import { REDSHIFT_METADATA, stringLiteral as redshiftLiteral } from '../../src/platforms/redshift/metadata';
import { SYNAPSE_METADATA, stringLiteral as synapseLiteral } from '../../src/platforms/synapse/metadata';
import type { SqlDialectId } from '../../src/sql/dialects';
import { sqlTokens } from '../../src/sql/tokens';

const HOSTILE = ['a"b', 'x]y', "o'brien", "'; DROP TABLE x; --", 'back\\slash', 'line\\\nbreak', '[x]', 'Ünïcødé 表'];

const schema = (name: string): MetaNode => ({ kind: 'schema', name, path: [name] });
const table = (schemaName: string, name: string): MetaNode => ({ kind: 'table', name, path: [schemaName, name] });

/** The statement with every string and quoted identifier blanked: the code a name must never change. */
function skeleton(sql: string, dialect: SqlDialectId): string {
  return sqlTokens(sql, dialect)
    .map((token) => (token.kind === 'string' || token.kind === 'quoted-identifier' ? '<quoted>' : sql.slice(token.start, token.end)))
    .join('')
    .replace(/N?<quoted>(?:\s*(?:\|\||\+)\s*(?:CHR|NCHAR)\(92\)\s*(?:\|\||\+)\s*N?<quoted>)*/g, '<quoted>');
}

/** What a chain of literals (joined by `|| CHR(92) ||` or `+ NCHAR(92) +`) spells. */
function literalValue(text: string): string {
  return text
    .split(/\s*(?:\|\||\+)\s*(?:CHR|NCHAR)\(92\)\s*(?:\|\||\+)\s*/)
    .map((part) => {
      const match = /^N?'((?:[^']|'')*)'$/s.exec(part);
      assert.ok(match, `a literal: ${part}`);
      return match[1].replace(/''/g, "'");
    })
    .join('\\');
}

describe('catalog queries: Redshift and Synapse', () => {
  it('are registered for both platforms, with one container level (a connection is one database)', () => {
    assert.equal(metadataQueries('redshift'), REDSHIFT_METADATA);
    assert.equal(metadataQueries('synapse'), SYNAPSE_METADATA);
    assert.deepEqual(REDSHIFT_METADATA.containers, ['schema']);
    assert.deepEqual(SYNAPSE_METADATA.containers, ['schema']);
  });

  const platforms: [string, MetadataQueries, SqlDialectId, (value: string) => string][] = [
    ['Redshift', REDSHIFT_METADATA, 'postgres', redshiftLiteral],
    ['Synapse', SYNAPSE_METADATA, 'tsql', synapseLiteral],
  ];
  for (const [name, queries, dialect, literal] of platforms) {
    describe(name, () => {
      it('reads its own system catalog at each level', () => {
        const views = name === 'Redshift' ? [/\bsvv_all_schemas\b/, /\bsvv_tables\b/, /\bsvv_columns\b/] : [/\bsys\.schemas\b/, /\bsys\.objects\b/, /\bsys\.columns\b[\s\S]*\bsys\.types\b/];
        assert.match(queries.children(undefined).sql, views[0]);
        assert.match(queries.children(schema('sales')).sql, views[1]);
        assert.match(queries.children(table('sales', 'customers')).sql, views[2]);
        assert.throws(() => queries.children({ kind: 'column', name: 'id', path: ['sales', 'customers', 'id'] }), /no children/);
      });

      for (const hostile of HOSTILE) {
        it(`keeps ${JSON.stringify(hostile)} inside literals: the statement's code is the same as for a plain name`, () => {
          for (const [plain, odd] of [
            [schema('plain'), schema(hostile)],
            [table('plain', 'plain'), table(hostile, hostile)],
          ]) {
            const sql = queries.children(odd).sql;
            assert.equal(skeleton(sql, dialect), skeleton(queries.children(plain).sql, dialect), sql);
            for (const token of sqlTokens(sql, dialect)) assert.ok(token.closed, `every literal is closed in ${sql}`);
          }
          assert.equal(literalValue(literal(hostile)), hostile);
          if (name === 'Redshift') {
            // Redshift reads a backslash in a literal as an escape: none may appear inside one.
            for (const token of sqlTokens(literal(hostile), dialect)) if (token.kind === 'string') assert.ok(!literal(hostile).slice(token.start, token.end).includes('\\'));
          }
        });
      }
    });
  }

  it('quotes a name literally for each dialect', () => {
    assert.equal(redshiftLiteral("o'brien"), "'o''brien'");
    assert.equal(redshiftLiteral('a\\b'), "'a' || CHR(92) || 'b'");
    assert.equal(synapseLiteral("o'brien"), "N'o''brien'");
    assert.equal(synapseLiteral('a\\b'), "N'a\\b'");
    assert.equal(synapseLiteral('a\\\nb'), "N'a' + NCHAR(92) + N'\nb'");
  });

  describe('identifier and qualifiedName quote only where needed', () => {
    const cases: [string, string, string][] = [
      // name, Redshift, Synapse
      ['customers', 'customers', 'customers'],
      ['_x1', '_x1', '_x1'],
      ['Customers', '"Customers"', 'Customers'],
      ['a"b', '"a""b"', '[a"b]'],
      ['x]y', '"x]y"', '[x]]y]'],
      ["o'brien", '"o\'brien"', "[o'brien]"],
      ['select', '"select"', '[select]'],
      ['order', '"order"', '[order]'],
      ['public', 'public', '[public]'],
      ['wallet', '"wallet"', 'wallet'],
      ['1st', '"1st"', '[1st]'],
      ['two words', '"two words"', '[two words]'],
      ['', '""', '[]'],
    ];
    for (const [name, redshift, synapse] of cases) {
      it(`${JSON.stringify(name)}: ${redshift} / ${synapse}`, () => {
        assert.equal(REDSHIFT_METADATA.identifier(name), redshift);
        assert.equal(SYNAPSE_METADATA.identifier(name), synapse);
      });
    }

    it('qualifies a node by its path', () => {
      const node = table("o'brien", 'a"b]c');
      assert.equal(REDSHIFT_METADATA.qualifiedName(node), '"o\'brien"."a""b]c"');
      assert.equal(SYNAPSE_METADATA.qualifiedName(node), "[o'brien].[a\"b]]c]");
      assert.equal(REDSHIFT_METADATA.qualifiedName({ kind: 'column', name: 'ssn', path: ['sales', 'customers', 'ssn'] }), 'sales.customers.ssn');
    });

    it('selects the top rows in each dialect', () => {
      assert.equal(REDSHIFT_METADATA.selectTop(table('sales', 'customers'), 100), 'SELECT * FROM sales.customers LIMIT 100');
      assert.equal(SYNAPSE_METADATA.selectTop(table('sales', 'customers'), 100), 'SELECT TOP (100) * FROM sales.customers;');
      assert.equal(SYNAPSE_METADATA.selectTop(table('dbo', 'x]y'), 100), 'SELECT TOP (100) * FROM dbo.[x]]y];');
    });
  });

  describe('read()', () => {
    it('Redshift: schemas, tables and views, columns with composed types and nullability', () => {
      assert.deepEqual(REDSHIFT_METADATA.children(undefined).read(['schema_name'], [['public'], ['sales'], [null]]), [
        { kind: 'schema', name: 'public', path: ['public'] },
        { kind: 'schema', name: 'sales', path: ['sales'] },
      ]);
      const sales = schema('sales');
      assert.deepEqual(
        REDSHIFT_METADATA.children(sales).read(['TABLE_NAME', 'TABLE_TYPE', 'REMARKS'], [
          ['customers', 'VIEW', 'Immuta data source'],
          ['notes', 'BASE TABLE', null],
          ['ext', 'EXTERNAL TABLE', ''],
        ]),
        [
          { kind: 'view', name: 'customers', path: ['sales', 'customers'], comment: 'Immuta data source' },
          { kind: 'table', name: 'notes', path: ['sales', 'notes'] },
          { kind: 'table', name: 'ext', path: ['sales', 'ext'] },
        ],
      );
      const columns = ['column_name', 'data_type', 'character_maximum_length', 'numeric_precision', 'numeric_scale', 'is_nullable', 'remarks'];
      assert.deepEqual(
        REDSHIFT_METADATA.children(table('sales', 'customers')).read(columns, [
          ['id', 'integer', null, 32, 0, 'NO', null],
          ['name', 'character varying', 256, null, null, 'YES', 'full name'],
          ['limit', 'numeric', null, '12', '2', 'YES', null],
          ['odd', 'text', null, null, null, null, null],
        ]),
        [
          { kind: 'column', name: 'id', path: ['sales', 'customers', 'id'], dataType: 'integer', nullable: false },
          { kind: 'column', name: 'name', path: ['sales', 'customers', 'name'], dataType: 'character varying(256)', nullable: true, comment: 'full name' },
          { kind: 'column', name: 'limit', path: ['sales', 'customers', 'limit'], dataType: 'numeric(12,2)', nullable: true },
          { kind: 'column', name: 'odd', path: ['sales', 'customers', 'odd'], dataType: 'text' },
        ],
      );
    });

    it('Synapse: schemas, user tables and views (type char(2)), columns with T-SQL types and nullability', () => {
      assert.deepEqual(SYNAPSE_METADATA.children(undefined).read(['schema_name'], [['dbo']]), [{ kind: 'schema', name: 'dbo', path: ['dbo'] }]);
      assert.deepEqual(
        SYNAPSE_METADATA.children(schema('dbo')).read(['object_name', 'object_type'], [
          ['v', 'V '],
          ['t', 'U '],
        ]),
        [
          { kind: 'view', name: 'v', path: ['dbo', 'v'] },
          { kind: 'table', name: 't', path: ['dbo', 't'] },
        ],
      );
      const columns = ['column_name', 'type_name', 'max_length', 'precision', 'scale', 'is_nullable'];
      const read = SYNAPSE_METADATA.children(table('dbo', 't')).read(columns, [
        ['a', 'int', 4, 10, 0, false],
        ['b', 'nvarchar', 128, 0, 0, true],
        ['c', 'nvarchar', -1, 0, 0, true],
        ['d', 'varchar', 30, 0, 0, 1],
        ['e', 'decimal', 9, 12, 2, 0],
        ['f', 'datetime2', 8, 27, 7, null],
        ['g', 'varbinary', -1, 0, 0, true],
      ]);
      assert.deepEqual(
        read.map((column) => [column.name, column.dataType, column.nullable]),
        [
          ['a', 'int', false],
          ['b', 'nvarchar(64)', true],
          ['c', 'nvarchar(max)', true],
          ['d', 'varchar(30)', true],
          ['e', 'decimal(12,2)', false],
          ['f', 'datetime2(7)', undefined],
          ['g', 'varbinary(max)', true],
        ],
      );
      assert.deepEqual(read[0].path, ['dbo', 't', 'a']);
    });
  });
});
