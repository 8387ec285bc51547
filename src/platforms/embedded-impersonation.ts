import type { SqlDialectId } from '../sql/dialects';
import { sqlTokens, type SqlToken } from '../sql/tokens';
import type { StatementEffect } from './types';

/**
 * Impersonation statements inside larger statements. Once blocks run whole (a Snowflake or
 * Databricks `BEGIN ... END`, a T-SQL batch, a PostgreSQL `DO` body, a Trino routine), the
 * documented set or stop statement can arrive as part of a bigger text. The worksheet cannot
 * tell whether, when or how often it runs in there (a branch, a loop, a CATCH, a routine body
 * that only runs when called), so it only follows one that runs alone and refuses the rest.
 */
export const EMBEDDED: StatementEffect = { kind: 'impersonation-embedded' };

/** True for the effects that change (or may change) whom the session runs as. */
export function changesImpersonation(effect: StatementEffect): boolean {
  return (
    effect.kind === 'impersonate' ||
    effect.kind === 'stop-impersonating' ||
    effect.kind === 'impersonation-unparsed' ||
    effect.kind === 'impersonation-embedded'
  );
}

/**
 * The effect of a text given what its impersonation statement would do by itself (`alone`):
 * a text that is not one lone statement of the documented form (`lone` false) and mentions an
 * impersonation statement anywhere (`mentions`) is embedded; so is one whose `alone` reading
 * already saw a change, since it could only have seen it in the part the platform runs first.
 */
export function withEmbedding(alone: StatementEffect, lone: boolean, mentions: boolean): StatementEffect {
  if (lone) return alone;
  return mentions || changesImpersonation(alone) ? EMBEDDED : alone;
}

/** The tokens that are code (no blanks, no comments), by the one lexer's rules for `dialect`. */
export function codeTokens(sql: string, dialect: SqlDialectId): SqlToken[] {
  return sqlTokens(sql, dialect).filter((token) => token.kind !== 'space' && token.kind !== 'line-comment' && token.kind !== 'block-comment');
}

/** True when `token` is the symbol `;`. */
export function isSemicolon(sql: string, token: SqlToken | undefined): boolean {
  return token !== undefined && token.kind === 'symbol' && sql.charCodeAt(token.start) === 59;
}

/**
 * True when code follows a `;` that is outside strings, quoted identifiers and comments: the
 * text holds more than one statement (a batch, or a block's body). A trailing `;` does not count.
 */
export function holdsSeveralStatements(tokens: readonly SqlToken[], sql: string): boolean {
  const first = tokens.findIndex((token) => isSemicolon(sql, token));
  return first >= 0 && tokens.slice(first + 1).some((token) => !isSemicolon(sql, token));
}

/** The `$$…$$` / `$tag$…$tag$` bodies of `sql` (procedure bodies, `EXECUTE IMMEDIATE $$…$$`), which are code in another statement. */
export function dollarBodies(sql: string, dialect: SqlDialectId): string[] {
  return sqlTokens(sql, dialect)
    .filter((token) => token.kind === 'string' && sql.charCodeAt(token.start) === 36)
    .map((token) => sql.slice(token.bodyStart, token.bodyEnd));
}
