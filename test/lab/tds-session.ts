/**
 * One SQL Server session of the lab: its own PostgreSQL connection (as the login), its SPID and
 * its session context. The few T-SQL commands the worksheets need are answered here
 * (sp_set_session_context, SESSION_CONTEXT(), @@SPID, tedious' SET options); everything else is
 * lightly translated (N'…', SELECT TOP n, WAITFOR DELAY) and run on PostgreSQL.
 *
 * Immuta's Synapse impersonation is modelled on the fixture: setting the session key
 * `immuta_user` to a Synapse user name impersonates the Immuta user linked to it
 * (immuta.users.synapse_user; an unknown name is passed on as it is) through
 * `CALL immuta_procedures.impersonate_user($1)`, bound; NULL ends impersonation.
 */
import type { Client, FieldDef, QueryArrayResult } from 'pg';
import type { ParamValue } from './tds-parse';
import { colMetadata, rowToken, tdsColumns, type PgField } from './tds-types';
import { DONE_STATUS, done, envTransaction, errorToken, returnStatus, type ServerMessage } from './tds-wire';

export const SERVER_NAME = 'immuta-lab-synapse';
export const IMPERSONATION_KEY = 'immuta_user';

const RAW = { getTypeParser: () => (value: string) => value };

const SET_OPTIONS = /^\s*set\s+(?:textsize|quoted_identifier|arithabort|numeric_roundabort|ansi_\w+|concat_null_yields_null|cursor_close_on_commit|implicit_transactions|language|dateformat|datefirst|transaction\s+isolation\s+level|xact_abort|nocount)\b[^=\n]*$/i;
const SPID = /^\s*SELECT\s+@@SPID(?:\s+AS\s+\[?(\w+)\]?)?\s*;?\s*$/i;
const READ_CONTEXT = /^\s*SELECT\s+SESSION_CONTEXT\s*\(\s*N?'((?:[^']|'')*)'\s*\)(?:\s+AS\s+\[?(\w+)\]?)?\s*;?\s*$/i;
const SET_CONTEXT =
  /^\s*EXEC(?:UTE)?\s+(?:\[?sys\]?\s*\.\s*)?\[?sp_set_session_context\]?\s+@key\s*=\s*N?'((?:[^']|'')*)'\s*,\s*@value\s*=\s*(@\w+|N?'(?:[^']|'')*'|NULL)(?:\s*,\s*@read_only\s*=\s*[01])?\s*;?\s*$/i;

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
  let text = sql.replace(/(^|[^\w'])[Nn]'/g, "$1'");
  text = text.replace(/WAITFOR\s+DELAY\s+'(\d+):(\d+):(\d+(?:\.\d+)?)'/gi, (_all, h: string, m: string, s: string) => `SELECT pg_sleep(${Number(h) * 3600 + Number(m) * 60 + Number(s)})`);
  const top = /^(\s*SELECT\s+)TOP\s*\(?\s*(\d+)\s*\)?\s+([\s\S]*?)(\s*;?\s*)$/i.exec(text);
  if (top) text = `${top[1]}${top[3]} LIMIT ${top[2]}${top[4]}`;
  return text;
}

function unquote(literal: string): string {
  return literal.replace(/^[Nn]?'|'$/g, '').replace(/''/g, "'");
}

export class LabTdsSession {
  readonly context = new Map<string, string | null>();
  /** A PostgreSQL query is running (cancel may interrupt it). */
  busy = false;
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

  async run(sql: string, params: ReadonlyMap<string, ParamValue>, rpc: boolean): Promise<LabStatementResult> {
    const doneToken = (status: number, count = 0) => done(status, count, rpc ? 0xff : 0xfd);
    const finish = (body: Buffer[], status: number) =>
      Buffer.concat([...body, ...(rpc ? [returnStatus(status & DONE_STATUS.ERROR ? 1 : 0), done(status, 0, 0xfe)] : [done(status)])]);
    if (SET_OPTIONS.test(sql.split(/\r?\n/).find((line) => line.trim() !== '') ?? '') && sql.split(/\r?\n/).every((line) => line.trim() === '' || SET_OPTIONS.test(line))) {
      return { tokens: finish([], DONE_STATUS.FINAL), cancelled: false };
    }
    const spid = SPID.exec(sql);
    if (spid) return { tokens: finish(this.single(spid[1] ?? '', 21, String(this.spid), doneToken), DONE_STATUS.FINAL), cancelled: false };
    const read = READ_CONTEXT.exec(sql);
    if (read) return { tokens: finish(this.single(read[2] ?? '', 25, this.context.get(unquote(`'${read[1]}'`)) ?? null, doneToken), DONE_STATUS.FINAL), cancelled: false };
    const set = SET_CONTEXT.exec(sql);
    if (set) {
      const key = unquote(`'${set[1]}'`);
      const written = set[2];
      const value = written.startsWith('@') ? params.get(written.slice(1)) ?? null : /^NULL$/i.test(written) ? null : unquote(written);
      try {
        await this.setContext(key, value === null ? null : String(value));
      } catch (error) {
        return { tokens: finish([this.errorFor(error, sql)], DONE_STATUS.ERROR), cancelled: false };
      }
      return { tokens: finish([doneToken(DONE_STATUS.MORE)], DONE_STATUS.FINAL), cancelled: false };
    }
    return this.runOnPostgres(translate(sql), params, finish, doneToken);
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
    return [colMetadata(columns), rowToken(columns, [value]), doneToken(DONE_STATUS.COUNT | DONE_STATUS.MORE, 1)];
  }

  private async runOnPostgres(
    text: string,
    params: ReadonlyMap<string, ParamValue>,
    finish: (body: Buffer[], status: number) => Buffer,
    doneToken: (status: number, count?: number) => Buffer,
  ): Promise<LabStatementResult> {
    const values: ParamValue[] = [];
    const bound = params.size === 0 ? text : text.replace(/(?<![@\w])@(\w+)/g, (all, name: string) => (params.has(name) ? `$${values.push(params.get(name) ?? null)}` : all));
    this.busy = true;
    let results: QueryArrayResult<(string | null)[]>[];
    try {
      const answer = (await this.client.query({ text: bound, values, rowMode: 'array', types: RAW })) as unknown as QueryArrayResult<(string | null)[]> | QueryArrayResult<(string | null)[]>[];
      results = Array.isArray(answer) ? answer : [answer];
    } catch (error) {
      const cancelled = (error as { code?: string }).code === '57014';
      return { tokens: finish([...this.transactionChange(), this.errorFor(error, bound)], DONE_STATUS.ERROR), cancelled };
    } finally {
      this.busy = false;
    }
    const body: Buffer[] = [];
    for (const result of results) {
      if (result.fields.length > 0) {
        const columns = tdsColumns(result.fields.map((field: FieldDef): PgField => field), result.rows);
        body.push(colMetadata(columns), ...result.rows.map((row) => rowToken(columns, row)), doneToken(DONE_STATUS.COUNT | DONE_STATUS.MORE, result.rows.length));
      } else {
        body.push(doneToken(result.rowCount === null ? DONE_STATUS.MORE : DONE_STATUS.COUNT | DONE_STATUS.MORE, result.rowCount ?? 0));
      }
    }
    return { tokens: finish([...this.transactionChange(), ...body], DONE_STATUS.FINAL), cancelled: false };
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

  /** A PostgreSQL error as a SQL Server ERROR token; the line counts from the statement's start. */
  private errorFor(error: unknown, text: string): Buffer {
    const pgError = error as { code?: string; message?: string; position?: string };
    const position = pgError.position !== undefined ? Number(pgError.position) : NaN;
    const line = Number.isFinite(position) ? text.slice(0, position - 1).split(/\r\n|\r|\n/).length : 1;
    const code = pgError.code ?? '';
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
