/**
 * One Thrift session of the Databricks lab: its own PostgreSQL connection (so session state,
 * errors and cancel are real), its Spark session conf, and its operations. Statements run one
 * at a time on the connection, each preceded by the impersonation the conf holds (none while
 * the lab's `ignoreImpersonation` switch is on: the key is still stored and read back, but the
 * statement runs as the login, as on a workspace whose Immuta integration reads another key).
 */
import { randomUUID } from 'node:crypto';
import { Client, type DatabaseError, type FieldDef, type QueryArrayResult } from 'pg';
import { readLabCommand } from './databricks-sql';
import { receivedPosition, toPostgresMarkers, type BoundRecord, type PostgresStatement } from './bind-markers';
import { answerCatalog, readCatalogStatement } from './databricks-catalog';
import type { LabPostgres } from './postgres';
import { labColumn, stringColumn, type LabColumn } from './databricks-types';

const RAW_TYPES = { getTypeParser: () => (text: string) => text };

export type OperationState = 'running' | 'finished' | 'canceled' | 'error' | 'closed';

export interface LabOperationError {
  readonly message: string;
  readonly sqlState: string;
}

export class LabOperation {
  readonly id = randomUUID();
  state: OperationState = 'running';
  columns: LabColumn[] = [];
  rows: (string | null)[][] = [];
  hasResultSet = false;
  modifiedRows: number | undefined;
  error: LabOperationError | undefined;
  /** Rows already handed out by FetchResults. */
  offset = 0;
  /** The backend pid while PostgreSQL works on this operation. */
  backendPid: number | undefined;
  readonly done: Promise<void>;
  private settle: () => void = () => undefined;

  constructor(
    readonly sessionId: string,
    readonly sql: string,
    readonly parameters: readonly LabParameter[] = [],
  ) {
    this.done = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
  }

  finish(columns: LabColumn[], rows: (string | null)[][], modifiedRows?: number): void {
    if (this.state !== 'running') return;
    this.columns = columns;
    this.rows = rows;
    this.hasResultSet = columns.length > 0;
    this.modifiedRows = modifiedRows;
    this.state = 'finished';
    this.settle();
  }

  fail(error: LabOperationError): void {
    if (this.state !== 'running') return;
    this.error = error;
    this.state = 'error';
    this.settle();
  }

  cancel(): void {
    if (this.state !== 'running') return;
    this.state = 'canceled';
    this.settle();
  }
}

export interface SessionContext {
  readonly impersonationKey: string;
  /** The lab's "wrong on purpose" switch: true while Immuta reads some other key. */
  readonly ignoringImpersonation: () => boolean;
  readonly catalog: string;
  readonly log: (line: string) => void;
  /** For the catalog statements, which read Immuta's metadata (databricks-catalog.ts). */
  readonly lab?: LabPostgres;
  /** Hears every statement that ran on PostgreSQL with bound values. */
  readonly recordBound?: (record: BoundRecord) => void;
}

/** One TSparkParameter as received: named (`:name`) or ordinal (`?`); NULL has no type. */
export interface LabParameter {
  readonly name: string | undefined;
  readonly type: string | undefined;
  readonly value: string | null;
}

