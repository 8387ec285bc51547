/**
 * The one renderer of impersonation statements, shared by every platform. A profile's
 * `impersonation.set` template holds the placeholder `{user}`, written bare (`CALL p({user})`)
 * or as a string literal of its own (`CALL p('{user}')`, T-SQL `N'{user}'`, `$${user}$$`); the
 * platform then binds the user name there (a driver parameter such as `$1` or `@user`, which
 * replaces the quotes too) or quotes it by its dialect's rules. The name is never spliced raw.
 *
 * Where `{user}` stands is read with the SQL lexer, so a `{user}` the server would never see as
 * a value (inside a comment, inside a longer string such as `'x{user}'`, inside a quoted name)
 * is refused with a message saying what to write, never rendered. Pure: no driver, no vscode.
 */
import type { SqlDialectId } from '../sql/dialects';
import { lexSql, type SqlToken } from '../sql/lexer';
import { isIdentifierPart } from '../sql/lexical-rules';
import { PlatformError } from './errors';

export const USER_PLACEHOLDER = '{user}';

/** The templates of a profile's `impersonation` setting; only `set` takes a user name. */
export type ImpersonationSetting = 'set' | 'clear' | 'readBack';

/** One `{user}` of a template, and the text the user name replaces there. */
export interface Placeholder {
  /** From the first character replaced (the placeholder, or a literal's prefix or opening quote) … */
  readonly start: number;
  /** … to just past the last (the placeholder, or the literal's closing quote). */
  readonly end: number;
  /** `{user}` alone, or a whole string literal whose value is `{user}`. */
  readonly written: 'bare' | 'string';
}

export interface ParsedTemplate {
  readonly text: string;
  readonly dialect: SqlDialectId;
  /** In text order, never overlapping; at least one for a set template. */
  readonly placeholders: readonly Placeholder[];
  readonly tokens: readonly SqlToken[];
}

export type TemplateParse = { readonly ok: true; readonly template: ParsedTemplate } | { readonly ok: false; readonly problem: string };

/** How a platform puts the user name where `{user}` stands. */
export type PlaceholderOutput =
  /** The driver binds the name as a parameter written `marker` (pg `$1`, mssql `@user`). */
  | { readonly kind: 'bound'; readonly marker: string }
  /** The dialect quotes the name; the placeholder and the template let it pick the quoting by context. */
  | { readonly kind: 'quoted'; readonly quote: (user: string, placeholder: Placeholder, template: ParsedTemplate) => string };

export interface ImpersonationRendering {
  readonly dialect: SqlDialectId;
  readonly output: PlaceholderOutput;
}

export interface RenderedStatement {
  readonly text: string;
  /** True when `text` holds the bound marker: the caller must bind the user name under it. */
  readonly bindsUser: boolean;
}

const WRITE_IT = `write it bare, ${USER_PLACEHOLDER}, or as a string of its own, '${USER_PLACEHOLDER}'`;

/** String prefixes that keep a literal a plain string: T-SQL's and PostgreSQL's N'…' (E'…' is part of the token). */
const NATIONAL_PREFIX: Readonly<Partial<Record<SqlDialectId, boolean>>> = { tsql: true, postgres: true };

const NOUN: Readonly<Record<SqlToken['kind'], string>> = {
  blank: 'blank',
  'line-break': 'line break',
  semicolon: 'semicolon',
  code: 'code',
  string: 'string',
  'quoted-identifier': 'quoted name',
  'dollar-string': 'dollar-quoted string',
  'line-comment': 'comment',
  'block-comment': 'comment',
};

