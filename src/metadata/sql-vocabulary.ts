import type { SqlDialectId } from '../sql/dialects';

/**
 * The keywords and common functions completion offers per dialect. Not a grammar: the words a
 * user types most, so that they come with the tables and columns rather than instead of them.
 */
const COMMON_KEYWORDS = [
  'SELECT', 'DISTINCT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'EXISTS', 'BETWEEN', 'LIKE', 'IS', 'NULL',
  'AS', 'ON', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'GROUP', 'BY', 'HAVING', 'ORDER', 'ASC',
  'DESC', 'UNION', 'ALL', 'INTERSECT', 'EXCEPT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'WITH', 'INSERT', 'INTO',
  'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'VIEW', 'DROP', 'ALTER', 'TRUE', 'FALSE', 'OVER',
  'PARTITION', 'CAST',
];

const DIALECT_KEYWORDS: Readonly<Record<SqlDialectId, readonly string[]>> = {
  postgres: ['LIMIT', 'OFFSET', 'ILIKE', 'SIMILAR', 'RETURNING', 'USING', 'NULLS', 'FIRST', 'LAST'],
  tsql: ['TOP', 'PERCENT', 'OFFSET', 'FETCH', 'NEXT', 'ROWS', 'ONLY', 'APPLY', 'OUTPUT', 'NOLOCK', 'GO', 'DECLARE', 'EXEC'],
  snowflake: ['LIMIT', 'OFFSET', 'ILIKE', 'QUALIFY', 'SAMPLE', 'LATERAL', 'FLATTEN', 'USING', 'SHOW', 'DESCRIBE'],
  trino: ['LIMIT', 'OFFSET', 'FETCH', 'UNNEST', 'TABLESAMPLE', 'SHOW', 'DESCRIBE', 'CATALOGS', 'SCHEMAS', 'TABLES'],
  spark: ['LIMIT', 'RLIKE', 'LATERAL', 'EXPLODE', 'CLUSTER', 'DISTRIBUTE', 'SORT', 'SHOW', 'DESCRIBE', 'DATABASES', 'TABLES'],
};

const COMMON_FUNCTIONS = [
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'NULLIF', 'LOWER', 'UPPER', 'TRIM', 'LENGTH', 'SUBSTRING',
  'ROUND', 'ABS', 'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD', 'CURRENT_DATE', 'CURRENT_TIMESTAMP',
];

const DIALECT_FUNCTIONS: Readonly<Record<SqlDialectId, readonly string[]>> = {
  // Redshift's own functions beside PostgreSQL's.
  postgres: ['NVL', 'NVL2', 'DATE_TRUNC', 'DATEADD', 'DATEDIFF', 'GETDATE', 'LISTAGG', 'SPLIT_PART', 'TO_CHAR', 'TO_DATE', 'CONCAT', 'CURRENT_USER'],
  tsql: ['ISNULL', 'GETDATE', 'GETUTCDATE', 'DATEADD', 'DATEDIFF', 'DATEPART', 'CONVERT', 'TRY_CAST', 'TRY_CONVERT', 'LEN', 'CHARINDEX', 'STRING_AGG', 'FORMAT', 'IIF', 'SUSER_SNAME', 'USER_NAME'],
  snowflake: ['NVL', 'IFF', 'DATEADD', 'DATEDIFF', 'DATE_TRUNC', 'TO_VARCHAR', 'TO_DATE', 'TRY_CAST', 'LISTAGG', 'ARRAY_AGG', 'PARSE_JSON', 'SPLIT_PART', 'CURRENT_ROLE', 'CURRENT_USER'],
  trino: ['DATE_TRUNC', 'DATE_ADD', 'DATE_DIFF', 'TRY_CAST', 'ARRAY_AGG', 'APPROX_DISTINCT', 'REGEXP_LIKE', 'SPLIT', 'ELEMENT_AT', 'FROM_UNIXTIME', 'CURRENT_USER'],
  spark: ['NVL', 'IFNULL', 'DATE_ADD', 'DATEDIFF', 'DATE_TRUNC', 'DATE_FORMAT', 'COLLECT_LIST', 'COLLECT_SET', 'EXPLODE', 'SIZE', 'CONCAT_WS', 'CURRENT_USER'],
};

export function keywordsOf(dialect: SqlDialectId): readonly string[] {
  return [...COMMON_KEYWORDS, ...DIALECT_KEYWORDS[dialect]];
}

export function functionsOf(dialect: SqlDialectId): readonly string[] {
  return [...COMMON_FUNCTIONS, ...DIALECT_FUNCTIONS[dialect]];
}

/**
 * Words that end a table reference rather than name its alias (`FROM t WHERE …`, `JOIN t ON …`),
 * in upper case.
 */
export const NOT_AN_ALIAS: ReadonlySet<string> = new Set([
  'WHERE', 'ON', 'USING', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'NATURAL', 'GROUP', 'ORDER',
  'HAVING', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'SET', 'WINDOW', 'QUALIFY', 'WITH',
  'TABLESAMPLE', 'SAMPLE', 'LATERAL', 'VALUES', 'SELECT', 'RETURNING', 'PIVOT', 'UNPIVOT', 'OUTPUT', 'OPTION',
  'CLUSTER', 'DISTRIBUTE', 'SORT', 'FOR', 'INTO', 'AND', 'OR', 'APPLY', 'WHEN', 'THEN', 'ELSE', 'END',
]);
