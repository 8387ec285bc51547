import type { MetaNode, MetaQuery, MetadataQueries } from '../../metadata/types';
import { childNode, columnIndex, comment, noChildren, optionalColumnIndex, rowLimit, text, yesNo } from '../metadata-result';

/**
 * Databricks Spark's catalog (Immuta's Spark integration: the Hive metastore, no
 * information_schema): `SHOW DATABASES`, `SHOW TABLES IN <db>`, `DESCRIBE TABLE <db>.<table>`.
 * Spark databases are the one container level (noun "database").
 */

/** Spark's ANSI reserved words; quoting them is needed in ANSI mode and harmless otherwise. */
const RESERVED = new Set(
  (
    'ALL AND ANY AS AUTHORIZATION BOTH CASE CAST CHECK COLLATE COLUMN CONSTRAINT CREATE CROSS CURRENT_DATE CURRENT_TIME ' +
    'CURRENT_TIMESTAMP CURRENT_USER DISTINCT ELSE END ESCAPE EXCEPT FALSE FETCH FILTER FOR FOREIGN FROM FULL GRANT GROUP ' +
    'HAVING IN INNER INTERSECT INTO IS JOIN LATERAL LEADING LEFT NATURAL NOT NULL OFFSET ON ONLY OR ORDER OUTER OVERLAPS ' +
    'PRIMARY REFERENCES RIGHT SELECT SESSION_USER SOME TABLE THEN TIME TO TRAILING UNION UNIQUE UNKNOWN USER USING WHEN ' +
    'WHERE WITH'
  ).split(' '),
);

/** A name as a Spark identifier: back-quoted (inner back-quotes doubled) unless it is a plain word. */
export function sparkIdentifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name.toUpperCase()) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/**
 * Spark replaces `${...}` anywhere in a statement's text before parsing it, quotes or not, so a
 * name holding it cannot be written faithfully: refused rather than sent altered.
 */
function checked(name: string): string {
  if (name.includes('${')) {
    throw new Error(`The name ${JSON.stringify(name)} contains "\${", which Databricks would replace with a variable\u2019s value: it cannot be queried.`);
  }
  return sparkIdentifier(name);
}

const databases: MetaQuery = {
  sql: 'SHOW DATABASES',
  read: (columns, rows) => {
    // Databricks Runtime names the column databaseName; Spark 3 namespace.
    const name = columnIndex(columns, 'databaseName', 'namespace');
    return rows.map((row) => childNode(undefined, 'schema', text(row[name]) ?? ''));
  },
};

function tables(database: MetaNode): MetaQuery {
  return {
    sql: `SHOW TABLES IN ${checked(database.name)}`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'tableName');
      const temporaryAt = optionalColumnIndex(columns, 'isTemporary');
      // SHOW TABLES lists tables and views alike; only a temporary view is told apart
      // (SHOW VIEWS would be a second statement for one level).
      return rows.map((row) => childNode(database, yesNo(row[temporaryAt]) === true ? 'view' : 'table', text(row[nameAt]) ?? ''));
    },
  };
}

function columnsOf(table: MetaNode): MetaQuery {
  const [database, name] = table.path;
  return {
    sql: `DESCRIBE TABLE ${checked(database)}.${checked(name)}`,
    read: (columns, rows) => {
      const nameAt = columnIndex(columns, 'col_name');
      const typeAt = columnIndex(columns, 'data_type');
      const note = optionalColumnIndex(columns, 'comment');
      const nodes: MetaNode[] = [];
      for (const row of rows) {
        const columnName = (text(row[nameAt]) ?? '').trim();
        // The columns end at a blank row or a section (`# Partition Information`, `# Detailed Table Information`).
        if (columnName === '' || columnName.startsWith('#')) break;
        nodes.push(childNode(table, 'column', columnName, { dataType: text(row[typeAt]), comment: comment(row[note]) }));
      }
      return nodes;
    },
  };
}

function qualifiedName(node: MetaNode): string {
  return node.path.map(sparkIdentifier).join('.');
}

export const DATABRICKS_METADATA: MetadataQueries = {
  containers: ['schema'],
  nouns: { schema: 'database', table: 'table', view: 'view', column: 'column' },
  children(parent) {
    if (parent === undefined) return databases;
    switch (parent.kind) {
      case 'schema':
        return tables(parent);
      case 'table':
      case 'view':
        return columnsOf(parent);
      case 'catalog':
      case 'column':
        return noChildren(parent);
    }
  },
  qualifiedName,
  identifier: sparkIdentifier,
  selectTop: (node, rows) => `SELECT * FROM ${qualifiedName(node)} LIMIT ${rowLimit(rows)}`,
};
