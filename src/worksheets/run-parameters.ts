/**
 * The values of a run's named parameters, gathered before anything is sent: each distinct name
 * of every statement in the run is asked for once, in the order it first appears, and a run the
 * user cancels at any prompt sends nothing. How to ask is the caller's (an input box in the
 * editor, a check file's `-- @param` lines on the command line).
 */
import type { StatementParameters } from '../platforms/types';
import type { SqlDialectId } from '../sql/dialects';
import { findParameters, parameterNames } from '../sql/parameters';

/**
 * What a user types for SQL NULL: `\N`, as psql and PostgreSQL's COPY write NULL in text. An
 * empty entry is the empty string, and anything else is sent as the text it is.
 */
export const NULL_ENTRY = '\\N';

/** The value an entry stands for. */
export function valueOfEntry(entry: string): string | null {
  return entry === NULL_ENTRY ? null : entry;
}

/** The entry that stands for a value (to offer a remembered one again). */
export function entryOfValue(value: string | null): string {
  return value === null ? NULL_ENTRY : value;
}

/** Asks for one name's value: undefined = the user cancelled the run. */
export type AskParameter = (name: string) => Promise<string | null | undefined>;

/** The statements' parameters (undefined where a statement has none), or undefined when a prompt was cancelled. */
export async function gatherParameters(
  texts: readonly string[],
  dialect: SqlDialectId,
  ask: AskParameter,
): Promise<(StatementParameters | undefined)[] | undefined> {
  const given = new Map<string, string | null>();
  const found = texts.map((text) => findParameters(text, dialect));
  for (const uses of found) {
    for (const name of parameterNames(uses)) {
      if (given.has(name)) continue;
      const value = await ask(name);
      if (value === undefined) return undefined;
      given.set(name, value);
    }
  }
  return found.map((uses) => {
    if (uses.length === 0) return undefined;
    const values: Record<string, string | null> = {};
    for (const name of parameterNames(uses)) values[name] = given.get(name) ?? null;
    return { uses, values };
  });
}
