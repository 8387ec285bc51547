/**
 * One SQL Server session of the lab: its own PostgreSQL connection (as the login), its SPID and
 * its session context. The few T-SQL commands the worksheets need are answered here
 * (sp_set_session_context, SESSION_CONTEXT(), @@SPID, tedious' SET options); everything else is
 * lightly translated (N'…', [bracketed] names, SELECT TOP n, WAITFOR DELAY) and run on PostgreSQL.
 * Catalog views (sys.schemas, sys.objects, sys.columns, sys.types) are PostgreSQL views the lab
 * defines (catalog-views.sql), filtered for the effective identity the session context set.
 *
 * Immuta's Synapse impersonation is modelled on the fixture: setting the session key
 * `immuta_user` to a Synapse user name impersonates the Immuta user linked to it
 * (immuta.users.synapse_user; an unknown name is passed on as it is) through
 * `CALL immuta_procedures.impersonate_user($1)`, bound; NULL ends impersonation.
 */
import type { Client, FieldDef, QueryArrayResult } from 'pg';
import { bracketsToQuotes, labStatements, postgresType, replaceVariables, variablesIn, type LabStatement } from './tds-batch';
import type { ParamValue } from './tds-parse';
import { colMetadata, rowToken, tdsColumns, type PgField } from './tds-types';
import { DONE_STATUS, done, envTransaction, errorToken, returnStatus, type ServerMessage } from './tds-wire';

export const SERVER_NAME = 'immuta-lab-synapse';
export const IMPERSONATION_KEY = 'immuta_user';

const RAW = { getTypeParser: () => (value: string) => value };

