/**
 * Named parameters on Trino. The client protocol has no bind of its own: Trino's documented way
 * is a prepared statement, here `EXECUTE IMMEDIATE '<statement with ?>' USING <value>, …`
 * (Trino 418+). Trino parses the statement and the USING list apart and binds each value to
 * its `?`, so a value is never read as SQL; it travels as a string literal (quotes doubled,
 * every other character as it is: Trino strings have no backslash escapes) or NULL.
 */
import { isPlatformError, PlatformError } from '../errors';
import { hasParameters, markParameters, withoutPosition } from '../parameter-markers';
import type { StatementParameters } from '../types';
import { quoteStringLiteral } from './dialect';

/** A value as a Trino literal: varchar, or NULL. */
export function parameterLiteral(value: string | null): string {
  return value === null ? 'NULL' : quoteStringLiteral(value);
}

/**
 * The statement to send: the original when it has no parameters, else `EXECUTE IMMEDIATE`
 * with one `?` per use and the values in use order (a name used twice is sent twice).
 */
export function executeImmediate(sql: string, parameters: StatementParameters | undefined): string {
  if (!hasParameters(parameters)) {
    return sql;
  }
  const marked = markParameters(sql, parameters, () => '?');
  // A trailing `;` inside the prepared text would be a syntax error in Trino.
  const statement = marked.text.replace(/[\s;]+$/, '');
  const values = marked.useNames.map((name) => parameterLiteral(parameters.values[name] ?? null));
  return `EXECUTE IMMEDIATE ${quoteStringLiteral(statement)} USING ${values.join(', ')}`;
}

/** Trino before 418: its parser stops at the word IMMEDIATE (EXECUTE expects a statement name). */
const NO_EXECUTE_IMMEDIATE = /mismatched input 'IMMEDIATE'/i;

/**
 * A failure of a statement sent as EXECUTE IMMEDIATE, as the user should read it: a server too
 * old for it is told plainly (nothing ran), and a place Trino gives inside the wrapper is
 * dropped, as it is no place in the user's text.
 */
export function executeImmediateFailure(error: unknown): unknown {
  if (isPlatformError(error) && NO_EXECUTE_IMMEDIATE.test(error.serverMessage ?? error.message)) {
    return new PlatformError(
      'configuration',
      'Nothing was run: this Trino server has no EXECUTE IMMEDIATE (Trino 418 or later), which is how parameters are bound on Trino. Remove the parameters, or run on a newer server.',
      { serverMessage: error.serverMessage, code: error.code, cause: error },
    );
  }
  return withoutPosition(error);
}
