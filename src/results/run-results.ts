import { randomBytes } from 'node:crypto';
import type { RunObserver, RunStamp, StatementOutcome } from '../worksheets/run-types';
import type { ErrorView, RunView, StampView } from './protocol';
import { ResultSet } from './result-set';

export interface RunResultsOptions {
  /** Rows kept per statement before its stream pauses. */
  readonly rowLimit: number;
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
 * The results of one run of a worksheet: one ResultSet per statement, fed by the run's
 * observer. A new run of the worksheet replaces (and disposes) the previous one.
 */
export class RunResults {
  readonly runId: string;
  readonly results: readonly ResultSet[];
  private disposed = false;

  constructor(
    readonly worksheet: string,
    statements: readonly string[],
    private readonly options: RunResultsOptions,
  ) {
    this.runId = `run-${randomBytes(6).toString('hex')}`;
    this.results = statements.map((statement, index) => new ResultSet(`${this.runId}:${index}`, index, statement, options.rowLimit));
  }

  /** Feeds the results; exceptions here would be contained by the worksheet, but none are expected. */
  observer(): RunObserver {
    const seenRows = new Set<number>();
    return {
      started: (index, stamp) => {
        const result = this.results[index];
        if (!result) return;
        const project = this.options.projectOf?.(stamp);
        result.started({ ...stampView(stamp, this.options.platformName), project: project?.now }, stamp.platform);
        void project?.later?.then(
          (known) => {
            if (!this.disposed && known !== undefined) result.setProject(known);
          },
          () => undefined,
        );
        this.options.onStarted?.(result);
      },
      columns: (index, columns) => this.results[index]?.setColumns(columns),
      rows: (index, batch) => {
        const result = this.results[index];
        if (!result) return;
        if (!seenRows.has(index)) {
          seenRows.add(index);
          this.options.onFirstRows?.(result);
        }
        return result.append(batch);
      },
      notice: (index, notice) => this.results[index]?.notice({ severity: notice.severity, message: notice.message }),
      finished: (index, outcome) => {
        const result = this.results[index];
        if (!result) return;
        result.finish(this.end(result, outcome));
        this.options.onFinished?.(result, outcome);
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
