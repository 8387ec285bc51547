import { join } from 'node:path';
import { readIni } from './ini-file';
import { emptyResult, readSource, text, type ImportCandidate, type MissingField, type SourceResult, type ImportEnvironment } from './types';

/**
 * Databricks configuration profiles (`~/.databrickscfg`, or `DATABRICKS_CONFIG_FILE`), as the
 * Databricks CLI and SDKs read them with Python's configparser: every section inherits the keys
 * of `[DEFAULT]`, which is itself a profile when it names a host.
 */

/** The HTTP path of a SQL warehouse, as the workspace shows it under Connection details. */
function warehousePath(id: string): string {
  return `/sql/1.0/warehouses/${id}`;
}

/**
 * A cluster's HTTP path needs the workspace's organisation id, which the file does not hold,
 * except in an Azure host (`adb-<org id>.<n>.azuredatabricks.net`).
 */
function clusterPath(host: string, id: string): string | undefined {
  const org = /^adb-(\d+)\./i.exec(host)?.[1];
  return org === undefined ? undefined : `sql/protocolv1/o/${org}/${id}`;
}

/** A workspace host as written (`https://…`, with or without a port) as the profile's host and port. */
export function hostAndPort(raw: string): { host: string; port?: number } {
  try {
    const url = new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
    return { host: url.hostname, ...(url.port !== '' ? { port: Number(url.port) } : {}) };
  } catch {
    return { host: raw };
  }
}

function profileOf(name: string, values: Readonly<Record<string, unknown>>, file: string): ImportCandidate {
  const value = (key: string): string | undefined => text(values[key]);
  const { host, port } = hostAndPort(value('host') ?? '');
  const clientId = value('client_id');
  const clientSecret = value('client_secret');
  const token = value('token');
  // A service principal's id and secret win over a token (one may come from [DEFAULT]).
  const oauth = clientId !== undefined && (clientSecret !== undefined || token === undefined);
  const warehouse = value('warehouse_id');
  const cluster = value('cluster_id');
  const httpPath = value('http_path') ?? (warehouse !== undefined ? warehousePath(warehouse) : cluster !== undefined ? clusterPath(host, cluster) : undefined);
  const missing: MissingField[] = httpPath === undefined ? ['httpPath'] : [];
  const notes: string[] = [];
  if (httpPath === undefined && cluster !== undefined) notes.push(`cluster ${cluster}: its HTTP path is under the cluster's JDBC/ODBC settings`);
  if (token === undefined && !(oauth && clientSecret !== undefined)) notes.push(`no token in the file (auth_type ${value('auth_type') ?? 'unset'}): asked for on first use`);
  const profile: Record<string, unknown> = {
    name,
    platform: 'databricks',
    host,
    ...(port !== undefined ? { port } : {}),
    ...(httpPath !== undefined ? { httpPath } : {}),
    auth: oauth ? 'oauth-m2m' : 'token',
    ...(oauth ? { clientId } : {}),
  };
  const secret = oauth ? (clientSecret !== undefined ? { field: 'token' as const, value: clientSecret } : undefined) : token !== undefined ? { field: 'token' as const, value: token } : undefined;
  return { profile, source: { kind: 'databricks', file, entry: name }, ...(secret ? { secret } : {}), ...(missing.length > 0 ? { missing } : {}), notes };
}

export function readDatabricks(environment: ImportEnvironment): SourceResult {
  const result = emptyResult();
  const file = environment.env.DATABRICKS_CONFIG_FILE || join(environment.home, '.databrickscfg');
  const content = readSource(environment, file, result.problems);
  if (content === undefined) return result;
  const { sections } = readIni(file, content, result.problems);
  const defaults = sections.find((section) => section.name === 'DEFAULT')?.values ?? {};
  for (const section of sections) {
    const values = { ...defaults, ...section.values };
    if (text(values.host) === undefined) {
      // configparser's DEFAULT commonly holds nothing, or only shared keys: not a profile then.
      if (section.name !== 'DEFAULT') result.problems.push({ file, line: section.line, message: `[${section.name}] names no host; not imported` });
      continue;
    }
    result.candidates.push(profileOf(section.name, values, file));
  }
  return result;
}
