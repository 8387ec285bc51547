/**
 * Expectations about one column's values: `in`, `not in`, `matches`, `masked` and `clear`.
 * Values are judged as the platform returned them (string, number, boolean or NULL).
 *
 * When the row limit was reached, a value found wrong is still a failure, but a pass cannot be
 * told from the rows read (the next row might break it): the verdict then says so and fails.
 */
import { isHexDigest } from '../compare/value-form';
import type { CellValue } from '../platforms/types';
import { fullMatchRegExp } from './expectation-syntax';
import { displayValue, plural } from './result-table';
import type { MaskForm } from './types';

export interface Verdict {
  readonly passed: boolean;
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
}

/** A column's values as the expectations read them. */
export interface ColumnValues {
  /** The column as the result names it, quoted for messages. */
  readonly label: string;
  readonly values: readonly CellValue[];
  /** The row limit was reached: `values` are the first `values.length` only. */
  readonly truncated: boolean;
}

const LISTED = 10;

/** `***-**-6789`, `XXXX`, `####`, `•••`, `REDACTED`: how redaction masks look. `X` only in capitals: `xxx` occurs in words. */
const REDACTION_RUN = /[*X#•]{3,}/;
const REDACTION_WORD = /^(?:redacted|masked|hidden|\*+)$/i;

export function isRedacted(value: CellValue): boolean {
  return typeof value === 'string' && (REDACTION_RUN.test(value) || REDACTION_WORD.test(value.trim()));
}

function isDigest(value: CellValue): boolean {
  return typeof value === 'string' && isHexDigest(value);
}

function numeric(value: CellValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * Whether a literal written in a check matches a cell: NULL only NULL; numbers numerically (also
 * against numeric text, as decimals arrive: '12.50' = 12.5); booleans against booleans or their
 * text; strings exactly.
 */
export function literalMatches(literal: CellValue, cell: CellValue): boolean {
  if (literal === null || cell === null) return literal === cell;
  if (typeof literal === 'number' || typeof cell === 'number') {
    const a = numeric(literal);
    const b = numeric(cell);
    return a !== undefined && b !== undefined && a === b;
  }
  if (typeof literal === 'boolean') return typeof cell === 'boolean' ? cell === literal : cell.toLowerCase() === String(literal);
  if (typeof cell === 'boolean') return false;
  return literal === cell;
}

/** Distinct values with how many rows hold each, in display order. */
function distinct(values: readonly CellValue[]): { value: CellValue; text: string; count: number }[] {
  const byKey = new Map<string, { value: CellValue; text: string; count: number }>();
  for (const value of values) {
    const key = JSON.stringify(value);
    const entry = byKey.get(key);
    if (entry) entry.count++;
    else byKey.set(key, { value, text: displayValue(value), count: 1 });
  }
  return [...byKey.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/** "'US' (12 rows), NULL (1 row)", at most ten, then how many more. */
function listOffenders(values: readonly CellValue[]): string {
  const entries = distinct(values);
  const listed = entries.slice(0, LISTED).map((entry) => `${entry.text} (${plural(entry.count, 'row')})`);
  if (entries.length > LISTED) listed.push(`and ${entries.length - LISTED} more`);
  return listed.join(', ');
}

function valueLines(values: readonly CellValue[]): string {
  return distinct(values)
    .map((entry) => entry.text)
    .join('\n');
}

function limitReached(column: ColumnValues, judged: string): Verdict {
  return {
    passed: false,
    message:
      `${judged} in the first ${plural(column.values.length, 'row')}, but the row limit was reached, so the rows after it were not judged: ` +
      'raise the limit with @limit, or narrow the statement (e.g. SELECT DISTINCT).',
  };
}

/** A pass on the rows read, or the limit note when more rows came. */
function passUnlessTruncated(column: ColumnValues, message: string, judged: string): Verdict {
  return column.truncated ? limitReached(column, judged) : { passed: true, message };
}

export function valuesIn(column: ColumnValues, literals: readonly CellValue[], negated: boolean): Verdict {
  const allowed = (cell: CellValue) => literals.some((literal) => literalMatches(literal, cell)) !== negated;
  const offending = column.values.filter((cell) => !allowed(cell));
  const list = `(${literals.map(displayValue).join(', ')})`;
  const what = negated ? `not in ${list}` : `in ${list}`;
  if (offending.length > 0) {
    return {
      passed: false,
      message: `${plural(offending.length, 'value')} of ${column.label} ${offending.length === 1 ? 'is' : 'are'} not ${negated ? 'outside' : 'in'} ${list}: ${listOffenders(offending)}.`,
      // `in`: the allowed set against what came; `not in`: what came without the forbidden values against what came.
      expected: negated ? valueLines(column.values.filter(allowed)) : valueLines(literals),
      actual: valueLines(column.values),
    };
  }
  return passUnlessTruncated(column, `Every value of ${column.label} is ${what} (${plural(column.values.length, 'row')}).`, `Every value of ${column.label} is ${what}`);
}

export function valuesMatch(column: ColumnValues, pattern: string): Verdict {
  const regex = fullMatchRegExp(pattern);
  const matches = (cell: CellValue) => cell !== null && regex.test(String(cell));
  const offending = column.values.filter((cell) => !matches(cell));
  if (offending.length > 0) {
    return {
      passed: false,
      message: `${plural(offending.length, 'value')} of ${column.label} ${offending.length === 1 ? 'does' : 'do'} not match '${pattern}': ${listOffenders(offending)}.`,
      expected: valueLines(column.values.filter(matches)),
      actual: valueLines(column.values),
    };
  }
  return passUnlessTruncated(column, `Every value of ${column.label} matches '${pattern}'.`, `Every value of ${column.label} matches`);
}

function noRows(column: ColumnValues, what: string): Verdict {
  return { passed: false, message: `The statement returned no rows: no rows to judge whether ${column.label} is ${what}.` };
}

function allSame(values: readonly CellValue[]): boolean {
  const first = JSON.stringify(values[0]);
  return values.every((value) => JSON.stringify(value) === first);
}

function notMasked(column: ColumnValues, offending: readonly CellValue[], how: string): Verdict {
  return {
    passed: false,
    message: `${plural(offending.length, 'value')} of ${column.label} ${offending.length === 1 ? 'is' : 'are'} not ${how}: ${listOffenders(offending)}.`,
    actual: valueLines(column.values),
  };
}

/** `masked` without a form: NULL, one constant, hex digests or redaction marks, whichever the policy uses. */
function maskedAnyForm(column: ColumnValues): Verdict {
  const present = column.values.filter((value) => value !== null);
  const pass = (how: string) => passUnlessTruncated(column, `${column.label} is masked: ${how}.`, `${column.label} is masked (${how})`);
  if (present.length === 0) return pass('every value is NULL');
  if (present.every(isRedacted)) return pass(`every value is redacted, e.g. ${displayValue(present[0])}`);
  if (present.every(isDigest)) return pass('every value is a hash');
  if (present.every((value) => isRedacted(value) || isDigest(value))) return pass('every value is redacted or hashed');
  if (present.length >= 2 && allSame(present)) return pass(`every value is the same constant ${displayValue(present[0])}`);
  const clear = present.filter((value) => !isRedacted(value) && !isDigest(value));
  const verdict = notMasked(column, clear, 'masked (NULL, one constant, a hash or redacted)');
  if (present.length === 1) return { ...verdict, message: `${verdict.message} One value alone cannot show a constant mask.` };
  return verdict;
}

function maskedAs(column: ColumnValues, form: MaskForm): Verdict {
  const present = column.values.filter((value) => value !== null);
  if (form.kind === 'null') {
    if (present.length > 0) return notMasked(column, present, 'NULL');
    return passUnlessTruncated(column, `${column.label} is masked as NULL.`, `${column.label} is NULL`);
  }
  if (present.length === 0) return { passed: false, message: `Every value of ${column.label} is NULL, not masked as ${form.kind === 'pattern' ? `'${form.pattern}'` : form.kind}.` };
  switch (form.kind) {
    case 'hash': {
      const offending = present.filter((value) => !isDigest(value));
      if (offending.length > 0) return notMasked(column, offending, 'a hash (hex digest)');
      return passUnlessTruncated(column, `${column.label} is masked as a hash.`, `${column.label} is hashed`);
    }
    case 'pattern': {
      const regex = fullMatchRegExp(form.pattern);
      const offending = present.filter((value) => !regex.test(String(value)));
      if (offending.length > 0) return notMasked(column, offending, `masked as '${form.pattern}'`);
      return passUnlessTruncated(column, `${column.label} is masked as '${form.pattern}'.`, `${column.label} matches '${form.pattern}'`);
    }
    case 'constant': {
      const wanted = form.value;
      if (wanted !== undefined) {
        const offending = present.filter((value) => !literalMatches(wanted, value));
        if (offending.length > 0) return notMasked(column, offending, `the constant ${displayValue(wanted)}`);
      } else if (!allSame(present)) {
        return { passed: false, message: `${column.label} is not one constant: ${listOffenders(present)}.`, actual: valueLines(column.values) };
      } else if (present.length < 2) {
        return { passed: false, message: `Only one value of ${column.label} came (${displayValue(present[0])}): one value alone cannot show a constant mask.` };
      }
      const constant = displayValue(wanted ?? present[0]);
      return passUnlessTruncated(column, `${column.label} is masked as the constant ${constant}.`, `${column.label} is the constant ${constant}`);
    }
  }
}

export function masked(column: ColumnValues, form: MaskForm | undefined): Verdict {
  if (column.values.length === 0) return noRows(column, 'masked');
  return form === undefined ? maskedAnyForm(column) : maskedAs(column, form);
}

export function clear(column: ColumnValues): Verdict {
  if (column.values.length === 0) return noRows(column, 'in the clear');
  const present = column.values.filter((value) => value !== null);
  if (present.length === 0) return { passed: false, message: `Every value of ${column.label} is NULL: nothing is shown in the clear.`, actual: valueLines(column.values) };
  const hidden = present.filter((value) => isRedacted(value) || isDigest(value));
  if (hidden.length > 0) {
    return {
      passed: false,
      message: `${plural(hidden.length, 'value')} of ${column.label} ${hidden.length === 1 ? 'looks' : 'look'} masked (redacted or hashed): ${listOffenders(hidden)}.`,
      actual: valueLines(column.values),
    };
  }
  if (present.length >= 2 && allSame(present)) {
    return { passed: false, message: `Every value of ${column.label} is the same ${displayValue(present[0])}: that looks like a constant mask, not values in the clear.` };
  }
  return passUnlessTruncated(column, `${column.label} is in the clear (${plural(present.length, 'value')}).`, `${column.label} is in the clear`);
}
