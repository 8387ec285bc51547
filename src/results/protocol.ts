/**
 * The messages between the extension host and the results webview. Shared by both sides, so it
 * imports neither `vscode` nor the DOM.
 *
 * Rows never travel as one big message, and the webview never holds a whole result: the host
 * announces results (metadata only, with the number of rows it stores) and the webview pulls the
 * rows around its viewport by row index, keeping a bounded cache and at most one pull
 * outstanding per result. A pull for rows that have not arrived yet is held by the host until
 * some arrive or the result settles, so the first rows of a streaming result need no polling.
 */

export const PROTOCOL_VERSION = 1;

/** Epoch milliseconds with sub-millisecond precision (`performance.timeOrigin + now()`). */
export type Instant = number;

export type AssuranceView = 'applied' | 'read-back' | 'confirmed';

/** How the webview prints a level; the same words as platforms/assurance's ASSURANCE_LABEL (a unit test holds them equal). */
export const ASSURANCE_WORDS: Readonly<Record<AssuranceView, string>> = { applied: 'applied', 'read-back': 'read back', confirmed: 'confirmed' };

/** Where and as whom a statement ran: shown above every result and written into exports. */
export interface StampView {
  /** The platform's display name, e.g. "Amazon Redshift". */
  readonly platform: string;
  readonly profile: string;
  readonly login: string;
  /** The impersonated Immuta user, or null when the statement ran as the login itself. */
  readonly ranAs: string | null;
  /** When impersonating: applied, read back or confirmed (see platforms/assurance). */
  readonly assurance?: AssuranceView;
  /** When impersonating: one sentence on that level and why. */
  readonly assuranceNote?: string;
  /** The impersonated user's current Immuta project; null: none; undefined: not known. */
  readonly project?: string | null;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Null while the statement runs. */
  readonly durationMs: number | null;
  /** Rows returned (or affected), null when not known yet or not reported. */
  readonly rowCount: number | null;
  /** The platform's identifier of the query or session, when it has one. */
  readonly queryId: string | null;
  /**
   * Set when a run as another user returned exactly what your own run of the same statement in
   * this worksheet returned (see results/same-result for the words).
   */
  readonly sameAsYourself?: SameAsYourselfView;
  /** The values its named parameters were bound to, by name (secret ones `***`); absent when it had none. */
  readonly parameters?: Readonly<Record<string, string | null>>;
}

/** Parameter values as one line for the stamp and exports: `region='EU', since=NULL`. */
export function parameterWords(values: Readonly<Record<string, string | null>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`}`)
    .join(', ');
}

export interface SameAsYourselfView {
  /** Epoch ms your own run started. */
  readonly at: number;
  /** Rows in both results (never 0: identical empty results are not flagged). */
  readonly rows: number;
}

export type ResultStatus =
  /** Waiting behind earlier statements of the same run. */
  | 'queued'
  | 'running'
  /** Stopped reading at the row limit; the statement is held open until more is fetched. */
  | 'paused'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  /** Not run because an earlier statement of the run failed or was cancelled. */
  | 'skipped';

/** How cells of a column compare and align. */
export type ColumnKind = 'number' | 'boolean' | 'text';

export interface ColumnView {
  readonly name: string;
  /** The platform's type name, e.g. `int4`, `varchar`. */
  readonly type: string;
  readonly kind: ColumnKind;
}

export interface ErrorView {
  readonly message: string;
  /** SQLSTATE or the platform's error number. */
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** What to do, when the extension recognises the failure (e.g. a missing IMPERSONATE_USER). */
  readonly advice?: string;
  /** 1-based line and column in the statement, when the server reported a position. */
  readonly line?: number;
  readonly column?: number;
}

export interface NoticeView {
  readonly severity: string;
  readonly message: string;
}

/** One result of a statement, without its rows. */
export interface ResultView {
  readonly id: string;
  /** The statement's place in its run, from 0. */
  readonly index: number;
  /**
   * Which of the statement's result sets this is, from 0; absent for the first. A T-SQL batch
   * may return several, each a result (and a tab) of its own.
   */
  readonly part?: number;
  /** The statement text, or null when it is not retained (privacy setting). */
  readonly statement: string | null;
  readonly status: ResultStatus;
  readonly stamp: StampView | null;
  /** Null when the statement returned no result set (DML, DDL) or has not described one yet. */
  readonly columns: readonly ColumnView[] | null;
  /** Rows held by the host and available to pull. */
  readonly storedRows: number;
  /** Rows read after "stop reading" and dropped (counted, not kept). */
  readonly discardedRows: number;
  /** Rows the host keeps before pausing the statement. */
  readonly rowLimit: number;
  /** The server's command tag (`SELECT`, `INSERT`...), when reported. */
  readonly command: string | null;
  readonly error: ErrorView | null;
  readonly notices: readonly NoticeView[];
  /** The host's sort of this result, when the user sorted it there (rows are pulled in that order). */
  readonly sort?: HostSortState;
}

export interface RunView {
  readonly runId: string;
  /** What the results belong to, e.g. the worksheet's file name. */
  readonly worksheet: string;
  readonly results: readonly ResultView[];
}

