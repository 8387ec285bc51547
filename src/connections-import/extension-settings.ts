import { hostAndPort } from './databricks';
import { emptyResult, text, type ImportCandidate, type ImportProblem, type MissingField, type SourceResult } from './types';

/**
 * Connections saved by other VS Code extensions, given as their settings' values (plain JSON):
 * vscode-mssql's `mssql.connections` (SQL Server and Synapse profiles) and SQLTools'
 * `sqltools.connections` (PostgreSQL and Redshift drivers become Redshift profiles, MSSQL
 * Synapse profiles, Databricks' own SQLTools driver, "Databricks Driver for SQLTools", with
 * host, path, token, catalog and schema, Databricks profiles).
 */

export const MSSQL_SETTING = 'mssql.connections';
export const SQLTOOLS_SETTING = 'sqltools.connections';

function records(value: unknown, setting: string, problems: ImportProblem[]): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ file: setting, message: 'is not a list of connections' });
    return [];
  }
  return value.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null && !Array.isArray(entry));
}

/** SQL Server's `server`: `tcp:host,port`, `host\instance` or `host`. */
function serverAndPort(raw: string, port: unknown): { server: string; port?: number } {
  const [host, portText] = raw.replace(/^tcp:/i, '').split(',');
  const number = Number(text(port) ?? portText?.trim());
  return { server: host.trim(), ...(Number.isInteger(number) && number > 0 ? { port: number } : {}) };
}

/** vscode-mssql's `encrypt`: a boolean, or Mandatory / Strict / Optional. */
function encryptOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() !== 'optional' && value.toLowerCase() !== 'false';
  return undefined;
}

const MSSQL_AUTH: Readonly<Record<string, string>> = {
  SqlLogin: 'sql',
  AzureMFA: 'azure-ad-device-code',
  AzureMFAAndUser: 'azure-ad-password',
  ActiveDirectoryPassword: 'azure-ad-password',
};

export function readMssqlSettings(value: unknown): SourceResult {
  const result = emptyResult();
  records(value, MSSQL_SETTING, result.problems).forEach((entry, index) => {
    const get = (key: string): string | undefined => text(entry[key]);
    const server = get('server');
    const name = get('profileName') ?? (server !== undefined ? `${server}${get('database') ? `/${get('database')}` : ''}` : `connection ${index + 1}`);
    const authType = get('authenticationType') ?? 'SqlLogin';
    const auth = MSSQL_AUTH[authType];
    if (server === undefined || auth === undefined) {
      result.problems.push({ file: MSSQL_SETTING, message: `[${index}] "${name}": ${server === undefined ? 'no server' : `authentication "${authType}" is not supported`}; not imported` });
      return;
    }
    const missing: MissingField[] = [];
    if (get('database') === undefined) missing.push('database');
    if (auth === 'azure-ad-device-code' && get('tenantId') === undefined) missing.push('tenantId');
    const encrypt = encryptOf(entry.encrypt);
    const password = typeof entry.password === 'string' && entry.password !== '' ? entry.password : undefined;
    const profile: Record<string, unknown> = {
      name,
      platform: 'synapse',
      ...serverAndPort(server, entry.port),
      ...(get('database') !== undefined ? { database: get('database') } : {}),
      ...(get('user') !== undefined ? { user: get('user') } : {}),
      auth,
      ...(get('tenantId') !== undefined ? { tenantId: get('tenantId') } : {}),
      ...(encrypt !== undefined ? { encrypt } : {}),
      ...(typeof entry.trustServerCertificate === 'boolean' ? { trustServerCertificate: entry.trustServerCertificate } : {}),
    };
    const candidate: ImportCandidate = {
      profile,
      source: { kind: 'mssql', file: MSSQL_SETTING, entry: get('id') ?? name },
      ...(password !== undefined ? { secret: { field: 'password', value: password } } : {}),
      ...(missing.length > 0 ? { missing } : {}),
      notes: password === undefined && auth === 'sql' ? ['password asked for on first use (vscode-mssql keeps saved passwords in its own store)'] : [],
    };
    result.candidates.push(candidate);
  });
  return result;
}

