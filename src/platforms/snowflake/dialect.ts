import { commonUserNameProblem } from '../user-names';
import type { ImpersonationRendering } from '../impersonation-template';
import { codeTokens, dollarBodies, holdsSeveralStatements, withEmbedding } from '../embedded-impersonation';
import { stripLeadingComments } from '../sql-text';
import type { StatementEffect } from '../types';

/**
 * Snowflake's impersonation, as Immuta documents it: take the impersonation role, then set a
 * session variable that Immuta reads. The variable's name is not public, so it is a profile
 * setting (default below); the statements are:
 *   USE ROLE IMMUTA_IMPERSONATION;
 *   SET IMMUTA_IMP_USER = 'bob@example.com';     -- start
 *   UNSET IMMUTA_IMP_USER;                        -- end
 *   SELECT $IMMUTA_IMP_USER;                      -- read back (an error while unset)
 */
export const DEFAULT_IMPERSONATION_VARIABLE = 'IMMUTA_IMP_USER';

const MAX_USER_LENGTH = 1024;
/** Snowflake caps a string session variable at 16 KB (older documentation: 256 bytes). */
const MAX_USER_BYTES = 16 * 1024;

/** An identifier Snowflake takes unquoted (and folds to upper case). */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const QUOTED_IDENTIFIER = /^"(?:[^"]|"")+"$/;

export function validateUserName(user: string): string | undefined {
  const common = commonUserNameProblem(user, MAX_USER_LENGTH);
  if (common !== undefined) return common;
  if (Buffer.byteLength(user, 'utf8') > MAX_USER_BYTES) {
    return `The user name is longer than the ${MAX_USER_BYTES} bytes a Snowflake session variable can hold.`;
  }
  return undefined;
}

/**
 * A role name as SQL: a plain identifier stays unquoted so that Snowflake folds it to upper
 * case exactly as it did when the administrator created it; anything else is quoted, and a name
 * the user already quoted is kept.
 */
export function quoteIdentifier(name: string): string {
  if (PLAIN_IDENTIFIER.test(name) || QUOTED_IDENTIFIER.test(name)) {
    return name;
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** A problem with a session variable name from the profile, or undefined. */
export function validateVariableName(name: string): string | undefined {
  return PLAIN_IDENTIFIER.test(name)
    ? undefined
    : `The impersonation variable "${name}" must be a plain identifier (letters, digits, _ and $, not starting with a digit).`;
}

/**
 * A Snowflake string literal. Inside one, a backslash starts an escape sequence, so backslashes
 * are doubled as well as quotes: `o'brien` -> 'o''brien', `\` -> '\\'.
 */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Snowflake documents no bind for SET's right-hand side, so the name goes in as a string literal
 * (quotes and backslashes escaped); a template's `'{user}'` is replaced quotes and all.
 */
export const IMPERSONATION_RENDERING: ImpersonationRendering = { dialect: 'snowflake', output: { kind: 'quoted', quote: (user) => quoteString(user) } };

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', Z: '\u001a' };

/** The value of a single string literal (`'…'` with `''` and backslash escapes, or `$$…$$`). */
export function parseStringLiteral(text: string): string | undefined {
  const dollar = /^\$\$([\s\S]*)\$\$$/.exec(text);
  if (dollar && !dollar[1].includes('$$')) {
    return dollar[1];
  }
  if (!text.startsWith("'") || !text.endsWith("'") || text.length < 2) {
    return undefined;
  }
  let value = '';
  for (let index = 1; index < text.length - 1; index++) {
    const char = text[index];
    if (char === '\\') {
      const next = text[index + 1];
      if (index + 1 >= text.length - 1) {
        return undefined; // the closing quote was escaped: not one literal
      }
      index++;
      if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(index + 1, index + 3))) {
        value += String.fromCharCode(parseInt(text.slice(index + 1, index + 3), 16));
        index += 2;
      } else if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(index + 1, index + 5))) {
        value += String.fromCharCode(parseInt(text.slice(index + 1, index + 5), 16));
        index += 4;
      } else {
        value += ESCAPES[next] ?? next;
      }
    } else if (char === "'") {
      if (text[index + 1] !== "'" || index + 1 >= text.length - 1) {
        return undefined; // a lone quote ends the literal early: more than one token
      }
      value += "'";
      index++;
    } else {
      value += char;
    }
  }
  return value;
}

