import { parseProfile } from '../platforms/profile';
import { readPostgres } from './postgres';
import { readDatabricks } from './databricks';
import { readMssqlSettings, readSqltoolsSettings } from './extension-settings';
import { readSnowflake } from './snowflake';
import { readTrino } from './trino';
import { importedFrom, type ImportCandidate, type ImportEnvironment, type ImportProblem, type MissingField } from './types';

/** What another extension's settings hold, read by the caller (the core never reads VS Code). */
export interface ExtensionSettings {
  readonly mssqlConnections?: unknown;
  readonly sqltoolsConnections?: unknown;
}

export interface PlannedCandidate extends ImportCandidate {
  /** The source, as the profile's `importedFrom` says it. */
  readonly id: string;
  /** Whether importing it adds a profile or updates the one imported from the same source before. */
  readonly action: 'add' | 'update';
}

export interface Discovery {
  readonly candidates: readonly PlannedCandidate[];
  readonly problems: readonly ImportProblem[];
}

/** Values that stand in for what the user has not yet been asked, so the rest of the profile can be checked now. */
const PLACEHOLDERS: Readonly<Record<MissingField, string>> = {
  httpPath: '/sql/1.0/warehouses/placeholder',
  database: 'placeholder',
  tenantId: 'placeholder',
};

function nameOf(entry: unknown): string | undefined {
  return typeof entry === 'object' && entry !== null && typeof (entry as Record<string, unknown>).name === 'string' ? ((entry as Record<string, unknown>).name as string) : undefined;
}

export function importedFromOf(entry: unknown): string | undefined {
  const value = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).importedFrom : undefined;
  return typeof value === 'string' ? value : undefined;
}

function unique(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let suffix = 2; ; suffix++) {
    const candidate = `${name} (${suffix})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Every connection found on this machine, named and checked against the profile schema.
 *
 * @param existing the current `immutaWorksheets.connections` entries (a re-import of a source
 *   already imported updates that entry and keeps its name; other names are made unique)
 * @param readFile reads files a profile names (a Snowflake private key), for the schema check
 */
export function discoverConnections(environment: ImportEnvironment, settings: ExtensionSettings, existing: readonly unknown[], readFile: (path: string) => string): Discovery {
  const results = [
    readSnowflake(environment),
    readDatabricks(environment),
    readPostgres(environment),
    readTrino(environment),
    readMssqlSettings(settings.mssqlConnections),
    readSqltoolsSettings(settings.sqltoolsConnections),
  ];
  const problems: ImportProblem[] = results.flatMap((result) => result.problems);
  const taken = new Set(existing.map(nameOf).filter((name): name is string => name !== undefined));
  const byId = new Map(existing.flatMap((entry) => (importedFromOf(entry) !== undefined ? [[importedFromOf(entry) as string, entry]] : [])));
  const candidates: PlannedCandidate[] = [];
  const seen = new Set<string>();
  for (const found of results.flatMap((result) => result.candidates)) {
    const id = importedFrom(found.source);
    if (seen.has(id)) continue;
    seen.add(id);
    const previous = byId.get(id);
    const ownName = String(found.profile.name ?? found.source.entry);
    const name = previous !== undefined ? (nameOf(previous) ?? ownName) : unique(ownName, taken);
    taken.add(name);
    // What the user answered at the last import (an HTTP path the file lacks) is not asked again.
    const kept = Object.fromEntries((found.missing ?? []).flatMap((field) => {
      const value = previous !== undefined ? (previous as Record<string, unknown>)[field] : undefined;
      return typeof value === 'string' && value !== '' ? [[field, value]] : [];
    }));
    const missing = (found.missing ?? []).filter((field) => !(field in kept));
    const profile = { ...found.profile, ...kept, name, importedFrom: id };
    const filled = { ...profile, ...Object.fromEntries(missing.map((field) => [field, PLACEHOLDERS[field]])) };
    const checked = parseProfile(filled, name, readFile);
    if (!checked.ok) {
      problems.push({ file: found.source.file ?? found.source.kind, message: `${found.source.entry}: not imported: ${checked.problems.join(' ')}` });
      continue;
    }
    const planned: PlannedCandidate = { ...found, profile, id, action: previous !== undefined ? 'update' : 'add', missing };
    candidates.push(planned);
  }
  return { candidates, problems };
}

/**
 * The connections setting after importing `chosen`: an entry imported before from the same
 * source is updated in place (the source's fields replace its own, what the user added, such as
 * `immutaUser` or an effect probe, stays); the others are appended.
 */
export function mergeImported(existing: readonly unknown[], chosen: readonly { readonly id: string; readonly profile: Record<string, unknown> }[]): { entries: unknown[]; added: number; updated: number } {
  const entries = [...existing];
  let added = 0;
  let updated = 0;
  for (const candidate of chosen) {
    const index = entries.findIndex((entry) => importedFromOf(entry) === candidate.id);
    if (index >= 0) {
      entries[index] = { ...(entries[index] as Record<string, unknown>), ...candidate.profile };
      updated += 1;
    } else {
      entries.push(candidate.profile);
      added += 1;
    }
  }
  return { entries, added, updated };
}

/** How the candidate reads in a list: its source and what the user still has to give. */
export function describeCandidate(candidate: PlannedCandidate): string {
  const where = candidate.source.file === undefined ? candidate.source.kind : `${candidate.source.file} [${candidate.source.entry}]`;
  const parts = [where, ...(candidate.notes ?? [])];
  if (candidate.missing?.length) parts.push(`missing: ${candidate.missing.join(', ')} (asked next)`);
  return parts.join(' · ');
}
