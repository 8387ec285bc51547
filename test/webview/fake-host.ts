/**
 * The extension host's side of the results protocol, in Node, for one page: it validates what the
 * webview posts with the real `parseWebviewMessage`, answers pulls for any row index (holding a
 * pull beyond the rows stored until rows exist), in chunks within MAX_ROWS_PER_PULL /
 * MAX_CHARS_PER_PULL, and sends `result` updates as rows "stream". It keeps where the view was
 * (`viewState`) and, when the page loads again and says `ready`, sends the run back with it, as
 * the host does for a view that was hidden. Host messages reach the page as `window.postMessage`.
 */
import { deflateRawSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import {
  MAX_CHARS_PER_PULL,
  MAX_ROWS_PER_PULL,
  parseWebviewMessage,
  type HostMessage,
  type ResultStatus,
  type ResultView,
  type RunView,
  type ViewPlace,
  type ViewSettings,
  type WebviewMessage,
} from '../../src/results/protocol';

export type Cell = string | number | boolean | null;
export type Row = readonly Cell[];
export type RowSource = (index: number) => Row;

/**
 * Rows generated inside the page rather than sent over the DevTools pipe (a few MB/s), for
 * results of a million rows. The host still decides every answer (which rows, how they are cut
 * into chunks within the limits); the page only turns row numbers into the same JSON the host
 * would have sent. `row` must be self-contained: its source text is installed in the page.
 */
export interface InPageRows {
  readonly inPage: RowSource;
}

export function inPage(row: RowSource): InPageRows {
  return { inPage: row };
}

interface RowsRecipe {
  readonly requestId: number;
  readonly resultId: string;
  readonly from: number;
  readonly count: number;
  readonly chunkSizes: readonly number[];
}

interface PageGlobals {
  __rowSources: Record<string, RowSource>;
  postMessage(message: unknown, targetOrigin: string): void;
}

/** Runs in the page: builds a `rows` answer from an in-page row source and delivers it. */
const BUILD_ROWS_IN_PAGE = (recipe: RowsRecipe): void => {
  const page = globalThis as unknown as PageGlobals;
  const row = page.__rowSources[recipe.resultId];
  const chunks: string[] = [];
  let next = recipe.from;
  for (const size of recipe.chunkSizes) {
    const parts: string[] = [];
    for (let k = 0; k < size; k++) parts.push(JSON.stringify(row(next++)));
    chunks.push(`[${parts.join(',')}]`);
  }
  // As the host sends them: the chunks as UTF-8 bytes, one after the other.
  const encoder = new TextEncoder();
  const parts = chunks.map((chunk) => encoder.encode(chunk));
  const data = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  page.postMessage({ type: 'rows', requestId: recipe.requestId, resultId: recipe.resultId, from: recipe.from, count: recipe.count, data, chunkBytes: parts.map((part) => part.length) }, '*');
};

type PullMessage = Extract<WebviewMessage, { type: 'pull' }>;
type MessageOf<T extends WebviewMessage['type']> = Extract<WebviewMessage, { type: T }>;

/** Rows per chunk: a chunk is one JSON array, several chunks make one answer. */
const CHUNK_ROWS = 1_000;

/** Runs in the page (this project has no DOM types, hence the narrow cast). */
const POST_TO_PAGE = (message: HostMessage | TextRows): void => {
  const page = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string): void };
  if (message.type !== 'rows' || !('chunks' in message)) {
    page.postMessage(message, '*');
    return;
  }
  if (message.deflated !== undefined) {
    // Compressed in Node (as the host compresses for remote windows), carried here as base64.
    const binary = atob(message.deflated.base64);
    const data = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
    const { type, requestId, resultId, from, count } = message;
    page.postMessage({ type, requestId, resultId, from, count, data, chunkBytes: message.deflated.chunkBytes, compression: 'deflate-raw' }, '*');
    return;
  }
  // Rows cross from Node as text; the page sends them on as the host does, as UTF-8 bytes.
  const encoder = new TextEncoder();
  const parts = message.chunks.map((chunk) => encoder.encode(chunk));
  const data = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  const { type, requestId, resultId, from, count } = message;
  page.postMessage({ type, requestId, resultId, from, count, data, chunkBytes: parts.map((part) => part.length) }, '*');
};

/** A `rows` answer with its chunks still as text, on its way from Node into the page. */
export interface TextRows {
  readonly type: 'rows';
  readonly requestId: number;
  readonly resultId: string;
  readonly from: number;
  readonly count: number;
  readonly chunks: readonly string[];
  /** The chunks' UTF-8 bytes deflated (RFC 1951), when the host compresses pages. */
  readonly deflated?: { readonly base64: string; readonly chunkBytes: readonly number[] };
}

