/**
 * One Snowflake session of the lab: its own PostgreSQL connection (as the login), its current
 * role and its session variables. Snowflake-only statements (USE ROLE, SET, UNSET, SELECT $var,
 * CURRENT_SESSION()) are answered here; everything else runs on the PostgreSQL connection.
 * Immuta's impersonation is modelled on top: while the impersonation role is current and the
 * impersonation variable holds a name, the PostgreSQL session impersonates that name through
 * `CALL immuta_procedures.impersonate_user($1)` (bound), and otherwise nobody.
 *
 * While the lab's `ignoreImpersonation` switch is on, the account behaves like a tenant whose
 * Immuta integration reads another variable: SET and SELECT $var work exactly as before, but
 * the PostgreSQL session impersonates nobody, so every statement runs as the login. The
 * impersonation is brought in line with the switch before each statement that reaches
 * PostgreSQL, so flipping it takes effect at every session's next statement.
 */
import type { Client, FieldDef, QueryResult } from 'pg';
import { mapColumn, statementTypeId, type RowType } from './snowflake-types';
import type { LabPostgres } from './postgres';
import { answerCatalog, readCatalogStatement } from './snowflake-catalog';
import { receivedPosition, toPostgresMarkers, type BoundRecord } from './bind-markers';

export interface StatementResult {
  readonly rowtype: readonly RowType[];
  readonly rowset: readonly (readonly (string | null)[])[];
  readonly statementTypeId: number;
}

/** A Snowflake error as the REST API reports it. */
export class SnowflakeLabError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

export interface SessionSettings {
  readonly impersonationRole: string;
  readonly impersonationVariable: string;
  readonly grantedRoles: readonly string[];
  /** The lab's "wrong on purpose" switch: true while Immuta reads some other variable. */
  readonly ignoringImpersonation: () => boolean;
  /** For the catalog statements, which read Immuta's metadata (snowflake-catalog.ts). */
  readonly lab?: LabPostgres;
  /** Hears every statement that ran on PostgreSQL with bound values. */
  readonly recordBound?: (record: BoundRecord) => void;
}

const RAW_TYPES = { getTypeParser: () => (value: string) => value };
const STATUS_OK: StatementResult = statusResult('Statement executed successfully.');
/** Snowflake caps a string variable at 16 KB. */
const MAX_VARIABLE_BYTES = 16 * 1024;

function statusResult(text: string): StatementResult {
  return {
    rowtype: [{ name: 'status', type: 'text', precision: null, scale: null, length: 16777216, byteLength: 16777216, nullable: true, database: '', schema: '', table: '', collation: null }],
    rowset: [[text]],
    statementTypeId: 0x2000,
  };
}

function textResult(name: string, value: string | null): StatementResult {
  return { ...statusResult(''), rowtype: [{ ...statusResult('').rowtype[0], name }], rowset: [[value]], statementTypeId: 0x1000 };
}

/** Snowflake identifier rules: unquoted names fold to upper case, quoted ones are exact. */
export function normalizeIdentifier(written: string): string {
  const quoted = /^"((?:[^"]|"")+)"$/.exec(written);
  return quoted ? quoted[1].replace(/""/g, '"') : written.toUpperCase();
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', Z: '\u001a' };

/** A Snowflake string literal's value: `''` and backslash escapes (the server's own rules). */
export function parseLiteral(text: string): string | undefined {
  if (!/^'(?:[^'\\]|\\[\s\S]|'')*'$/.test(text)) {
    return undefined;
  }
  return text.slice(1, -1).replace(/''|\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|[\s\S])/g, (_match, escape: string | undefined) => {
    if (escape === undefined) return "'";
    if (escape.length > 1) return String.fromCharCode(parseInt(escape.slice(1), 16));
    return ESCAPES[escape] ?? escape;
  });
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const USE_ROLE = new RegExp(String.raw`^USE\s+ROLE\s+${IDENT}\s*;?$`, 'i');
const SET_VAR = new RegExp(String.raw`^SET\s+${IDENT}\s*=\s*([\s\S]+?)\s*;?$`, 'i');
const UNSET_VAR = new RegExp(String.raw`^UNSET\s+${IDENT}\s*;?$`, 'i');
const SELECT_VAR = /^SELECT\s+\$([A-Za-z_][A-Za-z0-9_$]*)\s*;?$/i;
const CURRENT = /^SELECT\s+CURRENT_(SESSION|ROLE)\s*\(\s*\)\s*;?$/i;