/**
 * Where the user was in a run's results: kept by the host, because the webview's document is
 * thrown away while it is hidden, and sent back in `state` so a re-created view opens there.
 */
export interface ViewPlace {
  readonly resultId: string;
  /** The row at the top of the grid's viewport. */
  readonly topRow: number;
}

export interface ViewSettings {
  /** Cell text longer than this is cut in the grid; the whole value is a click away. */
  readonly cellTextLimit: number;
}

/** Host → webview. */
export type HostMessage =
  /** Everything but rows: sent after `ready` and when a new run replaces the results. */
  | {
      readonly type: 'state';
      readonly run: RunView | null;
      readonly settings: ViewSettings;
      readonly restore?: ViewPlace;
      /**
       * The page's title ("Results · <worksheet>"): the results view in the bottom panel shows
       * one worksheet after another in the same page.
       */
      readonly title?: string;
      /** With no run: why there is nothing to show here (e.g. the results are in an editor tab). */
      readonly note?: string;
    }
  /** The worksheet shown was renamed: the page's new title. */
  | { readonly type: 'title'; readonly title: string }
  /**
   * One result's metadata changed, or a new result joined the run (a further result set of a
   * statement): the view adds one it does not know after the results of the same statement.
   */
  | { readonly type: 'result'; readonly runId: string; readonly result: ResultView }
  /**
   * The answer to a `pull` (or, with `requestId` 0, a result's first rows sent unasked as soon as
   * the host has them: the view takes those only while it holds none of that result): consecutive rows from `from` (at or before the row asked for: the
   * host answers in whole chunks), as chunks that are each a JSON array
   * of rows (a row is an array of string | number | boolean | null). `count` rows in all; zero
   * only when the result settled with no rows after `from`. The chunks travel as UTF-8 bytes, one
   * after the other (`chunkBytes` gives each one's length): VS Code passes binary data to a
   * webview as it is, where a string would be JSON-escaped and re-parsed at every hop.
   */
  | {
      readonly type: 'rows';
      readonly requestId: number;
      readonly resultId: string;
      readonly from: number;
      readonly count: number;
      readonly data: Uint8Array;
      /** Each chunk's length in bytes, before any compression. */
      readonly chunkBytes: readonly number[];
      /**
       * `deflate-raw`: `data` is the chunks' bytes compressed (RFC 1951). Used where the rows
       * cross a network to reach the webview (VS Code for the Web, remote windows).
       */
      readonly compression?: RowCompression;
    }
  /**
   * The host sorted a result (sort null: arrival order again). Its rows are now answered in this
   * order by display position: the webview drops what it holds of the result and pulls again.
   */
  | { readonly type: 'sorted'; readonly resultId: string; readonly sort: HostSortState | null }
  /** A host sort asked for did not happen (refused or failed); the order shown stays as it was. */
  | { readonly type: 'sortFailed'; readonly resultId: string; readonly reason: string }
  /** How far a host sort has read the result (0 to 1), a few times a second while it runs. */
  | { readonly type: 'sortProgress'; readonly resultId: string; readonly done: number }
  /** A pull that cannot be answered (unknown or discarded result). */
  | { readonly type: 'pullFailed'; readonly requestId: number; readonly resultId: string; readonly reason: string };

/** A sort done in the host: by which column (index into the result's columns) and which way. */
export interface HostSortState {
  readonly column: number;
  readonly direction: 'asc' | 'desc';
}

export type ExportFormat = 'csv' | 'json';

export type RowCompression = 'deflate-raw';

/** Webview → host. */
export type WebviewMessage =
  | { readonly type: 'ready'; readonly protocol: number }
  /**
   * Asks for up to `maxRows` rows from row index `from` (any row: the webview asks for the rows
   * around its viewport). Held by the host while `from` is beyond the rows stored and the result
   * can still grow.
   */
  | { readonly type: 'pull'; readonly requestId: number; readonly resultId: string; readonly from: number; readonly maxRows: number }
  /**
   * Sorts a result in the host (too large for the webview to hold whole) by one column, or back
   * to arrival order with direction null. A new sort or run cancels the one under way.
   */
  | { readonly type: 'sort'; readonly resultId: string; readonly column: number; readonly direction: 'asc' | 'desc' | null }
  /** Stop the host sort of this result under way; the rows keep the order they had. */
  | { readonly type: 'cancelSort'; readonly resultId: string }
  /** Raises the row limit of a paused result by one limit's worth, or removes it. */
  | { readonly type: 'fetchMore'; readonly resultId: string; readonly all: boolean }
  /** Ends a paused result: the statement runs to its end, further rows are counted and dropped. */
  | { readonly type: 'stopReading'; readonly resultId: string }
  | { readonly type: 'cancel' }
  | {
      readonly type: 'export';
      readonly resultId: string;
      readonly format: ExportFormat;
      readonly withStamp: boolean;
      /** A file chosen in a save dialog, or a new untitled editor. */
      readonly destination: 'file' | 'untitled';
      /** The grid's order when asked (absent: the order the server returned); the export follows it. */
      readonly sort?: HostSortState;
    }
  /** Puts text (cells or rows formatted by the webview) on the clipboard. */
  | { readonly type: 'copy'; readonly text: string; readonly what: string }
  /** The whole result as a Markdown table on the clipboard. */
  | { readonly type: 'copyMarkdown'; readonly resultId: string; readonly sort?: HostSortState }
  /** Opens a value in an editor, pretty-printed when it is JSON. */
  | { readonly type: 'openValue'; readonly text: string; readonly column: string }
  /** Reveals the statement of a result in the worksheet. */
  | { readonly type: 'showStatement'; readonly resultId: string }
  /** Progress marks, recorded when tracing is on (benchmarks and tests). */
  | { readonly type: 'mark'; readonly name: 'painted' | 'stored' | 'sorted'; readonly resultId: string; readonly rows: number; readonly at: Instant }
  /** Where the user is (active result, top row), for the host to send back to a re-created view. */
  | { readonly type: 'viewState'; readonly resultId: string; readonly topRow: number }
  /** An unexpected error inside the webview, for the extension's log. */
  | { readonly type: 'problem'; readonly message: string };

