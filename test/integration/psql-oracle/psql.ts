/**
 * Runs a script through Debian's real psql (package postgresql-client; test/support/prerequisites.ts
 * installs it for the integration tier), as `psql -f` does for a person: statement by statement,
 * going on after errors (ON_ERROR_STOP off).
 */
import { execFile } from 'node:child_process';

export const PSQL = '/usr/bin/psql';

export interface PsqlTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** application_name of psql's session, to find it in the server's log. */
  readonly application: string;
  /** Per-session settings (PGOPTIONS), e.g. `-c log_statement=all`. */
  readonly options: string;
}

export interface PsqlRun {
  readonly exitCode: number;
  /** psql's own messages (errors the server returned, with the script's line). */
  readonly stderr: string;
}

/** `psql --version`, e.g. "psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)". */
export function psqlVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PSQL, ['--version'], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

/**
 * Runs `file` with psql against `target`. Asynchronous on purpose: the server writes its log to a
 * pipe this process reads, and a blocked event loop would let that pipe fill and stall the server.
 */
export function runPsqlFile(file: string, target: PsqlTarget, timeoutMs: number): Promise<PsqlRun> {
  // Only what psql needs: no PGSERVICE, PGSSLMODE or psqlrc of the machine's user changes the run.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGDATABASE: target.database,
    PGUSER: target.user,
    PGPASSWORD: target.password,
    PGAPPNAME: target.application,
    PGOPTIONS: target.options,
    PGCLIENTENCODING: 'UTF8',
    PGCONNECT_TIMEOUT: '10',
  };
  const args = ['--no-psqlrc', '--quiet', '--set', 'ON_ERROR_STOP=0', '--output', '/dev/null', '--file', file];
  return new Promise((resolve, reject) => {
    execFile(PSQL, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${PSQL} did not run to its end (${error.message}); its stderr:\n${stderr}`, { cause: error }));
        return;
      }
      resolve({ exitCode: error === null ? 0 : Number(error.code), stderr });
    });
  });
}
