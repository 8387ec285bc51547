import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { emptyResult, errorText, readSource, text, type ImportCandidate, type ImportEnvironment, type ImportProblem, type SourceResult } from './types';

/**
 * Snowflake connections as the Snowflake CLI and Python connector keep them:
 * `connections.toml` (one table per connection) and `config.toml` (`[connections.<name>]`), in
 * `SNOWFLAKE_HOME` or else `~/.snowflake`. A connection in connections.toml replaces the one of
 * the same name in config.toml, as those tools do.
 */

/** The connector's `authenticator`, as the profile's `auth`. */
function authOf(authenticator: string | undefined): 'password' | 'key-pair' | 'external-browser' | undefined {
  switch ((authenticator ?? 'snowflake').toLowerCase()) {
    case 'snowflake':
    case 'password':
      return 'password';
    case 'snowflake_jwt':
      return 'key-pair';
    case 'externalbrowser':
      return 'external-browser';
    default:
      return undefined;
  }
}

function parseToml(file: string, content: string, problems: ImportProblem[]): Record<string, unknown> | undefined {
  try {
    return parse(content) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      // The parser's message repeats the position and a code excerpt; its first line is the reason.
      problems.push({ file, line: error.line, message: error.message.split('\n')[0] });
    } else {
      problems.push({ file, message: errorText(error) });
    }
    return undefined;
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function connection(name: string, values: Record<string, unknown>, file: string, problems: ImportProblem[]): ImportCandidate | undefined {
  const value = (key: string): string | undefined => text(values[key]);
  const auth = authOf(value('authenticator'));
  if (auth === undefined) {
    problems.push({ file, message: `${name}: authenticator "${value('authenticator')}" is not supported (password, SNOWFLAKE_JWT, externalbrowser are); not imported` });
    return undefined;
  }
  const host = value('host');
  const accessUrl = host === undefined ? undefined : `${value('protocol') ?? 'https'}://${host}${value('port') !== undefined ? `:${value('port')}` : ''}`;
  const privateKeyFile = value('private_key_file') ?? value('private_key_path');
  const passphrase = value('private_key_file_pwd') ?? value('private_key_passphrase');
  const password = value('password');
  const profile: Record<string, unknown> = {
    name,
    platform: 'snowflake',
    account: value('account'),
    ...(accessUrl !== undefined ? { accessUrl } : {}),
    user: value('user') ?? value('username'),
    auth,
    ...(auth === 'key-pair' && privateKeyFile !== undefined ? { privateKeyFile } : {}),
    ...Object.fromEntries(['role', 'warehouse', 'database', 'schema'].flatMap((key) => (value(key) !== undefined ? [[key, value(key)]] : []))),
  };
  const secret = auth === 'password' && password !== undefined ? { field: 'password' as const, value: password } : auth === 'key-pair' && passphrase !== undefined ? { field: 'passphrase' as const, value: passphrase } : undefined;
  return { profile, source: { kind: 'snowflake', file, entry: name }, ...(secret ? { secret } : {}) };
}

export function readSnowflake(environment: ImportEnvironment): SourceResult {
  const result = emptyResult();
  const folder = environment.env.SNOWFLAKE_HOME || join(environment.home, '.snowflake');
  const byName = new Map<string, ImportCandidate>();
  const configFile = join(folder, 'config.toml');
  const config = readSource(environment, configFile, result.problems);
  if (config !== undefined) {
    const parsed = parseToml(configFile, config, result.problems);
    const connections = parsed?.connections;
    if (isTable(connections)) {
      for (const [name, values] of Object.entries(connections)) {
        if (!isTable(values)) continue;
        const found = connection(name, values, configFile, result.problems);
        if (found) byName.set(name, found);
      }
    }
  }
  const connectionsFile = join(folder, 'connections.toml');
  const content = readSource(environment, connectionsFile, result.problems);
  if (content !== undefined) {
    const parsed = parseToml(connectionsFile, content, result.problems) ?? {};
    for (const [name, values] of Object.entries(parsed)) {
      if (!isTable(values)) continue;
      const found = connection(name, values, connectionsFile, result.problems);
      if (found) byName.set(name, found);
    }
  }
  result.candidates.push(...byName.values());
  return result;
}
