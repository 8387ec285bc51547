/** RFC 4180 CSV text, safe to open in a spreadsheet. */

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /**
   * Neutralise spreadsheet formula injection (OWASP "CSV injection"): a text field starting with
   * `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows it as text instead
   * of evaluating it. Plain numeric literals such as `-12.5` are left alone: they cannot call
   * anything, and quoting them would turn numbers into text. Default: on.
   */
  readonly formulaGuard?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NUMERIC_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: null and undefined become empty; quoted when it holds a comma, a quote, CR or LF. */
export function csvField(value: CsvValue, options: CsvOptions = {}): string {
  if (value === null || value === undefined) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && (options.formulaGuard ?? true) && FORMULA_START.test(text) && !NUMERIC_LITERAL.test(text)) {
    text = `'${text}`;
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, without its line ending. */
export function csvRow(values: readonly CsvValue[], options: CsvOptions = {}): string {
  return values.map((value) => csvField(value, options)).join(',');
}

/** A whole document: every record ends in CRLF, as RFC 4180 asks. */
export function csvDocument(rows: readonly (readonly CsvValue[])[], options: CsvOptions = {}): string {
  return rows.map((row) => `${csvRow(row, options)}\r\n`).join('');
}
