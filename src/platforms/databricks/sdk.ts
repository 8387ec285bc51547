/**
 * The part of @databricks/sql 2.x this adapter uses, typed structurally, and its lazy loading:
 * the package (Thrift, Arrow, winston, openid-client) is required when the first session opens,
 * not when the platform module loads for the picker or the status bar.
 */
import type { Logger } from '../../common/logger';

export type SdkLogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface SdkLogger {
  log(level: SdkLogLevel, message: string): void;
}

/** A Thrift `i64` as node-int64 hands it over: eight big-endian bytes. */
export interface SdkInt64 {
  readonly buffer: Buffer;
  readonly offset: number;
}

export interface SdkColumnValues<T> {
  readonly values: readonly T[];
  readonly nulls: Buffer;
}

export interface SdkColumn {
  readonly boolVal?: SdkColumnValues<boolean> | null;
  readonly byteVal?: SdkColumnValues<number> | null;
  readonly i16Val?: SdkColumnValues<number> | null;
  readonly i32Val?: SdkColumnValues<number> | null;
  readonly i64Val?: SdkColumnValues<SdkInt64> | null;
  readonly doubleVal?: SdkColumnValues<number> | null;
  readonly stringVal?: SdkColumnValues<string> | null;
  readonly binaryVal?: SdkColumnValues<Buffer> | null;
}

export interface SdkRowSet {
  readonly columns?: readonly SdkColumn[] | null;
}

export interface SdkTypeQualifiers {
  readonly qualifiers: Readonly<Record<string, { readonly i32Value?: number | null; readonly stringValue?: string | null }>>;
}

export interface SdkColumnDesc {
  readonly columnName: string;
  readonly position: number;
  readonly comment?: string | null;
  readonly typeDesc: {
    readonly types: readonly { readonly primitiveEntry?: { readonly type: number; readonly typeQualifiers?: SdkTypeQualifiers | null } | null }[];
  };
}

export interface SdkResultSetMetadata {
  readonly schema?: { readonly columns: readonly SdkColumnDesc[] } | null;
  readonly resultFormat?: number | null;
}

export interface SdkOperationStatus {
  readonly hasResultSet?: boolean | null;
  readonly numModifiedRows?: SdkInt64 | null;
}

/** `DBSQLOperation._data`: the row-set provider behind the operation (public, typed unknown). */
export interface SdkRowSetProvider {
  fetchNext(options: { limit: number }): Promise<SdkRowSet | undefined>;
  hasMore(): Promise<boolean>;
}

export interface SdkOperation {
  readonly id: string;
  readonly _data?: unknown;
  finished(): Promise<void>;
  status(): Promise<SdkOperationStatus>;
  getMetadata(): Promise<SdkResultSetMetadata>;
  fetchChunk(options: { maxRows: number; disableBuffering?: boolean }): Promise<object[]>;
  hasMoreRows(): Promise<boolean>;
  cancel(): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface SdkExecuteOptions {
  readonly runAsync?: boolean;
  readonly maxRows?: number | null;
  readonly useCloudFetch?: boolean;
  readonly useLZ4Compression?: boolean;
  /** Sent as TExecuteStatementReq.parameters (TSparkParameter: STRING, or neither type nor value for NULL). */
  readonly namedParameters?: Readonly<Record<string, string | null>>;
}

export interface SdkSession {
  readonly id: string;
  executeStatement(statement: string, options?: SdkExecuteOptions): Promise<SdkOperation>;
  close(): Promise<unknown>;
}

export interface SdkClientConfig {
  arrowEnabled?: boolean;
  useCloudFetch?: boolean;
  useLZ4Compression?: boolean;
}

export interface SdkClient {
  connect(options: Record<string, unknown>): Promise<unknown>;
  openSession(request?: { initialCatalog?: string; initialSchema?: string; configuration?: Record<string, string> }): Promise<SdkSession>;
  getConfig(): SdkClientConfig;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface SdkModule {
  DBSQLClient: new (options?: { logger?: SdkLogger }) => SdkClient;
}

let loaded: SdkModule | undefined;

export function loadSdk(): SdkModule {
  // Requiring here (not at the top) keeps the driver out of the platform module's load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@databricks/sql') as SdkModule;
  return loaded;
}

/** The driver's logger, into ours: never a file, never the console. */
export function sdkLogger(logger: Logger): SdkLogger {
  return {
    log(level, message) {
      const line = `databricks: ${message}`;
      switch (level) {
        case 'error':
          logger.error(line);
          break;
        case 'warn':
          logger.warn(line);
          break;
        case 'info':
          logger.info(line);
          break;
        default:
          logger.debug(line);
      }
    },
  };
}
