/**
 * The words for "same result as yourself", shared by the results view's stamp and the export's
 * stamp lines so both say the same thing. Imports neither `vscode` nor the DOM.
 *
 * Identical results as another user are the visible symptom of an impersonation the platform
 * ignored (a wrong variable or property name), so without an effect probe they are a warning.
 * With one, the probe has shown Immuta reads the impersonated user: the same result then only
 * means this statement's data is not restricted differently for the two, and is said softly.
 */
import type { StampView } from './protocol';

export const SAME_RESULT_LABEL = 'same result as yourself';

export interface SameResultWords {
  /** What the stamp shows: always SAME_RESULT_LABEL. */
  readonly label: string;
  /** True unless the effect probe confirmed the impersonation. */
  readonly warn: boolean;
  /** What it means and what to do, as sentences (the stamp's tooltip). */
  readonly explanation: string;
  /** The same, as one lower-case clause for a `#` line of an export. */
  readonly line: string;
}

/** Undefined unless the stamp carries the flag of a run as another user. */
export function sameResultWords(stamp: StampView, time: (epochMs: number) => string): SameResultWords | undefined {
  const same = stamp.sameAsYourself;
  const user = stamp.ranAs;
  if (same === undefined || user === null) return undefined;
  const rows = `${same.rows} ${same.rows === 1 ? 'row' : 'rows'}`;
  const fact = `${user} got the same columns and the same ${rows}, in the same order, as your own run of this statement at ${time(same.at)}`;
  if (stamp.assurance === 'confirmed') {
    const meaning = `the effect probe confirmed that ${user} is impersonated, so this statement's data is simply not restricted differently for ${user} and for you`;
    return { label: SAME_RESULT_LABEL, warn: false, explanation: `${fact}. ${capitalise(meaning)}.`, line: `${fact}; ${meaning}` };
  }
  const advice = 'check that impersonation takes effect on this platform';
  const why = 'a wrong impersonation variable or property name looks exactly like this';
  return { label: SAME_RESULT_LABEL, warn: true, explanation: `${capitalise(advice)}: ${fact}. ${capitalise(why)}.`, line: `${fact}; ${advice} (${why})` };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
