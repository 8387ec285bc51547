/**
 * The few Spark SQL commands the Databricks lab answers itself, read the way Spark reads them;
 * everything else goes to PostgreSQL unchecked.
 *
 * Spark's SET: `SET key = \`value\`` takes the back-quoted value (a doubled back-quote is one);
 * `SET key=value` takes the raw text after `=` up to the first `;`, trimmed, quotes and all;
 * `SET key` reads one key (`<undefined>` when unset); `SET` lists them. `RESET key` removes one,
 * `RESET` all. Spark also substitutes `${...}` before parsing; the lab refuses such text instead.
 */
export type LabCommand =
  | { readonly kind: 'set'; readonly key: string; readonly value: string }
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'list' }
  | { readonly kind: 'reset'; readonly key: string | undefined }
  | { readonly kind: 'use'; readonly catalog: string | undefined; readonly schema: string | undefined }
  | { readonly kind: 'current-user' }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'postgres' };

const KEY = String.raw`[A-Za-z_\d\\.:]+`;
const QUOTED = String.raw`\`(?:[^\`]|\`\`)*\``;
const IDENT = String.raw`(?:\`(?:[^\`]|\`\`)+\`|[A-Za-z_][A-Za-z0-9_]*)`;

function unquote(text: string): string {
  return text.startsWith('`') ? text.slice(1, -1).replace(/``/g, '`') : text;
}

function withoutComments(sql: string): string {
  let rest = sql.trim();
  for (;;) {
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      rest = end < 0 ? '' : rest.slice(end + 1).trim();
    } else if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/');
      rest = end < 0 ? '' : rest.slice(end + 2).trim();
    } else {
      return rest;
    }
  }
}

export function readLabCommand(sql: string): LabCommand {
  const text = withoutComments(sql);
  if (/^(?:SET|RESET)\b/i.test(text) && text.includes('${')) {
    return { kind: 'invalid', message: 'The lab does not substitute ${...} variables.' };
  }
  const quotedSet = new RegExp(String.raw`^SET\s+(${KEY}|${QUOTED})\s*=\s*(${QUOTED})\s*;*\s*$`, 'i').exec(text);
  if (quotedSet) {
    return { kind: 'set', key: unquote(quotedSet[1]), value: unquote(quotedSet[2]) };
  }
  const rawSet = new RegExp(String.raw`^SET\s+(${KEY})\s*=([^;]*);*\s*$`, 'i').exec(text);
  if (rawSet) {
    return { kind: 'set', key: rawSet[1], value: rawSet[2].trim() };
  }
  if (/^SET\s+\S+\s*=/i.test(text)) {
    return { kind: 'invalid', message: `[INVALID_PROPERTY_VALUE] Invalid value in SET: ${text}` };
  }
  const read = new RegExp(String.raw`^SET\s+(${KEY}|${QUOTED})\s*;*\s*$`, 'i').exec(text);
  if (read && !/^SET\s+-v\b/i.test(text)) {
    return { kind: 'read', key: unquote(read[1]) };
  }
  if (/^SET\s*;*\s*$/i.test(text)) {
    return { kind: 'list' };
  }
  const reset = new RegExp(String.raw`^RESET(?:\s+(${KEY}|${QUOTED}))?\s*;*\s*$`, 'i').exec(text);
  if (reset) {
    return { kind: 'reset', key: reset[1] === undefined ? undefined : unquote(reset[1]) };
  }
  const useCatalog = new RegExp(String.raw`^USE\s+CATALOG\s+(${IDENT})\s*;*\s*$`, 'i').exec(text);
  if (useCatalog) {
    return { kind: 'use', catalog: unquote(useCatalog[1]), schema: undefined };
  }
  const use = new RegExp(String.raw`^USE\s+(?:(?:SCHEMA|DATABASE|NAMESPACE)\s+)?(?:(${IDENT})\.)?(${IDENT})\s*;*\s*$`, 'i').exec(text);
  if (use) {
    return { kind: 'use', catalog: use[1] === undefined ? undefined : unquote(use[1]), schema: unquote(use[2]) };
  }
  if (/^SELECT\s+current_user\s*\(\s*\)\s*;*\s*$/i.test(text)) {
    return { kind: 'current-user' };
  }
  return { kind: 'postgres' };
}
