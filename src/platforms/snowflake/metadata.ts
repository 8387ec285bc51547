import type { MetaNode, MetaQuery, MetadataQueries } from '../../metadata/types';
import { childNode, columnIndex, comment, noChildren, optionalColumnIndex, rowLimit, text, yesNo } from '../metadata-result';
import type { Row } from '../types';
import { quoteString } from './dialect';

/**
 * Snowflake's catalog: `SHOW DATABASES` (its output columns are lower case: `name`, `comment`),
 * then each database's INFORMATION_SCHEMA for schemas, objects and columns. INFORMATION_SCHEMA
 * lists only what the session's role may use, and its columns are typed and stable, where SHOW
 * output varies with the server release. Names are compared as string literals exactly as the
 * level above returned them (upper case for names created unquoted).
 */

/** Snowflake's reserved words (docs: "Reserved & limited keywords"); quoted when a name is one. */
const RESERVED = new Set(
  (
    'ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE ' +
    'CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL ' +
    'GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE JOIN LATERAL LEFT LIKE LOCALTIME ' +
    'LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE ' +
    'SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW ' +
    'WHEN WHENEVER WHERE WITH'
  ).split(' '),
);

/**
 * A name as a Snowflake identifier. Unquoted identifiers fold to upper case, so a name goes
 * unquoted only when it is upper case already (a lower-case `sales` must stay `"sales"`).
 */
export function snowflakeIdentifier(name: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const databases: MetaQuery = {
  sql: 'SHOW DATABASES',
  read: (columns, rows) => {
    const name = columnIndex(columns, 'name');
    const note = optionalColumnIndex(columns, 'comment');
    return rows.map((row) => childNode(undefined, 'catalog', text(row[name]) ?? '', { comment: comment(row[note]) }));
  },
};

function informationSchema(database: string): string {
  return `${snowflakeIdentifier(database)}.INFORMATION_SCHEMA`;
}

function schemas(database: MetaNode): MetaQuery {
  return {
    sql: `SELECT SCHEMA_NAME, COMMENT FROM ${informationSchema(database.name)}.SCHEMATA ORDER BY SCHEMA_NAME`,
    read: (columns, rows) => {
      const name = columnIndex(columns, 'SCHEMA_NAME');
      const note = optionalColumnIndex(columns, 'COMMENT');
      return rows.map((row) => childNode(database, 'schema', text(row[name]) ?? '', { comment: comment(row[note]) }));
    },
  };
}

function objects(schema: MetaNode): MetaQuery {
  const [database, name] = schema.path;
  return {
    sql: `SELECT TABLE_NAME, TABLE_TYPE, COMMENT FROM ${informationSchema(database)}.TABLES WHERE TABLE_SCHEMA = ${quoteString(name)} ORDER BY TABLE_NAME`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'TABLE_NAME');
      const typeAt = columnIndex(columns, 'TABLE_TYPE');
      const note = optionalColumnIndex(columns, 'COMMENT');
      // TABLE_TYPE: BASE TABLE, TEMPORARY TABLE, EXTERNAL TABLE, VIEW, MATERIALIZED VIEW.
      return rows.map((row) => childNode(schema, /VIEW/i.test(text(row[typeAt]) ?? '') ? 'view' : 'table', text(row[nameAt]) ?? '', { comment: comment(row[note]) }));
    },
  };
}

/** NUMBER(38,0), TEXT, TIMESTAMP_NTZ: the type as Snowflake writes it, precision where it has one. */
function typeOf(row: Row, columns: readonly string[]): string | undefined {
  const type = text(row[columnIndex(columns, 'DATA_TYPE')]);
  const precision = text(row[optionalColumnIndex(columns, 'NUMERIC_PRECISION')]);
  const scale = text(row[optionalColumnIndex(columns, 'NUMERIC_SCALE')]);
  if (type === 'NUMBER' && precision !== undefined) return `NUMBER(${precision},${scale ?? 0})`;
  return type;
}

function columnsOf(table: MetaNode): MetaQuery {
  const [database, schema, name] = table.path;
  return {
    sql:
      `SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, COMMENT FROM ${informationSchema(database)}.COLUMNS ` +
      `WHERE TABLE_SCHEMA = ${quoteString(schema)} AND TABLE_NAME = ${quoteString(name)} ORDER BY ORDINAL_POSITION`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'COLUMN_NAME');
      const nullableAt = columnIndex(columns, 'IS_NULLABLE');
      const note = optionalColumnIndex(columns, 'COMMENT');
      return rows.map((row) =>
        childNode(table, 'column', text(row[nameAt]) ?? '', { dataType: typeOf(row, columns), nullable: yesNo(row[nullableAt]), comment: comment(row[note]) }),
      );
    },
  };
}

function qualifiedName(node: MetaNode): string {
  return node.path.map(snowflakeIdentifier).join('.');
}

export const SNOWFLAKE_METADATA: MetadataQueries = {
  containers: ['catalog', 'schema'],
  nouns: { catalog: 'database', schema: 'schema', table: 'table', view: 'view', column: 'column' },
  children(parent) {
    if (parent === undefined) return databases;
    switch (parent.kind) {
      case 'catalog':
        return schemas(parent);
      case 'schema':
        return objects(parent);
      case 'table':
      case 'view':
        return columnsOf(parent);
      case 'column':
        return noChildren(parent);
    }
  },
  qualifiedName,
  identifier: snowflakeIdentifier,
  selectTop: (node, rows) => `SELECT * FROM ${qualifiedName(node)} LIMIT ${rowLimit(rows)}`,
};
