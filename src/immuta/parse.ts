/**
 * Tolerant reading of Immuta's JSON. Tenants run many versions, so unknown fields are ignored,
 * optional fields may be missing or differently typed, and only a shape that cannot be a user,
 * a search answer or a project is an error.
 */
import { badResponseError } from './errors';
import type { ImmutaProject, ImmutaUser, UserSearchResult } from './types';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') {
    return value;
  }
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/** An integer, or a string of one ("42"); anything else is undefined. */
function integer(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? value : undefined;
  }
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}

/** null stays null (no current project); missing or unreadable is undefined (unknown). */
function projectIdOf(record: Json): number | null | undefined {
  if (!('projectId' in record)) {
    return undefined;
  }
  return record.projectId === null ? null : integer(record.projectId);
}

/** One user record, or undefined when it has no user id to impersonate. */
export function parseUser(value: unknown): ImmutaUser | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const profile = isObject(value.profile) ? value.profile : {};
  const userid = text(value.userid) ?? text(profile.userid);
  if (userid === undefined) {
    return undefined;
  }
  const permissions = [...new Set([...strings(value.permissions), ...strings(value.groupPermissions)])];
  const user: {
    -readonly [K in keyof ImmutaUser]: ImmutaUser[K];
  } = {
    iamid: text(value.iamid) ?? text(profile.iamid) ?? '',
    userid,
    permissions,
  };
  const id = integer(value.id);
  if (id !== undefined) {
    user.id = id;
  }
  const name = text(profile.name) ?? text(value.name);
  if (name !== undefined) {
    user.name = name;
  }
  const email = text(profile.email) ?? text(value.email);
  if (email !== undefined) {
    user.email = email;
  }
  const projectId = projectIdOf(value);
  if (projectId !== undefined) {
    user.projectId = projectId;
  }
  if (typeof value.disabled === 'boolean') {
    user.disabled = value.disabled;
  }
  return user;
}

/** A whole answer that must be one user (current user, user by IAM and id). */
export function parseUserAnswer(value: unknown, operation: string): ImmutaUser {
  if (!isObject(value)) {
    throw badResponseError(operation, `expected a user object, got ${describe(value)}`);
  }
  const user = parseUser(value);
  if (user === undefined) {
    throw badResponseError(operation, 'the user has no "userid"');
  }
  return user;
}

/** `{count, hits}` or, on some versions, a bare list of users. Hits without a user id are skipped. */
export function parseSearchAnswer(value: unknown, operation: string): UserSearchResult {
  let hits: unknown[];
  let count: number | undefined;
  if (Array.isArray(value)) {
    hits = value;
  } else if (isObject(value)) {
    if (value.hits !== undefined && value.hits !== null && !Array.isArray(value.hits)) {
      throw badResponseError(operation, `"hits" is ${describe(value.hits)}, not a list`);
    }
    hits = Array.isArray(value.hits) ? value.hits : [];
    count = integer(value.count);
  } else {
    throw badResponseError(operation, `expected {count, hits}, got ${describe(value)}`);
  }
  const users = hits.map(parseUser).filter((user): user is ImmutaUser => user !== undefined);
  return { count: Math.max(count ?? hits.length, users.length), users };
}

export function parseProjectAnswer(value: unknown, requestedId: number, operation: string): ImmutaProject {
  if (!isObject(value)) {
    throw badResponseError(operation, `expected a project object, got ${describe(value)}`);
  }
  const name = text(value.name);
  if (name === undefined) {
    throw badResponseError(operation, 'the project has no "name"');
  }
  const id = integer(value.id) ?? requestedId;
  const status = text(value.status);
  return status === undefined ? { id, name: name.trim() } : { id, name: name.trim(), status };
}

/** The answer of POST /bim/apikey/authenticate. */
export function parseTokenAnswer(value: unknown, operation: string): { readonly token?: string; readonly refused: boolean } {
  if (!isObject(value)) {
    throw badResponseError(operation, `expected {authenticated, token}, got ${describe(value)}`);
  }
  const token = typeof value.token === 'string' && value.token.trim() !== '' ? value.token.trim() : undefined;
  return { token, refused: value.authenticated === false };
}

/** JSON.parse that says why it failed in words fit for badResponseError. */
export function parseJsonBody(body: string, contentType: string | undefined, operation: string, status?: number): unknown {
  if (body.trim() === '') {
    throw badResponseError(operation, 'the answer was empty', status);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const type = contentType === undefined ? '' : ` (${contentType.split(';')[0].trim()})`;
    throw badResponseError(operation, `the answer is not JSON${type}`, status, error);
  }
}

const MAX_HTML_TEXT = 300;
const MAX_JSON_MESSAGE = 1000;

/**
 * Immuta's own words from an error answer: `message` of `{statusCode, error, message}` (or
 * `error` alone), else the start of the body as text with tags stripped. Secrets are masked in
 * case a server or proxy echoes the request back.
 */
export function serverMessageOf(body: string, secrets: readonly string[]): string | undefined {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (isObject(parsed)) {
      message = text(parsed.message) ?? text(parsed.error);
      message = message?.trim().slice(0, MAX_JSON_MESSAGE);
    } else if (typeof parsed === 'string') {
      message = parsed.trim().slice(0, MAX_HTML_TEXT);
    }
  } catch {
    message = stripTags(body).slice(0, MAX_HTML_TEXT).trim();
  }
  if (message === undefined || message === '') {
    return undefined;
  }
  return maskSecrets(message, secrets);
}

function stripTags(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function maskSecrets(value: string, secrets: readonly string[]): string {
  let masked = value;
  for (const secret of secrets) {
    if (secret.length >= 4) {
      masked = masked.split(secret).join('[secret]');
    }
  }
  return masked;
}
