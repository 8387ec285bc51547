import { join } from 'node:path';
import { readIni } from './ini-file';
import { emptyResult, readSource, text, type ImportEnvironment, type SourceResult } from './types';

/**
 * The Trino CLI's configuration file (`TRINO_CONFIG`, else `~/.trino_config`): a properties file
 * of the CLI's long option names without their dashes (`server=`, `user=`, `catalog=`,
 * `schema=`, `password=true`, `access-token=`). `password=true` makes the CLI ask for a password
 * (basic authentication); `access-token` is a bearer token (the profile's `jwt`).
 */

/** The CLI's `--server`: a URL, or `host:port` (plain HTTP unless the port is 443). */
function serverUrl(raw: string): string {
  if (/^https?:\/\//i.test(raw)) return raw;
  return `${/:443$/.test(raw) ? 'https' : 'http'}://${raw}`;
}

export function readTrino(environment: ImportEnvironment): SourceResult {
  const result = emptyResult();
  const file = environment.env.TRINO_CONFIG || join(environment.home, '.trino_config');
  const content = readSource(environment, file, result.problems);
  if (content === undefined) return result;
  const { top } = readIni(file, content, result.problems);
  const value = (key: string): string | undefined => text(top[key]);
  const server = serverUrl(value('server') ?? 'localhost:8080');
  const token = value('access-token');
  const user = value('user') ?? environment.osUser;
  const auth = token !== undefined ? 'jwt' : value('password') === 'true' ? 'basic' : 'none';
  let name = 'trino';
  try {
    name = `trino ${new URL(server).host}`;
  } catch {
    // The profile's own check reports a server that is not a URL.
  }
  result.candidates.push({
    profile: {
      name,
      platform: 'trino',
      server,
      user,
      auth,
      ...(value('catalog') !== undefined ? { catalog: value('catalog') } : {}),
      ...(value('schema') !== undefined ? { schema: value('schema') } : {}),
    },
    source: { kind: 'trino', file, entry: 'server' },
    ...(token !== undefined ? { secret: { field: 'token', value: token } } : {}),
  });
  return result;
}
