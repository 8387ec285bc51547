import { PLATFORMS } from './catalog';
import { impersonationTemplateProblem, USER_PLACEHOLDER, type ImpersonationSetting } from './impersonation-template';
import type {
  ConnectionProfile,
  DatabricksAuth,
  DatabricksProfile,
  EffectProbe,
  HttpTls,
  ImpersonationTemplates,
  RedshiftProfile,
  SnowflakeAuth,
  SnowflakeProfile,
  SynapseAuth,
  SynapseProfile,
  TlsMode,
  TrinoAuth,
  TrinoImpersonationMode,
  TrinoProfile,
  PlatformId,
} from './types';

/**
 * Turns a profile as written in settings (untrusted JSON) into a typed profile with defaults,
 * or into problems that each name the setting at fault.
 */
export type ProfileParse = { readonly ok: true; readonly profile: ConnectionProfile } | { readonly ok: false; readonly problems: readonly string[] };

const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];
const PLATFORM_IDS = Object.keys(PLATFORMS);

class Reader {
  readonly problems: string[] = [];
  constructor(
    readonly raw: Record<string, unknown>,
    private readonly where: string,
  ) {}

  string(key: string, fallback?: string): string {
    const value = this.raw[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      this.problems.push(`${this.where}.${key} must be a non-empty string${value === undefined ? ' (it is missing)' : ''}.`);
      return '';
    }
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push(`${this.where}.${key} must be a string.`);
      return undefined;
    }
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${this.where}.${key} must be a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.problems.push(`${this.where}.${key} must be true or false.`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${this.where}.${key} must be one of ${allowed.join(', ')}.`);
    return fallback;
  }

  /** Reads the file a setting names (a CA bundle, a private key); problems name the setting. */
  file(key: string, readFile: (path: string) => string): string | undefined {
    const path = this.optionalString(key);
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      this.problems.push(`${this.where}.${key} could not be read (${path}): ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  object(key: string): Record<string, unknown> {
    const value = this.raw[key];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push(`${this.where}.${key} must be an object.`);
      return {};
    }
    return value as Record<string, unknown>;
  }
}

/**
 * The profile's impersonation templates, checked by the same rules the platform renders them
 * with, so a bad one shows in the connection list before anything runs. Trino takes none (its
 * statement is fixed by impersonationMode and impersonationProperty), so it checks none.
 */
function templates(reader: Reader, raw: Record<string, unknown>, where: string, platform: PlatformId): ImpersonationTemplates | undefined {
  if (Object.keys(raw).length === 0) return undefined;
  const inner = new Reader(raw, `${where}.impersonation`);
  const set = inner.optionalString('set');
  const clear = inner.optionalString('clear');
  const readBack = inner.optionalString('readBack');
  if (platform !== 'trino') {
    const written: readonly [ImpersonationSetting, string | undefined][] = [
      ['set', set],
      ['clear', clear],
      ['readBack', readBack],
    ];
    for (const [setting, template] of written) {
      const problem = template === undefined ? undefined : impersonationTemplateProblem(template, PLATFORMS[platform].sqlDialect, setting);
      if (problem !== undefined) inner.problems.push(`${where}.impersonation.${setting} ${problem}`);
    }
  }
  reader.problems.push(...inner.problems);
  return { ...(set !== undefined ? { set } : {}), ...(clear !== undefined ? { clear } : {}), ...(readBack !== undefined ? { readBack } : {}) };
}

/**
 * @param raw one entry of `immutaWorksheets.connections`
 * @param where how to name it in messages, e.g. `immutaWorksheets.connections[2]`
 * @param readFile reads a file named in the profile, a CA bundle or a private key (the caller
 *   decides how files are read and where relative paths start)
 */
