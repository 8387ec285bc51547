/**
 * The statements the Trino lab answers itself instead of handing to PostgreSQL: the ones that
 * touch Trino's client-side session (SET/RESET/SHOW SESSION, USE), `SELECT current_user` (the
 * session user, which native impersonation changes), and transactions (trino-client cannot
 * carry a transaction id, so the lab refuses them as a Trino without them would).
 *
 * Written independently of the adapter's own statement reader, so that a mistake in one is
 * not mirrored by the other.
 */
export type LabLiteral = { readonly type: 'varchar'; readonly value: string } | { readonly type: 'integer'; readonly value: number } | { readonly type: 'boolean'; readonly value: boolean };

export type LabCommand =
  | { readonly kind: 'set-session'; readonly name: string; readonly value: LabLiteral | undefined; readonly valueText: string }
  | { readonly kind: 'reset-session'; readonly name: string }
  | { readonly kind: 'show-session'; readonly like: RegExp | undefined }
  | { readonly kind: 'use'; readonly catalog: string | undefined; readonly schema: string }
  | { readonly kind: 'current-user' }
  | { readonly kind: 'unsupported'; readonly what: string }
  /** `EXECUTE IMMEDIATE '<statement>' [USING <literal>, …]`: the statement's `?` take the values in order. */
  | { readonly kind: 'execute-immediate'; readonly statement: string; readonly values: readonly (string | null)[] }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'postgres' };

const NAME_PART = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")`;
const QUALIFIED = String.raw`(${NAME_PART}(?:\s*\.\s*${NAME_PART})*)`;
const STRING = String.raw`'((?:[^']|'')*)'`;

const SET_SESSION = new RegExp(String.raw`^SET\s+SESSION\s+${QUALIFIED}\s*=\s*([\s\S]*?)$`, 'i');
const RESET_SESSION = new RegExp(String.raw`^RESET\s+SESSION\s+${QUALIFIED}$`, 'i');
const SHOW_SESSION = new RegExp(String.raw`^SHOW\s+SESSION(?:\s+LIKE\s+${STRING}(?:\s+ESCAPE\s+${STRING})?)?$`, 'i');
const USE = new RegExp(String.raw`^USE\s+${QUALIFIED}$`, 'i');

/** Leading comments and whitespace, and a trailing `;` with whitespace, removed. */
export function bareStatement(sql: string): string {
  let text = sql;
  for (;;) {
    const trimmed = text.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      text = end < 0 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      text = end < 0 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed.replace(/\s*;?\s*$/, '');
    }
  }
}

function nameParts(qualified: string): string[] {
  return (qualified.match(new RegExp(NAME_PART, 'g')) ?? []).map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part).toLowerCase());
}

function literal(text: string): LabLiteral | undefined {
  const string = new RegExp(`^${STRING}$`).exec(text);
  if (string) return { type: 'varchar', value: string[1].replace(/''/g, "'") };
  if (/^-?\d+$/.test(text)) return { type: 'integer', value: Number(text) };
  if (/^(true|false)$/i.test(text)) return { type: 'boolean', value: text.toLowerCase() === 'true' };
  return undefined;
}

/** SQL LIKE (with an optional escape character) as a whole-string regular expression. */
export function likePattern(pattern: string, escape: string | undefined): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escape !== undefined && c === escape && i + 1 < pattern.length) {
      source += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') {
      source += '[\\s\\S]*';
    } else if (c === '_') {
      source += '[\\s\\S]';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

const EXECUTE_IMMEDIATE = new RegExp(String.raw`^EXECUTE\s+IMMEDIATE\s+${STRING}(?:\s+USING\s+([\s\S]+))?$`, 'i');
const USING_ITEM = new RegExp(String.raw`^\s*(?:${STRING}|(NULL)|(-?\d+))\s*(,|$)`, 'i');

/** The USING list: string literals, NULL and integers (as text, as Trino would cast them), comma-separated. */
function usingValues(list: string): (string | null)[] | undefined {
  const values: (string | null)[] = [];
  let rest = list;
  while (rest.length > 0) {
    const item = USING_ITEM.exec(rest);
    if (!item) return undefined;
    values.push(item[1] !== undefined ? item[1].replace(/''/g, "'") : item[2] !== undefined ? null : item[3]);
    rest = rest.slice(item[0].length);
    if (item[4] === '' && rest.length > 0) return undefined;
    if (item[4] === ',' && rest.trim() === '') return undefined;
  }
  return values;
}

export function readLabCommand(sql: string): LabCommand {
  const text = bareStatement(sql);
  const immediate = EXECUTE_IMMEDIATE.exec(text);
  if (immediate) {
    const values = immediate[2] === undefined ? [] : usingValues(immediate[2]);
    if (values === undefined) return { kind: 'invalid', message: `The lab takes only literals and NULL in USING: ${immediate[2]}` };
    return { kind: 'execute-immediate', statement: immediate[1].replace(/''/g, "'"), values };
  }
  let match = SET_SESSION.exec(text);
  if (match && !/^AUTHORIZATION\b/i.test(match[1])) {
    return { kind: 'set-session', name: nameParts(match[1]).join('.'), value: literal(match[2].trim()), valueText: match[2].trim() };
  }
  if (/^(SET|RESET)\s+SESSION\s+AUTHORIZATION\b/i.test(text)) {
    return { kind: 'unsupported', what: 'SET SESSION AUTHORIZATION' };
  }
  match = RESET_SESSION.exec(text);
  if (match) {
    return { kind: 'reset-session', name: nameParts(match[1]).join('.') };
  }
  match = SHOW_SESSION.exec(text);
  if (match) {
    const pattern = match[1]?.replace(/''/g, "'");
    const escape = match[2]?.replace(/''/g, "'");
    return { kind: 'show-session', like: pattern === undefined ? undefined : likePattern(pattern, escape) };
  }
  match = USE.exec(text);
  if (match) {
    const parts = nameParts(match[1]);
    if (parts.length === 1) return { kind: 'use', catalog: undefined, schema: parts[0] };
    if (parts.length === 2) return { kind: 'use', catalog: parts[0], schema: parts[1] };
  }
  if (/^SELECT\s+current_user$/i.test(text)) {
    return { kind: 'current-user' };
  }
  if (/^(START\s+TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT)\b/i.test(text)) {
    return { kind: 'unsupported', what: 'Transactions' };
  }
  return { kind: 'postgres' };
}
