import type { QueryResult } from 'trino-client';
import type { Logger } from '../../common/logger';
import { isPlatformError, PlatformError } from '../errors';
import type { ColumnInfo, ConnectionSecret, ExecutionSummary, Row, ServerNotice, TrinoProfile } from '../types';
import { mapQueryError, mapTransportError, redactedCause, type TrinoQueryError } from './errors';
import { hasChanges, readSessionChanges, type SessionChanges } from './session-state';
import { createTrino } from './transport';
import { cellKind, toRows } from './types';

/** Page fields trino-client's QueryResult type leaves out. */
interface Page extends QueryResult {
  readonly updateType?: string;
  readonly updateCount?: number;
}

/** Where a statement's result goes as it streams in. */
export interface Receiver {
  columns(columns: readonly ColumnInfo[]): void;
  /** A page of rows; the next page is fetched only once the returned promise settles. */
  rows(batch: readonly Row[]): void | Promise<void>;
  notice?(notice: ServerNotice): void;
}

/** The session headers one statement is sent with. */
export interface StatementRequest {
  readonly sql: string;
  readonly user: string;
  readonly catalog?: string;
  readonly schema?: string;
  /** Session properties with URL-encoded values. */
  readonly properties: Record<string, string>;
  readonly phase: 'open' | 'statement';
}

export interface StatementResult {
  readonly summary: ExecutionSummary;
  /** Session changes the server answered with, in order; applied by the caller. */
  readonly changes: readonly SessionChanges[];
}

/** After a cancel, how long to wait for the server to end the query before dropping the request. */
const CANCEL_GRACE_MS = 1500;

/**
 * One statement through trino-client: POST, follow nextUri pages, hand rows to the receiver
 * page by page. Failures come back as PlatformErrors: trino-client resolves a failed query
 * with `error` on a page instead of rejecting, and that page is turned into an error here.
 */
export class QueryRunner {
  private queryId: string | undefined;
  private cancelRequested = false;
  private cancelDelivery: Promise<void> | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly profile: TrinoProfile,
    private readonly secret: ConnectionSecret,
    private readonly logger: Logger,
  ) {}

  async run(request: StatementRequest, receiver: Receiver): Promise<StatementResult> {
    const started = performance.now();
    const changes: SessionChanges[] = [];
    const trino = createTrino(this.profile, this.secret, {
      logger: this.logger,
      signal: this.abort.signal,
      onResponse: (response) => {
        const id = (response.body as { id?: unknown } | undefined)?.id;
        // The id arrives with the first (QUEUED) page, long before any data: keep it for cancel.
        if (this.queryId === undefined && typeof id === 'string') {
          this.queryId = id;
          if (this.cancelRequested) {
            this.deliverCancel().catch((error: unknown) => this.logger.warn(`trino cancel of ${id}: ${String(error)}`));
          }
        }
        const found = readSessionChanges(response.header);
        if (hasChanges(found)) changes.push(found);
      },
    });
    let accepted = false;
    let kinds: ReturnType<typeof cellKind>[] | undefined;
    let isUpdate = false;
    let updateType: string | undefined;
    let updateCount: number | undefined;
    let rowCount = 0;
    const warned = new Set<string>();
    try {
      const pages = await trino.query({
        query: request.sql,
        user: request.user,
        ...(request.catalog !== undefined ? { catalog: request.catalog } : {}),
        ...(request.schema !== undefined ? { schema: request.schema } : {}),
        session: request.properties,
      });
      accepted = true;
      for (;;) {
        const { value, done } = await pages.next();
        const page = value as Page | undefined;
        if (page?.error) {
          throw mapQueryError(page.error as TrinoQueryError, request.sql);
        }
        for (const warning of page?.warnings ?? []) {
          const notice = asNotice(warning);
          // Trino repeats its warnings on every page from the one that raised them.
          if (!warned.has(notice.message)) {
            warned.add(notice.message);
            receiver.notice?.(notice);
          }
        }
        if (page?.updateType !== undefined) {
          isUpdate = true;
          updateType = page.updateType;
          updateCount = page.updateCount ?? updateCount;
        }
        if (kinds === undefined && page?.columns && !isUpdate) {
          kinds = page.columns.map((column) => cellKind(column.type));
          receiver.columns(page.columns.map((column) => ({ name: column.name, type: column.type })));
        }
        const data = page?.data ?? [];
        if (kinds !== undefined && data.length > 0 && !done) {
          rowCount += data.length;
          await receiver.rows(toRows(data, kinds));
        }
        if (done) break;
      }
    } catch (error) {
      throw this.failure(error, request, accepted);
    } finally {
      clearTimeout(this.graceTimer);
    }
    if (this.cancelRequested) {
      // The server finished before it saw the cancel: the result is complete, keep it.
      this.logger.info(`trino: query ${this.queryId ?? '?'} finished before the cancel reached it`);
    }
    return {
      summary: {
        rowCount: isUpdate ? (updateCount ?? null) : kinds !== undefined ? rowCount : null,
        command: isUpdate ? (updateType ?? null) : kinds !== undefined ? 'SELECT' : null,
        hasResultSet: kinds !== undefined,
        durationMs: performance.now() - started,
        queryId: this.queryId ?? null,
      },
      changes,
    };
  }

  /** Asks the server to cancel; sent as soon as the query id is known. */
  async cancel(): Promise<void> {
    this.cancelRequested = true;
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => this.abort.abort(), CANCEL_GRACE_MS);
    this.graceTimer.unref();
    if (this.queryId !== undefined) {
      await this.deliverCancel();
    }
  }

  private deliverCancel(): Promise<void> {
    this.cancelDelivery ??= (async () => {
      const id = this.queryId as string;
      // A separate client: the statement's own one carries the abort signal.
      const trino = createTrino(this.profile, this.secret, { logger: this.logger, onResponse: () => undefined });
      try {
        await trino.cancel(id);
      } catch (error) {
        throw mapTransportError(error, { where: this.profile.server, login: this.profile.user, phase: 'statement', firstRequest: false });
      }
    })();
    return this.cancelDelivery;
  }

  private failure(error: unknown, request: StatementRequest, accepted: boolean): PlatformError {
    const mapped = isPlatformError(error)
      ? error
      : mapTransportError(error, { where: this.profile.server, login: this.profile.user, phase: request.phase, firstRequest: !accepted });
    if (this.cancelRequested && mapped.kind !== 'cancelled' && !isPlatformError(error)) {
      return new PlatformError('cancelled', 'The statement was cancelled.', { cause: redactedCause(error) });
    }
    return mapped;
  }
}

/** Trino warnings are `{warningCode: {code, name}, message}`; the driver types them as strings. */
function asNotice(warning: unknown): ServerNotice {
  if (typeof warning === 'object' && warning !== null) {
    const { message, warningCode } = warning as { message?: unknown; warningCode?: { name?: unknown } };
    const code = typeof warningCode?.name === 'string' ? warningCode.name : undefined;
    return { severity: 'WARNING', message: typeof message === 'string' ? message : JSON.stringify(warning), ...(code ? { code } : {}) };
  }
  return { severity: 'WARNING', message: String(warning) };
}