const SET_OPTIONS = /^\s*set\s+(?:textsize|quoted_identifier|arithabort|numeric_roundabort|ansi_\w+|concat_null_yields_null|cursor_close_on_commit|implicit_transactions|language|dateformat|datefirst|transaction\s+isolation\s+level|xact_abort|nocount)\b[^=\n]*$/i;
const NOCOUNT = /^\s*SET\s+NOCOUNT\s+(ON|OFF)\s*$/i;
const DECLARE = /^\s*DECLARE\s+@(\w+)\s+(?:AS\s+)?(\w+(?:\s*\([^)]*\))?)\s*(?:=\s*([\s\S]+?))?\s*$/i;
const SET_VARIABLE = /^\s*SET\s+@(\w+)\s*=\s*([\s\S]+?)\s*$/i;
const PRINT = /^\s*PRINT\s+([\s\S]+?)\s*$/i;
const SPID = /^\s*SELECT\s+@@SPID(?:\s+AS\s+\[?(\w+)\]?)?\s*;?\s*$/i;
const READ_CONTEXT = /^\s*SELECT\s+SESSION_CONTEXT\s*\(\s*N?'((?:[^']|'')*)'\s*\)(?:\s+AS\s+\[?(\w+)\]?)?\s*;?\s*$/i;
const SET_CONTEXT =
  /^\s*EXEC(?:UTE)?\s+(?:\[?sys\]?\s*\.\s*)?\[?sp_set_session_context\]?\s+@key\s*=\s*N?'((?:[^']|'')*)'\s*,\s*@value\s*=\s*(@\w+|N?'(?:[^']|'')*'|NULL)(?:\s*,\s*@read_only\s*=\s*[01])?\s*;?\s*$/i;

/**
 * Errors after which SQL Server runs the rest of the batch (they end only their statement): a
 * divide by zero, a duplicate key. After any other error the lab ends the batch.
 */
const STATEMENT_ERRORS: ReadonlySet<number> = new Set([8134, 2627]);

/** PostgreSQL SQLSTATE → the SQL Server error number a user would see for the same mistake. */
const NUMBERS: Readonly<Record<string, number>> = { '42601': 102, '42P01': 208, '42703': 207, '42501': 229, '22012': 8134, '42883': 195, '23505': 2627 };

export interface SessionRecord {
  readonly key: string;
  readonly value: string | null;
}

export interface LabStatementResult {
  /** Tokens of the response, ending with DONE (batch) or DONEPROC (RPC). */
  readonly tokens: Buffer;
  /** The statement was interrupted by a cancel (ATTENTION). */
  readonly cancelled: boolean;
}

/** T-SQL bits the tests use, rewritten for PostgreSQL without moving any line. */
export function translate(sql: string): string {
  let text = bracketsToQuotes(sql).replace(/(^|[^\w'])[Nn]'/g, "$1'");
  text = text.replace(/WAITFOR\s+DELAY\s+'(\d+):(\d+):(\d+(?:\.\d+)?)'/gi, (_all, h: string, m: string, s: string) => `SELECT pg_sleep(${Number(h) * 3600 + Number(m) * 60 + Number(s)})`);
  const top = /^(\s*SELECT\s+)TOP\s*\(?\s*(\d+)\s*\)?\s+([\s\S]*?)(\s*;?\s*)$/i.exec(text);
  if (top) text = `${top[1]}${top[3]} LIMIT ${top[2]}${top[4]}`;
  return text;
}

function unquote(literal: string): string {
  return literal.replace(/^[Nn]?'|'$/g, '').replace(/''/g, "'");
}

interface Variable {
  /** The PostgreSQL type a DECLAREd variable is bound as; null for sp_executesql's parameters. */
  readonly pgType: string | null;
  value: ParamValue;
}

interface StatementAnswer {
  readonly tokens: Buffer[];
  /** The statement failed (an error, or a cancel that interrupted it). */
  readonly failed: boolean;
  /** The batch goes on after it (always after success; after a statement-level error too). */
  readonly continues: boolean;
  readonly cancelled: boolean;
}

export class LabTdsSession {
  readonly context = new Map<string, string | null>();
  /** A PostgreSQL query is running (cancel may interrupt it). */
  busy = false;
  /** SET NOCOUNT ON: DONE tokens carry no row count. */
  private nocount = false;
  private txDescriptor = 0n;
  private txStatus = 'I';

  constructor(
    readonly spid: number,
    readonly pid: number,
    readonly login: string,
    private readonly client: Client,
    /** The Immuta user linked to a Synapse user name (the name itself when none is). */
    private readonly immutaUserOf: (synapseUser: string) => Promise<string>,
    private readonly recordContext: (record: SessionRecord) => void,
  ) {}

  /**
   * Runs one request: a SQL batch (or sp_executesql's statement, `params` bound) of one or more
   * statements, each answered in turn as SQL Server answers a batch: a result set, a DONE with
   * its row count (none under SET NOCOUNT ON), PRINT as an INFO token. A divide by zero or a
   * duplicate key ends only its statement, as on SQL Server; any other error ends the batch (SQL
   * Server goes on after more of them), as does an ATTENTION (`interrupted`) between two statements.
   */
  async run(
    sql: string,
    params: ReadonlyMap<string, ParamValue>,
    rpc: boolean,
    interrupted: () => boolean = () => false,
    /** Tokens of statements that ended, sent ahead of the rest of the response (SQL Server streams a batch's results). */
    partial: (tokens: Buffer) => void = () => undefined,
  ): Promise<LabStatementResult> {
    const doneToken = (status: number, count = 0) => done(status, count, rpc ? 0xff : 0xfd);
    const finish = (body: Buffer[], status: number) => {
      if (rpc) return Buffer.concat([...body, returnStatus(status & DONE_STATUS.ERROR ? 1 : 0), done(status, 0, 0xfe)]);
      // A batch's last statement's DONE is the response's last token (its MORE bit cleared), as SQL Server sends it.
      const tail = body.at(-1);
      if (tail !== undefined && isDone(tail) && tail.readUInt16LE(1) & DONE_STATUS.MORE) {
        const last = Buffer.from(tail);
        last.writeUInt16LE((tail.readUInt16LE(1) & ~DONE_STATUS.MORE) | status, 1);
        return Buffer.concat([...body.slice(0, -1), last]);
      }
      return Buffer.concat([...body, done(status)]);
    };
    // tedious' connection setup: SET lines without `;`.
    if (isSetOptions(sql)) return { tokens: finish([], DONE_STATUS.FINAL), cancelled: false };
    const variables = new Map<string, Variable>([...params].map(([name, value]) => [name.toLowerCase(), { pgType: null, value }]));
    const statements = labStatements(sql);
    let last: Buffer[] = [];
    for (const [index, statement] of statements.entries()) {
      if (interrupted()) return { tokens: finish([], DONE_STATUS.FINAL), cancelled: true };
      const answer = await this.statement(statement, variables, doneToken);
      if (answer.failed && !answer.continues) return { tokens: finish(answer.tokens, DONE_STATUS.ERROR), cancelled: answer.cancelled };
      // The last statement's tokens go with the response's end; earlier ones as they are ready.
      if (index < statements.length - 1) {
        if (answer.tokens.length > 0) partial(Buffer.concat(answer.tokens));
      } else {
        last = answer.tokens;
      }
    }
    return { tokens: finish(last, DONE_STATUS.FINAL), cancelled: false };
  }

  /** One statement of a batch; `line` (0-based) is where it starts in the batch. */
  private async statement({ text, line }: LabStatement, variables: Map<string, Variable>, doneToken: (status: number, count?: number) => Buffer): Promise<StatementAnswer> {
    const ok = (tokens: Buffer[]): StatementAnswer => ({ tokens, failed: false, continues: true, cancelled: false });
    const fail = (error: unknown, sent: string): StatementAnswer => {
      const continues = STATEMENT_ERRORS.has(NUMBERS[(error as { code?: string }).code ?? ''] ?? 0);
      return {
        // A statement-level error ends its statement with a DONE of its own; the batch goes on.
        tokens: [...this.transactionChange(), this.errorFor(error, sent, line), ...(continues ? [doneToken(DONE_STATUS.MORE | DONE_STATUS.ERROR)] : [])],
        failed: true,
        continues,
        cancelled: (error as { code?: string }).code === '57014',
      };
    };
    const nocount = NOCOUNT.exec(text);
    if (nocount) {
      this.nocount = nocount[1].toLowerCase() === 'on';
      return ok([]);
    }
    if (isSetOptions(text)) return ok([]);
    const spid = SPID.exec(text);
    if (spid) return ok(this.single(spid[1] ?? '', 21, String(this.spid), doneToken));
    const read = READ_CONTEXT.exec(text);
    if (read) return ok(this.single(read[2] ?? '', 25, this.context.get(unquote(`'${read[1]}'`)) ?? null, doneToken));
    const set = SET_CONTEXT.exec(text);
    if (set) {
      const key = unquote(`'${set[1]}'`);
      const written = set[2];
      const value = written.startsWith('@') ? (variables.get(written.slice(1).toLowerCase())?.value ?? null) : /^NULL$/i.test(written) ? null : unquote(written);
      try {
        await this.setContext(key, value === null ? null : String(value));
      } catch (error) {
        return fail(error, text);
      }
      return ok([doneToken(DONE_STATUS.MORE)]);
    }
    const declare = DECLARE.exec(text);
    // A DECLARE names its own variable; only its initial value may use others.
    const undeclared = variablesIn(declare ? (declare[3] ?? '') : text).find((name) => !variables.has(name));
    if (undeclared !== undefined) {
      const at = text.search(new RegExp(`(?<![@\\w])@${undeclared}\\b`, 'i'));
      return fail({ code: 'T137', message: `Must declare the scalar variable "@${undeclared}".`, position: String(at + 1) }, text);
    }
    try {
      if (declare) {
        const pgType = postgresType(declare[2]);
        variables.set(declare[1].toLowerCase(), { pgType, value: declare[3] === undefined ? null : await this.evaluate(declare[3], pgType, variables, text) });
        return ok([]);
      }
      const assign = SET_VARIABLE.exec(text);
      if (assign) {
        const variable = variables.get(assign[1].toLowerCase()) as Variable;
        variable.value = await this.evaluate(assign[2], variable.pgType ?? 'text', variables, text);
        return ok([]);
      }
      const print = PRINT.exec(text);
      if (print) {
        const message = String((await this.evaluate(print[1], 'text', variables, text)) ?? '');
        return ok([errorToken({ number: 0, state: 1, class: 0, message, line: line + 1 }, SERVER_NAME, true)]);
      }
    } catch (error) {
      return fail(error, text);
    }
    const values: ParamValue[] = [];
    const bound = replaceVariables(translate(text), (name) => {
      const variable = variables.get(name) as Variable;
      return `$${values.push(variable.value)}${variable.pgType ? `::${variable.pgType}` : ''}`;
    });
    try {
      return ok(await this.runOnPostgres(bound, values, doneToken));
    } catch (error) {
      return fail(error, bound);
    }
  }

  /** The value of a T-SQL expression (variables bound), as the text PostgreSQL gives for `pgType`. */
  private async evaluate(expression: string, pgType: string, variables: ReadonlyMap<string, Variable>, statement: string): Promise<ParamValue> {
    // Padded with the statement's lines before it, so an error in it is on the statement's line.
    const before = statement.slice(0, statement.indexOf(expression)).replace(/[^\r\n]/g, ' ');
    const values: ParamValue[] = [];
    const bound = replaceVariables(translate(expression), (name) => {
      const variable = variables.get(name) as Variable;
      return `$${values.push(variable.value)}${variable.pgType ? `::${variable.pgType}` : ''}`;
    });
    const { rows } = (await this.client.query({ text: `${before}SELECT (${bound})::${pgType}`, values, rowMode: 'array', types: RAW })) as unknown as QueryArrayResult<(string | null)[]>;
    return rows[0]?.[0] ?? null;
  }

  private async setContext(key: string, value: string | null): Promise<void> {
    if (key === IMPERSONATION_KEY) {
      const immutaUser = value === null ? null : await this.immutaUserOf(value);
      await this.client.query({ text: 'CALL immuta_procedures.impersonate_user($1)', values: [immutaUser] });
    }
    this.context.set(key, value);
    this.recordContext({ key, value });
  }

  /** A one-row, one-column result computed by the lab itself. */
  private single(name: string, typeId: number, value: string | null, doneToken: (status: number, count?: number) => Buffer): Buffer[] {
    const columns = tdsColumns([{ name, dataTypeID: typeId, dataTypeModifier: -1 }], [[value]]);
    return [colMetadata(columns), rowToken(columns, [value]), doneToken(this.countStatus(), 1)];
  }

  /** A statement on PostgreSQL: its result set (if any) and its DONE; throws what PostgreSQL threw. */
  private async runOnPostgres(text: string, values: ParamValue[], doneToken: (status: number, count?: number) => Buffer): Promise<Buffer[]> {
    this.busy = true;
    let results: QueryArrayResult<(string | null)[]>[];
    try {
      const answer = (await this.client.query({ text, values, rowMode: 'array', types: RAW })) as unknown as QueryArrayResult<(string | null)[]> | QueryArrayResult<(string | null)[]>[];
      results = Array.isArray(answer) ? answer : [answer];
    } finally {
      this.busy = false;
    }
    const body: Buffer[] = [...this.transactionChange()];
    for (const result of results) {
      if (result.fields.length > 0) {
        const columns = tdsColumns(result.fields.map((field: FieldDef): PgField => field), result.rows);
        body.push(colMetadata(columns), ...result.rows.map((row) => rowToken(columns, row)), doneToken(this.countStatus(), result.rows.length));
      } else {
        body.push(doneToken(result.rowCount === null ? DONE_STATUS.MORE : this.countStatus(), result.rowCount ?? 0));
      }
    }
    return body;
  }

  /** DONE's status for a statement that reports a row count: none under SET NOCOUNT ON. */
  private countStatus(): number {
    return this.nocount ? DONE_STATUS.MORE : DONE_STATUS.COUNT | DONE_STATUS.MORE;
  }

  /** ENVCHANGE when the statement began or ended a transaction, as SQL Server reports it. */
  private transactionChange(): Buffer[] {
    const now = this.client.getTransactionStatus() ?? 'I';
    const before = this.txStatus;
    this.txStatus = now;
    const descriptor = Buffer.alloc(8);
    if (before === 'I' && now !== 'I') {
      this.txDescriptor++;
      descriptor.writeBigUInt64LE(this.txDescriptor);
      return [envTransaction(8, descriptor)];
    }
    if (before !== 'I' && now === 'I') {
      descriptor.writeBigUInt64LE(this.txDescriptor);
      return [envTransaction(before === 'E' ? 10 : 9, descriptor)];
    }
    return [];
  }

  /**
   * A PostgreSQL error as a SQL Server ERROR token. Its line counts from the batch's first line:
   * the statement starts on line `firstLine` (0-based) of the batch, and `text` (what was sent)
   * keeps the statement's line breaks.
   */
  private errorFor(error: unknown, text: string, firstLine = 0): Buffer {
    const pgError = error as { code?: string; message?: string; position?: string };
    const position = pgError.position !== undefined ? Number(pgError.position) : NaN;
    const line = firstLine + (Number.isFinite(position) ? text.slice(0, position - 1).split(/\r\n|\r|\n/).length : 1);
    const code = pgError.code ?? '';
    if (code === 'T137') {
      return errorToken({ number: 137, state: 2, class: 15, message: pgError.message ?? '', line }, SERVER_NAME);
    }
    if (code === '' || code.startsWith('08') || code.startsWith('57P0')) {
      // The PostgreSQL session behind this one is gone (e.g. pg_terminate_backend): SQL Server's
      // answer to a killed session, severity 21, after which it closes the connection.
      return errorToken({ number: 596, state: 1, class: 21, message: 'Cannot continue the execution because the session is in the kill state.', line }, SERVER_NAME);
    }
    const number = NUMBERS[code] ?? 50000;
    const message: ServerMessage = { number, state: 1, class: number === 229 ? 14 : 16, message: pgError.message ?? String(error), line };
    return errorToken(message, SERVER_NAME);
  }
}

/** A DONE token on its own (as `done()` makes them). */
function isDone(token: Buffer): boolean {
  return token.length === 13 && token[0] === 0xfd;
}

/** Lines of tedious' SET options only (it sends them at login, one per line, without `;`). */
function isSetOptions(sql: string): boolean {
  const lines = sql.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.length > 0 && lines.every((line) => SET_OPTIONS.test(line));
}
