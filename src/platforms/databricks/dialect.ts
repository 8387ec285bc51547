import { commonUserNameProblem } from '../user-names';
import { codeBefore, parseImpersonationTemplate, renderSetStatement, type ImpersonationRendering, type ParsedTemplate, type Placeholder } from '../impersonation-template';
import { codeTokens, holdsSeveralStatements, isSemicolon, withEmbedding } from '../embedded-impersonation';
import { stripLeadingComments } from '../sql-text';
import type { SqlToken } from '../../sql/tokens';
import { impersonationUnavailable } from '../profile';
import type { ConnectionProfile, DatabricksProfile, ImpersonationTemplates, StatementEffect } from '../types';

/**
 * Databricks Spark impersonation as this extension does it by default. Immuta's public page
 * does not show the statements, so the key below is our best guess (UNCONFIRMED) and every
 * statement can be replaced by the profile's `impersonation` templates:
 *
 *   SET immuta.impersonate.user = `bob@example.com`   -- start (value back-quoted, see below)
 *   RESET immuta.impersonate.user                      -- end (the key is gone, not set to '')
 *   SET immuta.impersonate.user                        -- read back: one row (key, value)
 *
 * Spark's `SET key=value` takes the raw text after `=` up to the first `;` as the value, quotes
 * included, so a raw value cannot carry `;` and `'bob'` would keep its quotes. The back-quoted
 * form (`SET key = \`value\``, a back-quote written twice) carries any character: Spark strips the
 * back-quotes and un-doubles the inner ones. That is how `{user}` is rendered there, and
 * `'{user}'` too: in SET the quotes would become part of the value, which nobody means.
 */
export const DEFAULT_IMPERSONATION_KEY = 'immuta.impersonate.user';

/** What Spark answers for `SET key` when the key is not set. */
export const UNDEFINED_VALUE = '<undefined>';

export const UNITY_CATALOG_UNSUPPORTED = impersonationUnavailable({ platform: 'databricks', unityCatalog: true } as DatabricksProfile) as string;

const MAX_USER_LENGTH = 1024;

export function impersonationUnsupported(profile: ConnectionProfile): string | undefined {
  return impersonationUnavailable(profile);
}

export function validateUserName(user: string): string | undefined {
  const common = commonUserNameProblem(user, MAX_USER_LENGTH);
  if (common !== undefined) return common;
  if (user.includes('${')) {
    // Spark substitutes ${...} anywhere in a statement's text before parsing it, quotes or not.
    return 'The user name contains "${", which Databricks would replace with a variable\u2019s value before Immuta saw the name.';
  }
  if (user === UNDEFINED_VALUE) {
    return `"${UNDEFINED_VALUE}" is what Databricks reports for an unset key, so it cannot be told apart from no impersonation.`;
  }
  return undefined;
}

/** A Spark back-quoted config value: `value`, back-quotes doubled. */
export function backQuote(value: string): string {
  return `\`${value.replace(/`/g, '``')}\``;
}

/** A Spark string literal: backslash is Spark's escape character, so both it and ' are escaped. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The code before a placeholder that is the whole value of `SET key = …`, and what may follow it. */
const SET_KEY_BEFORE = /^\s*SET\s+([A-Za-z_\d\\.:]+)\s*=\s*$/i;
const SET_VALUE_AFTER = /^\s*;?\s*$/;

/**
 * The key when `placeholder` is the whole value of `SET key = {user}` (or `'{user}'`). Comments
 * may come before it; nothing but `;` after, since Spark reads a raw value to the end.
 */
function setKeyAt(template: ParsedTemplate, placeholder: Placeholder): string | undefined {
  if (!SET_VALUE_AFTER.test(template.text.slice(placeholder.end))) return undefined;
  return SET_KEY_BEFORE.exec(codeBefore(template, placeholder))?.[1];
}

/**
 * In `SET key = {user}` the name becomes a back-quoted config value; anywhere else (a function
 * argument, say) a Spark string literal. Never raw.
 */
export const IMPERSONATION_RENDERING: ImpersonationRendering = {
  dialect: 'spark',
  output: { kind: 'quoted', quote: (user, placeholder, template) => (setKeyAt(template, placeholder) !== undefined ? backQuote(user) : stringLiteral(user)) },
};

/** Renders a set template; throws a configuration PlatformError for one the renderer refuses. */
export function renderSet(template: string, user: string): string {
  return renderSetStatement(template, user, IMPERSONATION_RENDERING).text;
}

/** The statements a profile impersonates with, its templates over the defaults. */
export interface ImpersonationStatements {
  readonly key: string | undefined;
  readonly set: string;
  readonly clear: string;
  readonly readBack: string;
}

export function statementsFor(templates: ImpersonationTemplates | undefined): ImpersonationStatements {
  const key = keyOf(templates);
  return {
    key,
    set: templates?.set ?? `SET ${DEFAULT_IMPERSONATION_KEY} = {user}`,
    clear: templates?.clear ?? `RESET ${DEFAULT_IMPERSONATION_KEY}`,
    readBack: templates?.readBack ?? `SET ${DEFAULT_IMPERSONATION_KEY}`,
  };
}

