/**
 * One query in the Trino lab: its state machine (QUEUED → RUNNING → FINISHED | FAILED), its
 * result, and the QueryResults pages the client pulls through nextUri.
 */
import { randomBytes } from 'node:crypto';
import { encodeRows, type LabColumn } from './trino-types';

export interface TrinoErrorBody {
  readonly message: string;
  readonly errorCode: number;
  readonly errorName: string;
  readonly errorType: 'USER_ERROR' | 'INTERNAL_ERROR' | 'INSUFFICIENT_RESOURCES' | 'EXTERNAL';
  readonly errorLocation?: { readonly lineNumber: number; readonly columnNumber: number };
}

/** A few of Trino's StandardErrorCode entries (name → code), enough for the lab's mapping. */
export const ERROR_CODES = {
  GENERIC_USER_ERROR: 0,
  SYNTAX_ERROR: 1,
  USER_CANCELED: 3,
  PERMISSION_DENIED: 4,
  NOT_FOUND: 5,
  FUNCTION_NOT_FOUND: 6,
  INVALID_FUNCTION_ARGUMENT: 7,
  DIVISION_BY_ZERO: 8,
  INVALID_CAST_ARGUMENT: 9,
  ALREADY_EXISTS: 12,
  NOT_SUPPORTED: 13,
  INVALID_SESSION_PROPERTY: 14,
  CONSTRAINT_VIOLATION: 16,
  CATALOG_NOT_FOUND: 44,
  SCHEMA_NOT_FOUND: 45,
  TABLE_NOT_FOUND: 46,
  COLUMN_NOT_FOUND: 47,
  GENERIC_INTERNAL_ERROR: 65536,
  JDBC_ERROR: 16777216,
} as const;

export type ErrorName = keyof typeof ERROR_CODES;

export function trinoError(name: ErrorName, message: string, location?: { lineNumber: number; columnNumber: number }): TrinoErrorBody {
  const code = ERROR_CODES[name];
  const type = name === 'JDBC_ERROR' ? 'EXTERNAL' : code >= 65536 ? 'INTERNAL_ERROR' : 'USER_ERROR';
  return { message, errorCode: code, errorName: name, errorType: type, ...(location ? { errorLocation: location } : {}) };
}

export interface QueryOutcome {
  readonly columns?: readonly LabColumn[];
  readonly rows?: readonly (readonly (string | null)[])[];
  readonly updateType?: string;
  readonly updateCount?: number;
  /** Response headers of the final page: X-Trino-Set-Session and friends, repeated per value. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

export interface Page {
  readonly body: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED';

let counter = 0;

function newQueryId(): string {
  const now = new Date();
  const digits = now.toISOString().replace(/\D/g, '');
  const stamp = `${digits.slice(0, 8)}_${digits.slice(8, 14)}`;
  counter = (counter + 1) % 100000;
  const letters = [...randomBytes(5)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${stamp}_${String(counter).padStart(5, '0')}_${letters}`;
}

export class LabQuery {
  readonly id = newQueryId();
  readonly slug = `x${randomBytes(8).toString('hex')}`;
  readonly started = Date.now();
  state: QueryState = 'QUEUED';
  /** The PostgreSQL backend running it, while it runs there. */
  backendPid: number | undefined;
  canceled = false;
  private token = 0;
  private outcome: QueryOutcome | undefined;
  private error: TrinoErrorBody | undefined;
  private sentRows = 0;
  private lastPage: { token: number; page: Page } | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    readonly sql: string,
    private readonly pageRows: number,
  ) {}

  get done(): boolean {
    return this.state === 'FINISHED' || this.state === 'FAILED';
  }

  running(pid: number | undefined): void {
    this.state = 'RUNNING';
    this.backendPid = pid;
    this.wake();
  }

  finish(outcome: QueryOutcome): void {
    if (this.done) return;
    this.outcome = outcome;
    this.state = 'FINISHED';
    this.backendPid = undefined;
    this.wake();
  }

  fail(error: TrinoErrorBody): void {
    if (this.done) return;
    this.error = error;
    this.state = 'FAILED';
    this.backendPid = undefined;
    this.wake();
  }

  /** Resolves when the state changes or after `ms`, whichever is first (Trino's long poll). */
  waitForChange(ms: number): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** The first answer, to the POST: always QUEUED with a nextUri, never data (as Trino does). */
  firstPage(base: string): Page {
    return this.page(base, { state: 'QUEUED' }, true);
  }

  /**
   * The page for GET of `token`. The previous token gets its page again: a client that lost a
   * response (a 503 from a gateway) retries the same URI.
   */
  pageFor(token: number, base: string): Page | 'gone' {
    if (this.lastPage && token === this.lastPage.token) {
      return this.lastPage.page;
    }
    if (token !== this.token) {
      return 'gone';
    }
    let page: Page;
    if (this.error) {
      page = this.page(base, { state: 'FAILED', error: this.error }, false);
    } else if (this.outcome) {
      page = this.resultPage(base, this.outcome);
    } else {
      page = this.page(base, { state: this.state }, true);
    }
    this.lastPage = { token, page };
    return page;
  }

  private resultPage(base: string, outcome: QueryOutcome): Page {
    const rows = outcome.rows ?? [];
    const chunk = rows.slice(this.sentRows, this.sentRows + this.pageRows);
    this.sentRows += chunk.length;
    const more = this.sentRows < rows.length;
    const extra: Record<string, unknown> = {
      state: more ? 'RUNNING' : 'FINISHED',
      ...(outcome.columns ? { columns: outcome.columns.map((column) => column.column) } : {}),
      ...(outcome.updateType !== undefined ? { updateType: outcome.updateType } : {}),
      ...(outcome.updateCount !== undefined ? { updateCount: outcome.updateCount } : {}),
    };
    const data = outcome.columns && chunk.length > 0 ? encodeRows(chunk, outcome.columns) : undefined;
    const page = this.page(base, extra, more, data);
    return more ? page : { body: page.body, headers: outcome.headers ?? [] };
  }

  private page(base: string, fields: Record<string, unknown>, hasNext: boolean, data?: string): Page {
    const { state, error, ...rest } = fields as { state: QueryState; error?: TrinoErrorBody };
    let nextUri: string | undefined;
    if (hasNext) {
      this.token++;
      nextUri = `${base}/v1/statement/${state === 'QUEUED' ? 'queued' : 'executing'}/${this.id}/${this.slug}/${this.token}`;
    }
    const elapsed = Date.now() - this.started;
    const body = {
      id: this.id,
      infoUri: `${base}/ui/query.html?${this.id}`,
      ...(nextUri ? { nextUri } : {}),
      ...rest,
      stats: {
        state,
        queued: state === 'QUEUED',
        scheduled: state !== 'QUEUED',
        nodes: 1,
        totalSplits: 0,
        queuedSplits: 0,
        runningSplits: 0,
        completedSplits: 0,
        cpuTimeMillis: 0,
        wallTimeMillis: elapsed,
        queuedTimeMillis: 0,
        elapsedTimeMillis: elapsed,
        processedRows: this.sentRows,
        processedBytes: 0,
        physicalInputBytes: 0,
        peakMemoryBytes: 0,
        spilledBytes: 0,
      },
      ...(error ? { error: { ...error, failureInfo: { type: 'io.trino.spi.TrinoException', message: error.message, suppressed: [], stack: [] } } } : {}),
      warnings: [],
    };
    const json = JSON.stringify(body);
    // Data is spliced in as text: bigint values must reach the client as bare digits, intact.
    return { body: data === undefined ? json : `${json.slice(0, -1)},"data":${data}}`, headers: [] };
  }
}
