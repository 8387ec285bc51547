/**
 * Runs one query of the Trino lab: session commands answered from the request's headers, the
 * rest on a PostgreSQL connection of the authenticated login, after resetting that
 * connection's impersonation from the request (Trino's session travels with each request).
 */
import type { Client, DatabaseError, FieldDef, QueryArrayResult } from 'pg';
import type { LoginPools, Principal } from './trino-auth';
import { trinoError, type ErrorName, type LabQuery, type QueryOutcome, type TrinoErrorBody } from './trino-query';
import { readLabCommand, type LabLiteral } from './trino-sql';
import { answerCatalog, readCatalogStatement } from './trino-catalog';
import type { LabPostgres } from './postgres';
import { labColumn, type LabColumn } from './trino-types';
import { toPostgresMarkers, type BoundRecord } from './bind-markers';

export interface SessionProperty {
  readonly type: LabLiteral['type'];
  readonly defaultValue: string;
  readonly description: string;
}

/** What a POST said about its session, from the X-Trino-* headers. */
export interface RequestSession {
  readonly principal: Principal;
  /** X-Trino-User, or the principal when absent. */
  readonly user: string;
  readonly catalog: string | undefined;
  readonly schema: string | undefined;
  readonly properties: ReadonlyMap<string, string>;
}

export interface ExecContext {
  readonly pools: LoginPools;
  /** For the catalog statements, which read Immuta's metadata (trino-catalog.ts). */
  readonly lab: LabPostgres;
  readonly catalog: string;
  readonly impersonationProperty: string;
  readonly knownProperties: ReadonlyMap<string, SessionProperty>;
  /** Hears every statement that ran on PostgreSQL with bound values. */
  readonly recordBound?: (record: BoundRecord) => void;
  /** False: a Trino before 418, which cannot parse EXECUTE IMMEDIATE. */
  readonly executeImmediate?: boolean;
}

const RAW_TYPES = { getTypeParser: () => (text: string) => text };

/** The session properties the lab coordinator knows; `others` are varchar properties Immuta ignores. */
export function knownProperties(impersonationProperty: string, others: readonly string[] = []): Map<string, SessionProperty> {
  return new Map<string, SessionProperty>([
    ...others.map((name): [string, SessionProperty] => [name, { type: 'varchar', defaultValue: '', description: 'A property Immuta does not read' }]),
    [impersonationProperty, { type: 'varchar', defaultValue: '', description: 'Immuta user to impersonate' }],
    ['query_max_run_time', { type: 'varchar', defaultValue: '100.00d', description: 'Maximum run time of a query' }],
    ['join_distribution_type', { type: 'varchar', defaultValue: 'AUTOMATIC', description: 'Join distribution type' }],
    ['query_priority', { type: 'integer', defaultValue: '1', description: 'The priority of queries' }],
    ['optimize_hash_generation', { type: 'boolean', defaultValue: 'true', description: 'Compute hash codes for distribution' }],
    ['lab.note', { type: 'varchar', defaultValue: '', description: 'Any text, for tests' }],
  ]);
}

/** Java's URLEncoder, as Trino writes X-Trino-Set-Session values. */
function urlEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function varcharColumns(...names: string[]): LabColumn[] {
  return names.map((name) => labColumn(name, 1043, -1));
}

const RESULT_TRUE: QueryOutcome = { columns: [labColumn('result', 16, -1)], rows: [['t']] };