/** The config key a profile impersonates with, when its set statement is a plain `SET key = {user}`. */
export function keyOf(templates: ImpersonationTemplates | undefined): string | undefined {
  if (templates?.set === undefined) {
    return DEFAULT_IMPERSONATION_KEY;
  }
  const parsed = parseImpersonationTemplate(templates.set, IMPERSONATION_RENDERING.dialect);
  if (!parsed.ok || parsed.template.placeholders.length !== 1) {
    return undefined;
  }
  return setKeyAt(parsed.template, parsed.template.placeholders[0]);
}

/** Un-back-quotes `value` if it is one back-quoted token; undefined if it is not. */
export function parseBackQuoted(text: string): string | undefined {
  const match = /^`((?:[^`]|``)*)`$/.exec(text);
  return match ? match[1].replace(/``/g, '`') : undefined;
}

const SET_WITH_VALUE = /^SET\s+(`(?:[^`]|``)+`|[A-Za-z_\d\\.:]+)\s*=([\s\S]*)$/i;
const RESET = /^RESET(?:\s+(`(?:[^`]|``)+`|[A-Za-z_\d\\.:]+))?\s*;*\s*$/i;

function keyText(written: string): string {
  return parseBackQuoted(written) ?? written;
}

/**
 * How a statement affects impersonation through `key` (config keys are case-sensitive in Spark).
 * The value follows Spark: back-quoted, or the raw text after `=` up to the first `;`, trimmed.
 * SET and RESET are followed only as a statement of their own; inside a compound statement
 * (`BEGIN ... END`), EXECUTE IMMEDIATE or next to other statements they are refused as embedded
 * (see embedded-impersonation.ts), and so is a bare RESET there, which drops the key too.
 */
export function classifyFor(sql: string, key: string | undefined): StatementEffect {
  const text = stripLeadingComments(sql).trim();
  const tokens = codeTokens(text, 'spark');
  const lone = /^(?:SET|RESET)\b/i.test(text) && !holdsSeveralStatements(tokens, text);
  const mentions = (key !== undefined && mentionsKeyAssignment(text, key)) || holdsBareReset(tokens, text);
  return withEmbedding(classifyAlone(text, key), lone, mentions);
}

/** Words after which a statement starts inside a compound statement. */
const STATEMENT_STARTERS = new Set(['BEGIN', 'THEN', 'ELSE', 'DO', 'LOOP', 'REPEAT']);

/** A `RESET` statement with no key (every key back to its default, impersonation included). */
function holdsBareReset(tokens: readonly SqlToken[], text: string): boolean {
  const word = (token: SqlToken | undefined) => (token?.kind === 'word' ? text.slice(token.start, token.end).toUpperCase() : undefined);
  return tokens.some(
    (token, index) =>
      word(token) === 'RESET' &&
      (index === 0 || isSemicolon(text, tokens[index - 1]) || STATEMENT_STARTERS.has(word(tokens[index - 1]) ?? '')) &&
      (index + 1 === tokens.length || isSemicolon(text, tokens[index + 1])),
  );
}

/** What the text does when it is one SET or RESET and nothing else. */
function classifyAlone(text: string, key: string | undefined): StatementEffect {
  const reset = RESET.exec(text);
  if (reset) {
    if (reset[1] === undefined) {
      // RESET alone puts every key back, impersonation included: the worksheet re-applies.
      return { kind: 'session-reset' };
    }
    return key !== undefined && keyText(reset[1]) === key ? { kind: 'stop-impersonating' } : { kind: 'ordinary' };
  }
  const set = SET_WITH_VALUE.exec(text);
  if (set && key !== undefined && keyText(set[1]) === key) {
    const raw = set[2].replace(/;+\s*$/, '').trim();
    const quoted = parseBackQuoted(raw);
    if (quoted !== undefined) {
      return quoted === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user: quoted };
    }
    if (raw.includes(';') || raw.startsWith('`') || raw.includes('${')) {
      return { kind: 'impersonation-unparsed' };
    }
    return raw === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user: raw };
  }
  if (key !== undefined && mentionsKeyAssignment(text, key)) {
    return { kind: 'impersonation-unparsed' };
  }
  return { kind: 'ordinary' };
}

/** The key set or reset somewhere the forms above do not catch (`SET a=1; SET key=x` in one text, say). */
function mentionsKeyAssignment(text: string, key: string): boolean {
  const escaped = key.replace(/[.\\]/g, (char) => `\\${char}`);
  const name = String.raw`(?<![\w.:])\`?${escaped}\`?(?![\w.:])`;
  return new RegExp(String.raw`\bSET\s+${name}\s*=|\bRESET\s+${name}`, 'i').test(text);
}

export function classifyStatement(sql: string, profile?: ConnectionProfile): StatementEffect {
  const templates = profile?.platform === 'databricks' ? profile.impersonation : undefined;
  return classifyFor(sql, keyOf(templates));
}

/**
 * The impersonated user in a read-back result: a `SET key` answer is (key, value); any other
 * template's answer is read from its first column. Unset reads back as null.
 */
export function readBackValue(columns: readonly string[], row: readonly unknown[] | undefined): string | null {
  if (row === undefined) {
    return null;
  }
  const valueIndex = columns.length === 2 && columns[0].toLowerCase() === 'key' && columns[1].toLowerCase() === 'value' ? 1 : 0;
  const value = row[valueIndex];
  if (value === null || value === undefined || value === '' || value === UNDEFINED_VALUE) {
    return null;
  }
  return String(value);
}
