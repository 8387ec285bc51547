/**
 * The Trino lab's catalog statements (issue 19), answered in the shape Trino gives them:
 *   SHOW CATALOGS                       -> Catalog varchar
 *   SHOW SCHEMAS FROM <catalog>         -> Schema varchar
 *   SELECT table_name, table_type FROM <catalog>.information_schema.tables
 *     WHERE table_schema = '<schema>' ORDER BY table_name
 *   SELECT column_name, data_type, is_nullable FROM <catalog>.information_schema.columns
 *     WHERE table_schema = '<schema>' AND table_name = '<table>' ORDER BY ordinal_position
 * What is listed follows the session's effective identity (catalog-model.ts). Other forms of
 * these statements go to PostgreSQL as any statement does (and fail there).
 */
import type { Client } from 'pg';
import { catalogColumns, catalogObjects, catalogSchemas } from './catalog-model';
import type { LabPostgres } from './postgres';
import { trinoError, type QueryOutcome, type TrinoErrorBody } from './trino-query';
import { bareStatement } from './trino-sql';
import { labColumn } from './trino-types';

export type CatalogStatement =
  | { readonly kind: 'catalogs' }
  | { readonly kind: 'schemas'; readonly catalog: string }
  | { readonly kind: 'tables'; readonly catalog: string; readonly schema: string }
  | { readonly kind: 'columns'; readonly catalog: string; readonly schema: string; readonly table: string };

const NAME = String.raw`([A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")`;
const LITERAL = String.raw`'((?:[^']|'')*)'`;
const SHOW_SCHEMAS = new RegExp(String.raw`^SHOW\s+SCHEMAS\s+(?:FROM|IN)\s+${NAME}$`, 'i');
const TABLES = new RegExp(
  String.raw`^SELECT\s+table_name\s*,\s*table_type\s+FROM\s+${NAME}\s*\.\s*information_schema\s*\.\s*tables\s+WHERE\s+table_schema\s*=\s*${LITERAL}\s+ORDER\s+BY\s+table_name$`,
  'i',
);
const COLUMNS = new RegExp(
  String.raw`^SELECT\s+column_name\s*,\s*data_type\s*,\s*is_nullable\s+FROM\s+${NAME}\s*\.\s*information_schema\s*\.\s*columns\s+` +
    String.raw`WHERE\s+table_schema\s*=\s*${LITERAL}\s+AND\s+table_name\s*=\s*${LITERAL}\s+ORDER\s+BY\s+ordinal_position$`,
  'i',
);

/** Trino folds identifiers to lower case, delimited ones too, for catalogs and schemas. */
function name(written: string): string {
  return (written.startsWith('"') ? written.slice(1, -1).replace(/""/g, '"') : written).toLowerCase();
}

function literal(written: string): string {
  return written.replace(/''/g, "'");
}

export function readCatalogStatement(sql: string): CatalogStatement | undefined {
  const text = bareStatement(sql);
  if (/^SHOW\s+CATALOGS$/i.test(text)) return { kind: 'catalogs' };
  let match = SHOW_SCHEMAS.exec(text);
  if (match) return { kind: 'schemas', catalog: name(match[1]) };
  match = TABLES.exec(text);
  if (match) return { kind: 'tables', catalog: name(match[1]), schema: literal(match[2]) };
  match = COLUMNS.exec(text);
  if (match) return { kind: 'columns', catalog: name(match[1]), schema: literal(match[2]), table: literal(match[3]) };
  return undefined;
}

const varchar = (column: string) => labColumn(column, 1043, -1);

/** The answer, on the login's connection with the session's impersonation applied. PostgreSQL errors are thrown. */
export async function answerCatalog(statement: CatalogStatement, client: Client, lab: LabPostgres, catalog: string): Promise<QueryOutcome | TrinoErrorBody> {
  if (statement.kind === 'catalogs') {
    return { columns: [varchar('Catalog')], rows: [[catalog]] };
  }
  if (statement.catalog !== catalog) {
    return trinoError('CATALOG_NOT_FOUND', `Catalog '${statement.catalog}' not found`);
  }
  switch (statement.kind) {
    case 'schemas':
      return { columns: [varchar('Schema')], rows: (await catalogSchemas(client)).map((schema) => [schema]) };
    case 'tables': {
      const objects = await catalogObjects(client, lab, statement.schema);
      return { columns: [varchar('table_name'), varchar('table_type')], rows: objects.map((object) => [object.name, object.type]) };
    }
    case 'columns': {
      // information_schema answers no rows for a table the user cannot see, as for one that does not exist.
      const columns = (await catalogColumns(client, lab, statement.schema, statement.table)) ?? [];
      return {
        columns: [varchar('column_name'), varchar('data_type'), varchar('is_nullable')],
        rows: columns.map((column) => [column.name, labColumn(column.name, column.oid, column.typmod).column.type, column.nullable ? 'YES' : 'NO']),
      };
    }
  }
}
