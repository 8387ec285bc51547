/**
 * The part of the `mssql` package (12.x over tedious 19) this adapter uses, typed here because
 * mssql ships no type declarations. Loaded on first use only: requiring mssql costs ~100 ms.
 */
import type { Connection as TediousConnection } from 'tedious';

/** An mssql type (sql.Int, sql.NVarChar...): `declaration` is SQL Server's own name for it. */
export interface MssqlType {
  readonly declaration?: string;
}

/** A column as mssql reports it in array row mode ('recordset' event). */
export interface MssqlColumn {
  readonly index: number;
  readonly name: string;
  readonly length?: number;
  readonly type?: MssqlType;
  readonly scale?: number;
  readonly precision?: number;
  readonly nullable: boolean;
}

/** What mssql's RequestError carries from a SQL Server ERROR token. */
export interface MssqlRequestError extends Error {
  readonly code?: string;
  readonly number?: number;
  readonly lineNumber?: number;
  readonly state?: number;
  readonly class?: number;
  readonly serverName?: string;
  readonly procName?: string;
  readonly originalError?: unknown;
}

export interface MssqlInfo {
  readonly message: string;
  readonly number?: number;
  readonly state?: number;
  readonly class?: number;
  readonly lineNumber?: number;
}

export interface MssqlRequest {
  stream: boolean;
  arrayRowMode: boolean;
  input(name: string, type: MssqlType | (() => MssqlType) | { type: MssqlType; length?: number }, value: unknown): MssqlRequest;
  /** Always RPC `sp_executesql`, parameters bound. */
  query(sql: string): Promise<MssqlResult>;
  /** A plain SQLBatch (no sp_executesql scope); never pass parameters (mssql splices them). */
  batch(sql: string): Promise<MssqlResult>;
  cancel(): boolean;
  pause(): boolean;
  resume(): boolean;
  on(event: 'recordset', listener: (columns: MssqlColumn[]) => void): MssqlRequest;
  on(event: 'row', listener: (row: unknown[]) => void): MssqlRequest;
  on(event: 'rowsaffected', listener: (count: number) => void): MssqlRequest;
  on(event: 'info', listener: (info: MssqlInfo) => void): MssqlRequest;
  on(event: 'error', listener: (error: MssqlRequestError) => void): MssqlRequest;
  on(event: 'done', listener: (result: { rowsAffected?: number[] }) => void): MssqlRequest;
}

export interface MssqlResult {
  readonly recordset?: Array<Record<string, unknown>> | unknown[][];
  readonly rowsAffected: number[];
}

export interface MssqlPoolConfig {
  server: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  arrayRowMode: boolean;
  /** 'socket': validate without sending SQL (mssql's default sends SELECT 1 on every acquire). */
  validateConnection: boolean | 'socket';
  connectionTimeout: number;
  /** 0 = no timeout: a worksheet statement may run as long as the user lets it. */
  requestTimeout: number;
  pool: { max: number; min: number; idleTimeoutMillis: number };
  authentication?: { type: string; options: Record<string, unknown> };
  options: Record<string, unknown>;
  /** Called with each tedious Connection the pool creates, before it connects. */
  beforeConnect: (connection: TediousConnection) => void;
}

export interface MssqlPool {
  connect(): Promise<MssqlPool>;
  close(): Promise<void>;
  request(): MssqlRequest;
  on(event: 'error', listener: (error: Error) => void): MssqlPool;
}

export interface MssqlModule {
  ConnectionPool: new (config: MssqlPoolConfig) => MssqlPool;
  NVarChar: (length?: number) => { type: MssqlType; length?: number };
  /** The length that declares NVARCHAR(MAX). */
  MAX: number;
}

let loaded: MssqlModule | undefined;

export function loadMssql(): MssqlModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('mssql') as MssqlModule;
  return loaded;
}
