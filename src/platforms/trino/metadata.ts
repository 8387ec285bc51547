import type { MetaNode, MetaQuery, MetadataQueries } from '../../metadata/types';
import { childNode, columnIndex, noChildren, rowLimit, text, yesNo } from '../metadata-result';
import { quoteStringLiteral } from './dialect';

/**
 * Trino's catalog, level by level: `SHOW CATALOGS`, `SHOW SCHEMAS FROM <catalog>`, then the
 * catalog's own information_schema for tables and columns (one statement per level; the
 * connector answers as the session's user, so Immuta's view of it is what comes back).
 * information_schema is filtered by string literals: Trino compares them exactly, and names come
 * back from the level above exactly as the server spells them.
 */

/** Trino's reserved words (docs: "Reserved keywords"); an identifier spelled like one must be quoted. */
const RESERVED = new Set(
  (
    'ALTER AND AS BETWEEN BY CASE CAST CONSTRAINT CREATE CROSS CUBE CURRENT_CATALOG CURRENT_DATE CURRENT_PATH CURRENT_ROLE ' +
    'CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEALLOCATE DELETE DESCRIBE DISTINCT DROP ELSE END ESCAPE ' +
    'EXCEPT EXECUTE EXISTS EXTRACT FALSE FOR FROM FULL GROUP GROUPING HAVING IN INNER INSERT INTERSECT INTO IS JOIN ' +
    'JSON_ARRAY JSON_EXISTS JSON_OBJECT JSON_QUERY JSON_TABLE JSON_VALUE LEFT LIKE LISTAGG LOCALTIME LOCALTIMESTAMP NATURAL ' +
    'NORMALIZE NOT NULL ON OR ORDER OUTER PREPARE RECURSIVE RIGHT ROLLUP SELECT SKIP TABLE THEN TRIM TRUE UESCAPE UNION ' +
    'UNNEST USING VALUES WHEN WHERE WITH'
  ).split(' '),
);

/**
 * A name as a Trino identifier. Trino folds unquoted identifiers to lower case, so only a plain
 * lower-case name that is not a reserved word goes unquoted; anything else is delimited.
 */
export function trinoIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name.toUpperCase()) ? name : `"${name.replace(/"/g, '""')}"`;
}

const catalogs: MetaQuery = {
  sql: 'SHOW CATALOGS',
  read: (columns, rows) => {
    const name = columnIndex(columns, 'Catalog');
    return rows.map((row) => childNode(undefined, 'catalog', text(row[name]) ?? ''));
  },
};

function schemas(catalog: MetaNode): MetaQuery {
  return {
    sql: `SHOW SCHEMAS FROM ${trinoIdentifier(catalog.name)}`,
    read: (columns, rows) => {
      const name = columnIndex(columns, 'Schema');
      return rows.map((row) => childNode(catalog, 'schema', text(row[name]) ?? ''));
    },
  };
}

function tables(schema: MetaNode): MetaQuery {
  const [catalog, name] = schema.path;
  return {
    sql:
      `SELECT table_name, table_type FROM ${trinoIdentifier(catalog)}.information_schema.tables ` +
      `WHERE table_schema = ${quoteStringLiteral(name)} ORDER BY table_name`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'table_name');
      const typeAt = columnIndex(columns, 'table_type');
      return rows.map((row) => childNode(schema, /VIEW/i.test(text(row[typeAt]) ?? '') ? 'view' : 'table', text(row[nameAt]) ?? ''));
    },
  };
}

function columnsOf(table: MetaNode): MetaQuery {
  const [catalog, schema, name] = table.path;
  return {
    sql:
      `SELECT column_name, data_type, is_nullable FROM ${trinoIdentifier(catalog)}.information_schema.columns ` +
      `WHERE table_schema = ${quoteStringLiteral(schema)} AND table_name = ${quoteStringLiteral(name)} ORDER BY ordinal_position`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'column_name');
      const typeAt = columnIndex(columns, 'data_type');
      const nullableAt = columnIndex(columns, 'is_nullable');
      return rows.map((row) => childNode(table, 'column', text(row[nameAt]) ?? '', { dataType: text(row[typeAt]), nullable: yesNo(row[nullableAt]) }));
    },
  };
}

function qualifiedName(node: MetaNode): string {
  return node.path.map(trinoIdentifier).join('.');
}

export const TRINO_METADATA: MetadataQueries = {
  containers: ['catalog', 'schema'],
  nouns: { catalog: 'catalog', schema: 'schema', table: 'table', view: 'view', column: 'column' },
  children(parent) {
    if (parent === undefined) return catalogs;
    switch (parent.kind) {
      case 'catalog':
        return schemas(parent);
      case 'schema':
        return tables(parent);
      case 'table':
      case 'view':
        return columnsOf(parent);
      case 'column':
        return noChildren(parent);
    }
  },
  qualifiedName,
  identifier: trinoIdentifier,
  selectTop: (node, rows) => `SELECT * FROM ${qualifiedName(node)} LIMIT ${rowLimit(rows)}`,
};
