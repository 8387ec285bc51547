import { randomUUID } from 'node:crypto';
import { Emitter, type Disposable, type Event } from '../common/events';
import { csvDocument, type CsvValue } from './csv';
import { JsonlLog, type JsonlLoadReport, type JsonlLogOperation } from './jsonl-log';
import type { Assurance } from './identity';
import type { AuditAction, AuditEntry } from './worksheet';

/** An audit entry as persisted: the worksheet's entry plus a stable id. */
export interface AuditRecord extends AuditEntry {
  readonly id: string;
}

export interface AuditLogFileOptions {
  readonly file: string;
  /** Default 20,000. */
  readonly maxEntries?: number;
  readonly onError?: (operation: JsonlLogOperation, error: unknown) => void;
}

/** The columns of both exports, in order. */
export const AUDIT_EXPORT_COLUMNS = ['id', 'time', 'at', 'worksheetId', 'profileName', 'platform', 'action', 'user', 'outcome', 'assurance', 'detail'] as const;

/** One exported entry: every column present, absent values as null. */
export type AuditExportRow = { readonly [K in (typeof AUDIT_EXPORT_COLUMNS)[number]]: K extends 'at' ? number : string | null };

const DEFAULT_MAX_ENTRIES = 20000;
const LEVELS: readonly string[] = ['applied', 'read-back', 'confirmed'] satisfies readonly Assurance[];
const ACTIONS: readonly string[] = ['apply', 'clear', 'verify', 'reapply', 'connection-lost', 'refused'] satisfies readonly AuditAction[];

/** Every impersonation change, check and refusal of every worksheet, persisted in a capped JSON-lines file. */
export class AuditLog implements Disposable {
  private readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  constructor(private readonly log: JsonlLog<AuditRecord>) {}

  static open(options: AuditLogFileOptions): AuditLog {
    return new AuditLog(
      new JsonlLog<AuditRecord>({
        file: options.file,
        maxRecords: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
        decode: decodeAuditRecord,
        ...(options.onError ? { onError: options.onError } : {}),
      }),
    );
  }

  get ready(): Promise<JsonlLoadReport> {
    return this.log.ready;
  }

  record(entry: AuditEntry): AuditRecord {
    const record: AuditRecord = {
      id: randomUUID(),
      at: entry.at,
      worksheetId: entry.worksheetId,
      profileName: entry.profileName,
      platform: entry.platform,
      action: entry.action,
      user: entry.user,
      outcome: entry.outcome,
      ...(entry.assurance !== undefined ? { assurance: entry.assurance } : {}),
      ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
    };
    this.log.append(record);
    this.changeEmitter.fire();
    return record;
  }

  /** Oldest first: an audit trail reads in the order things happened. */
  entries(): AuditRecord[] {
    return this.log.records();
  }

  /** Oldest first, one row per entry after a header row, CRLF line ends, formula-guarded. */
  toCsv(entries: readonly AuditRecord[] = this.entries()): string {
    const rows: CsvValue[][] = [[...AUDIT_EXPORT_COLUMNS]];
    for (const entry of entries) {
      const row = exportRow(entry);
      rows.push(AUDIT_EXPORT_COLUMNS.map((column) => row[column]));
    }
    return csvDocument(rows);
  }

  /** Oldest first, a pretty-printed array of rows with every column present. */
  toJson(entries: readonly AuditRecord[] = this.entries()): string {
    return `${JSON.stringify(entries.map(exportRow), null, 2)}\n`;
  }

  /** Resolves to false when the file could not be emptied (the error went to `onError`). */
  async clear(): Promise<boolean> {
    const cleared = this.log.clear();
    this.changeEmitter.fire();
    return cleared;
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

function exportRow(entry: AuditRecord): AuditExportRow {
  return {
    id: entry.id,
    time: new Date(entry.at).toISOString(),
    at: entry.at,
    worksheetId: entry.worksheetId,
    profileName: entry.profileName ?? null,
    platform: entry.platform ?? null,
    action: entry.action,
    user: entry.user,
    outcome: entry.outcome,
    assurance: entry.assurance ?? null,
    detail: entry.detail ?? null,
  };
}

/** Accepts a parsed line only when it has the shape of an AuditRecord. */
export function decodeAuditRecord(value: unknown): AuditRecord | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.id === 'string' &&
    typeof v.at === 'number' &&
    Number.isFinite(v.at) &&
    typeof v.worksheetId === 'string' &&
    (v.profileName === undefined || typeof v.profileName === 'string') &&
    (v.platform === undefined || typeof v.platform === 'string') &&
    typeof v.action === 'string' &&
    ACTIONS.includes(v.action) &&
    (v.user === null || typeof v.user === 'string') &&
    (v.outcome === 'ok' || v.outcome === 'failed') &&
    (v.assurance === undefined || (typeof v.assurance === 'string' && LEVELS.includes(v.assurance))) &&
    (v.detail === undefined || typeof v.detail === 'string');
  if (!ok) {
    return undefined;
  }
  // JSON drops undefined members; put them back so a record reads back as it was recorded.
  const record = value as AuditRecord;
  return { ...record, profileName: record.profileName, platform: record.platform };
}
