import { commonUserNameProblem, halfSurrogateProblem } from '../user-names';
import { renderSetStatement, type ImpersonationRendering } from '../impersonation-template';
import { withEmbedding } from '../embedded-impersonation';
import type { StatementEffect, TrinoImpersonationMode } from '../types';
import { isSymbol, isWord, readQualifiedName, tokenize, type Token } from './sql-tokens';

/**
 * Starburst's impersonation statements, as Immuta documents them:
 *   SET SESSION immuta.immuta_user = '<immuta user>'   -- start (session-property mode)
 *   SHOW SESSION LIKE 'immuta.immuta_user'             -- read back
 *   RESET SESSION immuta.immuta_user                   -- end
 * and Trino's own SET SESSION AUTHORIZATION / RESET SESSION AUTHORIZATION. Users copy these into
 * worksheets; the worksheet routes them through its tracked path so it always knows who runs.
 */
export const DEFAULT_IMPERSONATION_PROPERTY = 'immuta.immuta_user';

const MAX_USER_LENGTH = 1024;

/** A Trino string literal: the text between single quotes, with each quote doubled. */
export function quoteStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Trino takes no profile templates: its statement is fixed (session-property mode) or there is
 * none at all (native mode sends the name in the X-Trino-User header). The fixed statement still
 * goes through the shared renderer, with the name as a Trino string literal.
 */
export const IMPERSONATION_RENDERING: ImpersonationRendering = { dialect: 'trino', output: { kind: 'quoted', quote: (user) => quoteStringLiteral(user) } };

/** `SET SESSION <property> = '<user>'`, as Immuta documents it. */
export function setSessionStatement(property: string, user: string): string {
  return renderSetStatement(`SET SESSION ${propertyReference(property)} = {user}`, user, IMPERSONATION_RENDERING).text;
}

/** A session property name as Trino reads it: plain parts as they are, others delimited. */
export function propertyReference(name: string): string {
  return name
    .split('.')
    .map((part) => (/^[a-z_][a-z0-9_]*$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`))
    .join('.');
}

/**
 * Checks a user name before anything is sent. In native mode the name travels as the
 * X-Trino-User HTTP header, which can carry printable ASCII only; in session-property mode it
 * travels URL-encoded, so any well-formed Unicode text is fine.
 */
export function validateUserName(user: string, mode?: TrinoImpersonationMode): string | undefined {
  const common = commonUserNameProblem(user, MAX_USER_LENGTH) ?? halfSurrogateProblem(user);
  if (common !== undefined) return common;
  if (mode === 'native' && /[^\x20-\x7e]/.test(user)) {
    return (
      'With native Trino impersonation the user name is sent in the X-Trino-User HTTP header, which carries only ' +
      'plain ASCII characters; this name has others. Use the session-property impersonation mode for this user.'
    );
  }
  return undefined;
}

/** What a statement does to session state that the adapter keeps. */
export type SessionCommand =
  | { readonly kind: 'set-property'; readonly name: string; readonly value: Token[] }
  | { readonly kind: 'reset-property'; readonly name: string }
  | { readonly kind: 'set-authorization'; readonly value: Token[] }
  | { readonly kind: 'reset-authorization' };

export function readSessionCommand(sql: string): SessionCommand | undefined {
  const tokens = tokenize(sql);
  const [verb, session] = tokens;
  if (!isWord(session, 'SESSION') || !(isWord(verb, 'SET') || isWord(verb, 'RESET'))) {
    return undefined;
  }
  const reset = isWord(verb, 'RESET');
  // `SET SESSION authorization = ...` would be a property named authorization; the '.' or '=' tells.
  if (isWord(tokens[2], 'AUTHORIZATION') && !isSymbol(tokens[3], '.') && !isSymbol(tokens[3], '=')) {
    if (reset) {
      return tokens.length === 3 ? { kind: 'reset-authorization' } : undefined;
    }
    return { kind: 'set-authorization', value: tokens.slice(3) };
  }
  const name = readQualifiedName(tokens, 2);
  if (!name) {
    return undefined;
  }
  const property = name.parts.join('.');
  if (reset) {
    return name.end === tokens.length ? { kind: 'reset-property', name: property } : undefined;
  }
  if (!isSymbol(tokens[name.end], '=')) {
    return undefined;
  }
  return { kind: 'set-property', name: property, value: tokens.slice(name.end + 1) };
}

/**
 * How a typed statement affects impersonation. SET/RESET SESSION are followed only as a
 * statement of their own; in a routine body (`CREATE FUNCTION ... BEGIN ... END`, `WITH
 * FUNCTION`), in EXECUTE IMMEDIATE text or next to other statements they are refused as embedded
 * (see embedded-impersonation.ts).
 * @param property the profile's impersonation property; the documented default when the caller
 *   does not pass the profile.
 */
export function classifyStatement(sql: string, property: string = DEFAULT_IMPERSONATION_PROPERTY): StatementEffect {
  const tokens = tokenize(sql);
  const lone = readSessionCommand(sql) !== undefined && !tokens.some((token) => isSymbol(token, ';'));
  return withEmbedding(classifyAlone(sql, property), lone, mentionsImpersonation(tokens, property.toLowerCase()));
}

/**
 * A SET or RESET SESSION of the property, or of the session authorization, anywhere in the
 * tokens; inside EXECUTE IMMEDIATE's string too, which Trino runs as a statement.
 */
function mentionsImpersonation(tokens: readonly Token[], property: string): boolean {
  const dynamic = tokens.some((token, index) => isWord(token, 'EXECUTE') && isWord(tokens[index + 1], 'IMMEDIATE'));
  return tokens.some((token, index) => {
    if (token.kind === 'string') {
      return dynamic && mentionsImpersonation(tokenize(token.text), property);
    }
    if (!(isWord(token, 'SET') || isWord(token, 'RESET')) || !isWord(tokens[index + 1], 'SESSION')) {
      return false;
    }
    if (isWord(tokens[index + 2], 'AUTHORIZATION') && !isSymbol(tokens[index + 3], '.') && !isSymbol(tokens[index + 3], '=')) {
      return true;
    }
    return readQualifiedName(tokens, index + 2)?.parts.join('.') === property;
  });
}

/** What the statement does when it is one SET or RESET SESSION and nothing else. */
function classifyAlone(sql: string, property: string): StatementEffect {
  const command = readSessionCommand(sql);
  if (!command) {
    return { kind: 'ordinary' };
  }
  switch (command.kind) {
    case 'set-authorization':
      return userFromValue(command.value, false);
    case 'reset-authorization':
      return { kind: 'stop-impersonating' };
    case 'set-property':
      return command.name === property.toLowerCase() ? userFromValue(command.value, true) : { kind: 'ordinary' };
    case 'reset-property':
      return command.name === property.toLowerCase() ? { kind: 'stop-impersonating' } : { kind: 'ordinary' };
  }
}

/**
 * Only a single plain string literal names a user the worksheet can vouch for; a bare identifier
 * or an expression would need Trino's own evaluation, so the worksheet refuses it.
 */
function userFromValue(value: readonly Token[], emptyStops: boolean): StatementEffect {
  const [only] = value;
  if (value.length !== 1 || only.kind !== 'string') {
    return { kind: 'impersonation-unparsed' };
  }
  if (only.text === '') {
    return emptyStops ? { kind: 'stop-impersonating' } : { kind: 'impersonation-unparsed' };
  }
  return { kind: 'impersonate', user: only.text };
}