export function parseProfile(raw: unknown, where: string, readFile: (path: string) => string): ProfileParse {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [`${where} must be an object with at least "name" and "platform".`] };
  }
  const record = raw as Record<string, unknown>;
  const reader = new Reader(record, where);
  const platform = record.platform;
  if (typeof platform !== 'string' || !PLATFORM_IDS.includes(platform)) {
    reader.string('name');
    return { ok: false, problems: [...reader.problems, `${where}.platform must be one of ${PLATFORM_IDS.join(', ')}.`] };
  }
  let profile: ConnectionProfile;
  switch (platform) {
    case 'redshift':
      profile = redshift(reader, where, readFile);
      break;
    case 'trino':
      profile = trino(reader, where, readFile);
      break;
    case 'snowflake':
      profile = snowflake(reader, where, readFile);
      break;
    case 'synapse':
      if (!PLATFORMS.synapse.available) return { ok: false, problems: [`${where}.platform "synapse" is not available in this version yet.`] };
      profile = synapse(reader, where, readFile);
      break;
    case 'databricks':
      if (!PLATFORMS.databricks.available) return { ok: false, problems: [`${where}.platform "databricks" is not available in this version yet.`] };
      profile = databricks(reader, where, readFile);
      break;
    default:
      return { ok: false, problems: [`${where}.platform "${platform}" is not available in this version yet.`] };
  }
  return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, profile };
}

/**
 * The connection's effect probe: a statement, and the answer it must give with `{user}` for the
 * impersonated user (default: exactly the user name).
 */
function effectProbe(reader: Reader, raw: Record<string, unknown>, where: string): EffectProbe | undefined {
  if (Object.keys(raw).length === 0) return undefined;
  const inner = new Reader(raw, `${where}.effectProbe`);
  const statement = inner.string('statement');
  if (statement.includes(USER_PLACEHOLDER)) {
    inner.problems.push(`${where}.effectProbe.statement must not contain ${USER_PLACEHOLDER}: the probe is sent as written, and its answer is compared with effectProbe.expect.`);
  }
  const expect = inner.string('expect', USER_PLACEHOLDER);
  if (expect !== '' && !expect.includes(USER_PLACEHOLDER)) {
    inner.problems.push(`${where}.effectProbe.expect must contain ${USER_PLACEHOLDER}, the impersonated user, or the probe could not tell one user from another.`);
  }
  reader.problems.push(...inner.problems);
  return { statement, expect };
}

function base(
  reader: Reader,
  where: string,
  platform: PlatformId,
): { name: string; impersonation?: ImpersonationTemplates; effectProbe?: EffectProbe; immutaUser?: string; parameters?: boolean } {
  const name = reader.string('name');
  const impersonation = templates(reader, reader.object('impersonation'), where, platform);
  const probe = effectProbe(reader, reader.object('effectProbe'), where);
  const immutaUser = reader.optionalString('immutaUser');
  // Only `false` is kept: absent and `true` both mean the default.
  const parameters = reader.boolean('parameters', true);
  return { name, ...(impersonation ? { impersonation } : {}), ...(probe ? { effectProbe: probe } : {}), ...optional('immutaUser', immutaUser), ...(parameters ? {} : { parameters: false }) };
}

function redshift(reader: Reader, where: string, readFile: (path: string) => string): RedshiftProfile {
  const tlsRaw = reader.object('tls');
  const tlsReader = new Reader(tlsRaw, `${where}.tls`);
  const modeValue = tlsRaw.mode ?? 'verify-full';
  let mode: TlsMode = 'verify-full';
  if (typeof modeValue === 'string' && (TLS_MODES as readonly string[]).includes(modeValue)) {
    mode = modeValue as TlsMode;
  } else {
    tlsReader.problems.push(`${where}.tls.mode must be one of ${TLS_MODES.join(', ')}.`);
  }
  const ca = tlsReader.file('caFile', readFile);
  reader.problems.push(...tlsReader.problems);
  return {
    ...base(reader, where, 'redshift'),
    platform: 'redshift',
    host: reader.string('host'),
    port: reader.integer('port', 5439, 1, 65535),
    database: reader.string('database', 'dev'),
    user: reader.string('user'),
    tls: { mode, ...(ca !== undefined ? { ca } : {}) },
    connectTimeoutMs: reader.integer('connectTimeoutMs', 15000, 100, 600000),
    applicationName: reader.string('applicationName', 'Immuta Worksheets'),
  };
}

function httpTls(reader: Reader, where: string, readFile: (path: string) => string): HttpTls {
  const tlsReader = new Reader(reader.object('tls'), `${where}.tls`);
  const ca = tlsReader.file('caFile', readFile);
  const verify = tlsReader.boolean('verify', true);
  reader.problems.push(...tlsReader.problems);
  return { verify, ...(ca !== undefined ? { ca } : {}) };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}

const TRINO_AUTH: readonly TrinoAuth[] = ['basic', 'jwt', 'none'];
const TRINO_MODES: readonly TrinoImpersonationMode[] = ['session-property', 'native'];

