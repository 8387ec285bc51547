import type { Event } from '../common/events';
import type { Logger } from '../common/logger';
import type { SqlDialectId } from '../sql/dialects';
import type { PlatformError } from './errors';

export type PlatformId = 'redshift' | 'synapse' | 'databricks' | 'snowflake' | 'trino';

/** SQL templates a profile may use instead of the platform's defaults; `{user}` is quoted or bound. */
export interface ImpersonationTemplates {
  readonly set?: string;
  readonly clear?: string;
  readonly readBack?: string;
}

/**
 * A statement whose answer proves whom Immuta runs this session as (for example a one-row view
 * an administrator protects with a policy that returns the effective Immuta user). It runs
 * after every apply and on Verify, never per statement; any answer but `expect` refuses runs.
 */
export interface EffectProbe {
  readonly statement: string;
  /** The first column of the first row it must return, with `{user}` for the impersonated user. */
  readonly expect: string;
}

interface ProfileBase {
  /** Unique, user-facing name of the profile. */
  readonly name: string;
  readonly impersonation?: ImpersonationTemplates;
  readonly effectProbe?: EffectProbe;
  /**
   * The Immuta user this login belongs to, for the IMPERSONATE_USER check and your own
   * project. Unset: the owner of the workspace's Immuta API key.
   */
  readonly immutaUser?: string;
  /** False: statements are sent as typed, with no named parameters looked for (default true). */
  readonly parameters?: boolean;
}

export type TlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface RedshiftProfile extends ProfileBase {
  readonly platform: 'redshift';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly tls: {
    readonly mode: TlsMode;
    /** PEM text of a CA bundle to trust (already read from the file the user named). */
    readonly ca?: string;
  };
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
}

/** PEM text to trust for TLS (already read from the file the user named), and whether to verify at all. */
export interface HttpTls {
  readonly ca?: string;
  /** False only when the user explicitly turned verification off. */
  readonly verify: boolean;
}

export type TrinoAuth = 'basic' | 'jwt' | 'none';

/**
 * How a Trino worksheet impersonates: `session-property` sets the Immuta session property
 * (`SET SESSION immuta.immuta_user = ...`); `native` sends the target as the Trino session user
 * (`X-Trino-User`) while authenticating as the login.
 */
export type TrinoImpersonationMode = 'session-property' | 'native';

export interface TrinoProfile extends ProfileBase {
  readonly platform: 'trino';
  /** Base URL of the coordinator, e.g. `https://starburst.example.com:8443`. */
  readonly server: string;
  /** The login that authenticates (basic auth user, or the principal behind the JWT). */
  readonly user: string;
  readonly auth: TrinoAuth;
  readonly catalog?: string;
  readonly schema?: string;
  readonly impersonationMode: TrinoImpersonationMode;
  /** The session property Immuta reads, default `immuta.immuta_user`. */
  readonly impersonationProperty: string;
  readonly tls: HttpTls;
  /** Sent as `X-Trino-Source`. */
  readonly source: string;
  readonly requestTimeoutMs: number;
}

export type SnowflakeAuth = 'password' | 'key-pair' | 'external-browser';

export interface SnowflakeProfile extends ProfileBase {
  readonly platform: 'snowflake';
  /** Account identifier, e.g. `myorg-myaccount`. */
  readonly account: string;
  /** Overrides the URL derived from the account (private link, or the lab's `http://127.0.0.1:PORT`). */
  readonly accessUrl?: string;
  readonly user: string;
  readonly auth: SnowflakeAuth;
  /** PEM text of the PKCS#8 private key (read from the file the user named); the passphrase is a secret. */
  readonly privateKey?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  /** Role taken before impersonating, default `IMMUTA_IMPERSONATION`. */
  readonly impersonationRole: string;
  /** Session variable Immuta reads, default `IMMUTA_IMP_USER` (unconfirmed: configurable). */
  readonly impersonationVariable: string;
  /** The driver's `clientSessionKeepAlive`. */
  readonly keepAlive: boolean;
  readonly connectTimeoutMs: number;
}

