import { randomBytes } from 'node:crypto';
import type { RunObserver, RunStamp, StatementOutcome } from '../worksheets/run-types';
import type { ErrorView, RunView, StampView } from './protocol';
import { Emitter, type Event } from '../common/events';
import { ResultSet, type ResultStorage } from './result-set';

export interface RunResultsOptions {
  /** Rows kept per statement before its stream pauses. */
  readonly rowLimit: number;
  /** The window's memory budget and spill policy (default: no budget, nothing spills). */
  readonly storage?: ResultStorage;
  readonly platformName: (platform: RunStamp['platform']) => string;
  /** The server's words for a failure, with code and position, for the view. */
  readonly describeError: (error: unknown, statement: string, stamp: RunStamp | undefined) => ErrorView;
  /** Called once per statement as it ends (history, diagnostics, traces). */
  readonly onFinished?: (result: ResultSet, outcome: StatementOutcome) => void;
  /** Called when a statement starts executing (traces). */
  readonly onStarted?: (result: ResultSet) => void;
  /** Called when a statement's first rows arrive (traces). */
  readonly onFirstRows?: (result: ResultSet) => void;
  /**
   * The Immuta project of whom a statement runs as: known now (from a brief cache) and, when a
   * re-check is under way, later. null: none; undefined: not known.
   */
  readonly projectOf?: (stamp: RunStamp) => { readonly now: string | null | undefined; readonly later?: Promise<string | null | undefined> };
}

/**
 * The results of one run of a worksheet: one ResultSet per result set its statements return,
 * fed by the run's observer. A statement starts with one (which also shows a statement that
 * returns none); each further result set it returns (a T-SQL batch may return several) joins
 * the run as a result of its own, right after the statement's earlier ones. A new run of the
 * worksheet replaces (and disposes) the previous one.
 */
export class RunResults {
  readonly runId: string;
  private readonly all: ResultSet[];
  /** Each statement's results, in the order their result sets came. */
  private readonly byStatement: ResultSet[][];
  private readonly addedEmitter = new Emitter<ResultSet>();
  /** A further result set of a statement joined the run (it is in `results` already). */
  readonly onDidAddResult: Event<ResultSet> = this.addedEmitter.event;
  private disposed = false;

  constructor(
    readonly worksheet: string,
    statements: readonly string[],
    private readonly options: RunResultsOptions,
  ) {
    this.runId = `run-${randomBytes(6).toString('hex')}`;
    this.byStatement = statements.map((statement, index) => [new ResultSet(`${this.runId}:${index}`, index, statement, options.rowLimit, 0, options.storage)]);
    this.all = this.byStatement.map(([first]) => first);
  }

  /** Every result of the run, in the order the view shows them. */
  get results(): readonly ResultSet[] {
    return this.all;
  }

  /** The results of one statement, first to last. */
  resultsOf(index: number): readonly ResultSet[] {
    return this.byStatement[index] ?? [];
  }

  /** Feeds the results; exceptions here would be contained by the worksheet, but none are expected. */
  observer(): RunObserver {
    const seenRows = new Set<ResultSet>();
    const latest = (index: number) => this.byStatement[index]?.at(-1);
    return {
      started: (index, stamp) => {
        const result = this.byStatement[index]?.[0];
        if (!result) return;
        const project = this.options.projectOf?.(stamp);
        result.started({ ...stampView(stamp, this.options.platformName), project: project?.now }, stamp.platform);
        void project?.later?.then(
          (known) => {
            if (this.disposed || known === undefined) return;
            for (const part of this.resultsOf(index)) part.setProject(known);
          },
          () => undefined,
        );
        this.options.onStarted?.(result);
      },
      columns: (index, columns) => {
        const current = latest(index);
        if (!current) return;
        // The statement's first result set fills its first result; each later one gets its own.
        const result = current.hasResultSet ? this.addResult(index, current) : current;
        result.setColumns(columns);
      },
      rows: (index, batch) => {
        const result = latest(index);
        if (!result) return;
        if (!seenRows.has(result)) {
          seenRows.add(result);
          this.options.onFirstRows?.(result);
        }
        return result.append(batch);
      },
      notice: (index, notice) => latest(index)?.notice({ severity: notice.severity, message: notice.message }),
      finished: (index, outcome) => {
        const parts = this.byStatement[index];
        if (!parts) return;
        const last = parts[parts.length - 1];
        for (const part of parts) {
          if (part !== last && !part.settled) part.finish(this.endOfEarlier(part));
        }
        last.finish(this.end(last, outcome));
        // History and diagnostics learn of the statement once, through its first result.
        this.options.onFinished?.(parts[0], outcome);
      },
    };
  }

