/**
 * Parameter values as they may be kept outside the user's editor (the results stamp, run
 * history, exports): the value of a parameter whose name says it is a secret (`:password`,
 * `${api_key}`, `:refreshToken`) is replaced by `***`, as secret literals are (secrets.ts).
 * Over-cautious on purpose: `:customer_key` is redacted too, since a name cannot tell.
 */
import { REDACTED } from './secrets';

/** Words of a name (split at `_`, `-`, `.`, digits and camelCase humps) that make its value secret. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'token',
  'key',
  'apikey',
  'credential',
  'credentials',
  'pat',
  'sas',
]);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 0);
}

/** Whether the value of a parameter of this name must not be kept in the clear. */
export function isSecretParameterName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.includes('password') || lower.includes('secret') || lower.includes('token')) return true;
  return words(name).some((word) => SECRET_WORDS.has(word));
}

/** The values, with every secret one (not NULL) replaced by `***`. */
export function redactParameterValues(values: Readonly<Record<string, string | null>>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = value !== null && isSecretParameterName(name) ? REDACTED : value;
  }
  return out;
}
