/**
 * What a person sees on stdout: a line per case as it ends, the why of each failure indented
 * below it, and one summary line. Names and values come from check files and databases, so
 * control characters are replaced before they reach the terminal (an escape sequence in a
 * column value must not repaint it).
 */
import { caseName } from '../checks/junit';
import type { CaseResult, CheckRunSummary, ExpectationOutcome } from '../checks/types';

export interface ReporterOptions {
  readonly quiet: boolean;
  readonly color: boolean;
  readonly write: (text: string) => void;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

type Paint = 'green' | 'red' | 'yellow' | 'dim';
const CODES: Readonly<Record<Paint, string>> = { green: '32', red: '31', yellow: '33', dim: '2' };

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** One line of text for the terminal (line breaks kept only where the caller splits on them). */
export function printable(text: string): string {
  return text.replace(CONTROL, (char) => (char === '\t' ? '  ' : '\ufffd'));
}

const MARK: Readonly<Record<CaseResult['verdict'], { readonly symbol: string; readonly paint: Paint }>> = {
  passed: { symbol: '✔', paint: 'green' },
  failed: { symbol: '✘', paint: 'red' },
  error: { symbol: '!', paint: 'yellow' },
  skipped: { symbol: '-', paint: 'dim' },
};

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export class Reporter {
  constructor(private readonly options: ReporterOptions) {}

  private paint(paint: Paint, text: string): string {
    return this.options.color ? `\u001b[${CODES[paint]}m${text}\u001b[0m` : text;
  }

  /** The lines of one case, as soon as it has its verdict. */
  caseResult(result: CaseResult): void {
    const bad = result.verdict === 'failed' || result.verdict === 'error';
    if (this.options.quiet && !bad) return;
    const mark = MARK[result.verdict];
    const where = `${result.file}:${result.check.line + 1}`;
    const lines = [`${this.paint(mark.paint, mark.symbol)} ${printable(caseName(result))} ${this.paint('dim', `${formatDuration(result.durationMs)} · ${printable(where)}`)}`];
    if (result.error !== undefined && result.verdict !== 'passed') lines.push(...block(result.error, 4));
    for (const outcome of result.outcomes) {
      if (!outcome.passed) lines.push(...this.outcome(outcome));
    }
    this.options.write(`${lines.join('\n')}\n`);
  }

  private outcome(outcome: ExpectationOutcome): string[] {
    const lines = block(`@expect ${outcome.expectation.source}: ${outcome.message}`, 4);
    if (outcome.expected !== undefined) lines.push(this.paint('green', '      expected:'), ...block(outcome.expected, 8));
    if (outcome.actual !== undefined) lines.push(this.paint('red', '      actual:'), ...block(outcome.actual, 8));
    return lines;
  }

  /** `N passed, N failed, N errors`, then skipped (when any), sessions and time. */
  summary(summary: CheckRunSummary): void {
    const counts = [
      this.paint(summary.passed > 0 ? 'green' : 'dim', `${summary.passed} passed`),
      this.paint(summary.failed > 0 ? 'red' : 'dim', `${summary.failed} failed`),
      this.paint(summary.errors > 0 ? 'yellow' : 'dim', `${summary.errors} errors`),
      ...(summary.skipped > 0 ? [`${summary.skipped} skipped`] : []),
    ].join(', ');
    const sessions = `${summary.sessionsOpened} session${summary.sessionsOpened === 1 ? '' : 's'} opened`;
    this.options.write(`\n${counts} (${sessions}, ${formatDuration(summary.durationMs)})\n`);
  }
}

function block(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  return text.split(/\r?\n/).map((line) => `${pad}${printable(line)}`);
}
