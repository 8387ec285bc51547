import { join } from 'node:path';
import { readIni } from './ini-file';
import { pgpassPassword, pgpassRefusal } from './pgpass';
import { emptyResult, readSource, text, type ImportCandidate, type ImportEnvironment, type ImportProblem, type SourceResult } from './types';

/**
 * Redshift connections from libpq's own configuration: the connection service file
 * (`PGSERVICEFILE` or `~/.pg_service.conf`, then `PGSYSCONFDIR/pg_service.conf`), the `PG*`
 * environment variables, and passwords from the password file, all as libpq reads them.
 */

/** libpq's sslmode, as the profile's TLS mode; `allow` and `prefer` (which may fall back to plain text) become `require`. */
const SSL_MODES: Readonly<Record<string, string>> = {
  disable: 'disable',
  allow: 'require',
  prefer: 'require',
  require: 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
};

interface LibpqSettings {
  readonly host?: string;
  readonly port?: string;
  readonly dbname?: string;
  readonly user?: string;
  readonly password?: string;
  readonly sslmode?: string;
}

class PasswordFile {
  private content: string | undefined | null = null;
  constructor(
    private readonly environment: ImportEnvironment,
    private readonly problems: ImportProblem[],
  ) {}

  get path(): string {
    return this.environment.env.PGPASSFILE || join(this.environment.home, '.pgpass');
  }

  /** The file's text, read once; undefined when it is absent or libpq would ignore it. */
  private read(): string | undefined {
    if (this.content !== null) return this.content;
    this.content = readSource(this.environment, this.path, this.problems);
    if (this.content !== undefined) {
      const refusal = pgpassRefusal(this.environment.fileMode(this.path));
      if (refusal !== undefined) {
        this.problems.push({ file: this.path, message: refusal });
        this.content = undefined;
      }
    }
    return this.content;
  }

  lookup(settings: LibpqSettings, user: string): string | undefined {
    const content = this.read();
    return content === undefined ? undefined : pgpassPassword(content, { host: settings.host, port: settings.port, database: settings.dbname, user });
  }
}

function candidate(
  settings: LibpqSettings,
  source: ImportCandidate['source'],
  name: string,
  environment: ImportEnvironment,
  passwords: PasswordFile,
  problems: ImportProblem[],
  where: { file: string; line?: number },
): ImportCandidate | undefined {
  const host = settings.host;
  if (host === undefined || host.startsWith('/')) {
    problems.push({ ...where, message: `${name}: ${host === undefined ? 'no host is given' : 'a Unix socket cannot reach Redshift'}; not imported` });
    return undefined;
  }
  if (host.includes(',')) {
    problems.push({ ...where, message: `${name}: several hosts (${host}); only the first is imported` });
  }
  const user = settings.user ?? environment.osUser;
  const notes: string[] = [];
  let password = settings.password;
  if (password !== undefined) {
    notes.push(source.kind === 'pg-env' ? 'password from PGPASSWORD' : 'password from the service file');
  } else {
    password = passwords.lookup(settings, user);
    if (password !== undefined) notes.push(`password from ${passwords.path}`);
  }
  const sslmode = settings.sslmode === undefined ? undefined : SSL_MODES[settings.sslmode];
  if (settings.sslmode !== undefined && sslmode === undefined) {
    problems.push({ ...where, message: `${name}: sslmode "${settings.sslmode}" is not one libpq knows; the profile verifies the server (verify-full)` });
  }
  const port = Number(settings.port ?? '5432');
  const profile: Record<string, unknown> = {
    name,
    platform: 'redshift',
    host: host.split(',')[0],
    port: Number.isInteger(port) ? port : settings.port,
    database: settings.dbname ?? user,
    user,
    ...(sslmode !== undefined ? { tls: { mode: sslmode } } : {}),
  };
  return { profile, source, ...(password !== undefined && password !== '' ? { secret: { field: 'password', value: password } } : {}), notes };
}

/** The keys of a service section libpq would use here; others (options, connect_timeout…) are left out. */
function libpqSettings(values: Readonly<Record<string, unknown>>): LibpqSettings {
  const value = (key: string): string | undefined => text(values[key]);
  return {
    ...(value('host') !== undefined ? { host: value('host') } : {}),
    ...(value('port') !== undefined ? { port: value('port') } : {}),
    ...(value('dbname') !== undefined ? { dbname: value('dbname') } : {}),
    ...(value('user') !== undefined ? { user: value('user') } : {}),
    ...(value('password') !== undefined ? { password: value('password') } : {}),
    ...(value('sslmode') !== undefined ? { sslmode: value('sslmode') } : {}),
  };
}

export function readPostgres(environment: ImportEnvironment): SourceResult {
  const result = emptyResult();
  const passwords = new PasswordFile(environment, result.problems);
  const { env } = environment;
  const files = [env.PGSERVICEFILE || join(environment.home, '.pg_service.conf')];
  if (env.PGSYSCONFDIR) files.push(join(env.PGSYSCONFDIR, 'pg_service.conf'));
  // libpq looks a service up in the user's file first; the system file's entry of the same name is never used.
  const seen = new Set<string>();
  for (const file of files) {
    const content = readSource(environment, file, result.problems);
    if (content === undefined) continue;
    const { sections } = readIni(file, content, result.problems);
    for (const section of sections) {
      if (seen.has(section.name)) continue;
      seen.add(section.name);
      const found = candidate(libpqSettings(section.values), { kind: 'pg-service', file, entry: section.name }, section.name, environment, passwords, result.problems, { file, line: section.line });
      if (found) result.candidates.push(found);
    }
  }
  if (env.PGHOST) {
    const settings: LibpqSettings = {
      host: env.PGHOST,
      ...(env.PGPORT ? { port: env.PGPORT } : {}),
      ...(env.PGDATABASE ? { dbname: env.PGDATABASE } : {}),
      ...(env.PGUSER ? { user: env.PGUSER } : {}),
      ...(env.PGPASSWORD !== undefined ? { password: env.PGPASSWORD } : {}),
      ...(env.PGSSLMODE ? { sslmode: env.PGSSLMODE } : {}),
    };
    const found = candidate(settings, { kind: 'pg-env', file: 'environment', entry: 'PGHOST' }, `${env.PGUSER ?? environment.osUser}@${env.PGHOST}`, environment, passwords, result.problems, { file: 'environment (PG* variables)' });
    if (found) result.candidates.push(found);
  }
  return result;
}