function trino(reader: Reader, where: string, readFile: (path: string) => string): TrinoProfile {
  const server = reader.string('server');
  if (server !== '' && !/^https?:\/\/[^/\s]+/i.test(server)) {
    reader.problems.push(`${where}.server must be a URL such as https://starburst.example.com:8443.`);
  }
  return {
    ...base(reader, where, 'trino'),
    platform: 'trino',
    server: server.replace(/\/+$/, ''),
    user: reader.string('user'),
    auth: reader.oneOf('auth', TRINO_AUTH, 'basic'),
    ...optional('catalog', reader.optionalString('catalog')),
    ...optional('schema', reader.optionalString('schema')),
    impersonationMode: reader.oneOf('impersonationMode', TRINO_MODES, 'session-property'),
    impersonationProperty: reader.string('impersonationProperty', 'immuta.immuta_user'),
    tls: httpTls(reader, where, readFile),
    source: reader.string('source', 'immuta-worksheets'),
    requestTimeoutMs: reader.integer('requestTimeoutMs', 30000, 100, 600000),
  };
}

const SNOWFLAKE_AUTH: readonly SnowflakeAuth[] = ['password', 'key-pair', 'external-browser'];

function snowflake(reader: Reader, where: string, readFile: (path: string) => string): SnowflakeProfile {
  const auth = reader.oneOf('auth', SNOWFLAKE_AUTH, 'password');
  const privateKey = reader.file('privateKeyFile', readFile);
  if (auth === 'key-pair' && privateKey === undefined && reader.raw.privateKeyFile === undefined) {
    reader.problems.push(`${where}.privateKeyFile must name the PKCS#8 private key file when auth is key-pair.`);
  }
  const accessUrl = reader.optionalString('accessUrl');
  if (accessUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(accessUrl)) {
    reader.problems.push(`${where}.accessUrl must be a URL such as https://myorg-myaccount.privatelink.snowflakecomputing.com.`);
  }
  return {
    ...base(reader, where, 'snowflake'),
    platform: 'snowflake',
    account: reader.string('account'),
    ...optional('accessUrl', accessUrl?.replace(/\/+$/, '')),
    user: reader.string('user'),
    auth,
    ...optional('privateKey', auth === 'key-pair' ? privateKey : undefined),
    ...optional('role', reader.optionalString('role')),
    ...optional('warehouse', reader.optionalString('warehouse')),
    ...optional('database', reader.optionalString('database')),
    ...optional('schema', reader.optionalString('schema')),
    impersonationRole: reader.string('impersonationRole', 'IMMUTA_IMPERSONATION'),
    impersonationVariable: reader.string('impersonationVariable', 'IMMUTA_IMP_USER'),
    keepAlive: reader.boolean('keepAlive', true),
    connectTimeoutMs: reader.integer('connectTimeoutMs', 60000, 100, 600000),
  };
}

const SYNAPSE_AUTH: readonly SynapseAuth[] = ['sql', 'azure-ad-password', 'azure-ad-service-principal', 'azure-ad-device-code'];

function synapse(reader: Reader, where: string, readFile: (path: string) => string): SynapseProfile {
  const auth = reader.oneOf('auth', SYNAPSE_AUTH, 'sql');
  const tenantId = reader.optionalString('tenantId');
  if ((auth === 'azure-ad-service-principal' || auth === 'azure-ad-device-code') && (tenantId === undefined || tenantId === '')) {
    reader.problems.push(`${where}.tenantId is needed for ${auth} sign-in.`);
  }
  const mapRaw = reader.object('userMap');
  const userMap: Record<string, string> = {};
  for (const [immutaUser, synapseUser] of Object.entries(mapRaw)) {
    if (typeof synapseUser !== 'string' || synapseUser === '') {
      reader.problems.push(`${where}.userMap["${immutaUser}"] must be the Synapse user name (a non-empty string).`);
    } else {
      userMap[immutaUser] = synapseUser;
    }
  }
  const ca = reader.file('caFile', readFile);
  return {
    ...base(reader, where, 'synapse'),
    platform: 'synapse',
    server: reader.string('server'),
    port: reader.integer('port', 1433, 1, 65535),
    database: reader.string('database'),
    user: reader.string('user', auth === 'azure-ad-device-code' ? 'device code' : undefined),
    auth,
    ...optional('tenantId', tenantId),
    ...optional('clientId', reader.optionalString('clientId')),
    encrypt: reader.boolean('encrypt', true),
    trustServerCertificate: reader.boolean('trustServerCertificate', false),
    ...optional('ca', ca),
    userMap,
    connectTimeoutMs: reader.integer('connectTimeoutMs', 15000, 100, 600000),
  };
}

