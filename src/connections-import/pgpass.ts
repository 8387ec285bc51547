/**
 * The password libpq would take from a password file (`~/.pgpass`, or `PGPASSFILE`) for one
 * connection, matched by libpq's rules (PostgreSQL docs, "The Password File", and
 * fe-connect.c's passwordFromFile):
 *
 * - a line is `hostname:port:database:username:password`; the first line that matches wins;
 * - a line whose first character is `#` is a comment;
 * - each of the first four fields is the literal value, or `*` alone to match anything;
 * - `\` escapes the next character, so `\:` is a colon in a field and `\\` a backslash, and `\*`
 *   is a literal star (not the wildcard);
 * - the fields compare as text: a port of `05432` does not match 5432;
 * - a connection over a Unix socket (no host, or a host that is a directory) matches `localhost`;
 * - the password ends at the first unescaped colon (anything after it is ignored);
 * - on Unix the file is ignored when group or others may read it.
 *
 * Why not the `pgpass` package that pg depends on: it skips lines shorter than 11 characters
 * (`h:1:d:u:pw` is a valid entry), treats `#` as a comment only after leading whitespace, splits
 * `a\\:b` at the wrong colon (it looks only at the previous character), unescapes only `\:` and
 * `\\` (so `\*` is read as the wildcard), and compares ports as numbers.
 */

export interface PgpassQuery {
  readonly host: string | undefined;
  readonly port: string | undefined;
  readonly database: string | undefined;
  readonly user: string;
}

/** libpq's defaults for a field the connection leaves unset. */
const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = '5432';

/**
 * Matches one field at the start of `line` (from `start`) against `value`; returns the index
 * after the field's closing colon, or -1. A field of exactly `*` matches any value.
 */
function matchField(line: string, start: number, value: string): number {
  if (line[start] === '*' && line[start + 1] === ':') return start + 2;
  let position = start;
  let read = '';
  while (position < line.length) {
    let char = line[position];
    if (char === '\\' && position + 1 < line.length) {
      position += 1;
      char = line[position];
      read += char;
      position += 1;
      continue;
    }
    if (char === ':') return read === value ? position + 1 : -1;
    read += char;
    position += 1;
  }
  return -1;
}

/** The password part: up to the first unescaped colon, escapes removed. */
function passwordField(line: string, start: number): string {
  let password = '';
  for (let position = start; position < line.length; position++) {
    const char = line[position];
    if (char === ':') break;
    if (char === '\\' && position + 1 < line.length) {
      position += 1;
      password += line[position];
    } else {
      password += char;
    }
  }
  return password;
}

export function pgpassPassword(content: string, query: PgpassQuery): string | undefined {
  const host = query.host === undefined || query.host === '' || query.host.startsWith('/') ? DEFAULT_HOST : query.host;
  const port = query.port === undefined || query.port === '' ? DEFAULT_PORT : query.port;
  const database = query.database === undefined || query.database === '' ? query.user : query.database;
  for (const raw of content.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let position = 0;
    for (const value of [host, port, database, query.user]) {
      position = matchField(line, position, value);
      if (position < 0) break;
    }
    if (position < 0) continue;
    return passwordField(line, position);
  }
  return undefined;
}

/** Why libpq would ignore the file (its permissions), or undefined when it would read it. */
export function pgpassRefusal(mode: number | undefined): string | undefined {
  if (mode === undefined) return undefined;
  // S_IFMT / S_IFREG: a FIFO or a directory is not a password file.
  if ((mode & 0o170000) !== 0o100000) return 'is not a plain file; libpq ignores it';
  if ((mode & 0o077) !== 0) return 'has group or world access; libpq ignores it (permissions should be u=rw, 0600, or less)';
  return undefined;
}