/** Short enough to read in a message, whole when it is short already. */
function excerpt(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 37)}\u2026`;
}

/** Why a clear or read-back template with `{user}` in it is refused. */
const NO_USER_THERE = `contains ${USER_PLACEHOLDER}, but no user name is filled in there: only impersonation.set takes one.`;

/**
 * Reads where `{user}` stands in a set template. A problem is phrased to follow the template's
 * name: "immutaWorksheets.connections[0].impersonation.set <problem>".
 */
export function parseImpersonationTemplate(text: string, dialect: SqlDialectId): TemplateParse {
  const tokens = lexSql(text, dialect);
  const placeholders: Placeholder[] = [];
  for (const token of tokens) {
    if (!token.closed) {
      return { ok: false, problem: `has a ${NOUN[token.kind]} that is never closed (${excerpt(text.slice(token.start))}).` };
    }
    const tokenText = text.slice(token.start, token.end);
    if (!tokenText.includes(USER_PLACEHOLDER)) continue;
    switch (token.kind) {
      case 'code': {
        const problem = barePlaceholders(text, token, placeholders);
        if (problem !== undefined) return { ok: false, problem };
        break;
      }
      case 'string':
      case 'dollar-string': {
        const found = stringPlaceholder(text, dialect, token);
        if (typeof found === 'string') return { ok: false, problem: found };
        placeholders.push(found);
        break;
      }
      case 'quoted-identifier':
        return { ok: false, problem: `writes ${USER_PLACEHOLDER} as a quoted name (${excerpt(tokenText)}), but a user name is a value: ${WRITE_IT}.` };
      default:
        return { ok: false, problem: `has ${USER_PLACEHOLDER} inside a comment (${excerpt(tokenText.trim())}), where no user name is filled in: move it out of the comment.` };
    }
  }
  if (placeholders.length === 0) {
    return { ok: false, problem: `must contain the placeholder ${USER_PLACEHOLDER} where the user name goes (${WRITE_IT}); the worksheet binds or quotes the name there.` };
  }
  return { ok: true, template: { text, dialect, placeholders, tokens } };
}

/** What is wrong with one of a profile's impersonation templates, by the rules every platform renders with; undefined when nothing is. */
export function impersonationTemplateProblem(text: string, dialect: SqlDialectId, setting: ImpersonationSetting): string | undefined {
  if (setting !== 'set') return text.includes(USER_PLACEHOLDER) ? NO_USER_THERE : undefined;
  const parsed = parseImpersonationTemplate(text, dialect);
  return parsed.ok ? undefined : parsed.problem;
}

/** Each `{user}` in a run of code; a problem when one is joined to a word (`a{user}`, `${user}`). */
function barePlaceholders(text: string, token: SqlToken, into: Placeholder[]): string | undefined {
  for (let at = text.indexOf(USER_PLACEHOLDER, token.start); at >= 0 && at < token.end; at = text.indexOf(USER_PLACEHOLDER, at + USER_PLACEHOLDER.length)) {
    const end = at + USER_PLACEHOLDER.length;
    const joinedBefore = at > 0 && isIdentifierPart(text.charCodeAt(at - 1));
    const joinedAfter = end < text.length && isIdentifierPart(text.charCodeAt(end));
    if (joinedBefore || joinedAfter) {
      const shown = text.slice(Math.max(0, at - 12), end + 12);
      return `has ${USER_PLACEHOLDER} joined to other text (${shown}), which would change the name or the statement: ${WRITE_IT}, set apart from words.`;
    }
    into.push({ start: at, end, written: 'bare' });
  }
  return undefined;
}

/** A string literal whose whole value is `{user}`, or a problem. */
function stringPlaceholder(text: string, dialect: SqlDialectId, token: SqlToken): Placeholder | string {
  const closerLength = token.kind === 'dollar-string' ? token.openerEnd - token.start : 1;
  const value = text.slice(token.openerEnd, token.end - closerLength);
  // What the literal is glued to: a word (N, X, B, r; E is already in the token) or U& (Unicode escapes).
  const prefix = /(?:[\p{L}\p{N}_$]+|[Uu]&)$/u.exec(text.slice(0, token.start))?.[0] ?? '';
  const literal = prefix + text.slice(token.start, token.end);
  if (value !== USER_PLACEHOLDER) {
    return (
      `has ${USER_PLACEHOLDER} inside the longer string ${excerpt(literal)}. The user name must be a value of its own: ` +
      `${WRITE_IT}, and build any longer text in SQL (with || or CONCAT).`
    );
  }
  // N'{user}' is a plain (national) string; X'…', B'…', U&'…' and the like are something else.
  const national = NATIONAL_PREFIX[dialect] === true && (prefix === 'N' || prefix === 'n');
  if (prefix !== '' && !national) {
    return `has ${USER_PLACEHOLDER} in a prefixed literal (${excerpt(literal)}), which is not a plain string: ${WRITE_IT}.`;
  }
  return { start: token.start - prefix.length, end: token.end, written: 'string' };
}

function configurationError(setting: ImpersonationSetting, template: string, problem: string): PlatformError {
  return new PlatformError('configuration', `The impersonation.${setting} template "${excerpt(template)}" ${problem}`);
}

/**
 * The set statement for `user`: every placeholder bound or quoted as the platform does it.
 * Built by slicing, never by String.replace, so `$&`, `$'` or `{user}` inside a name stay as
 * they are. Throws a configuration PlatformError, naming the template and saying what to
 * write, for a template the rules above refuse.
 */
export function renderSetStatement(template: string, user: string, rendering: ImpersonationRendering): RenderedStatement {
  const parsed = parseImpersonationTemplate(template, rendering.dialect);
  if (!parsed.ok) throw configurationError('set', template, parsed.problem);
  const output = rendering.output;
  let text = '';
  let from = 0;
  for (const placeholder of parsed.template.placeholders) {
    text += template.slice(from, placeholder.start);
    text += output.kind === 'bound' ? output.marker : output.quote(user, placeholder, parsed.template);
    from = placeholder.end;
  }
  text += template.slice(from);
  return { text, bindsUser: output.kind === 'bound' };
}

/** A clear or read-back template, checked to hold no `{user}` (there is no name to fill in). */
export function statementWithoutUser(template: string, setting: Exclude<ImpersonationSetting, 'set'>): string {
  if (template.includes(USER_PLACEHOLDER)) throw configurationError(setting, template, NO_USER_THERE);
  return template;
}

/**
 * The statement's text before a placeholder with each comment read as one space, so a platform
 * can tell the shape it stands in (Databricks: `SET key = {user}`).
 */
export function codeBefore(template: ParsedTemplate, placeholder: Placeholder): string {
  let before = '';
  for (const token of template.tokens) {
    if (token.start >= placeholder.start) break;
    const comment = token.kind === 'line-comment' || token.kind === 'block-comment';
    before += comment ? ' ' : template.text.slice(token.start, Math.min(token.end, placeholder.start));
  }
  return before;
}
