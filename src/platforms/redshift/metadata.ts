import type { MetaNode, MetaQuery, MetadataQueries } from '../../metadata/types';
import { childPath, rowReader } from '../metadata-rows';
import type { Row } from '../types';
import { RESERVED_WORDS } from './reserved-words';

/**
 * Redshift's catalog for the explorer and completion (issue 19): schemas from SVV_ALL_SCHEMAS,
 * tables and views from SVV_TABLES, columns from SVV_COLUMNS. The SVV views are Redshift's own
 * and list what the session may see (local and external objects alike), unlike pg_catalog
 * joins that Redshift restricts or that miss external schemas. One database per connection,
 * so every level is filtered to current_database(). Names are literal-quoted, never spliced.
 */

/** Schemas of the system, not of the user's data. */
const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_internal', 'pg_automv', 'catalog_history'];

/**
 * A string literal for Redshift. Redshift reads a backslash in a literal as an escape (it has no
 * standard_conforming_strings), PostgreSQL does not; CHR(92) spells one the same way in both.
 */
export function stringLiteral(value: string): string {
  return value
    .split('\\')
    .map((part) => `'${part.replace(/'/g, "''")}'`)
    .join(' || CHR(92) || ');
}

/** A lower-case name that starts with a letter or `_` reads the same unquoted (Redshift folds names to lower case). */
const PLAIN = /^[a-z_][a-z0-9_$]*$/;

export function identifier(name: string): string {
  return PLAIN.test(name) && !RESERVED_WORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function schemasQuery(): MetaQuery {
  return {
    sql: [
      'SELECT schema_name',
      'FROM svv_all_schemas',
      'WHERE database_name = current_database()',
      `  AND schema_name NOT IN (${SYSTEM_SCHEMAS.map(stringLiteral).join(', ')})`,
      // LEFT, not LIKE: LIKE's escape character reads differently in Redshift and PostgreSQL literals.
      "  AND LEFT(schema_name, 8) <> 'pg_temp_'",
      'ORDER BY schema_name',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      return names(rows, (row) => reader.text(row, 'schema_name')).map((name) => ({ kind: 'schema', name, path: [name] }));
    },
  };
}

function tablesQuery(schema: MetaNode): MetaQuery {
  return {
    sql: [
      'SELECT table_name, table_type, remarks',
      'FROM svv_tables',
      'WHERE table_catalog = current_database()',
      `  AND table_schema = ${stringLiteral(schema.name)}`,
      'ORDER BY table_name',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      const nodes: MetaNode[] = [];
      for (const row of rows) {
        const name = reader.text(row, 'table_name');
        if (name === undefined) continue;
        const type = reader.text(row, 'table_type')?.toUpperCase() ?? '';
        const comment = reader.text(row, 'remarks');
        nodes.push({ kind: type.includes('VIEW') ? 'view' : 'table', name, path: childPath(schema, name), ...(comment ? { comment } : {}) });
      }
      return nodes;
    },
  };
}

function columnsQuery(table: MetaNode): MetaQuery {
  const [schema, name] = table.path;
  return {
    sql: [
      'SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, remarks',
      'FROM svv_columns',
      'WHERE table_catalog = current_database()',
      `  AND table_schema = ${stringLiteral(schema)}`,
      `  AND table_name = ${stringLiteral(name)}`,
      'ORDER BY ordinal_position',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      const nodes: MetaNode[] = [];
      for (const row of rows) {
        const column = reader.text(row, 'column_name');
        if (column === undefined) continue;
        const nullable = reader.flag(row, 'is_nullable');
        const comment = reader.text(row, 'remarks');
        nodes.push({
          kind: 'column',
          name: column,
          path: childPath(table, column),
          dataType: dataType(reader.text(row, 'data_type') ?? '', reader.integer(row, 'character_maximum_length'), reader.integer(row, 'numeric_precision'), reader.integer(row, 'numeric_scale')),
          ...(nullable === undefined ? {} : { nullable }),
          ...(comment ? { comment } : {}),
        });
      }
      return nodes;
    },
  };
}

/** The type as a user writes it: `character varying(256)`, `numeric(12,2)`, `integer`. */
function dataType(base: string, length: number | undefined, precision: number | undefined, scale: number | undefined): string {
  if (length !== undefined && length > 0) return `${base}(${length})`;
  if (/^(numeric|decimal)$/i.test(base) && precision !== undefined) return `${base}(${precision},${scale ?? 0})`;
  return base;
}

function names(rows: readonly Row[], nameOf: (row: Row) => string | undefined): string[] {
  return rows.map(nameOf).filter((name): name is string => name !== undefined);
}

export function qualifiedName(node: MetaNode): string {
  return node.path.map(identifier).join('.');
}

export const REDSHIFT_METADATA: MetadataQueries = {
  containers: ['schema'],
  nouns: { schema: 'schema', table: 'table', view: 'view', column: 'column' },
  children(parent) {
    if (parent === undefined) return schemasQuery();
    if (parent.kind === 'schema') return tablesQuery(parent);
    if (parent.kind === 'table' || parent.kind === 'view') return columnsQuery(parent);
    throw new Error(`A Redshift ${parent.kind} has no children in the explorer.`);
  },
  qualifiedName,
  identifier,
  selectTop(node, rows) {
    return `SELECT * FROM ${qualifiedName(node)} LIMIT ${Math.max(0, Math.floor(rows))}`;
  },
};
