/** The lexical families the splitter knows. Each platform maps to one. */
export type SqlDialectId = 'postgres' | 'tsql' | 'snowflake' | 'trino' | 'spark';
