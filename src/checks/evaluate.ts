/**
 * Judges one case: each expectation of a check against what its statement produced as one
 * identity. Pure: the runner brings the results (its own, other identities', the snapshot).
 */
import { isPlatformError } from '../platforms/errors';
import type { Row } from '../platforms/types';
import { clear, masked, valuesIn, valuesMatch, type ColumnValues, type Verdict } from './column-values';
import { plural, resultTable, rowDifference } from './result-table';
import type { CapturedResult, CheckDefinition, CountOperator, EvaluationContext, Expectation, ExpectationOutcome } from './types';

export { resultTable } from './result-table';

type RowsResult = Extract<CapturedResult, { status: 'rows' }>;
type FailedResult = Extract<CapturedResult, { status: 'failed' }>;

function failedMessage(result: FailedResult, as?: string): string {
  return `The statement failed${as === undefined ? '' : ` as ${as}`}: ${result.error.message}`;
}

function holds(operator: CountOperator, count: number, expected: number): boolean {
  switch (operator) {
    case '=':
      return count === expected;
    case '!=':
      return count !== expected;
    case '>':
      return count > expected;
    case '>=':
      return count >= expected;
    case '<':
      return count < expected;
    case '<=':
      return count <= expected;
  }
}

/**
 * `rows <op> N`. When the limit was reached the count is at least one more than the rows read;
 * the verdict is known when the comparison holds for every such count, or for none.
 */
function rows(result: RowsResult, operator: CountOperator, expected: number): Verdict {
  const read = result.rows.length;
  const wanted = `rows ${operator} ${expected}`;
  if (!result.truncated) {
    return holds(operator, read, expected)
      ? { passed: true, message: `The statement returned ${plural(read, 'row')} (expected ${wanted}).` }
      : { passed: false, message: `The statement returned ${plural(read, 'row')}; expected ${wanted}.` };
  }
  // The true count is at least `least`, with no upper bound.
  const least = read + 1;
  const always = operator === '>' || operator === '>=' ? holds(operator, least, expected) : operator === '!=' && expected < least;
  const never = operator === '<' || operator === '<=' ? !holds(operator, least, expected) : operator === '=' && expected < least;
  if (always) return { passed: true, message: `The statement returned more than ${plural(read, 'row')} (the row limit; expected ${wanted}).` };
  if (never) return { passed: false, message: `The statement returned more than ${plural(read, 'row')} (the row limit was reached); expected ${wanted}.` };
  return {
    passed: false,
    message: `The row limit of ${plural(read, 'row')} was reached before the count was known (expected ${wanted}): raise it with @limit.`,
  };
}

function denied(result: CapturedResult): Verdict {
  if (result.status === 'failed') {
    if (isPlatformError(result.error) && result.error.kind === 'permission') return { passed: true, message: `The platform refused the statement: ${result.error.message}` };
    return { passed: false, message: `The statement failed, but not for lack of a privilege: ${result.error.message}` };
  }
  const count = result.truncated ? `more than ${plural(result.rows.length, 'row')}` : plural(result.rows.length, 'row');
  return { passed: false, message: `The statement returned ${count}; expected the platform to refuse it.` };
}

/** The column a check names: exactly, else the one that matches without regard to case. */
function column(result: RowsResult, name: string): ColumnValues | string {
  let index = result.columns.indexOf(name);
  if (index < 0) {
    const lower = name.toLowerCase();
    const candidates = result.columns.flatMap((column, at) => (column.toLowerCase() === lower ? [at] : []));
    if (candidates.length > 1) return `Column "${name}" matches several columns but for case (${candidates.map((at) => `"${result.columns[at]}"`).join(', ')}): write it exactly.`;
    index = candidates[0] ?? -1;
  }
  if (index < 0) {
    const existing = result.columns.length === 0 ? 'none' : result.columns.map((column) => `"${column}"`).join(', ');
    return `The result has no column "${name}". Its columns: ${existing}.`;
  }
  return { label: `"${result.columns[index]}"`, values: result.rows.map((row) => row[index] ?? null), truncated: result.truncated };
}