/** True when `written` (as typed in SQL) names the session variable `variable`. */
function namesVariable(written: string, variable: string): boolean {
  if (QUOTED_IDENTIFIER.test(written)) {
    return written.slice(1, -1).replace(/""/g, '"').toUpperCase() === variable.toUpperCase();
  }
  // Session variable names are case-insensitive.
  return written.toUpperCase() === variable.toUpperCase();
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const SET_ONE = new RegExp(String.raw`^SET\s+(${IDENT})\s*=\s*([\s\S]*?)\s*;?\s*$`, 'i');
const SET_MANY = new RegExp(String.raw`^SET\s*\(([^)]*)\)\s*=`, 'i');
const UNSET = new RegExp(String.raw`^UNSET\s+(?:(${IDENT})|\(([^)]*)\))\s*;?\s*$`, 'i');
const USE_ROLE = /^USE\s+(?:SECONDARY\s+ROLES?|ROLE)\b/i;

/** Snowflake takes `//` line comments as well as `--`. */
export const SNOWFLAKE_LINE_COMMENTS = ['--', '//'] as const;

/**
 * How a statement affects impersonation through `variable`. SET and UNSET are followed only as
 * a statement of their own; inside a scripting block, a procedure body, EXECUTE IMMEDIATE or
 * next to other statements they are refused as embedded (see embedded-impersonation.ts).
 */
export function classifyFor(sql: string, variable: string): StatementEffect {
  const text = stripLeadingComments(sql, SNOWFLAKE_LINE_COMMENTS).trim();
  const code = blankOutLiteralsAndComments(text).trim();
  const lone = /^(?:SET|UNSET)\b/i.test(code) && !holdsSeveralStatements(codeTokens(text, 'snowflake'), text);
  // A procedure's `$$` body is code (CREATE PROCEDURE, or WITH ... AS PROCEDURE ... CALL, which runs it at once).
  const bodies = /\bPROCEDURE\b/i.test(code) ? dollarBodies(text, 'snowflake') : [];
  const mentions = mentionsAssignment(code, text, variable) || bodies.some((body) => mentionsAssignment(blankOutLiteralsAndComments(body), body, variable));
  return withEmbedding(classifyAlone(text, code, variable), lone, mentions);
}

/** What the statement does when it is one SET or UNSET and nothing else. */
function classifyAlone(text: string, code: string, variable: string): StatementEffect {
  const set = SET_ONE.exec(text);
  if (set && /^SET\b/i.test(code) && namesVariable(set[1], variable)) {
    const argument = set[2];
    if (/^NULL$/i.test(argument)) {
      return { kind: 'stop-impersonating' };
    }
    const user = parseStringLiteral(argument);
    if (user === undefined) {
      return { kind: 'impersonation-unparsed' };
    }
    return user === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user };
  }
  const many = SET_MANY.exec(code);
  if (many && splitNames(many[1]).some((name) => namesVariable(name, variable))) {
    return { kind: 'impersonation-unparsed' };
  }
  const unset = UNSET.exec(code);
  if (unset) {
    const names = unset[1] !== undefined ? [unset[1]] : splitNames(unset[2] ?? '');
    if (names.some((name) => namesVariable(name, variable))) {
      return { kind: 'stop-impersonating' };
    }
  }
  if (mentionsAssignment(code, text, variable)) {
    return { kind: 'impersonation-unparsed' };
  }
  if (USE_ROLE.test(code)) {
    // A role change can end what Immuta enforces (impersonation needs its role): the worksheet
    // runs it and then puts its impersonation back.
    return { kind: 'session-reset' };
  }
  return { kind: 'ordinary' };
}

/** The default variable's statements, which users copy into worksheets. */
export function classifyStatement(sql: string): StatementEffect {
  return classifyFor(sql, DEFAULT_IMPERSONATION_VARIABLE);
}

/**
 * SET/UNSET of the variable somewhere the exact forms above did not catch (inside a block,
 * in EXECUTE IMMEDIATE text): the worksheet could no longer follow who the session is.
 */
function mentionsAssignment(code: string, text: string, variable: string): boolean {
  const name = variable.replace(/\$/g, '\\$');
  const inCode = new RegExp(String.raw`\b(?:UNSET|SET)\b[^;]*?(?<![$\w])"?${name}"?(?![\w$])`, 'i');
  if (inCode.test(code)) {
    return true;
  }
  const inText = new RegExp(String.raw`(?<![$\w])${name}(?![\w$])`, 'i');
  return /\bEXECUTE\s+IMMEDIATE\b/i.test(code) && inText.test(text);
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * Blanks out string literals (with backslash escapes), `$$` strings and comments (`--`, `//`,
 * `/* *\/`), and unquotes quoted identifiers, so keyword checks only see code. Not a lexer.
 */
export function blankOutLiteralsAndComments(sql: string): string {
  return sql.replace(
    /'(?:[^'\\]|\\[\s\S]|'')*'?|\$\$[\s\S]*?(?:\$\$|$)|"((?:[^"]|"")*)"?|--[^\r\n]*|\/\/[^\r\n]*|\/\*[\s\S]*?(?:\*\/|$)/g,
    (match, identifier: string | undefined) => (identifier !== undefined ? ` ${identifier} ` : ' '.repeat(match.length)),
  );
}
