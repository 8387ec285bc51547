import { randomUUID } from 'node:crypto';
import { Emitter, type Disposable, type Event } from '../common/events';
import { sqlDialectOf } from '../platforms/catalog';
import { redactParameterValues } from '../sql/parameter-secrets';
import { redactSecretsFor, scrubSecrets } from '../sql/secrets';
import { JsonlLog, type JsonlLoadReport, type JsonlLogOperation } from './jsonl-log';
import type { Assurance } from './identity';
import type { StatementOutcome } from './run-types';

export type HistoryOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One statement a worksheet ran. */
export interface HistoryEntry {
  readonly id: string;
  /** The worksheet's document label, e.g. "sales.sql" or "Untitled-1". */
  readonly worksheet: string;
  /** A stable key of the worksheet: its document URI. */
  readonly worksheetKey: string;
  readonly profile: string;
  readonly platform: string;
  readonly login: string;
  /** The impersonated user; null = the login itself. */
  readonly ranAs: string | null;
  /** How sure the worksheet was that it ran as `ranAs` (impersonated runs only; absent in older entries). */
  readonly assurance?: Assurance;
  /**
   * Impersonated runs only: when the result was exactly that of a run of the same statement as
   * yourself in the same worksheet, the epoch ms that run started (absent otherwise, and in older entries).
   */
  readonly sameAsYourselfAt?: number;
  /** Null when the statement was not retained. Secrets in it are redacted (`PASSWORD '***'`). */
  readonly statement: string | null;
  /**
   * The values its named parameters (`:region`) were bound to, by name; secret ones (by their
   * name) are `***`. Absent when it had none, and whenever the statement was not retained.
   */
  readonly parameters?: Readonly<Record<string, string | null>>;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly durationMs: number | null;
  readonly rows: number | null;
  readonly outcome: HistoryOutcome;
  /** The server's message, with any secret of the statement it quotes taken out. */
  readonly error?: string;
}

/** What a caller records; the history assigns the id. */
export type NewHistoryEntry = Omit<HistoryEntry, 'id'>;

export type HistoryChange = { readonly kind: 'recorded'; readonly entry: HistoryEntry } | { readonly kind: 'cleared' };

export interface HistorySearchOptions {
  /** Only entries of this worksheet. */
  readonly worksheetKey?: string;
}

/** How much of a statement the history keeps: its text with secrets redacted, or nothing. */
export type HistoryStatementText = 'redacted' | 'none';

export interface RunHistoryPolicy {
  /** Asked for every entry: 'none' stores every entry with `statement: null`. Absent = 'redacted'. */
  readonly statementText?: () => HistoryStatementText;
  /**
   * Asked for every entry that ran as another user: false stores it with `statement: null`, so
   * the text never reaches the disk. Absent = always retain.
   */
  readonly retainImpersonatedText?: () => boolean;
  /** Longer statements are cut to this many characters. Default 65,536. */
  readonly maxStatementChars?: number;
}

export interface RunHistoryFileOptions extends RunHistoryPolicy {
  readonly file: string;
  /** Default 2,000. */
  readonly maxEntries?: number;
  readonly onError?: (operation: JsonlLogOperation, error: unknown) => void;
}

const DEFAULT_MAX_ENTRIES = 2000;
const DEFAULT_MAX_STATEMENT_CHARS = 65536;
const OUTCOMES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/** The statements worksheets ran, newest first, persisted in a capped JSON-lines file. */
export class RunHistory implements Disposable {
  private readonly changeEmitter = new Emitter<HistoryChange>();
  readonly onDidChange: Event<HistoryChange> = this.changeEmitter.event;

  constructor(
    private readonly log: JsonlLog<HistoryEntry>,
    private readonly policy: RunHistoryPolicy = {},
  ) {}

