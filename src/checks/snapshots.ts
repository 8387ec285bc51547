/**
 * Stored snapshots of check results: one JSON file beside each check file
 * (`policies.sql` → `policies.snapshots.json`), keyed by check name, then identity. Rows are
 * stored in a canonical order so that re-recording an unchanged result leaves the file byte for
 * byte the same, and a reviewer's diff shows only rows that really changed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CellValue, Row } from '../platforms/types';
import type { SnapshotEntry } from './types';

export const SNAPSHOT_FILE_VERSION = 1;

/** check name → identity → entry. */
export type SnapshotTable = ReadonlyMap<string, ReadonlyMap<string, SnapshotEntry>>;

export class SnapshotFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnapshotFileError';
  }
}

/** Where a check file's snapshots live. */
export function snapshotPathFor(checkFile: string): string {
  const parsed = path.parse(checkFile);
  return path.join(parsed.dir, `${parsed.ext.toLowerCase() === '.sql' ? parsed.name : parsed.base}.snapshots.json`);
}

function isCell(value: unknown): value is CellValue {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isEntry(value: unknown): value is SnapshotEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { columns, rows } = value as { columns?: unknown; rows?: unknown };
  return (
    Array.isArray(columns) &&
    columns.every((column) => typeof column === 'string') &&
    Array.isArray(rows) &&
    rows.every((row) => Array.isArray(row) && row.length === columns.length && row.every(isCell))
  );
}

/** Parses a snapshot file's text; a file that is not ours is an error that names what is wrong. */
export function parseSnapshots(text: string, file: string): SnapshotTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFileError(file, `The snapshot file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix it or delete it and update the snapshots.`);
  }
  const checks = (raw as { version?: unknown; checks?: unknown } | null)?.checks;
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== SNAPSHOT_FILE_VERSION || typeof checks !== 'object' || checks === null) {
    throw new SnapshotFileError(file, `The snapshot file ${file} is not a version ${SNAPSHOT_FILE_VERSION} snapshot file ({"version": 1, "checks": {…}}).`);
  }
  const table = new Map<string, Map<string, SnapshotEntry>>();
  for (const [name, identities] of Object.entries(checks as Record<string, unknown>)) {
    if (typeof identities !== 'object' || identities === null) throw new SnapshotFileError(file, `In ${file}, the snapshots of "${name}" are not an object of identities.`);
    const byIdentity = new Map<string, SnapshotEntry>();
    for (const [identity, entry] of Object.entries(identities as Record<string, unknown>)) {
      if (!isEntry(entry)) throw new SnapshotFileError(file, `In ${file}, the snapshot of "${name}" as ${identity} is not {"columns": [...], "rows": [[...]]} with one value per column.`);
      byIdentity.set(identity, { columns: [...entry.columns], rows: entry.rows.map((row) => [...row]) });
    }
    table.set(name, byIdentity);
  }
  return table;
}

/** Rows in a canonical order (by their JSON text), so a result's snapshot does not depend on row order. */
export function canonicalRows(rows: readonly Row[]): Row[] {
  return rows
    .map((row) => ({ row, key: JSON.stringify(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
}

/** The file's text: keys sorted, one row per line, so diffs in review are readable. */
export function serializeSnapshots(table: SnapshotTable): string {
  const lines: string[] = ['{', `  "version": ${SNAPSHOT_FILE_VERSION},`, '  "checks": {'];
  const names = [...table.keys()].sort();
  names.forEach((name, nameIndex) => {
    const identities = table.get(name) as ReadonlyMap<string, SnapshotEntry>;
    lines.push(`    ${JSON.stringify(name)}: {`);
    const ids = [...identities.keys()].sort();
    ids.forEach((identity, idIndex) => {
      const entry = identities.get(identity) as SnapshotEntry;
      const rows = canonicalRows(entry.rows);
      lines.push(`      ${JSON.stringify(identity)}: {`);
      lines.push(`        "columns": ${JSON.stringify(entry.columns)},`);
      if (rows.length === 0) lines.push('        "rows": []');
      else {
        lines.push('        "rows": [');
        rows.forEach((row, rowIndex) => lines.push(`          ${JSON.stringify(row)}${rowIndex < rows.length - 1 ? ',' : ''}`));
        lines.push('        ]');
      }
      lines.push(`      }${idIndex < ids.length - 1 ? ',' : ''}`);
    });
    lines.push(`    }${nameIndex < names.length - 1 ? ',' : ''}`);
  });
  lines.push('  }', '}', '');
  return lines.join('\n');
}

/**
 * Reads each check file's snapshots once per run, and writes the updated ones back once, at the
 * end, keeping every entry the run did not touch.
 */
export class SnapshotStore {
  private readonly loaded = new Map<string, Promise<Map<string, Map<string, SnapshotEntry>>>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly io: { readFile(file: string): Promise<string | undefined>; writeFile(file: string, text: string): Promise<void> } = nodeSnapshotIo) {}

  /** The stored entry, undefined when none; throws SnapshotFileError for a broken file. */
  async get(checkFile: string, name: string, identity: string): Promise<SnapshotEntry | undefined> {
    return (await this.table(checkFile)).get(name)?.get(identity);
  }

  async set(checkFile: string, name: string, identity: string, entry: SnapshotEntry): Promise<void> {
    const table = await this.table(checkFile);
    let byIdentity = table.get(name);
    if (!byIdentity) table.set(name, (byIdentity = new Map()));
    byIdentity.set(identity, { columns: [...entry.columns], rows: canonicalRows(entry.rows) });
    this.dirty.add(checkFile);
  }

  /** Writes the files that changed; returns their paths. */
  async flush(): Promise<string[]> {
    const written: string[] = [];
    for (const checkFile of this.dirty) {
      const file = snapshotPathFor(checkFile);
      await this.io.writeFile(file, serializeSnapshots(await this.table(checkFile)));
      written.push(file);
    }
    this.dirty.clear();
    return written;
  }

  private table(checkFile: string): Promise<Map<string, Map<string, SnapshotEntry>>> {
    let loading = this.loaded.get(checkFile);
    if (!loading) {
      const file = snapshotPathFor(checkFile);
      loading = this.io.readFile(file).then((text) => {
        if (text === undefined) return new Map<string, Map<string, SnapshotEntry>>();
        const parsed = parseSnapshots(text, file);
        return new Map([...parsed].map(([name, ids]) => [name, new Map(ids)]));
      });
      this.loaded.set(checkFile, loading);
    }
    return loading;
  }
}

const nodeSnapshotIo = {
  async readFile(file: string): Promise<string | undefined> {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SnapshotFileError(file, `Could not read the snapshot file ${file}: ${(error as Error).message}`);
    }
  },
  async writeFile(file: string, text: string): Promise<void> {
    // Written beside and renamed over, so an interrupted update never leaves half a file.
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, text, 'utf8');
    await fs.rename(temporary, file);
  },
};
