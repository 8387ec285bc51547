import type { MetaNode, MetaQuery, MetadataQueries } from '../../metadata/types';
import { childPath, rowReader } from '../metadata-rows';
import { RESERVED_WORDS } from './reserved-words';

/**
 * Synapse's catalog for the explorer and completion (issue 19), from the sys catalog views:
 * sys.schemas, sys.objects (user tables and views), sys.columns with sys.types. These list what
 * the session's principal may see (SQL Server's metadata visibility), carry the type's length,
 * precision and scale, and exist on dedicated and serverless pools alike. Names are compared as
 * N'…' literals, never spliced.
 */

/** Schemas SQL Server makes in every database that hold no user data. */
const SYSTEM_SCHEMAS = ['sys', 'INFORMATION_SCHEMA', 'guest'];

/**
 * A T-SQL Unicode string literal. A backslash just before a line break would continue the line
 * (the server drops both), so such a backslash is spelled NCHAR(92).
 */
export function stringLiteral(value: string): string {
  return value
    .split(/\\(?=[\r\n])/)
    .map((part) => `N'${part.replace(/'/g, "''")}'`)
    .join(' + NCHAR(92) + ');
}

/**
 * A regular T-SQL identifier (letters, digits, `_`, not starting with a digit) needs no
 * brackets; case does not matter here because T-SQL compares names by the database's collation
 * whether bracketed or not.
 */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function identifier(name: string): string {
  return PLAIN.test(name) && !RESERVED_WORDS.has(name.toLowerCase()) ? name : `[${name.replace(/]/g, ']]')}]`;
}

function schemasQuery(): MetaQuery {
  return {
    sql: [
      'SELECT s.name AS schema_name',
      'FROM sys.schemas AS s',
      `WHERE s.name NOT IN (${SYSTEM_SCHEMAS.map(stringLiteral).join(', ')})`,
      // The fixed database roles' schemas (db_owner, db_datareader, …).
      "  AND LEFT(s.name, 3) <> N'db_'",
      'ORDER BY s.name;',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      return rows.flatMap((row) => {
        const name = reader.text(row, 'schema_name');
        return name === undefined ? [] : [{ kind: 'schema' as const, name, path: [name] }];
      });
    },
  };
}

function tablesQuery(schema: MetaNode): MetaQuery {
  return {
    sql: [
      'SELECT o.name AS object_name, o.type AS object_type',
      'FROM sys.objects AS o',
      'JOIN sys.schemas AS s ON s.schema_id = o.schema_id',
      `WHERE s.name = ${stringLiteral(schema.name)}`,
      "  AND o.type IN (N'U', N'V')",
      'ORDER BY o.name;',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      return rows.flatMap((row): MetaNode[] => {
        const name = reader.text(row, 'object_name');
        if (name === undefined) return [];
        // sys.objects.type is char(2): 'V ' for a view, 'U ' for a user table.
        const kind = reader.text(row, 'object_type')?.trim().toUpperCase() === 'V' ? 'view' : 'table';
        return [{ kind, name, path: childPath(schema, name) }];
      });
    },
  };
}

function columnsQuery(table: MetaNode): MetaQuery {
  const [schema, name] = table.path;
  return {
    sql: [
      'SELECT c.name AS column_name, t.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable',
      'FROM sys.columns AS c',
      'JOIN sys.objects AS o ON o.object_id = c.object_id',
      'JOIN sys.schemas AS s ON s.schema_id = o.schema_id',
      'JOIN sys.types AS t ON t.user_type_id = c.user_type_id',
      `WHERE s.name = ${stringLiteral(schema)}`,
      `  AND o.name = ${stringLiteral(name)}`,
      'ORDER BY c.column_id;',
    ].join('\n'),
    read(columns, rows) {
      const reader = rowReader(columns);
      return rows.flatMap((row): MetaNode[] => {
        const column = reader.text(row, 'column_name');
        if (column === undefined) return [];
        const nullable = reader.flag(row, 'is_nullable');
        const type = dataType(reader.text(row, 'type_name') ?? '', reader.integer(row, 'max_length'), reader.integer(row, 'precision'), reader.integer(row, 'scale'));
        return [{ kind: 'column', name: column, path: childPath(table, column), dataType: type, ...(nullable === undefined ? {} : { nullable }) }];
      });
    },
  };
}

/**
 * The type as a user writes it. sys.columns.max_length is in bytes (-1 for MAX), so an nvarchar
 * holds half as many characters.
 */
function dataType(base: string, maxLength: number | undefined, precision: number | undefined, scale: number | undefined): string {
  const type = base.toLowerCase();
  const length = (perCharacter: number) => (maxLength === undefined ? base : maxLength === -1 ? `${base}(max)` : `${base}(${maxLength / perCharacter})`);
  if (['varchar', 'char', 'varbinary', 'binary'].includes(type)) return length(1);
  if (['nvarchar', 'nchar'].includes(type)) return length(2);
  if (['decimal', 'numeric'].includes(type) && precision !== undefined) return `${base}(${precision},${scale ?? 0})`;
  if (['datetime2', 'time', 'datetimeoffset'].includes(type) && scale !== undefined) return `${base}(${scale})`;
  return base;
}

export function qualifiedName(node: MetaNode): string {
  return node.path.map(identifier).join('.');
}

export const SYNAPSE_METADATA: MetadataQueries = {
  containers: ['schema'],
  nouns: { schema: 'schema', table: 'table', view: 'view', column: 'column' },
  children(parent) {
    if (parent === undefined) return schemasQuery();
    if (parent.kind === 'schema') return tablesQuery(parent);
    if (parent.kind === 'table' || parent.kind === 'view') return columnsQuery(parent);
    throw new Error(`A Synapse ${parent.kind} has no children in the explorer.`);
  },
  qualifiedName,
  identifier,
  selectTop(node, rows) {
    return `SELECT TOP (${Math.max(0, Math.floor(rows))}) * FROM ${qualifiedName(node)};`;
  },
};