export type SynapseAuth = 'sql' | 'azure-ad-password' | 'azure-ad-service-principal' | 'azure-ad-device-code';

export interface SynapseProfile extends ProfileBase {
  readonly platform: 'synapse';
  /** The SQL endpoint, e.g. `myworkspace.sql.azuresynapse.net`. */
  readonly server: string;
  readonly port: number;
  readonly database: string;
  /** SQL login, Azure AD user, or the service principal's client id. */
  readonly user: string;
  readonly auth: SynapseAuth;
  /** Azure AD tenant (service principal, device code). */
  readonly tenantId?: string;
  /** Azure AD application (device code; the service principal's id is `user`). */
  readonly clientId?: string;
  /** TLS: on by default (Synapse requires it); refused rather than silently dropped. */
  readonly encrypt: boolean;
  readonly trustServerCertificate: boolean;
  /** PEM text of CA certificates to trust (already read from the file the user named). */
  readonly ca?: string;
  /**
   * Immuta user → Synapse user. Synapse impersonation needs the Synapse user linked to the
   * Immuta user, which may differ from the Immuta name.
   */
  readonly userMap: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
}

export type DatabricksAuth = 'token' | 'oauth-m2m';

export interface DatabricksProfile extends ProfileBase {
  readonly platform: 'databricks';
  /** Workspace host name, e.g. `adb-123.4.azuredatabricks.net`. */
  readonly host: string;
  readonly port: number;
  /** The cluster's or warehouse's HTTP path. */
  readonly httpPath: string;
  readonly auth: DatabricksAuth;
  /** OAuth machine-to-machine: the service principal's client id (its secret is the stored secret). */
  readonly clientId?: string;
  readonly catalog?: string;
  readonly schema?: string;
  /** Unity Catalog workspaces cannot impersonate through Immuta: the worksheet says so up front. */
  readonly unityCatalog: boolean;
  readonly tls: HttpTls;
  readonly connectTimeoutMs: number;
}

export type ConnectionProfile = RedshiftProfile | TrinoProfile | SnowflakeProfile | SynapseProfile | DatabricksProfile;

/** What SecretStorage holds for a profile. Never logged, never put in an error. */
export interface ConnectionSecret {
  readonly password?: string;
  readonly token?: string;
  readonly passphrase?: string;
}

export interface ColumnInfo {
  readonly name: string;
  /** The platform's own type name, e.g. `int4`, `varchar`, `timestamptz`. */
  readonly type: string;
}

/**
 * Cell values as they travel to the UI. Numbers only where the platform's type fits a JS
 * number exactly; big integers, decimals, dates and JSON come as the server's text.
 */
export type CellValue = string | number | boolean | null;
export type Row = readonly CellValue[];

export interface ServerNotice {
  readonly severity: string;
  readonly message: string;
  readonly code?: string;
}

/** Receives one statement's result as it streams in. */
export interface ResultSink {
  /**
   * Called before the rows of each result set the statement returns: once for most statements,
   * once per result set for a T-SQL batch that returns several.
   */
  columns(columns: readonly ColumnInfo[]): void;
  /** A batch of rows of the latest result set. Returning a promise pauses the stream until it settles. */
  rows(batch: readonly Row[]): void | Promise<void>;
  notice(notice: ServerNotice): void;
}

export interface ExecutionSummary {
  /**
   * Rows returned for a query (by its last result set, when it returned several), rows affected
   * for DML, null when the server did not say.
   */
  readonly rowCount: number | null;
  /** The command tag the server reported (`SELECT`, `INSERT`, `CALL`...), when it did. */
  readonly command: string | null;
  readonly hasResultSet: boolean;
  readonly durationMs: number;
  /** The platform's identifier of the query, when it has one (PostgreSQL: backend pid). */
  readonly queryId: string | null;
}

export type TransactionState = 'idle' | 'in-transaction' | 'failed-transaction' | 'unknown';

