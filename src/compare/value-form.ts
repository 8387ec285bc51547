import type { CellValue } from '../platforms/types';

/**
 * The form a column's values take for one identity where identities disagree: shown as they are
 * (`clear`), masked (`***-**-1234`, `XXXX`, `REDACTED`), replaced by NULL, replaced by a hash, or
 * one constant for every row. Policies show up as these forms; the comparison names them.
 */
export type ValueForm = 'clear' | 'masked' | 'null' | 'hashed' | 'constant';

const MASK_RUN = /[*X#•]{3,}|^(?:redacted|masked|hidden|\*+)$/i;
const DIGEST = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** Whether a text is a hex digest of a common length (MD5, SHA-1, SHA-256): how hashing masks look. */
export function isHexDigest(value: string): boolean {
  return DIGEST.test(value);
}

function formOf(value: CellValue): Exclude<ValueForm, 'constant'> {
  if (value === null) return 'null';
  if (typeof value !== 'string') return 'clear';
  if (MASK_RUN.test(value)) return 'masked';
  if (isHexDigest(value)) return 'hashed';
  return 'clear';
}

/** The form most of `values` take (values of one identity in the rows where identities differ). */
export function classifyForm(values: readonly CellValue[]): ValueForm {
  const counts = new Map<ValueForm, number>();
  for (const value of values) {
    const form = formOf(value);
    counts.set(form, (counts.get(form) ?? 0) + 1);
  }
  let best: ValueForm = 'clear';
  let bestCount = -1;
  for (const [form, count] of counts) {
    if (count > bestCount) {
      best = form;
      bestCount = count;
    }
  }
  if (best === 'clear' && values.length >= 2) {
    const first = JSON.stringify(values[0]);
    if (values.every((value) => JSON.stringify(value) === first)) return 'constant';
  }
  return best;
}

const HIDING: ReadonlySet<ValueForm> = new Set(['masked', 'null', 'hashed', 'constant']);

/**
 * How one identity's form reads beside the others' (`forms`, one per side): "masked" where it
 * hides what another side sees in the clear, "in the clear" where another side's is hidden,
 * "differs" where all are in the clear but disagree; undefined where there is nothing to say.
 */
export function describeForms(form: ValueForm, forms: readonly (ValueForm | undefined)[], sideIndex: number): string | undefined {
  const others = forms.filter((other, index) => index !== sideIndex && other !== undefined) as ValueForm[];
  if (others.length === 0) return undefined;
  if (HIDING.has(form)) {
    if (others.every((other) => other === form)) return undefined;
    return form === 'null' ? 'hidden as NULL' : form === 'constant' ? 'replaced by one value' : form;
  }
  if (others.some((other) => HIDING.has(other))) return 'in the clear';
  return 'differs';
}