/** SQLTools' PostgreSQL `pgOptions.ssl`: false, true, or an object (`rejectUnauthorized`). */
function sqltoolsTls(entry: Record<string, unknown>): { mode: string } | undefined {
  const options = entry.pgOptions;
  if (typeof options !== 'object' || options === null) return undefined;
  const ssl = (options as Record<string, unknown>).ssl;
  if (ssl === false) return { mode: 'disable' };
  if (typeof ssl === 'object' && ssl !== null && (ssl as Record<string, unknown>).rejectUnauthorized === false) return { mode: 'require' };
  return undefined;
}

export function readSqltoolsSettings(value: unknown): SourceResult {
  const result = emptyResult();
  records(value, SQLTOOLS_SETTING, result.problems).forEach((entry, index) => {
    const get = (key: string): string | undefined => text(entry[key]);
    const name = get('name') ?? `connection ${index + 1}`;
    const driver = get('driver') ?? '';
    const server = get('server') ?? get('host');
    const password = typeof entry.password === 'string' && entry.password !== '' && entry.askForPassword !== true ? entry.password : undefined;
    const port = Number(text(entry.port));
    const source = { kind: 'sqltools' as const, file: SQLTOOLS_SETTING, entry: name };
    const secret = password !== undefined ? { secret: { field: 'password' as const, value: password } } : {};
    if (server === undefined && /^(postgresql|redshift|mssql)$/i.test(driver)) {
      result.problems.push({ file: SQLTOOLS_SETTING, message: `[${index}] "${name}": no server; not imported` });
      return;
    }
    if (/^(postgresql|redshift)$/i.test(driver)) {
      const tls = sqltoolsTls(entry);
      result.candidates.push({
        profile: {
          name,
          platform: 'redshift',
          host: server,
          ...(Number.isInteger(port) && port > 0 ? { port } : {}),
          ...(get('database') !== undefined ? { database: get('database') } : {}),
          user: get('username') ?? get('user'),
          ...(tls ? { tls } : {}),
        },
        source,
        ...secret,
      });
    } else if (/^mssql$/i.test(driver)) {
      const database = get('database');
      const options = typeof entry.mssqlOptions === 'object' && entry.mssqlOptions !== null ? (entry.mssqlOptions as Record<string, unknown>) : {};
      result.candidates.push({
        profile: {
          name,
          platform: 'synapse',
          server,
          ...(Number.isInteger(port) && port > 0 ? { port } : {}),
          ...(database !== undefined ? { database } : {}),
          user: get('username') ?? get('user'),
          auth: 'sql',
          ...(typeof options.encrypt === 'boolean' ? { encrypt: options.encrypt } : {}),
          ...(typeof options.trustServerCertificate === 'boolean' ? { trustServerCertificate: options.trustServerCertificate } : {}),
        },
        source,
        ...secret,
        ...(database === undefined ? { missing: ['database' as const] } : {}),
      });
    } else if (/databricks/i.test(driver)) {
      const token = get('token');
      const httpPath = get('path');
      const { host, port: hostPort } = hostAndPort(get('host') ?? '');
      result.candidates.push({
        profile: {
          name,
          platform: 'databricks',
          host,
          ...(hostPort !== undefined ? { port: hostPort } : {}),
          ...(httpPath !== undefined ? { httpPath } : {}),
          auth: 'token',
          ...(get('catalog') !== undefined ? { catalog: get('catalog') } : {}),
          ...(get('schema') !== undefined ? { schema: get('schema') } : {}),
        },
        source,
        ...(token !== undefined ? { secret: { field: 'token' as const, value: token } } : {}),
        ...(httpPath === undefined ? { missing: ['httpPath' as const] } : {}),
      });
    }
    // Other drivers (MySQL, SQLite…) are for platforms Immuta Worksheets does not connect to.
  });
  return result;
}