  /** Results paused at the row limit. */
  paused(): ResultSet[] {
    return this.results.filter((result) => result.status === 'paused');
  }

  /** Lets every paused statement run to its end without keeping more rows. */
  stopReading(): void {
    for (const result of this.paused()) result.stopReading();
  }

  find(resultId: string): ResultSet | undefined {
    return this.results.find((result) => result.id === resultId);
  }

  view(): RunView {
    return { runId: this.runId, worksheet: this.worksheet, results: this.results.map((result) => result.view()) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const result of this.results) result.dispose();
    this.addedEmitter.dispose();
  }

  /**
   * A further result set of statement `index` begins: the one before it has all its rows, so it
   * succeeds now (unless paused at the row limit: it keeps its place until fetched or let go).
   */
  private addResult(index: number, previous: ResultSet): ResultSet {
    if (previous.status === 'running') previous.finish(this.endOfEarlier(previous));
    const parts = this.byStatement[index];
    const result = new ResultSet(`${this.runId}:${index}.${parts.length}`, index, previous.statement ?? '', this.options.rowLimit, parts.length, this.options.storage);
    const stamp = parts[0].stamp;
    if (stamp) result.started({ ...stamp, durationMs: null, rowCount: null, queryId: null }, parts[0].platform ?? undefined);
    parts.push(result);
    this.all.splice(this.all.indexOf(previous) + 1, 0, result);
    // A replaced run is read to its end without keeping rows: so is a result set it adds.
    if (this.disposed) result.dispose();
    else this.addedEmitter.fire(result);
    return result;
  }

  /** How an earlier result set of a statement ends: with every row it returned. */
  private endOfEarlier(result: ResultSet) {
    return {
      status: 'succeeded' as const,
      rowCount: result.rowsReturned,
      command: null,
      durationMs: elapsedSince(result) ?? 0,
      queryId: null,
    };
  }

  private end(result: ResultSet, outcome: StatementOutcome) {
    switch (outcome.status) {
      case 'succeeded':
        return {
          status: 'succeeded' as const,
          rowCount: outcome.summary.rowCount,
          command: outcome.summary.command,
          durationMs: outcome.summary.durationMs,
          queryId: outcome.summary.queryId,
          ...(outcome.sameAsYourself !== undefined ? { sameAsYourself: { at: outcome.sameAsYourself.at, rows: outcome.sameAsYourself.rows } } : {}),
        };
      case 'failed':
        return {
          status: 'failed' as const,
          error: this.options.describeError(outcome.error, result.statement ?? '', outcome.stamp),
          durationMs: elapsedSince(result),
        };
      case 'cancelled':
        return { status: 'cancelled' as const, durationMs: elapsedSince(result) };
      case 'skipped':
        return { status: 'skipped' as const };
    }
  }
}

function elapsedSince(result: ResultSet): number | null {
  return result.stamp ? Date.now() - result.stamp.startedAt : null;
}

export function stampView(stamp: RunStamp, platformName: (platform: RunStamp['platform']) => string): StampView {
  return {
    platform: platformName(stamp.platform),
    profile: stamp.profileName,
    login: stamp.login,
    ranAs: stamp.ranAs.kind === 'yourself' ? null : stamp.ranAs.user,
    ...(stamp.ranAs.kind === 'impersonating' ? { assurance: stamp.ranAs.assurance } : {}),
    ...(stamp.assuranceNote !== undefined ? { assuranceNote: stamp.assuranceNote } : {}),
    ...(stamp.parameters !== undefined ? { parameters: stamp.parameters } : {}),
    // Filled in by the run's projectOf (the Immuta API); unknown without it.
    project: undefined,
    startedAt: stamp.startedAt,
    durationMs: null,
    rowCount: null,
    queryId: null,
  };
}

/** 1-based line and column of a UTF-16 offset in a statement. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = 0; index < end; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