function settled(status: ResultStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

interface HostedResult {
  view: ResultView;
  source: RowSource;
  readonly builtInPage: boolean;
}

interface Waiter {
  readonly test: (message: WebviewMessage) => boolean;
  readonly resolve: (message: WebviewMessage) => void;
}

export class FakeHost {
  /** Every valid message the webview posted, in order. */
  readonly received: WebviewMessage[] = [];
  /** Posts that `parseWebviewMessage` rejected, or that broke the pull rules. */
  readonly violations: string[] = [];
  private readonly results = new Map<string, HostedResult>();
  /** Pulls waiting for rows, by result id. */
  private readonly held = new Map<string, PullMessage>();
  /** Result ids with a pull that has not been answered yet. */
  private readonly outstanding = new Set<string>();
  private runId: string | null = null;
  private run: RunView | null = null;
  private settings: ViewSettings = { cellTextLimit: 200 };
  /** Where the view last said it was. */
  place: ViewPlace | undefined;
  private chain: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  /** Answer pulls with deflated pages, as the host does when the webview is across a network. */
  compressRows = false;
  /** Results the host sorted (a `sort` from the view): display position → row index. */
  private readonly orders = new Map<string, Uint32Array>();
  /** While set, answers wait here (a slow host) until `releaseAnswers`. */
  private gated: (() => void)[] | null = null;
  /** Results with a sort asked for and not yet answered. */
  private readonly sorting = new Set<string>();

  constructor(private readonly page: Page) {}

  /** Called by the page's `acquireVsCodeApi().postMessage` (through a Playwright binding). */
  receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (message === undefined) {
      this.violations.push(`invalid message: ${JSON.stringify(raw)}`);
      return;
    }
    this.received.push(message);
    if (message.type === 'pull') this.pull(message);
    if (message.type === 'sort') void this.sort(message);
    if (message.type === 'cancelSort') this.cancelSort(message.resultId);
    if (message.type === 'viewState') this.place = { resultId: message.resultId, topRow: message.topRow };
    if (message.type === 'ready' && this.run !== null) void this.restore();
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(message)) return true;
      waiter.resolve(message);
      return false;
    });
  }

  /** Sends a host message; messages are delivered in the order they were sent. */
  /** Sends a message as the host would; `rows` may be given with text chunks (sent as bytes). */
  send(message: HostMessage | TextRows): Promise<void> {
    const sent = this.chain.then(async () => {
      await this.page.evaluate(POST_TO_PAGE, message);
    });
    this.chain = sent.catch(() => undefined);
    return sent;
  }

  /** Replaces the run (as a new run of the worksheet does); rows come from `sources`. */
  async state(
    run: RunView | null,
    sources: Readonly<Record<string, RowSource | InPageRows>> = {},
    settings: ViewSettings = { cellTextLimit: 200 },
  ): Promise<void> {
    this.results.clear();
    this.orders.clear();
    this.held.clear();
    this.outstanding.clear();
    this.runId = run?.runId ?? null;
    this.run = run;
    this.settings = settings;
    this.place = undefined;
    for (const view of run?.results ?? []) {
      const source = sources[view.id] ?? (() => []);
      const builtInPage = typeof source !== 'function';
      if (builtInPage) {
        await this.page.evaluate(`(globalThis.__rowSources ??= {})[${JSON.stringify(view.id)}] = (${source.inPage.toString()});`);
      }
      this.results.set(view.id, { view, source: builtInPage ? source.inPage : source, builtInPage });
    }
    await this.send({ type: 'state', run, settings });
  }

  /**
   * A new document of the view said `ready` (it was hidden and shown again): the pulls of the old
   * one are forgotten and the run goes back with where the user was.
   */
  private async restore(): Promise<void> {
    this.held.clear();
    this.outstanding.clear();
    const run = this.run === null ? null : { ...this.run, results: this.run.results.map((result) => this.hosted(result.id).view) };
    await this.send({ type: 'state', run, settings: this.settings, ...(this.place ? { restore: this.place } : {}) });
  }

  /** Pulls the webview posted for a result (all of them, when no id is given). */
  pulls(resultId?: string): MessageOf<'pull'>[] {
    return this.messages('pull').filter((pull) => resultId === undefined || pull.resultId === resultId);
  }

  view(resultId: string): ResultView {
    return this.hosted(resultId).view;
  }

  /** A further result set of a statement joins the run (a T-SQL batch returns several): the host's first update of it. */
  async add(view: ResultView, source: RowSource = () => []): Promise<void> {
    this.results.set(view.id, { view, source, builtInPage: false });
    if (this.run !== null) this.run = { ...this.run, results: [...this.run.results, view] };
    if (this.runId !== null) await this.send({ type: 'result', runId: this.runId, result: view });
  }

  /** Changes a result's metadata, tells the webview, then serves a held pull if it now can. */
  async update(resultId: string, change: Partial<ResultView>): Promise<void> {
    const hosted = this.hosted(resultId);
    hosted.view = { ...hosted.view, ...change };
    if (this.runId !== null) await this.send({ type: 'result', runId: this.runId, result: hosted.view });
    const pull = this.held.get(resultId);
    if (pull !== undefined && (pull.from < hosted.view.storedRows || settled(hosted.view.status))) {
      this.held.delete(resultId);
      await this.answer(pull);
    }
  }

  /** More rows arrived from the "database". */
  async addRows(resultId: string, count: number, change: Partial<ResultView> = {}): Promise<void> {
    const view = this.view(resultId);
    await this.update(resultId, { ...change, storedRows: view.storedRows + count });
  }

  messages<T extends WebviewMessage['type']>(type: T): MessageOf<T>[] {
    return this.received.filter((message): message is MessageOf<T> => message.type === type);
  }

  /** The first message (already received or still to come) of that type that passes `test`. */
  waitFor<T extends WebviewMessage['type']>(type: T, test: (message: MessageOf<T>) => boolean = () => true, timeoutMs = 20_000): Promise<MessageOf<T>> {
    const matches = (message: WebviewMessage): message is MessageOf<T> => message.type === type && test(message as MessageOf<T>);
    const seen = this.received.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`no "${type}" message from the webview within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry: Waiter = {
        test: matches,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as MessageOf<T>);
        },
      };
      this.waiters.push(entry);
    });
  }

  /** Forgets what was received so far (for tests that count messages after an action). */
  clearReceived(): void {
    this.received.length = 0;
  }

  private hosted(resultId: string): HostedResult {
    const hosted = this.results.get(resultId);
    if (hosted === undefined) throw new Error(`no result ${resultId}`);
    return hosted;
  }

  private pull(pull: PullMessage): void {
    if (this.outstanding.has(pull.resultId)) this.violations.push(`a second pull for ${pull.resultId} while one was outstanding`);
    if (pull.maxRows < 1 || pull.maxRows > MAX_ROWS_PER_PULL) this.violations.push(`pull maxRows ${pull.maxRows}`);
    const hosted = this.results.get(pull.resultId);
    if (hosted === undefined) {
      void this.send({ type: 'pullFailed', requestId: pull.requestId, resultId: pull.resultId, reason: 'unknown result' });
      return;
    }
    this.outstanding.add(pull.resultId);
    if (pull.from < hosted.view.storedRows || settled(hosted.view.status)) void this.answer(pull);
    else this.held.set(pull.resultId, pull);
  }

  /**
   * Sorts as the host does (the grid's order: text by code units, numbers as numbers, NULLs last,
   * stable), then says `sorted`; pulls are answered through the order from then on. A pull the
   * view asked in the old order is superseded (the view ignores its answer and may pull again).
   */
  private async sort(message: MessageOf<'sort'>): Promise<void> {
    this.sorting.add(message.resultId);
    if (this.gated !== null) {
      const gated = this.gated;
      await new Promise<void>((resolve) => gated.push(resolve));
    }
    // Cancelled while it waited: the host said so already.
    if (!this.sorting.delete(message.resultId)) return;
    const hosted = this.hosted(message.resultId);
    if (hosted.builtInPage) this.violations.push('the fake host sorts only rows made in Node');
    if (message.direction === null) {
      this.orders.delete(message.resultId);
    } else {
      const key = (index: number): Cell => hosted.source(index)[message.column] ?? null;
      const numeric = hosted.view.columns?.[message.column]?.kind === 'number';
      const sign = message.direction === 'asc' ? 1 : -1;
      const indexes = Array.from({ length: hosted.view.storedRows }, (_, index) => index);
      const keys = indexes.map((index) => {
        const value = key(index);
        return value === null ? null : numeric ? Number(value) : String(value);
      });
      indexes.sort((a, b) => {
        const left = keys[a];
        const right = keys[b];
        if (left === null || right === null) return (left === null ? 1 : 0) - (right === null ? 1 : 0) || a - b;
        return (left < right ? -sign : left > right ? sign : 0) || a - b;
      });
      this.orders.set(message.resultId, Uint32Array.from(indexes));
    }
    this.outstanding.delete(message.resultId);
    this.held.delete(message.resultId);
    await this.send({ type: 'sorted', resultId: message.resultId, sort: message.direction === null ? null : { column: message.column, direction: message.direction } });
  }

  /**
   * A result's first `count` rows sent unasked, as the host sends them once it stores them
   * (a `rows` message with request id 0), in chunks of CHUNK_ROWS.
   */
  async head(resultId: string, count: number): Promise<void> {
    const { source } = this.hosted(resultId);
    const chunks: string[] = [];
    for (let from = 0; from < count; from += CHUNK_ROWS) {
      const rows = Array.from({ length: Math.min(CHUNK_ROWS, count - from) }, (_, i) => JSON.stringify(source(from + i)));
      chunks.push(`[${rows.join(',')}]`);
    }
    await this.send({ type: 'rows', requestId: 0, resultId, from: 0, count, chunks });
  }

  /** As the host does: the sort under way stops, and the view hears that the order stays. */
  private cancelSort(resultId: string): void {
    if (!this.sorting.delete(resultId)) return;
    void this.send({ type: 'sortFailed', resultId, reason: 'Sort cancelled: the rows keep the order they had.' });
  }

  /** Answers wait until `releaseAnswers` (to see what the view shows meanwhile). */
  holdAnswers(): void {
    this.gated ??= [];
  }

  releaseAnswers(): void {
    const gated = this.gated ?? [];
    this.gated = null;
    for (const release of gated) release();
  }

  private answer(pull: PullMessage): Promise<void> {
    if (this.gated !== null) {
      const gated = this.gated;
      return new Promise<void>((resolve, reject) =>
        gated.push(() => {
          this.answer(pull).then(resolve, reject);
        }),
      );
    }
    const { view, source: arrival, builtInPage } = this.hosted(pull.resultId);
    const order = this.orders.get(pull.resultId);
    const source: RowSource = order === undefined ? arrival : (position) => arrival(order[position]);
    const available = Math.max(0, Math.min(pull.maxRows, MAX_ROWS_PER_PULL, view.storedRows - pull.from));
    const chunks: string[][] = [];
    let current: string[] = [];
    let chars = 0;
    let count = 0;
    for (let i = 0; i < available; i++) {
      const json = JSON.stringify(source(pull.from + i));
      if (count > 0 && chars + json.length + 2 > MAX_CHARS_PER_PULL) break;
      current.push(json);
      chars += json.length + 1;
      count++;
      if (current.length === CHUNK_ROWS) {
        chunks.push(current);
        current = [];
      }
    }
    if (current.length > 0) chunks.push(current);
    const deliver = builtInPage
      ? () => this.page.evaluate(BUILD_ROWS_IN_PAGE, { requestId: pull.requestId, resultId: pull.resultId, from: pull.from, count, chunkSizes: chunks.map((chunk) => chunk.length) })
      : () => {
          const texts = chunks.map((chunk) => `[${chunk.join(',')}]`);
          const deflated = this.compressRows
            ? { base64: deflateRawSync(Buffer.from(texts.join(''), 'utf8')).toString('base64'), chunkBytes: texts.map((text) => Buffer.byteLength(text, 'utf8')) }
            : undefined;
          const message: TextRows = { type: 'rows', requestId: pull.requestId, resultId: pull.resultId, from: pull.from, count, chunks: deflated ? [] : texts, ...(deflated ? { deflated } : {}) };
          return this.page.evaluate(POST_TO_PAGE, message);
        };
    // The answer is on its way once it is handed to the page; a pull after that is legitimate.
    const sent = this.chain.then(async () => {
      this.outstanding.delete(pull.resultId);
      await deliver();
    });
    this.chain = sent.catch(() => undefined);
    return sent;
  }
}

/** A result's metadata with sensible defaults, for building runs in tests. */
export function resultView(id: string, index: number, change: Partial<ResultView> = {}): ResultView {
  return {
    id,
    index,
    statement: 'SELECT 1',
    status: 'running',
    stamp: null,
    columns: null,
    storedRows: 0,
    discardedRows: 0,
    rowLimit: 100_000,
    command: null,
    error: null,
    notices: [],
    ...change,
  };
}
