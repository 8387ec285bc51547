import { commonUserNameProblem, halfSurrogateProblem } from '../user-names';
import type { ImpersonationRendering } from '../impersonation-template';
import { codeTokens, holdsSeveralStatements, withEmbedding } from '../embedded-impersonation';
import { stripLeadingComments } from '../sql-text';
import type { SqlToken } from '../../sql/tokens';
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
 * a literal value, alone in its text, is followed; anything else that sets this key (a
 * variable, an expression) is impersonation the worksheet could not vouch for, and the call
 * inside a block, a procedure, dynamic SQL or a batch with other statements is refused as
 * embedded (see embedded-impersonation.ts).
 */
export function classifyStatement(sql: string): StatementEffect {
  const text = stripLeadingComments(sql).trim();
  const code = blankOutLiteralsAndComments(text);
  const tokens = codeTokens(text, 'tsql');
  const rest = afterSetContextCall(tokens, text);
  // T-SQL needs no `;` between statements: a word after the call's arguments starts the next one.
  const lone = rest !== undefined && !holdsSeveralStatements(tokens, text) && !(rest.length > 0 && rest[0].kind !== 'symbol');
  return withEmbedding(classifyAlone(text, code), lone, mentionsImpersonation(text, code));
}

/** What the text does when it is one EXEC of sp_set_session_context and nothing else. */
function classifyAlone(text: string, code: string): StatementEffect {
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

/**
 * True when the text calls sp_set_session_context (in code or in dynamic SQL) in a way that may
 * set immuta_user: the key's name appears anywhere, or some call's key is not a literal.
 */
function mentionsImpersonation(text: string, code: string): boolean {
  if (!/\bsp_set_session_context\b/i.test(text)) {
    return false;
  }
  if (new RegExp(String.raw`\b${SESSION_KEY}\b`, 'i').test(text)) {
    return true;
  }
  // Blanking keeps offsets, so each call found in code can be read in the text at the same place.
  for (const call of code.matchAll(/\bsp_set_session_context\b/gi)) {
    if (!/^sp_set_session_context\]?\s+(?:@key\s*=\s*)?[Nn]?'/i.test(text.slice(call.index))) {
      return true;
    }
  }
  return false;
}

/** A token's name: a word as written, a [bracketed] or "quoted" identifier without its delimiters. */
function nameOf(token: SqlToken | undefined, text: string): string | undefined {
  if (token?.kind === 'word') return text.slice(token.start, token.end);
  if (token?.kind === 'quoted-identifier') return text.slice(token.bodyStart, token.bodyEnd);
  return undefined;
}

function isSymbolToken(token: SqlToken | undefined, text: string, symbol: string): boolean {
  return token?.kind === 'symbol' && text[token.start] === symbol;
}

/**
 * The tokens after `EXEC[UTE] [@status =] [master.][sys.]sp_set_session_context` and its
 * arguments, or undefined when the text does not start with that call. An EXEC argument is one
 * token (a literal, a variable, NULL, DEFAULT, a number), never an expression, so what follows
 * the last one is the next statement (or a syntax error the server reports).
 */
function afterSetContextCall(tokens: readonly SqlToken[], text: string): SqlToken[] | undefined {
  let at = 0;
  const verb = nameOf(tokens[at], text)?.toUpperCase();
  if (tokens[at]?.kind !== 'word' || (verb !== 'EXEC' && verb !== 'EXECUTE')) return undefined;
  at++;
  const parameterAssignment = () =>
    isSymbolToken(tokens[at], text, '@') && tokens[at + 1]?.kind === 'word' && isSymbolToken(tokens[at + 2], text, '=') ? 3 : 0;
  at += parameterAssignment();
  let procedure = nameOf(tokens[at], text);
  at++;
  while (isSymbolToken(tokens[at], text, '.')) {
    at += isSymbolToken(tokens[at + 1], text, '.') ? 2 : 1;
    procedure = nameOf(tokens[at], text);
    at++;
  }
  if (procedure?.toLowerCase() !== 'sp_set_session_context') return undefined;
  for (;;) {
    at += parameterAssignment();
    const token = tokens[at];
    if (nameOf(token, text)?.toUpperCase() === 'N' && tokens[at + 1]?.kind === 'string' && tokens[at + 1].start === token.end) {
      at += 2;
    } else if (token?.kind === 'string' || token?.kind === 'word') {
      at++;
    } else if (isSymbolToken(token, text, '@') && tokens[at + 1]?.kind === 'word') {
      at += 2;
    } else if ((isSymbolToken(token, text, '-') || isSymbolToken(token, text, '+')) && tokens[at + 1]?.kind === 'word') {
      at += 2;
    } else {
      break;
    }
    if (/^OUT(?:PUT)?$/i.test(nameOf(tokens[at], text) ?? '') && tokens[at]?.kind === 'word') at++;
    if (!isSymbolToken(tokens[at], text, ',')) break;
    at++;
  }
  return tokens.slice(at);
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