/** The chunks of a `rows` answer, as text again. */
export function decodeChunks(data: Uint8Array, chunkBytes: readonly number[], decoder: { decode(bytes: Uint8Array): string } = new TextDecoder()): string[] {
  const chunks: string[] = [];
  let offset = 0;
  for (const length of chunkBytes) {
    chunks.push(decoder.decode(data.subarray(offset, offset + length)));
    offset += length;
  }
  return chunks;
}

/**
 * The most rows and characters one `rows` answer carries (a bound the host enforces; the webview
 * asks for far fewer: a window around its viewport).
 */
export const MAX_ROWS_PER_PULL = 100_000;
export const MAX_CHARS_PER_PULL = 16_000_000;

/** A NULL as the grid shows it; never confused with the text 'NULL', which shows plainly. */
export const NULL_LABEL = 'NULL';

/** Column kinds from platform type names, so sorting and alignment follow the type. */
export function columnKind(type: string): ColumnKind {
  const name = type.toLowerCase().replace(/\(.*$/, '').trim();
  if (/^(bool|boolean|bit)$/.test(name)) return 'boolean';
  if (
    /^(int[248]?|smallint|integer|bigint|tinyint|oid|float[48]?|real|double( precision)?|numeric|decimal|number|money|smallmoney|byteint)$/.test(name)
  ) {
    return 'number';
  }
  return 'text';
}

/** Narrows an unknown message from the webview; anything malformed is rejected, not trusted. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  const isString = (key: string) => typeof message[key] === 'string';
  const isCount = (key: string) => typeof message[key] === 'number' && Number.isSafeInteger(message[key]) && (message[key] as number) >= 0;
  switch (message.type) {
    case 'ready':
      return typeof message.protocol === 'number' ? (message as WebviewMessage) : undefined;
    case 'pull':
      return isCount('requestId') && isString('resultId') && isCount('from') && isCount('maxRows') ? (message as WebviewMessage) : undefined;
    case 'sort':
      return isString('resultId') && isCount('column') && (message.direction === 'asc' || message.direction === 'desc' || message.direction === null)
        ? (message as WebviewMessage)
        : undefined;
    case 'cancelSort':
      return isString('resultId') ? (message as WebviewMessage) : undefined;
    case 'fetchMore':
      return isString('resultId') && typeof message.all === 'boolean' ? (message as WebviewMessage) : undefined;
    case 'stopReading':
    case 'showStatement':
      return isString('resultId') ? (message as WebviewMessage) : undefined;
    case 'copyMarkdown':
      return isString('resultId') && isSortOrAbsent(message.sort) ? (message as WebviewMessage) : undefined;
    case 'cancel':
      return { type: 'cancel' };
    case 'export':
      return isString('resultId') &&
        (message.format === 'csv' || message.format === 'json') &&
        typeof message.withStamp === 'boolean' &&
        (message.destination === 'file' || message.destination === 'untitled') &&
        isSortOrAbsent(message.sort)
        ? (message as WebviewMessage)
        : undefined;
    case 'copy':
      return isString('text') && isString('what') ? (message as WebviewMessage) : undefined;
    case 'openValue':
      return isString('text') && isString('column') ? (message as WebviewMessage) : undefined;
    case 'mark':
      return (message.name === 'painted' || message.name === 'stored' || message.name === 'sorted') && isString('resultId') && isCount('rows') && typeof message.at === 'number'
        ? (message as WebviewMessage)
        : undefined;
    case 'viewState':
      return isString('resultId') && isCount('topRow') ? (message as WebviewMessage) : undefined;
    case 'problem':
      return isString('message') ? (message as WebviewMessage) : undefined;
    default:
      return undefined;
  }
}

/** An optional grid order in a message: absent, or a column index and a direction. */
function isSortOrAbsent(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const sort = value as Record<string, unknown>;
  return typeof sort.column === 'number' && Number.isSafeInteger(sort.column) && sort.column >= 0 && (sort.direction === 'asc' || sort.direction === 'desc');
}