export class LabSession {
  readonly id = randomUUID();
  readonly conf = new Map<string, string>();
  readonly operations = new Map<string, LabOperation>();
  expired = false;
  closed = false;
  /** Its PostgreSQL connection died (e.g. pg_terminate_backend): the server no longer has this session. */
  lost = false;
  /** Statements run one after another on the one connection. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly login: string,
    private readonly client: Client,
    private readonly context: SessionContext,
  ) {}

  static async open(login: { user: string; password: string }, where: { host: string; port: number; database: string }, context: SessionContext, schema?: string): Promise<LabSession> {
    const client = new Client({ ...where, user: login.user, password: login.password, application_name: 'databricks-lab', options: '-c TimeZone=UTC', types: RAW_TYPES });
    client.on('error', (error) => context.log(`databricks-lab: connection of ${login.user} failed: ${error.message}`));
    await client.connect();
    const session = new LabSession(login.user, client, context);
    // As a cluster whose Spark session died: from now on the handle is invalid.
    const lost = () => {
      if (!session.closed) session.lost = true;
    };
    client.on('error', lost);
    client.on('end', lost);
    const problem = schema === undefined ? undefined : await session.useSchema(schema);
    if (problem) {
      await client.end().catch(() => undefined);
      throw new Error(problem.message);
    }
    return session;
  }

  get pid(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  /** Starts a statement; it runs after the ones before it on this session. */
  execute(sql: string, parameters: readonly LabParameter[] = []): LabOperation {
    const operation = new LabOperation(this.id, sql, parameters);
    this.operations.set(operation.id, operation);
    this.queue = this.queue.then(() => this.run(operation)).catch((error: unknown) => {
      operation.fail({ message: `lab failure: ${error instanceof Error ? error.message : String(error)}`, sqlState: 'XX000' });
    });
    return operation;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const operation of this.operations.values()) operation.cancel();
    await this.client.end().catch(() => undefined);
  }

  private async run(operation: LabOperation): Promise<void> {
    if (operation.state !== 'running') return; // cancelled while it waited
    const command = readLabCommand(operation.sql);
    switch (command.kind) {
      case 'set':
        this.conf.set(command.key, command.value);
        return operation.finish([stringColumn('key'), stringColumn('value')], [[command.key, command.value]]);
      case 'read':
        return operation.finish([stringColumn('key'), stringColumn('value')], [[command.key, this.conf.get(command.key) ?? '<undefined>']]);
      case 'list':
        return operation.finish([stringColumn('key'), stringColumn('value')], [...this.conf].sort(([a], [b]) => a.localeCompare(b)));
      case 'reset':
        if (command.key === undefined) this.conf.clear();
        else this.conf.delete(command.key);
        return operation.finish([], []);
      case 'current-user':
        return operation.finish([stringColumn('current_user()')], [[this.login]]);
      case 'invalid':
        return operation.fail({ message: command.message, sqlState: '42000' });
      case 'use':
        if (command.catalog !== undefined && command.catalog !== this.context.catalog) {
          return operation.fail({ message: `[NO_SUCH_CATALOG_EXCEPTION] Catalog '${command.catalog}' was not found.`, sqlState: '42704' });
        }
        if (command.schema !== undefined) {
          const problem = await this.useSchema(command.schema);
          if (problem) return operation.fail(problem);
        }
        return operation.finish([], []);
      case 'postgres':
        return this.runOnPostgres(operation);
    }
  }

  private async useSchema(schema: string): Promise<LabOperationError | undefined> {
    const found = await this.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount !== 1) {
      return { message: `[SCHEMA_NOT_FOUND] The schema \`${schema}\` cannot be found.`, sqlState: '42704' };
    }
    await this.client.query("SELECT set_config('search_path', $1, false)", [`"${schema.replace(/"/g, '""')}", public`]);
    return undefined;
  }

  /** The impersonation the conf holds (an empty value is none), then the statement itself. */
  private async runOnPostgres(operation: LabOperation): Promise<void> {
    let marked: PostgresStatement | undefined;
    const target = this.context.ignoringImpersonation() ? undefined : this.conf.get(this.context.impersonationKey);
    try {
      await this.client.query('CALL immuta_procedures.impersonate_user($1)', [target === undefined || target === '' ? null : target]);
      operation.backendPid = this.pid;
      if (operation.state !== 'running') return;
      const catalog = this.context.lab !== undefined ? readCatalogStatement(operation.sql) : undefined;
      if (catalog !== undefined && this.context.lab !== undefined) {
        const answer = await answerCatalog(catalog, this.client, this.context.lab);
        if (answer.kind === 'error') operation.fail({ message: answer.message, sqlState: answer.sqlState });
        else operation.finish(answer.columns, answer.rows);
        return;
      }
      const statement = operation.parameters.length > 0 ? this.boundStatement(operation) : { text: operation.sql, values: undefined, marked: undefined };
      if ('error' in statement) return operation.fail(statement.error);
      marked = statement.marked;
      const result = (await this.client.query({ text: statement.text, values: statement.values, rowMode: 'array', types: RAW_TYPES })) as unknown as QueryArrayResult | QueryArrayResult[];
      const results = Array.isArray(result) ? result : [result];
      const withRows = results.find((one) => one.fields.length > 0);
      if (withRows) {
        operation.finish(
          withRows.fields.map((field: FieldDef) => labColumn(field.name, field.dataTypeID, field.dataTypeModifier)),
          withRows.rows as (string | null)[][],
        );
      } else {
        const last = results[results.length - 1];
        operation.finish([], [], last?.rowCount ?? undefined);
      }
    } catch (error) {
      const pgError = error as Partial<DatabaseError> & Error;
      if (operation.state === 'canceled' || pgError.code === '57014') {
        operation.cancel();
        return;
      }
      // Spark places errors in the text it received, not in the lab's $n rewrite of it.
      const position = marked && pgError.position !== undefined ? String(receivedPosition(marked, operation.sql, Number(pgError.position))) : pgError.position;
      operation.fail({ message: pgError.message + where(operation.sql, position), sqlState: pgError.code ?? 'XX000' });
    } finally {
      operation.backendPid = undefined;
    }
  }

  /**
   * Spark's `:name` markers (or `?` for ordinal parameters) as PostgreSQL's `$n`, each value
   * bound: the text PostgreSQL parses never holds a value. A marker without a parameter fails
   * as Spark fails it.
   */
  private boundStatement(operation: LabOperation): { text: string; values: (string | null)[]; marked: PostgresStatement } | { error: LabOperationError } {
    const named = operation.parameters.every((parameter) => parameter.name !== undefined);
    if (!named && operation.parameters.some((parameter) => parameter.name !== undefined)) {
      return { error: { message: '[INVALID_QUERY_MIXED_QUERY_PARAMETERS] Parameterized query must either use positional, or named parameters, but not both.', sqlState: '42613' } };
    }
    const statement = toPostgresMarkers(operation.sql, named ? 'colon-name' : 'question');
    const values: (string | null)[] = [];
    for (const [index, key] of statement.keys.entries()) {
      const parameter = named ? operation.parameters.find((candidate) => candidate.name === key) : operation.parameters[index];
      if (!parameter) {
        return { error: { message: `[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${named ? key : String(index + 1)}.`, sqlState: '42P02' } };
      }
      values.push(parameter.value);
    }
    this.context.recordBound?.({ received: operation.sql, postgres: statement.text, values });
    return { text: statement.text, values, marked: statement };
  }
}

/**
 * Spark ends a message that has a place with "(line L, pos P)": 1-based line, 0-based column in
 * code points. PostgreSQL gives a 1-based code point position in the whole statement.
 */
function where(sql: string, position: string | undefined): string {
  const at = position === undefined ? NaN : Number(position);
  if (!Number.isInteger(at) || at < 1) return '';
  const before = [...sql].slice(0, at - 1);
  let line = 1;
  let column = 0;
  for (const char of before) {
    if (char === '\n') {
      line++;
      column = 0;
    } else {
      column++;
    }
  }
  return ` (line ${line}, pos ${column})`;
}
