import * as assert from 'node:assert/strict';
import type { MetaNode } from '../../src/metadata/types';
import { DATABRICKS_METADATA, sparkIdentifier } from '../../src/platforms/databricks/metadata';
import { metadataQueries } from '../../src/platforms/metadata-queries';
import { SNOWFLAKE_METADATA, snowflakeIdentifier } from '../../src/platforms/snowflake/metadata';
import { TRINO_METADATA, trinoIdentifier } from '../../src/platforms/trino/metadata';
import { readCatalogStatement as readDatabricks } from '../lab/databricks-catalog';
import { readCatalogStatement as readSnowflake } from '../lab/snowflake-catalog';
import { readCatalogStatement as readTrino } from '../lab/trino-catalog';

const HOSTILE = ["o'brien", 'a"b', 'back`tick', "x'); drop table t; --", 'back\\slash', 'Zoë 山田 🚀', 'two  spaces', "\\'; SELECT 1; --"];

function node(kind: MetaNode['kind'], ...path: string[]): MetaNode {
  return { kind, name: path[path.length - 1], path };
}

describe('catalog queries: Trino, Snowflake, Databricks Spark (issue 19)', () => {
  it('are registered for their platforms', () => {
    assert.equal(metadataQueries('trino'), TRINO_METADATA);
    assert.equal(metadataQueries('snowflake'), SNOWFLAKE_METADATA);
    assert.equal(metadataQueries('databricks'), DATABRICKS_METADATA);
    assert.deepEqual(TRINO_METADATA.containers, ['catalog', 'schema']);
    assert.deepEqual(SNOWFLAKE_METADATA.containers, ['catalog', 'schema']);
    assert.equal(SNOWFLAKE_METADATA.nouns.catalog, 'database');
    assert.deepEqual(DATABRICKS_METADATA.containers, ['schema']);
    assert.equal(DATABRICKS_METADATA.nouns.schema, 'database');
  });

  describe('identifiers are quoted only where the dialect needs it', () => {
    it('Trino: plain lower-case words stay bare; upper case, reserved words and others are delimited', () => {
      assert.equal(trinoIdentifier('customers'), 'customers');
      assert.equal(trinoIdentifier('_t1'), '_t1');
      assert.equal(trinoIdentifier('Customers'), '"Customers"', 'Trino would fold it');
      assert.equal(trinoIdentifier('select'), '"select"');
      assert.equal(trinoIdentifier('1st'), '"1st"');
      assert.equal(trinoIdentifier('a"b'), '"a""b"');
      assert.equal(trinoIdentifier("o'brien"), `"o'brien"`);
      assert.equal(trinoIdentifier(''), '""');
    });

    it('Snowflake: plain upper-case words stay bare; lower case (which would fold up), reserved words and others are quoted', () => {
      assert.equal(snowflakeIdentifier('CUSTOMERS'), 'CUSTOMERS');
      assert.equal(snowflakeIdentifier('A$B_1'), 'A$B_1');
      assert.equal(snowflakeIdentifier('customers'), '"customers"');
      assert.equal(snowflakeIdentifier('TABLE'), '"TABLE"');
      assert.equal(snowflakeIdentifier('a"b'), '"a""b"');
      assert.equal(snowflakeIdentifier("o'brien"), `"o'brien"`);
    });

    it('Databricks: plain words (any case) stay bare; reserved words and others are back-quoted', () => {
      assert.equal(sparkIdentifier('customers'), 'customers');
      assert.equal(sparkIdentifier('Customers'), 'Customers', 'Spark names are case-insensitive');
      assert.equal(sparkIdentifier('select'), '`select`');
      assert.equal(sparkIdentifier('back`tick'), '`back``tick`');
      assert.equal(sparkIdentifier("o'brien"), "`o'brien`");
      assert.equal(sparkIdentifier('a-b'), '`a-b`');
    });
  });

  describe('query text', () => {
    it('Trino: catalogs, schemas, tables and columns, names delimited or literal-quoted', () => {
      assert.equal(TRINO_METADATA.children(undefined).sql, 'SHOW CATALOGS');
      assert.equal(TRINO_METADATA.children(node('catalog', 'a"b')).sql, 'SHOW SCHEMAS FROM "a""b"');
      assert.equal(
        TRINO_METADATA.children(node('schema', 'lab', "o'brien")).sql,
        "SELECT table_name, table_type FROM lab.information_schema.tables WHERE table_schema = 'o''brien' ORDER BY table_name",
      );
      assert.equal(
        TRINO_METADATA.children(node('table', 'lab', 'sales', "it's")).sql,
        "SELECT column_name, data_type, is_nullable FROM lab.information_schema.columns WHERE table_schema = 'sales' AND table_name = 'it''s' ORDER BY ordinal_position",
      );
    });

    it('Snowflake: SHOW DATABASES, then the database’s INFORMATION_SCHEMA; literals escape quotes and backslashes', () => {
      assert.equal(SNOWFLAKE_METADATA.children(undefined).sql, 'SHOW DATABASES');
      assert.equal(SNOWFLAKE_METADATA.children(node('catalog', 'LAB')).sql, 'SELECT SCHEMA_NAME, COMMENT FROM LAB.INFORMATION_SCHEMA.SCHEMATA ORDER BY SCHEMA_NAME');
      assert.equal(
        SNOWFLAKE_METADATA.children(node('schema', 'my db', "o'b\\x")).sql,
        `SELECT TABLE_NAME, TABLE_TYPE, COMMENT FROM "my db".INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'o''b\\\\x' ORDER BY TABLE_NAME`,
      );
      assert.match(SNOWFLAKE_METADATA.children(node('view', 'LAB', 'SALES', 'V')).sql, /FROM LAB\.INFORMATION_SCHEMA\.COLUMNS WHERE TABLE_SCHEMA = 'SALES' AND TABLE_NAME = 'V' ORDER BY ORDINAL_POSITION$/);
    });

    it('Databricks: SHOW DATABASES, SHOW TABLES IN, DESCRIBE TABLE, names back-quoted', () => {
      assert.equal(DATABRICKS_METADATA.children(undefined).sql, 'SHOW DATABASES');
      assert.equal(DATABRICKS_METADATA.children(node('schema', 'we`ird')).sql, 'SHOW TABLES IN `we``ird`');
      assert.equal(DATABRICKS_METADATA.children(node('table', 'sales', "o'brien")).sql, "DESCRIBE TABLE sales.`o'brien`");
    });

    it('Databricks refuses a name holding ${, which Spark would substitute before parsing', () => {
      assert.throws(() => DATABRICKS_METADATA.children(node('schema', 'x${y}')), /would replace/);
    });

    it('columns have no children', () => {
      for (const queries of [TRINO_METADATA, SNOWFLAKE_METADATA, DATABRICKS_METADATA]) {
        assert.throws(() => queries.children(node('column', 'a', 'b', 'c', 'd')), /no children/);
      }
    });

    // The lab servers read these statements with their own parsers: each hostile name must come
    // back exactly as it was put in, so no name can end a literal or identifier early.
    for (const name of HOSTILE) {
      it(`hostile name ${JSON.stringify(name)} survives every level's text intact`, () => {
        assert.deepEqual(readTrino(TRINO_METADATA.children(node('table', 'lab', name, name)).sql), { kind: 'columns', catalog: 'lab', schema: name, table: name });
        assert.deepEqual(readTrino(TRINO_METADATA.children(node('schema', 'lab', name)).sql), { kind: 'tables', catalog: 'lab', schema: name });
        assert.deepEqual(readSnowflake(SNOWFLAKE_METADATA.children(node('table', 'LAB', name, name)).sql), { kind: 'columns', database: 'LAB', schema: name, table: name });
        assert.deepEqual(readSnowflake(SNOWFLAKE_METADATA.children(node('catalog', name)).sql), { kind: 'schemas', database: name });
        // Spark names are case-insensitive: the lab folds them.
        assert.deepEqual(readDatabricks(DATABRICKS_METADATA.children(node('table', name, name)).sql), { kind: 'describe', database: name.toLowerCase(), table: name.toLowerCase() });
        assert.deepEqual(readDatabricks(DATABRICKS_METADATA.children(node('schema', name)).sql), { kind: 'tables', database: name.toLowerCase() });
      });
    }
  });

  describe('qualified names and Select Top', () => {
    it('qualify from the path, quoting each part as needed', () => {
      assert.equal(TRINO_METADATA.qualifiedName(node('table', 'lab', 'Sales', 'a"b')), 'lab."Sales"."a""b"');
      assert.equal(SNOWFLAKE_METADATA.qualifiedName(node('table', 'LAB', 'SALES', "o'brien")), `LAB.SALES."o'brien"`);
      assert.equal(DATABRICKS_METADATA.qualifiedName(node('column', 'sales', 'customers', 'x`y')), 'sales.customers.`x``y`');
    });

    it('select 100 rows with LIMIT', () => {
      assert.equal(TRINO_METADATA.selectTop(node('table', 'lab', 'sales', 'customers'), 100), 'SELECT * FROM lab.sales.customers LIMIT 100');
      assert.equal(SNOWFLAKE_METADATA.selectTop(node('view', 'LAB', 'SALES', 'customers'), 100), 'SELECT * FROM LAB.SALES."customers" LIMIT 100');
      assert.equal(DATABRICKS_METADATA.selectTop(node('table', 'sales', 'select'), 100), 'SELECT * FROM sales.`select` LIMIT 100');
      assert.throws(() => TRINO_METADATA.selectTop(node('table', 'a', 'b', 'c'), 1.5), /positive whole number/);
      assert.throws(() => SNOWFLAKE_METADATA.selectTop(node('table', 'a', 'b', 'c'), 0), /positive whole number/);
    });
  });

  describe('read()', () => {
    it('Trino: SHOW CATALOGS / SHOW SCHEMAS by their column names; tables and views; columns with type and nullability', () => {
      assert.deepEqual(TRINO_METADATA.children(undefined).read(['Catalog'], [['lab'], ['system']]), [node('catalog', 'lab'), node('catalog', 'system')]);
      const catalog = node('catalog', 'lab');
      assert.deepEqual(TRINO_METADATA.children(catalog).read(['Schema'], [['sales']]), [node('schema', 'lab', 'sales')]);
      const schema = node('schema', 'lab', 'sales');
      assert.deepEqual(TRINO_METADATA.children(schema).read(['table_name', 'table_type'], [['customers', 'BASE TABLE'], ['v', 'VIEW']]), [
        node('table', 'lab', 'sales', 'customers'),
        node('view', 'lab', 'sales', 'v'),
      ]);
      assert.deepEqual(TRINO_METADATA.children(node('table', 'lab', 'sales', 'customers')).read(['column_name', 'data_type', 'is_nullable'], [['id', 'integer', 'NO'], ['credit_limit', 'decimal(12,2)', 'YES']]), [
        { ...node('column', 'lab', 'sales', 'customers', 'id'), dataType: 'integer', nullable: false },
        { ...node('column', 'lab', 'sales', 'customers', 'credit_limit'), dataType: 'decimal(12,2)', nullable: true },
      ]);
    });

    it('an answer of another shape says which column it lacks instead of listing the wrong one', () => {
      assert.throws(() => TRINO_METADATA.children(undefined).read(['Name'], [['lab']]), /no column Catalog \(it has Name\)/);
    });

    it('Snowflake: SHOW DATABASES reads the lower-case name and comment among its many columns; columns get NUMBER(p,s)', () => {
      const columns = ['created_on', 'name', 'is_default', 'is_current', 'origin', 'owner', 'comment', 'options', 'retention_time'];
      assert.deepEqual(SNOWFLAKE_METADATA.children(undefined).read(columns, [[null, 'LAB', 'Y', 'Y', '', 'SYSADMIN', 'the lab', '', '1'], [null, 'Other', 'N', 'N', '', 'SYSADMIN', '', '', '1']]), [
        { ...node('catalog', 'LAB'), comment: 'the lab' },
        node('catalog', 'Other'),
      ]);
      const table = node('table', 'LAB', 'SALES', 'CUSTOMERS');
      const read = SNOWFLAKE_METADATA.children(table).read(
        ['COLUMN_NAME', 'DATA_TYPE', 'IS_NULLABLE', 'NUMERIC_PRECISION', 'NUMERIC_SCALE', 'COMMENT'],
        [
          ['ID', 'NUMBER', 'NO', 38, 0, null],
          ['FULL_NAME', 'TEXT', 'YES', null, null, 'as given'],
        ],
      );
      assert.deepEqual(read, [
        { ...node('column', 'LAB', 'SALES', 'CUSTOMERS', 'ID'), dataType: 'NUMBER(38,0)', nullable: false },
        { ...node('column', 'LAB', 'SALES', 'CUSTOMERS', 'FULL_NAME'), dataType: 'TEXT', nullable: true, comment: 'as given' },
      ]);
      assert.deepEqual(
        SNOWFLAKE_METADATA.children(node('schema', 'LAB', 'SALES')).read(['TABLE_NAME', 'TABLE_TYPE', 'COMMENT'], [['MV', 'MATERIALIZED VIEW', null], ['T', 'BASE TABLE', '']]).map((one) => one.kind),
        ['view', 'table'],
      );
    });

    it('Databricks: SHOW DATABASES as databaseName or namespace; temporary views; DESCRIBE stops at the blank row and # sections', () => {
      assert.deepEqual(DATABRICKS_METADATA.children(undefined).read(['databaseName'], [['sales']]), [node('schema', 'sales')]);
      assert.deepEqual(DATABRICKS_METADATA.children(undefined).read(['namespace'], [['fraud']]), [node('schema', 'fraud')]);
      const database = node('schema', 'sales');
      assert.deepEqual(DATABRICKS_METADATA.children(database).read(['database', 'tableName', 'isTemporary'], [['sales', 'customers', false], ['', 'tmp', true]]), [
        node('table', 'sales', 'customers'),
        node('view', 'sales', 'tmp'),
      ]);
      const table = node('table', 'sales', 'events');
      const rows = [
        ['id', 'bigint', null],
        ['day', 'date', 'partition day'],
        ['# Partition Information', '', ''],
        ['# col_name', 'data_type', 'comment'],
        ['day', 'date', null],
      ];
      assert.deepEqual(DATABRICKS_METADATA.children(table).read(['col_name', 'data_type', 'comment'], rows), [
        { ...node('column', 'sales', 'events', 'id'), dataType: 'bigint' },
        { ...node('column', 'sales', 'events', 'day'), dataType: 'date', comment: 'partition day' },
      ]);
      assert.deepEqual(
        DATABRICKS_METADATA.children(table).read(['col_name', 'data_type', 'comment'], [['id', 'int', ''], ['', '', ''], ['# Detailed Table Information', '', '']]).map((one) => one.name),
        ['id'],
      );
    });
  });
});
