/**
 * The Databricks lab's catalog statements (issue 19), answered in the shape Databricks Runtime
 * gives them on the Hive metastore:
 *   SHOW DATABASES | SHOW SCHEMAS        -> databaseName string
 *   SHOW TABLES IN|FROM <db>             -> database string, tableName string, isTemporary boolean
 *   DESCRIBE [TABLE] <db>.<table>        -> col_name string, data_type string, comment string
 * Spark names are case-insensitive (the metastore keeps them in lower case). What is listed
 * follows the session's effective identity (catalog-model.ts).
 */
import type { Client } from 'pg';
import { catalogColumns, catalogObjects, catalogSchemas } from './catalog-model';
import { labColumn, stringColumn, type LabColumn } from './databricks-types';
import type { LabPostgres } from './postgres';

export type CatalogStatement =
  | { readonly kind: 'databases' }
  | { readonly kind: 'tables'; readonly database: string }
  | { readonly kind: 'describe'; readonly database: string; readonly table: string };

export type CatalogAnswer =
  | { readonly kind: 'rows'; readonly columns: LabColumn[]; readonly rows: (string | null)[][] }
  | { readonly kind: 'error'; readonly message: string; readonly sqlState: string };

const IDENT = String.raw`(\`(?:[^\`]|\`\`)+\`|[A-Za-z_][A-Za-z0-9_]*)`;
const SHOW_TABLES = new RegExp(String.raw`^SHOW\s+TABLES\s+(?:IN|FROM)\s+${IDENT}$`, 'i');
const DESCRIBE = new RegExp(String.raw`^(?:DESCRIBE|DESC)\s+(?:TABLE\s+)?${IDENT}\s*\.\s*${IDENT}$`, 'i');

function name(written: string): string {
  return (written.startsWith('`') ? written.slice(1, -1).replace(/``/g, '`') : written).toLowerCase();
}

function backQuoted(value: string): string {
  return `\`${value.replace(/`/g, '``')}\``;
}

export function readCatalogStatement(sql: string): CatalogStatement | undefined {
  const text = sql.trim().replace(/\s*;\s*$/, '');
  if (/^SHOW\s+(?:DATABASES|SCHEMAS)$/i.test(text)) return { kind: 'databases' };
  let match = SHOW_TABLES.exec(text);
  if (match) return { kind: 'tables', database: name(match[1]) };
  match = DESCRIBE.exec(text);
  if (match) return { kind: 'describe', database: name(match[1]), table: name(match[2]) };
  return undefined;
}

/** Spark's name for a PostgreSQL type. */
function sparkType(oid: number, typmod: number): string {
  switch (oid) {
    case 16:
      return 'boolean';
    case 21:
      return 'smallint';
    case 23:
      return 'int';
    case 20:
      return 'bigint';
    case 700:
      return 'float';
    case 701:
      return 'double';
    case 1700:
      return typmod >= 4 ? `decimal(${((typmod - 4) >> 16) & 0xffff},${(typmod - 4) & 0xffff})` : 'decimal(38,18)';
    case 1082:
      return 'date';
    case 1114:
    case 1184:
      return 'timestamp';
    case 17:
      return 'binary';
    default:
      return 'string';
  }
}

/** The answer, on the session's connection with its impersonation applied. PostgreSQL errors are thrown. */
export async function answerCatalog(statement: CatalogStatement, client: Client, lab: LabPostgres): Promise<CatalogAnswer> {
  const schemas = await catalogSchemas(client);
  if (statement.kind === 'databases') {
    return { kind: 'rows', columns: [stringColumn('databaseName')], rows: schemas.map((schema) => [schema]) };
  }
  if (!schemas.includes(statement.database)) {
    return { kind: 'error', message: `[SCHEMA_NOT_FOUND] The schema ${backQuoted(statement.database)} cannot be found. Verify the spelling and correctness of the schema and catalog.`, sqlState: '42704' };
  }
  if (statement.kind === 'tables') {
    const objects = await catalogObjects(client, lab, statement.database);
    return {
      kind: 'rows',
      columns: [stringColumn('database'), stringColumn('tableName'), labColumn('isTemporary', 16, -1)],
      rows: objects.map((object) => [statement.database, object.name, 'f']),
    };
  }
  const columns = await catalogColumns(client, lab, statement.database, statement.table);
  if (columns === undefined) {
    return {
      kind: 'error',
      message: `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${backQuoted(statement.database)}.${backQuoted(statement.table)} cannot be found. Verify the spelling and correctness of the schema and catalog.`,
      sqlState: '42P01',
    };
  }
  return {
    kind: 'rows',
    columns: [stringColumn('col_name'), stringColumn('data_type'), stringColumn('comment')],
    rows: columns.map((column) => [column.name, sparkType(column.oid, column.typmod), null]),
  };
}
