/**
 * The Snowflake lab's catalog statements (issue 19), answered in Snowflake's shape:
 *   SHOW DATABASES  -> created_on, name, is_default, is_current, origin, owner, comment, options, retention_time
 *   SELECT SCHEMA_NAME, COMMENT FROM <db>.INFORMATION_SCHEMA.SCHEMATA ORDER BY SCHEMA_NAME
 *   SELECT TABLE_NAME, TABLE_TYPE, COMMENT FROM <db>.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '<s>' ORDER BY TABLE_NAME
 *   SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, COMMENT
 *     FROM <db>.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = '<s>' AND TABLE_NAME = '<t>' ORDER BY ORDINAL_POSITION
 * Names are shown as Snowflake would have stored the lab's objects had they been created
 * unquoted (upper case: SALES, CUSTOMERS, FULL_NAME); the literals in WHERE are compared with
 * those shown names, exactly. What is listed follows the session's effective identity
 * (catalog-model.ts).
 */
import type { Client } from 'pg';
import { catalogColumns, catalogObjects, catalogSchemas } from './catalog-model';
import type { LabPostgres } from './postgres';
import { SnowflakeLabError, normalizeIdentifier, parseLiteral, type StatementResult } from './snowflake-session';
import { mapColumn, snowflakeColumnName, type RowType } from './snowflake-types';

/** The one database of the lab account (what result metadata names too). */
export const LAB_DATABASE = 'LAB';

export type CatalogStatement =
  | { readonly kind: 'databases' }
  | { readonly kind: 'schemas'; readonly database: string }
  | { readonly kind: 'tables'; readonly database: string; readonly schema: string }
  | { readonly kind: 'columns'; readonly database: string; readonly schema: string; readonly table: string };

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const LIT = String.raw`('(?:[^'\\]|\\[\s\S]|'')*')`;
const FROM = (view: string) => String.raw`FROM\s+${IDENT}\s*\.\s*INFORMATION_SCHEMA\s*\.\s*${view}`;
const SCHEMATA = new RegExp(String.raw`^SELECT\s+SCHEMA_NAME\s*,\s*COMMENT\s+${FROM('SCHEMATA')}\s+ORDER\s+BY\s+SCHEMA_NAME$`, 'i');
const TABLES = new RegExp(String.raw`^SELECT\s+TABLE_NAME\s*,\s*TABLE_TYPE\s*,\s*COMMENT\s+${FROM('TABLES')}\s+WHERE\s+TABLE_SCHEMA\s*=\s*${LIT}\s+ORDER\s+BY\s+TABLE_NAME$`, 'i');
const COLUMNS = new RegExp(
  String.raw`^SELECT\s+COLUMN_NAME\s*,\s*DATA_TYPE\s*,\s*IS_NULLABLE\s*,\s*NUMERIC_PRECISION\s*,\s*NUMERIC_SCALE\s*,\s*COMMENT\s+${FROM('COLUMNS')}\s+` +
    String.raw`WHERE\s+TABLE_SCHEMA\s*=\s*${LIT}\s+AND\s+TABLE_NAME\s*=\s*${LIT}\s+ORDER\s+BY\s+ORDINAL_POSITION$`,
  'i',
);

function value(literal: string): string {
  return parseLiteral(literal) ?? '';
}

export function readCatalogStatement(sql: string): CatalogStatement | undefined {
  const text = sql.trim().replace(/\s*;\s*$/, '');
  if (/^SHOW\s+(?:TERSE\s+)?DATABASES$/i.test(text)) return { kind: 'databases' };
  let match = SCHEMATA.exec(text);
  if (match) return { kind: 'schemas', database: normalizeIdentifier(match[1]) };
  match = TABLES.exec(text);
  if (match) return { kind: 'tables', database: normalizeIdentifier(match[1]), schema: value(match[2]) };
  match = COLUMNS.exec(text);
  if (match) return { kind: 'columns', database: normalizeIdentifier(match[1]), schema: value(match[2]), table: value(match[3]) };
  return undefined;
}

const BASE: RowType = { name: '', type: 'text', precision: null, scale: null, length: 16777216, byteLength: 16777216, nullable: true, database: '', schema: '', table: '', collation: null };
const textColumn = (name: string): RowType => ({ ...BASE, name });
const numberColumn = (name: string): RowType => ({ ...BASE, name, type: 'fixed', precision: 38, scale: 0, length: null, byteLength: null });

function result(rowtype: RowType[], rowset: (string | null)[][]): StatementResult {
  return { rowtype, rowset, statementTypeId: 0x1000 };
}

/** INFORMATION_SCHEMA.COLUMNS.DATA_TYPE for the lab's result type. */
const DATA_TYPES: Readonly<Record<string, string>> = {
  fixed: 'NUMBER',
  real: 'FLOAT',
  text: 'TEXT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  timestamp_ltz: 'TIMESTAMP_LTZ',
  variant: 'VARIANT',
  binary: 'BINARY',
};

/** The answer, on the session's connection with its impersonation applied. PostgreSQL errors are thrown. */
export async function answerCatalog(statement: CatalogStatement, client: Client, lab: LabPostgres): Promise<StatementResult> {
  if (statement.kind === 'databases') {
    const columns = ['created_on', 'name', 'is_default', 'is_current', 'origin', 'owner', 'comment', 'options', 'retention_time'];
    const rowtype = columns.map((name) => (name === 'created_on' ? { ...textColumn(name), type: 'timestamp_ltz', scale: 9, length: null, byteLength: null } : textColumn(name)));
    return result(rowtype, [['1704067200.000000000', LAB_DATABASE, 'Y', 'Y', '', 'ACCOUNTADMIN', '', '', '1']]);
  }
  if (statement.database !== LAB_DATABASE) {
    throw new SnowflakeLabError('002003', `SQL compilation error:\nDatabase '${statement.database}' does not exist or not authorized.`, '02000');
  }
  const schemas = await catalogSchemas(client);
  if (statement.kind === 'schemas') {
    return result([textColumn('SCHEMA_NAME'), textColumn('COMMENT')], schemas.map((schema) => [snowflakeColumnName(schema), null]));
  }
  // The stored (PostgreSQL) name behind a shown one: shown names are compared exactly.
  const schema = schemas.find((candidate) => snowflakeColumnName(candidate) === statement.schema);
  const objects = schema === undefined ? [] : await catalogObjects(client, lab, schema);
  if (statement.kind === 'tables') {
    return result(
      [textColumn('TABLE_NAME'), textColumn('TABLE_TYPE'), textColumn('COMMENT')],
      objects.map((object) => [snowflakeColumnName(object.name), object.type, null]),
    );
  }
  const table = objects.find((candidate) => snowflakeColumnName(candidate.name) === statement.table);
  const columns = schema === undefined || table === undefined ? [] : ((await catalogColumns(client, lab, schema, table.name)) ?? []);
  return result(
    [textColumn('COLUMN_NAME'), textColumn('DATA_TYPE'), textColumn('IS_NULLABLE'), numberColumn('NUMERIC_PRECISION'), numberColumn('NUMERIC_SCALE'), textColumn('COMMENT')],
    columns.map((column) => {
      const type = mapColumn({ name: column.name, dataTypeID: column.oid, dataTypeModifier: column.typmod }, []).rowtype;
      const numeric = type.type === 'fixed';
      return [
        snowflakeColumnName(column.name),
        DATA_TYPES[type.type] ?? type.type.toUpperCase(),
        column.nullable ? 'YES' : 'NO',
        numeric ? String(type.precision) : null,
        numeric ? String(type.scale) : null,
        null,
      ];
    }),
  );
}