export interface SessionClosed {
  /** Why the session ended when the user did not close it. */
  readonly error?: PlatformError;
}

/** Impersonation as the platform does it, on this session only. */
export interface SessionImpersonation {
  apply(user: string): Promise<void>;
  clear(): Promise<void>;
  /**
   * Reads the impersonated user back from the server (null = nobody).
   * Absent where the platform offers no way to read it back.
   */
  readonly readBack?: () => Promise<string | null>;
}

/** One use of a named query parameter in a statement's text (`:region`, `${region}`), as the SQL lexer found it. */
export interface ParameterUse {
  readonly name: string;
  /** 0-based UTF-16 offset of the placeholder in the statement text, and its length (`:region` is 7). */
  readonly offset: number;
  readonly length: number;
}

/**
 * Values of a statement's named parameters. The adapter replaces each use with its platform's
 * bind marker and sends the values bound (never spliced into the text); where the platform has
 * no bind, it refuses with a `configuration` error rather than splice.
 */
export interface StatementParameters {
  /** In text order; one name may be used several times. */
  readonly uses: readonly ParameterUse[];
  /** By name; every used name has a value. NULL is SQL NULL. Values are text: the server casts them where the statement says. */
  readonly values: Readonly<Record<string, string | null>>;
}

/** One dedicated database session. Never pooled, never shared between worksheets. */
export interface PlatformSession {
  /** An identifier of the server-side session, for logs and the results stamp. */
  readonly id: string;
  /** The login that authenticated this session. */
  readonly login: string;
  /** False once the session is closed or the connection is known to be gone. */
  readonly alive: boolean;
  readonly transactionState: TransactionState;
  readonly onDidClose: Event<SessionClosed>;
  readonly impersonation: SessionImpersonation;
  /** Runs exactly one statement, with its parameters bound when given. Rejects with a PlatformError. */
  execute(sql: string, sink: ResultSink, parameters?: StatementParameters): Promise<ExecutionSummary>;
  /** Cancels the running statement, if any; resolves once the cancel request was delivered. */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

/** How a statement typed by the user affects impersonation. */
export type StatementEffect =
  | { readonly kind: 'ordinary' }
  | { readonly kind: 'impersonate'; readonly user: string }
  | { readonly kind: 'stop-impersonating' }
  /** Changes impersonation in a way we cannot follow (e.g. a computed argument). */
  | { readonly kind: 'impersonation-unparsed' }
  /**
   * Holds an impersonation statement (set or stop) inside a larger one: a block, a batch of
   * several statements, a routine body, dynamic SQL. The worksheet cannot tell whether or when
   * it runs there, so it only follows one that runs alone.
   */
  | { readonly kind: 'impersonation-embedded' }
  /** Resets session state wholesale (e.g. `DISCARD ALL`), which may drop impersonation. */
  | { readonly kind: 'session-reset' };

export interface OpenOptions {
  readonly logger: Logger;
  /** A folder the platform may write its driver's own log to (never the workspace). */
  readonly logFolder?: string;
}

/** What a platform module exports; loaded lazily so activation never pulls in a driver. */
export interface PlatformDriver {
  readonly platform: PlatformId;
  readonly displayName: string;
  readonly sqlDialect: SqlDialectId;
  /** Why this profile cannot impersonate, or undefined when it can. */
  impersonationUnsupported(profile: ConnectionProfile): string | undefined;
  /**
   * Checks a user name before anything is sent; returns a user-facing problem or undefined.
   * The profile matters where the way of impersonating limits names (Trino's native mode).
   */
  validateUserName(user: string, profile: ConnectionProfile): string | undefined;
  /** How a typed statement affects impersonation, given the profile's own variable or property names. */
  classifyStatement(sql: string, profile: ConnectionProfile): StatementEffect;
  open(profile: ConnectionProfile, secret: ConnectionSecret, options: OpenOptions): Promise<PlatformSession>;
}