interface Comparable {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
  readonly truncated: boolean;
}

/** `same as`, `different from` and `snapshot`: the same columns, in order, and the same rows, as a multiset. */
function compare(own: CapturedResult, other: CapturedResult | Comparable | undefined, otherName: string, wantSame: boolean, missing: string): Verdict {
  if (other === undefined) return { passed: false, message: missing };
  if (own.status === 'failed') return { passed: false, message: failedMessage(own) };
  if ('status' in other && other.status === 'failed') return { passed: false, message: `${failedMessage(other, otherName)} (nothing to compare with).` };
  const theirs = other as Comparable;
  const expected = resultTable(theirs.columns, theirs.rows);
  const actual = resultTable(own.columns, own.rows);
  const sameColumns = theirs.columns.length === own.columns.length && theirs.columns.every((name, at) => own.columns[at] === name);
  if (!sameColumns) {
    const message = `The columns differ from ${otherName}'s: ${own.columns.join(', ') || 'none'} here, ${theirs.columns.join(', ') || 'none'} there.`;
    return wantSame ? { passed: false, message, expected, actual } : { passed: true, message };
  }
  if (own.truncated || theirs.truncated) {
    return { passed: false, message: `The row limit was reached ${own.truncated ? 'here' : `as ${otherName}`}, so the rows cannot be compared in full: raise it with @limit.` };
  }
  const { onlyA, onlyB } = rowDifference(own.rows, theirs.rows);
  if (onlyA === 0 && onlyB === 0) {
    const message = `The same ${plural(own.rows.length, 'row')} as ${otherName}.`;
    return wantSame ? { passed: true, message } : { passed: false, message: `${message.slice(0, -1)}; expected them to differ.`, expected, actual };
  }
  const message = `The rows differ from ${otherName}'s: ${plural(onlyA, 'row')} only here, ${plural(onlyB, 'row')} only there.`;
  return wantSame ? { passed: false, message, expected, actual } : { passed: true, message };
}

function judge(expectation: Expectation, result: CapturedResult, context: EvaluationContext): Verdict {
  if (expectation.kind === 'denied') return denied(result);
  if (expectation.kind === 'same-as' || expectation.kind === 'different-from') {
    const name = expectation.identity;
    return compare(result, context.resultAs(name), name, expectation.kind === 'same-as', `The statement was not run as ${name}, so there is nothing to compare with: add ${name} to @as.`);
  }
  if (expectation.kind === 'snapshot') {
    const snapshot = context.snapshot === undefined ? undefined : { ...context.snapshot, truncated: false };
    return compare(result, snapshot, 'the snapshot', true, 'No snapshot is stored for this check yet: run Update Snapshots (or `check --update-snapshots`).');
  }
  if (result.status === 'failed') return { passed: false, message: failedMessage(result) };
  if (expectation.kind === 'rows') return rows(result, expectation.operator, expectation.count);
  const values = column(result, expectation.column);
  if (typeof values === 'string') return { passed: false, message: values };
  switch (expectation.kind) {
    case 'values-in':
      return valuesIn(values, expectation.values, expectation.negated);
    case 'values-match':
      return valuesMatch(values, expectation.pattern);
    case 'masked':
      return masked(values, expectation.form);
    case 'clear':
      return clear(values);
  }
}

/** One outcome per expectation of `check`, in order, for the case run as `identity`. */
export function evaluateExpectations(check: CheckDefinition, identity: string, result: CapturedResult, context: EvaluationContext): ExpectationOutcome[] {
  void identity; // The case's own identity: every expectation so far is judged from its result alone.
  return check.expectations.map((expectation) => {
    const verdict = judge(expectation, result, context);
    return {
      expectation,
      passed: verdict.passed,
      message: verdict.message,
      ...(verdict.expected === undefined ? {} : { expected: verdict.expected }),
      ...(verdict.actual === undefined ? {} : { actual: verdict.actual }),
    };
  });
}