  /** A history over its own file; entries recorded before the file was read are kept. */
  static open(options: RunHistoryFileOptions): RunHistory {
    const log = new JsonlLog<HistoryEntry>({
      file: options.file,
      maxRecords: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      // Entries written before secrets were redacted are redacted as they are read.
      decode: (value) => {
        const entry = decodeHistoryEntry(value);
        return entry && { ...entry, ...redactedText(entry), ...(entry.parameters !== undefined ? { parameters: redactParameterValues(entry.parameters) } : {}) };
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
    return new RunHistory(log, options);
  }

  /** Resolves once the file was read: how many lines were corrupt, for the log. */
  get ready(): Promise<JsonlLoadReport> {
    return this.log.ready;
  }

  record(input: NewHistoryEntry): HistoryEntry {
    const text = redactedText(input);
    const statement = this.retainedStatement(input, text.statement);
    // Field by field, so nothing the caller's object happens to carry reaches the file.
    const entry: HistoryEntry = {
      id: randomUUID(),
      worksheet: input.worksheet,
      worksheetKey: input.worksheetKey,
      profile: input.profile,
      platform: input.platform,
      login: input.login,
      ranAs: input.ranAs,
      ...(input.ranAs !== null && input.assurance !== undefined ? { assurance: input.assurance } : {}),
      ...(input.ranAs !== null && input.sameAsYourselfAt !== undefined ? { sameAsYourselfAt: input.sameAsYourselfAt } : {}),
      statement,
      // Values go with the text: where the text is not kept, neither are they.
      ...(statement !== null && input.parameters !== undefined ? { parameters: redactParameterValues(input.parameters) } : {}),
      startedAt: input.startedAt,
      durationMs: input.durationMs,
      rows: input.rows,
      outcome: input.outcome,
      ...(text.error !== undefined ? { error: text.error } : {}),
    };
    this.log.append(entry);
    this.changeEmitter.fire({ kind: 'recorded', entry });
    return entry;
  }

  /** Newest first. */
  entries(): HistoryEntry[] {
    return this.log.records().reverse();
  }

  /**
   * Newest first. Every word of the query must occur (case-insensitively) in the statement, the
   * user it ran as ("yourself" when nobody was impersonated), the login, the profile, the
   * worksheet label or the outcome. An empty query matches everything.
   */
  search(query: string, options: HistorySearchOptions = {}): HistoryEntry[] {
    const words = query.toLowerCase().split(/\s+/).filter((word) => word !== '');
    return this.entries().filter((entry) => {
      if (options.worksheetKey !== undefined && entry.worksheetKey !== options.worksheetKey) {
        return false;
      }
      if (words.length === 0) {
        return true;
      }
      const haystack = searchText(entry);
      return words.every((word) => haystack.includes(word));
    });
  }

  /** Resolves to false when the file could not be emptied (the error went to `onError`). */
  async clear(): Promise<boolean> {
    const cleared = this.log.clear();
    this.changeEmitter.fire({ kind: 'cleared' });
    return cleared;
  }

  /** Resolves once every entry recorded so far reached the file. */
  flush(): Promise<void> {
    return this.log.flush();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  /** `redacted` is the statement with its secrets taken out (null when that could not be done). */
  private retainedStatement(input: NewHistoryEntry, redacted: string | null): string | null {
    if (redacted === null || this.policy.statementText?.() === 'none') {
      return null;
    }
    if (input.ranAs !== null && this.policy.retainImpersonatedText && !this.policy.retainImpersonatedText()) {
      return null;
    }
    const max = this.policy.maxStatementChars ?? DEFAULT_MAX_STATEMENT_CHARS;
    // Cut after redacting: a cut through a secret would leave the lexer an unclosed string to guess at.
    return redacted.length > max ? redacted.slice(0, max) : redacted;
  }
}

/**
 * The statement with its secrets redacted by its platform's lexical rules, and the error with
 * those secrets scrubbed (servers quote statements in syntax errors). An entry of an unknown
 * platform keeps its statement only if every dialect redacts it alike.
 */
function redactedText(entry: Pick<HistoryEntry, 'platform' | 'statement' | 'error'>): { statement: string | null; error?: string } {
  if (entry.statement === null) {
    return entry.error === undefined ? { statement: null } : { statement: null, error: entry.error };
  }
  const redaction = redactSecretsFor(entry.statement, sqlDialectOf(entry.platform));
  return {
    statement: redaction.text,
    ...(entry.error !== undefined ? { error: scrubSecrets(entry.error, redaction.secrets) } : {}),
  };
}

/**
 * Where and as whom a worksheet ran, for entries whose outcome carries no stamp (`startedAt` is
 * used only then).
 */
export type HistoryContext = Pick<HistoryEntry, 'worksheet' | 'worksheetKey' | 'profile' | 'platform' | 'login' | 'ranAs' | 'startedAt'>;

/** The history entry of one statement's outcome; undefined for a statement that was skipped. */
export function historyEntryFor(context: HistoryContext, statement: string, outcome: StatementOutcome): NewHistoryEntry | undefined {
  if (outcome.status === 'skipped') {
    return undefined;
  }
  const stamp = outcome.stamp;
  const base = {
    worksheet: context.worksheet,
    worksheetKey: context.worksheetKey,
    profile: stamp?.profileName ?? context.profile,
    platform: stamp?.platform ?? context.platform,
    login: stamp?.login ?? context.login,
    ranAs: stamp ? (stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : null) : context.ranAs,
    ...(stamp?.ranAs.kind === 'impersonating' ? { assurance: stamp.ranAs.assurance } : {}),
    statement,
    ...(stamp?.parameters !== undefined ? { parameters: stamp.parameters } : {}),
    startedAt: stamp?.startedAt ?? context.startedAt,
  };
  switch (outcome.status) {
    case 'succeeded':
      return {
        ...base,
        ...(outcome.sameAsYourself !== undefined ? { sameAsYourselfAt: outcome.sameAsYourself.at } : {}),
        durationMs: outcome.summary.durationMs,
        rows: outcome.summary.rowCount,
        outcome: 'succeeded',
      };
    case 'failed':
      return { ...base, durationMs: null, rows: null, outcome: 'failed', error: outcome.error.message };
    case 'cancelled':
      return { ...base, durationMs: null, rows: null, outcome: 'cancelled' };
  }
}

/** Accepts a parsed line only when it has the shape of a HistoryEntry. */
export function decodeHistoryEntry(value: unknown): HistoryEntry | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.id === 'string' &&
    typeof v.worksheet === 'string' &&
    typeof v.worksheetKey === 'string' &&
    typeof v.profile === 'string' &&
    typeof v.platform === 'string' &&
    typeof v.login === 'string' &&
    (v.ranAs === null || typeof v.ranAs === 'string') &&
    (v.assurance === undefined || v.assurance === 'applied' || v.assurance === 'read-back' || v.assurance === 'confirmed') &&
    (v.sameAsYourselfAt === undefined || isFiniteNumber(v.sameAsYourselfAt)) &&
    (v.statement === null || typeof v.statement === 'string') &&
    (v.parameters === undefined || isParameterRecord(v.parameters)) &&
    isFiniteNumber(v.startedAt) &&
    (v.durationMs === null || isFiniteNumber(v.durationMs)) &&
    (v.rows === null || isFiniteNumber(v.rows)) &&
    typeof v.outcome === 'string' &&
    OUTCOMES.includes(v.outcome) &&
    (v.error === undefined || typeof v.error === 'string');
  return ok ? (value as HistoryEntry) : undefined;
}

function isParameterRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value as Record<string, unknown>).every((v) => v === null || typeof v === 'string');
}

function searchText(entry: HistoryEntry): string {
  return [entry.statement ?? '', ...Object.values(entry.parameters ?? {}).map((value) => value ?? 'null'), entry.ranAs ?? 'yourself', entry.login, entry.profile, entry.worksheet, entry.outcome].join('\n').toLowerCase();
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