export async function execute(query: LabQuery, session: RequestSession, context: ExecContext): Promise<void> {
  try {
    const unknown = [...session.properties.keys()].find((name) => !context.knownProperties.has(name));
    if (unknown !== undefined) {
      query.fail(trinoError('INVALID_SESSION_PROPERTY', `Session property '${unknown}' does not exist`));
      return;
    }
    const command = readLabCommand(query.sql);
    switch (command.kind) {
      case 'set-session': {
        const property = context.knownProperties.get(command.name);
        if (!property) return query.fail(trinoError('INVALID_SESSION_PROPERTY', `Session property '${command.name}' does not exist`));
        if (!command.value) return query.fail(trinoError('NOT_SUPPORTED', `The lab accepts only literal values in SET SESSION, not ${command.valueText}`));
        if (command.value.type !== property.type) {
          return query.fail(trinoError('INVALID_SESSION_PROPERTY', `Session property '${command.name}' must be of type ${property.type}, not ${command.value.type}`));
        }
        return query.finish({ ...RESULT_TRUE, updateType: 'SET SESSION', headers: [['X-Trino-Set-Session', `${command.name}=${urlEncode(String(command.value.value))}`]] });
      }
      case 'reset-session':
        if (!context.knownProperties.has(command.name)) {
          return query.fail(trinoError('INVALID_SESSION_PROPERTY', `Session property '${command.name}' does not exist`));
        }
        return query.finish({ ...RESULT_TRUE, updateType: 'RESET SESSION', headers: [['X-Trino-Clear-Session', command.name]] });
      case 'show-session': {
        const rows = [...context.knownProperties]
          .filter(([name]) => command.like === undefined || command.like.test(name))
          .map(([name, property]) => [name, session.properties.get(name) ?? property.defaultValue, property.defaultValue, property.type, property.description]);
        return query.finish({ columns: varcharColumns('Name', 'Value', 'Default', 'Type', 'Description'), rows });
      }
      case 'current-user':
        return query.finish({ columns: varcharColumns('_col0'), rows: [[session.user]] });
      case 'unsupported':
        return query.fail(trinoError('NOT_SUPPORTED', `${command.what} are not supported by this client`));
      case 'use':
        return await use(query, session, context, command.catalog ?? session.catalog, command.schema);
      case 'invalid':
        return query.fail(trinoError('NOT_SUPPORTED', command.message));
      case 'execute-immediate':
        if (context.executeImmediate === false) {
          // What Trino 417's parser says: EXECUTE takes a prepared statement's name.
          return query.fail(trinoError('SYNTAX_ERROR', "line 1:9: mismatched input 'IMMEDIATE'. Expecting: <identifier>", { lineNumber: 1, columnNumber: 9 }));
        }
        return await executeImmediate(query, session, context, command.statement, command.values);
      case 'postgres':
        return await runOnPostgres(query, session, context);
    }
  } catch (error) {
    query.fail(trinoError('GENERIC_INTERNAL_ERROR', `lab failure: ${error instanceof Error ? error.message : String(error)}`));
  }
}

