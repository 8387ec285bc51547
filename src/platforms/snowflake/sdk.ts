/**
 * The part of snowflake-sdk this adapter uses, loaded on first use only.
 *
 * Why lazily: snowflake-sdk 3.x starts probing cloud metadata addresses (169.254.169.254,
 * metadata.google.internal) and AWS credentials the moment its telemetry module is evaluated,
 * unless SNOWFLAKE_DISABLE_PLATFORM_DETECTION is 'true' at that moment. In the bundle every
 * module is evaluated on its first require, so setting the variable here, before the one
 * require of the sdk below, is enough whatever order the imports of this file end up in.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../../common/logger';

export interface SdkError extends Error {
  code?: string | number;
  sqlState?: string;
  data?: { queryId?: string; sqlState?: string; [key: string]: unknown };
  isFatal?: boolean;
  cause?: unknown;
}

export interface SdkColumn {
  getName(): string;
  getType(): string;
  getPrecision(): number;
  getScale(): number;
  isNullable(): boolean;
}

export interface SdkSessionState {
  getCurrentRole?(): string | undefined;
}

export interface SdkStatement {
  getColumns(): SdkColumn[] | undefined;
  getNumUpdatedRows(): number | undefined;
  getNumRows(): number | undefined;
  getQueryId(): string | undefined;
  getSessionState(): SdkSessionState | undefined;
  cancel(callback?: (error: SdkError | undefined) => void): void;
  streamRows(): Readable;
}

export type FetchAsString = 'Number' | 'Date' | 'JSON' | 'Buffer' | 'Boolean' | 'String';

export interface SdkExecuteOptions {
  sqlText: string;
  /** Values for `:1`, `:2`… (or `?`) markers; strings go as TEXT, null as a null binding. */
  binds?: (string | null)[];
  streamResult: boolean;
  rowMode?: 'array';
  fetchAsString?: FetchAsString[];
  /** `rows` only when streamResult is false. */
  complete: (error: SdkError | undefined, statement: SdkStatement, rows?: unknown[]) => void;
}

export interface SdkConnection {
  connect(callback: (error: SdkError | undefined) => void): void;
  connectAsync(callback: (error: SdkError | undefined) => void): Promise<unknown>;
  isUp(): boolean;
  execute(options: SdkExecuteOptions): SdkStatement;
  destroy(callback: (error: SdkError | undefined) => void): void;
}

export interface SdkConnectionOptions {
  account: string;
  accessUrl?: string;
  username: string;
  authenticator: 'SNOWFLAKE' | 'SNOWFLAKE_JWT' | 'EXTERNALBROWSER';
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  clientSessionKeepAlive?: boolean;
  /**
   * Integers become BigInts inside the driver instead of lossy numbers; we read them as text
   * anyway, but without it the driver warns (and reports telemetry) on every big integer.
   */
  jsTreatIntegerAsBigInt?: boolean;
  application?: string;
  /** Login retries on network errors; the driver's default keeps trying for minutes. */
  sfRetryMaxLoginRetries?: number;
  /** Milliseconds per HTTP request. */
  timeout?: number;
  browserActionTimeout?: number;
}

interface SnowflakeSdk {
  createConnection(options: SdkConnectionOptions): SdkConnection;
  configure(options: {
    logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'OFF';
    additionalLogToConsole?: boolean;
    customLogger?: { error(m: string): void; warn(m: string): void; info(m: string): void; debug(m: string): void; trace(m: string): void };
  }): void;
}

/**
 * Where the driver's own log lines go. The sdk has one logger per process (configure() is
 * global), so this is the module's one piece of mutable state: the logger of the session that
 * opened last. Without a custom logger the sdk writes `snowflake.log` into the current
 * directory, which in VS Code can be the user's workspace.
 */
let driverLogTarget: Logger | undefined;

let loaded: SnowflakeSdk | undefined;

export function loadSdk(logger: Logger): SnowflakeSdk {
  driverLogTarget = logger;
  if (loaded) {
    return loaded;
  }
  // Forced, not defaulted: a user's 'false' would let the probes leave the machine.
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
  // The sdk's optional native helper is not shipped in our bundle; not loading it avoids a
  // failing require from dist/platforms/binaries and the telemetry event that reports it.
  process.env.SNOWFLAKE_DISABLE_MINICORE = 'true';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('snowflake-sdk') as SnowflakeSdk;
  const forward = (level: keyof Logger) => (message: string) => driverLogTarget?.[level](`snowflake-sdk: ${message}`);
  sdk.configure({
    logLevel: 'WARN',
    additionalLogToConsole: false,
    customLogger: { error: forward('error'), warn: forward('warn'), info: forward('info'), debug: forward('debug'), trace: forward('debug') },
  });
  loaded = sdk;
  return sdk;
}
