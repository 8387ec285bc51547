import { commonUserNameProblem, halfSurrogateProblem } from '../user-names';
import type { ImpersonationRendering } from '../impersonation-template';
import { stripLeadingComments } from '../sql-text';
import type { StatementEffect } from '../types';

/**
 * Synapse impersonation, as Immuta documents it:
 *   EXEC sys.sp_set_session_context @key = N'immuta_user', @value = '<Synapse user>';
 *   SELECT SESSION_CONTEXT(N'immuta_user');                 -- read back
 * Immuta's docs print the way to end it as `@key = N'NULL', @value = 'NULL'`, which by SQL
 * Server's rules sets a session key *named* 'NULL' and leaves immuta_user as it was; what ends
 * impersonation is setting immuta_user itself to NULL, which is what the worksheet sends.
 */
export const SESSION_KEY = 'immuta_user';

/** The value travels as a bound NVARCHAR(4000): sp_set_session_context takes sql_variant, which refuses nvarchar(max). */
export const MAX_USER_LENGTH = 4000;

export const SET_SQL = `EXEC sys.sp_set_session_context @key = N'${SESSION_KEY}', @value = {user}`;
export const CLEAR_SQL = `EXEC sys.sp_set_session_context @key = N'${SESSION_KEY}', @value = NULL`;
export const READ_BACK_SQL = `SELECT SESSION_CONTEXT(N'${SESSION_KEY}') AS ${SESSION_KEY}`;

/** mssql binds the user name as the NVARCHAR parameter @user, quotes included: `N'{user}'` becomes `@user`. */
export const IMPERSONATION_RENDERING: ImpersonationRendering = { dialect: 'tsql', output: { kind: 'bound', marker: '@user' } };

export function validateUserName(user: string): string | undefined {
  const tooLong = (length: number) => `The user name is ${length} characters long; a Synapse session context value holds at most ${MAX_USER_LENGTH}.`;
  const common = commonUserNameProblem(user, MAX_USER_LENGTH, tooLong) ?? halfSurrogateProblem(user);
  if (common !== undefined) return common;
  return undefined;
}

/**
 * Blanks out string literals and comments, and unquotes [bracketed] and "quoted" identifiers, so
 * keyword checks only see code. Not a lexer; its only job is not to match words inside quotes.
 */
export function blankOutLiteralsAndComments(sql: string): string {
  return sql.replace(
    /[Nn]?'(?:[^']|'')*'?|\[((?:[^\]]|\]\])*)\]?|"((?:[^"]|"")*)"?|--[^\r\n]*|\/\*[\s\S]*?(?:\*\/|$)/g,
    (match, bracketed: string | undefined, quoted: string | undefined) => {
      const identifier = bracketed ?? quoted;
      return identifier !== undefined ? ` ${identifier} ` : ' '.repeat(match.length);
    },
  );
}

/** The value of one T-SQL string literal, `'…'` or `N'…'` (with `''` inside), or undefined. */
export function parseStringLiteral(text: string): string | undefined {
  const match = /^[Nn]?'((?:[^']|'')*)'$/.exec(text);
  return match ? match[1].replace(/''/g, "'") : undefined;
}

const PROC = String.raw`(?:(?:\[?master\]?\s*\.\s*)?(?:\[?sys\]?\s*\.\s*)?|(?:\[?master\]?\s*\.\s*\.\s*))\[?sp_set_session_context\]?`;
const LITERAL = String.raw`(?:[Nn]?'(?:[^']|'')*'|NULL)`;
/** `EXEC[UTE] sys.sp_set_session_context @key = N'…', @value = <literal> [, @read_only = 0|1]` (named or positional). */
const EXEC_NAMED = new RegExp(
  String.raw`^EXEC(?:UTE)?\s+${PROC}\s+@key\s*=\s*(${LITERAL})\s*,\s*@value\s*=\s*([\s\S]*?)(?:\s*,\s*@read_only\s*=\s*[01])?\s*;?\s*$`,
  'i',
);
const EXEC_POSITIONAL = new RegExp(String.raw`^EXEC(?:UTE)?\s+${PROC}\s+(${LITERAL})\s*,\s*([\s\S]*?)(?:\s*,\s*[01])?\s*;?\s*$`, 'i');

/**
 * How a typed statement affects impersonation. Only the documented form with a literal key and
 * a literal value is followed; anything else that sets this key (a variable, an expression,
 * dynamic SQL) is impersonation the worksheet could not vouch for.
 */
export function classifyStatement(sql: string): StatementEffect {
  const text = stripLeadingComments(sql).trim();
  const code = blankOutLiteralsAndComments(text);
  const exec = EXEC_NAMED.exec(text) ?? EXEC_POSITIONAL.exec(text);
  if (exec && /^EXEC/i.test(code.trim())) {
    const key = parseStringLiteral(exec[1]);
    if (key === undefined || key.toLowerCase() !== SESSION_KEY) {
      return key === undefined ? { kind: 'impersonation-unparsed' } : { kind: 'ordinary' };
    }
    const value = exec[2].trim();
    if (/^NULL$/i.test(value)) {
      return { kind: 'stop-impersonating' };
    }
    const user = parseStringLiteral(value);
    if (user === undefined) {
      return { kind: 'impersonation-unparsed' };
    }
    return user === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user };
  }
  // Other ways to reach the key: a key held in a variable, several calls in one statement, or
  // the key's name in dynamic SQL next to the procedure.
  const mentionsKey = new RegExp(String.raw`\b${SESSION_KEY}\b`, 'i').test(text);
  if (/\bsp_set_session_context\b/i.test(code)) {
    const literalKey = /sp_set_session_context\]?\s+(?:@key\s*=\s*)?[Nn]?'/i.test(text);
    return mentionsKey || !literalKey ? { kind: 'impersonation-unparsed' } : { kind: 'ordinary' };
  }
  if (mentionsKey && /\bsp_set_session_context\b/i.test(text)) {
    return { kind: 'impersonation-unparsed' };
  }
  return { kind: 'ordinary' };
}

/** The Synapse user linked to an Immuta user: the profile's map, else the same name. */
export function synapseUserFor(immutaUser: string, userMap: Readonly<Record<string, string>>): string {
  return Object.prototype.hasOwnProperty.call(userMap, immutaUser) ? userMap[immutaUser] : immutaUser;
}

/**
 * The Immuta user behind a Synapse user read back from the server: the one the worksheet last
 * applied when it matches, else the only map entry that names it, else the name itself.
 */
export function immutaUserFor(synapseUser: string, userMap: Readonly<Record<string, string>>, lastApplied?: string): string {
  if (lastApplied !== undefined && synapseUserFor(lastApplied, userMap) === synapseUser) {
    return lastApplied;
  }
  const candidates = Object.keys(userMap).filter((immuta) => userMap[immuta] === synapseUser);
  return candidates.length === 1 ? candidates[0] : synapseUser;
}