async function use(query: LabQuery, session: RequestSession, context: ExecContext, catalog: string | undefined, schema: string): Promise<void> {
  if (catalog === undefined) {
    return query.fail(trinoError('NOT_FOUND', 'Catalog must be specified when session catalog is not set'));
  }
  if (catalog !== context.catalog) {
    return query.fail(trinoError('CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`));
  }
  const client = await context.pools.acquire(session.principal);
  let found: boolean;
  try {
    found = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    context.pools.release(session.principal, client);
  }
  if (!found) {
    return query.fail(trinoError('SCHEMA_NOT_FOUND', `Schema '${schema}' does not exist`));
  }
  query.finish({ updateType: 'USE', headers: [['X-Trino-Set-Catalog', catalog], ['X-Trino-Set-Schema', schema]] });
}

/** Whom Immuta should see: the property when set, else a session user other than the login. */
export function impersonationTarget(session: RequestSession, property: string): string | null {
  const value = session.properties.get(property);
  if (value !== undefined && value !== '') return value;
  return session.user !== session.principal.user ? session.user : null;
}

/**
 * Trino's prepared statement, as PostgreSQL's: each `?` of the statement becomes `$n` and the
 * USING values are bound to them, so the values never become part of any SQL text.
 */
async function executeImmediate(query: LabQuery, session: RequestSession, context: ExecContext, statement: string, values: readonly (string | null)[]): Promise<void> {
  const marked = toPostgresMarkers(statement, 'question');
  if (marked.keys.length !== values.length) {
    return query.fail(trinoError('GENERIC_USER_ERROR', `Incorrect number of parameters: expected ${marked.keys.length} but found ${values.length}`));
  }
  context.recordBound?.({ received: query.sql, postgres: marked.text, values });
  return runOnPostgres(query, session, context, { text: marked.text, values });
}

async function runOnPostgres(query: LabQuery, session: RequestSession, context: ExecContext, bound?: { readonly text: string; readonly values: readonly (string | null)[] }): Promise<void> {
  let client: Client;
  try {
    client = await context.pools.acquire(session.principal);
  } catch (error) {
    return query.fail(trinoError('JDBC_ERROR', `Could not connect to PostgreSQL: ${(error as Error).message}`));
  }
  let discard = false;
  try {
    query.running((client as unknown as { processID?: number }).processID);
    await client.query('CALL immuta_procedures.impersonate_user($1)', [impersonationTarget(session, context.impersonationProperty)]);
    const path = session.schema !== undefined ? `"${session.schema.replace(/"/g, '""')}", public` : '"$user", public';
    await client.query("SELECT set_config('search_path', $1, false)", [path]);
    if (query.canceled) throw Object.assign(new Error('canceled before it started'), { code: '57014' });
    const catalogStatement = bound ? undefined : readCatalogStatement(query.sql);
    if (catalogStatement) {
      const answer = await answerCatalog(catalogStatement, client, context.lab, context.catalog);
      if ('errorName' in answer) query.fail(answer);
      else query.finish(answer);
      return;
    }
    const result = (await client.query({ text: bound?.text ?? query.sql, values: bound ? [...bound.values] : undefined, rowMode: 'array', types: RAW_TYPES })) as unknown as QueryArrayResult | QueryArrayResult[];
    query.finish(outcomeOf(Array.isArray(result) ? result : [result]));
  } catch (error) {
    // A cancel that arrives as the statement ends could hit the next one on this connection; a
    // connection that failed (its backend terminated) must not serve the next query either.
    const code = (error as { code?: unknown }).code;
    discard = query.canceled || typeof code !== 'string' || code.startsWith('57P') || code.startsWith('08');
    query.fail(mapPostgresError(error, query));
  } finally {
    context.pools.release(session.principal, client, discard);
  }
}

function outcomeOf(results: readonly QueryArrayResult[]): QueryOutcome {
  const withRows = results.find((result) => result.fields.length > 0);
  if (withRows) {
    const columns = withRows.fields.map((field: FieldDef) => labColumn(field.name, field.dataTypeID, field.dataTypeModifier));
    return { columns, rows: withRows.rows as (string | null)[][] };
  }
  const last = results[results.length - 1];
  const command = last?.command ?? 'UNKNOWN';
  if (['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(command)) {
    // As Trino answers DML: one bigint column "rows" with the count.
    return { columns: [labColumn('rows', 20, -1)], rows: [[String(last.rowCount ?? 0)]], updateType: command, updateCount: last.rowCount ?? 0 };
  }
  return { updateType: command };
}

const SQLSTATE_NAMES: Record<string, ErrorName> = {
  '42601': 'SYNTAX_ERROR',
  '42501': 'PERMISSION_DENIED',
  '42703': 'COLUMN_NOT_FOUND',
  '42P01': 'TABLE_NOT_FOUND',
  '3F000': 'SCHEMA_NOT_FOUND',
  '42883': 'FUNCTION_NOT_FOUND',
  '42704': 'NOT_FOUND',
  '42P07': 'ALREADY_EXISTS',
  '22012': 'DIVISION_BY_ZERO',
  '22P02': 'INVALID_CAST_ARGUMENT',
  '23505': 'CONSTRAINT_VIOLATION',
};

function mapPostgresError(error: unknown, query: LabQuery): TrinoErrorBody {
  const pgError = error as Partial<DatabaseError> & Error;
  if (query.canceled) {
    return trinoError('USER_CANCELED', 'Query was canceled');
  }
  const code = pgError.code;
  if (code === undefined || code.startsWith('57P') || code.startsWith('08')) {
    return trinoError('JDBC_ERROR', `PostgreSQL connection failed: ${pgError.message}`);
  }
  const name = SQLSTATE_NAMES[code] ?? 'GENERIC_USER_ERROR';
  const position = pgError.position !== undefined ? Number(pgError.position) : NaN;
  return trinoError(name, pgError.message, Number.isInteger(position) && position > 0 ? lineAndColumn(query.sql, position) : undefined);
}

/** PostgreSQL's 1-based character position as Trino's 1-based line and column (code points). */
export function lineAndColumn(text: string, position: number): { lineNumber: number; columnNumber: number } {
  const before = [...text].slice(0, position - 1);
  let lineNumber = 1;
  let columnNumber = 1;
  for (const char of before) {
    if (char === '\n') {
      lineNumber++;
      columnNumber = 1;
    } else {
      columnNumber++;
    }
  }
  return { lineNumber, columnNumber };
}
