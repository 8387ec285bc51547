/**
 * What the connection import finds on a machine: candidate profiles (settings entries, in the
 * `immutaWorksheets.connections` schema) and problems with the files it read. Pure: no `vscode`.
 */

/** Where a candidate came from. */
export type SourceKind = 'snowflake' | 'databricks' | 'pg-service' | 'pg-env' | 'trino' | 'mssql' | 'sqltools';

export interface CandidateSource {
  readonly kind: SourceKind;
  /** The file read, when the source is a file. */
  readonly file?: string;
  /** The entry in that source: a section, a connection name, a settings index. */
  readonly entry: string;
}

/** Settings the source did not give and the profile needs: the UI asks for them. */
export type MissingField = 'httpPath' | 'database' | 'tenantId';

export interface FoundSecret {
  readonly field: 'password' | 'token' | 'passphrase';
  readonly value: string;
}

export interface ImportCandidate {
  /** A settings entry, `importedFrom` included; its name is the source's own name (made unique later). */
  readonly profile: Record<string, unknown>;
  readonly source: CandidateSource;
  readonly secret?: FoundSecret;
  readonly missing?: readonly MissingField[];
  /** What a person should know about this candidate (e.g. "password from ~/.pgpass"). */
  readonly notes?: readonly string[];
}

export interface ImportProblem {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface SourceResult {
  readonly candidates: readonly ImportCandidate[];
  readonly problems: readonly ImportProblem[];
}

/** The machine as the import sees it, so tests can hand it a prepared home folder. */
export interface ImportEnvironment {
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The file's text, or undefined when there is no such file; throws on any other failure. */
  readFile(path: string): string | undefined;
  /** The file's permission bits (st_mode), or undefined where they mean nothing (Windows). */
  fileMode(path: string): number | undefined;
  /** The login name libpq falls back to when no user is given. */
  readonly osUser: string;
}

/** The value naming a profile's source, e.g. `snowflake:/home/u/.snowflake/connections.toml#prod`. */
export function importedFrom(source: CandidateSource): string {
  return `${source.kind}:${source.file ?? ''}#${source.entry}`;
}

export function emptyResult(): { candidates: ImportCandidate[]; problems: ImportProblem[] } {
  return { candidates: [], problems: [] };
}

/** A config value as text: parsers hand numbers and booleans for `port = 443` or `password=true`. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads a source file: undefined when absent, a problem when present but unreadable. */
export function readSource(environment: ImportEnvironment, path: string, problems: ImportProblem[]): string | undefined {
  try {
    return environment.readFile(path);
  } catch (error) {
    problems.push({ file: path, message: `could not be read: ${errorText(error)}` });
    return undefined;
  }
}