export class LabSnowflakeSession {
  role: string;
  readonly variables = new Map<string, string>();
  /** Whom the PostgreSQL session impersonates right now (null = the login itself). */
  impersonating: string | null = null;
  /** Why the session ended, once it has. */
  ended: 'expired' | 'gone' | 'closed' | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closingByLab = false;

  constructor(
    readonly id: string,
    readonly login: string,
    readonly client: Client,
    readonly pid: number,
    role: string,
    private readonly settings: SessionSettings,
  ) {
    this.role = role;
    const lost = () => {
      // A PostgreSQL connection that dies under the session (e.g. pg_terminate_backend) is a
      // Snowflake session that no longer exists.
      if (!this.closingByLab && this.ended === undefined) {
        this.ended = 'gone';
      }
    };
    client.on('error', lost);
    client.on('end', lost);
  }

  /** Runs statements one at a time, as one Snowflake session does. */
  run(sql: string, binds: readonly (string | null)[], control: { readonly cancelled: boolean; started: boolean }): Promise<StatementResult> {
    const next = this.queue.then(async () => {
      if (control.cancelled) {
        throw new SnowflakeLabError('000604', 'SQL execution canceled', '57014');
      }
      if (this.ended !== undefined) {
        throw new SnowflakeLabError('390111', 'Session no longer exists.  New login required to access the service.', '08003');
      }
      control.started = true;
      try {
        return await this.execute(sql, binds);
      } finally {
        control.started = false;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async end(reason: 'expired' | 'gone' | 'closed'): Promise<void> {
    this.ended ??= reason;
    this.closingByLab = true;
    await this.client.end().catch(() => undefined);
  }

  private async execute(original: string, binds: readonly (string | null)[]): Promise<StatementResult> {
    const sql = original.trim();
    const current = CURRENT.exec(sql);
    if (current) {
      const which = current[1].toUpperCase();
      return textResult(`CURRENT_${which}()`, which === 'SESSION' ? this.id : this.role);
    }
    const useRole = USE_ROLE.exec(sql);
    if (useRole) {
      const role = normalizeIdentifier(useRole[1]);
      if (!this.settings.grantedRoles.includes(role)) {
        throw new SnowflakeLabError('002003', `SQL compilation error:\nRole '${role}' does not exist or not authorized.`, '02000');
      }
      this.role = role;
      await this.syncImpersonation();
      return STATUS_OK;
    }
    const set = SET_VAR.exec(sql);
    if (set) {
      const value = set[2] === '?' ? binds[0] : parseLiteral(set[2]);
      if (value === undefined || value === null) {
        throw new SnowflakeLabError('001003', `SQL compilation error:\nthe lab only sets variables to string literals: ${set[2]}`, '42000');
      }
      if (Buffer.byteLength(value, 'utf8') > MAX_VARIABLE_BYTES) {
        throw new SnowflakeLabError('002210', `Assignment to '${normalizeIdentifier(set[1])}' not done because value exceeds size limit for variables. Its size is ${Buffer.byteLength(value, 'utf8')}; the limit is ${MAX_VARIABLE_BYTES}.`, '22000');
      }
      this.variables.set(normalizeIdentifier(set[1]), value);
      await this.syncImpersonation();
      return STATUS_OK;
    }
    const unset = UNSET_VAR.exec(sql);
    if (unset) {
      this.variables.delete(normalizeIdentifier(unset[1]));
      await this.syncImpersonation();
      return STATUS_OK;
    }
    const select = SELECT_VAR.exec(sql);
    if (select) {
      const name = select[1].toUpperCase();
      const value = this.variables.get(name);
      if (value === undefined) {
        throw new SnowflakeLabError('002211', `SQL compilation error: error line 1 at position 7\nSession variable '$${name}' does not exist`, '02000');
      }
      return textResult(`$${name}`, value);
    }
    // The switch may have flipped since the last statement: what PostgreSQL impersonates follows it.
    try {
      await this.syncImpersonation();
    } catch (error) {
      throw postgresError(error, original);
    }
    const catalog = this.settings.lab !== undefined ? readCatalogStatement(sql) : undefined;
    if (catalog !== undefined && this.settings.lab !== undefined) {
      try {
        return await answerCatalog(catalog, this.client, this.settings.lab);
      } catch (error) {
        throw error instanceof SnowflakeLabError ? error : postgresError(error, original);
      }
    }
    return binds.length > 0 ? this.runBound(original, binds) : this.runOnPostgres(original);
  }

  /**
   * Snowflake's `:1`, `:2`… (or positional `?`) markers as PostgreSQL's `$n`, the values bound
   * the same way: the text PostgreSQL parses never holds a value.
   */
  private runBound(original: string, binds: readonly (string | null)[]): Promise<StatementResult> {
    const numbered = toPostgresMarkers(original, 'colon-number');
    const statement = numbered.keys.length > 0 ? numbered : toPostgresMarkers(original, 'question');
    const values = numbered.keys.length > 0 ? binds : binds.slice(0, statement.keys.length);
    this.settings.recordBound?.({ received: original, postgres: statement.text, values });
    return this.runOnPostgres(statement.text, values, (position) => receivedPosition(statement, original, position), original);
  }

  /**
   * Immuta impersonates only while its role is current and the variable holds a name (and,
   * with the lab's switch on, never: that Immuta reads another variable).
   */
  private async syncImpersonation(): Promise<void> {
    const held = this.role === normalizeIdentifier(this.settings.impersonationRole) ? (this.variables.get(normalizeIdentifier(this.settings.impersonationVariable)) ?? null) : null;
    const wanted = this.settings.ignoringImpersonation() ? null : held;
    if (wanted === this.impersonating) {
      return;
    }
    await this.client.query('CALL immuta_procedures.impersonate_user($1)', [wanted]);
    this.impersonating = wanted;
  }

  /** `toReceived` and `received`: the statement as the client sent it, where errors are placed. */
  private async runOnPostgres(sql: string, values?: readonly (string | null)[], toReceived?: (position: number) => number, received = sql): Promise<StatementResult> {
    let result: QueryResult<unknown[]> | QueryResult<unknown[]>[];
    try {
      result = (await this.client.query({ text: sql, rowMode: 'array', types: RAW_TYPES, ...(values ? { values: [...values] } : {}) })) as QueryResult<unknown[]> | QueryResult<unknown[]>[];
    } catch (error) {
      const position = (error as { position?: string }).position;
      const placed = toReceived && position !== undefined ? Object.assign(error as object, { position: String(toReceived(Number(position))) }) : error;
      throw postgresError(placed, received);
    }
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const command: string | null = last.command ?? null;
    const typeId = statementTypeId(command);
    if (typeId >= 0x3000 && typeId < 0x4000) {
      const verb = { INSERT: 'inserted', UPDATE: 'updated', DELETE: 'deleted', MERGE: 'merged' }[command as 'INSERT'] ?? 'affected';
      return {
        rowtype: [{ ...statusResult('').rowtype[0], name: `number of rows ${verb}`, type: 'fixed', precision: 19, scale: 0, length: null, byteLength: null, nullable: false }],
        rowset: [[String(last.rowCount ?? 0)]],
        statementTypeId: typeId,
      };
    }
    if (last.fields.length === 0) {
      return statusResult('Statement executed successfully.');
    }
    const rows = last.rows as (string | null)[][];
    const columns = last.fields.map((field: FieldDef, index: number) => mapColumn(field, rows.map((row) => row[index])));
    return {
      rowtype: columns.map((column) => column.rowtype),
      rowset: rows.map((row) => row.map((value, index) => columns[index].convert(value))),
      statementTypeId: typeId,
    };
  }
}

const SQLSTATE_TO_CODE: Readonly<Record<string, string>> = {
  '57014': '000604',
  '42501': '003001',
  '42P01': '002003',
  '42703': '000904',
  '42601': '001003',
  '22012': '100051',
  '42704': '002003',
};

/** A PostgreSQL error as Snowflake words one: its code, and the place as "line L at position P". */
function postgresError(error: unknown, sql: string): SnowflakeLabError {
  const pg = error as { message?: string; code?: string; position?: string };
  const sqlState = typeof pg.code === 'string' ? pg.code : 'XX000';
  const code = SQLSTATE_TO_CODE[sqlState] ?? '100000';
  if (sqlState === '57014') {
    return new SnowflakeLabError(code, 'SQL execution canceled', sqlState);
  }
  const message = pg.message ?? String(error);
  const position = pg.position !== undefined ? Number(pg.position) : NaN;
  if (!Number.isInteger(position) || position < 1) {
    return new SnowflakeLabError(code, message, sqlState);
  }
  // PostgreSQL counts code points from 1 over the whole text; Snowflake gives a line and a 0-based column.
  const before = [...sql].slice(0, position - 1).join('');
  const lines = before.split(/\r\n|\r|\n/);
  const column = [...lines[lines.length - 1]].length;
  return new SnowflakeLabError(code, `SQL compilation error: error line ${lines.length} at position ${column}\n${message}`, sqlState);
}