const DATABRICKS_AUTH: readonly DatabricksAuth[] = ['token', 'oauth-m2m'];

function databricks(reader: Reader, where: string, readFile: (path: string) => string): DatabricksProfile {
  const auth = reader.oneOf('auth', DATABRICKS_AUTH, 'token');
  const clientId = reader.optionalString('clientId');
  if (auth === 'oauth-m2m' && (clientId === undefined || clientId === '')) {
    reader.problems.push(`${where}.clientId is needed for oauth-m2m sign-in (the service principal's application id).`);
  }
  const host = reader.string('host').replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  return {
    ...base(reader, where, 'databricks'),
    platform: 'databricks',
    host,
    port: reader.integer('port', 443, 1, 65535),
    httpPath: reader.string('httpPath'),
    auth,
    ...optional('clientId', clientId),
    ...optional('catalog', reader.optionalString('catalog')),
    ...optional('schema', reader.optionalString('schema')),
    unityCatalog: reader.boolean('unityCatalog', false),
    tls: httpTls(reader, where, readFile),
    connectTimeoutMs: reader.integer('connectTimeoutMs', 30000, 100, 600000),
  };
}

/** Where a profile connects, for people: `host:port`, the server URL, or the account. */
export function profileEndpoint(profile: ConnectionProfile): string {
  switch (profile.platform) {
    case 'redshift':
      return `${profile.host}:${profile.port}`;
    case 'trino':
      return profile.server;
    case 'snowflake':
      return profile.accessUrl ?? profile.account;
    case 'synapse':
      return `${profile.server}:${profile.port}`;
    case 'databricks':
      return `${profile.host}${profile.httpPath.startsWith('/') ? '' : '/'}${profile.httpPath}`;
  }
}

/** Who signs in, as the profile names it (a Databricks token names nobody until the session says). */
export function profileLogin(profile: ConnectionProfile): string {
  return profile.platform === 'databricks' ? (profile.clientId ?? 'access token') : profile.user;
}

/** The one secret a profile's way of signing in needs, and how to ask for it. */
export interface SecretNeed {
  readonly field: 'password' | 'token' | 'passphrase';
  /** What to call it in the prompt, e.g. "Password" or "JWT". */
  readonly label: string;
  /** An empty answer is valid (an unencrypted private key has no passphrase). */
  readonly mayBeEmpty: boolean;
}

/** Undefined when the profile signs in without a stored secret (Trino `none`, Snowflake SSO). */
export function secretNeeded(profile: ConnectionProfile): SecretNeed | undefined {
  const password: SecretNeed = { field: 'password', label: 'Password', mayBeEmpty: false };
  switch (profile.platform) {
    case 'redshift':
      return password;
    case 'trino':
      return profile.auth === 'basic' ? password : profile.auth === 'jwt' ? { field: 'token', label: 'JWT', mayBeEmpty: false } : undefined;
    case 'snowflake':
      if (profile.auth === 'password') return password;
      return profile.auth === 'key-pair' ? { field: 'passphrase', label: 'Private key passphrase', mayBeEmpty: true } : undefined;
    case 'synapse':
      if (profile.auth === 'azure-ad-device-code') return undefined;
      return profile.auth === 'azure-ad-service-principal' ? { field: 'token', label: 'Client secret', mayBeEmpty: false } : password;
    case 'databricks':
      return { field: 'token', label: profile.auth === 'oauth-m2m' ? 'OAuth client secret' : 'Personal access token', mayBeEmpty: false };
  }
}

/**
 * Why this profile can never impersonate, known from its settings alone (so the status bar and
 * the picker can say so without loading the driver), or undefined.
 */
export function impersonationUnavailable(profile: ConnectionProfile): string | undefined {
  if (profile.platform === 'databricks' && profile.unityCatalog) {
    return (
      'Immuta does not support user impersonation on Databricks Unity Catalog; this connection is marked as a Unity Catalog workspace (unityCatalog: true). ' +
      'Queries run as yourself. To query as another user, use a Databricks Spark (non-Unity Catalog) workspace.'
    );
  }
  return undefined;
}
