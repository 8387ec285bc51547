import { commonUserNameProblem } from '../user-names';
import type { ImpersonationRendering } from '../impersonation-template';
import { codeTokens, holdsSeveralStatements, withEmbedding } from '../embedded-impersonation';
import { stripLeadingComments } from '../sql-text';
import type { StatementEffect } from '../types';

/**
 * Redshift's impersonation statements, as Immuta documents them:
 *   CALL immuta_procedures.impersonate_user('<immuta user>')   -- start
 *   CALL immuta_procedures.impersonate_user(NULL)              -- end
 * Users copy these from the docs into worksheets; the worksheet recognises them so that it can
 * route them through its own tracked path instead of losing track of who the session is.
 */
export const DEFAULT_SET_SQL = 'CALL immuta_procedures.impersonate_user({user})';
export const DEFAULT_CLEAR_SQL = 'CALL immuta_procedures.impersonate_user(NULL)';

/** pg binds the user name as $1 (every placeholder is the same parameter), quotes included: `'{user}'` becomes `$1`. */
export const IMPERSONATION_RENDERING: ImpersonationRendering = { dialect: 'postgres', output: { kind: 'bound', marker: '$1' } };

const MAX_USER_LENGTH = 1024;

const CALL_PATTERN =
  /^CALL\s+(?:"?immuta_procedures"?\s*\.\s*)?"?impersonate_user"?\s*\(\s*([\s\S]*?)\s*\)\s*;?\s*$/i;

/** The start of the documented CALL, in code whose quoted identifiers were unquoted. */
const CALL_HEAD = /^CALL\s+(?:"?immuta_procedures"?\s*\.\s*)?"?impersonate_user"?\s*\(/i;

/** Calls of the procedure outside strings and comments (after those are blanked out). */
const MENTION_PATTERN = /\bimpersonate_user\s*\(/i;

const RESET_PATTERN = /^(?:DISCARD\s+ALL|RESET\s+ALL|RESET\s+SESSION\s+AUTHORIZATION|SET\s+SESSION\s+AUTHORIZATION\b)/i;

export function validateUserName(user: string): string | undefined {
  const common = commonUserNameProblem(user, MAX_USER_LENGTH);
  if (common !== undefined) return common;
  return undefined;
}

/**
 * How a typed statement affects impersonation. The CALL is followed only when it is the whole
 * statement; inside a DO or BEGIN ATOMIC body, a rule's actions or next to other statements it
 * is refused (see embedded-impersonation.ts).
 */
export function classifyStatement(sql: string): StatementEffect {
  const code = blankOutLiteralsAndComments(sql).trim();
  const lone = CALL_HEAD.test(code) && !holdsSeveralStatements(codeTokens(sql, 'postgres'), sql);
  return withEmbedding(classifyAlone(sql, code), lone, MENTION_PATTERN.test(code));
}

/** What the statement does when it is the CALL alone. */
function classifyAlone(sql: string, code: string): StatementEffect {
  const call = CALL_PATTERN.exec(stripLeadingComments(sql).trim());
  if (call && MENTION_PATTERN.test(code)) {
    const argument = call[1];
    if (/^NULL$/i.test(argument)) {
      return { kind: 'stop-impersonating' };
    }
    const user = parseStringLiteral(argument);
    if (user !== undefined) {
      return user === '' ? { kind: 'stop-impersonating' } : { kind: 'impersonate', user };
    }
    return { kind: 'impersonation-unparsed' };
  }
  if (MENTION_PATTERN.test(code)) {
    return { kind: 'impersonation-unparsed' };
  }
  if (RESET_PATTERN.test(code)) {
    return { kind: 'session-reset' };
  }
  return { kind: 'ordinary' };
}

/** A single standard string literal `'…'` (with `''` escapes) or a `$tag$…$tag$` literal. */
function parseStringLiteral(text: string): string | undefined {
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) {
    return quoted[1].replace(/''/g, "'");
  }
  const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$([\s\S]*)\$\1\$$/.exec(text);
  if (dollar && !dollar[2].includes(`$${dollar[1] ?? ''}$`)) {
    return dollar[2];
  }
  return undefined;
}

/**
 * Blanks out string literals and comments, and unquotes quoted identifiers, so that keyword
 * checks only see code. Dollar-quoted text is kept: it is usually code (DO blocks, function
 * bodies). Not a full lexer; its only job is to avoid matching words inside quotes.
 */
export function blankOutLiteralsAndComments(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'?|"((?:[^"]|"")*)"?|--[^\r\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (match, identifier: string | undefined) =>
    identifier !== undefined ? ` ${identifier} ` : ' '.repeat(match.length),
  );
}
