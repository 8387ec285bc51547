/**
 * Secrets out of statement text, before it is kept anywhere outside the user's editor (run
 * history, stamped exports). The SQL lexer finds the literal that follows a credential keyword
 * (`PASSWORD 'x'`, `SECRET = N'x'`, `AWS_SECRET_KEY='x'`, `CREDENTIALS 'x'`, ...) and only the
 * body of that literal is replaced, so the statement stays readable:
 * `CREATE USER bob PASSWORD '***'`.
 *
 * Where it looks:
 * - In code, only where the statement is not a query: literals of `SELECT`, `INSERT`, `UPDATE`,
 *   `DELETE` and `MERGE` (and statements starting with `WITH`, `VALUES`, `SHOW`, ...) are data,
 *   so `WHERE password = 'x'` is kept. `CREATE`, `ALTER`, `COPY`, `UNLOAD`, `OPEN` and `BACKUP`
 *   switch back to looking, which matters for T-SQL batches that run several statements
 *   without `;`. A parenthesised sub-query does not end the credential part around it
 *   (`COPY INTO 's3://…' FROM (SELECT …) CREDENTIALS = (…)`).
 * - In every comment, whatever the statement: a commented-out `PASSWORD 'old'` is as secret as
 *   the live one. Prose apostrophes (`don't`) cannot hide what follows a keyword there.
 * Not looked into: SQL built inside strings (`EXEC('…')`, procedure bodies), positional
 * secrets (`sp_addlogin 'name', 'password'`), and Spark `SET key = value` without quotes.
 * `IAM_ROLE`, `AWS_ROLE`, `SECRET_ARN`, `IDENTITY` and `RSA_PUBLIC_KEY` name a secret's holder
 * or are public, and are kept.
 */
import type { SqlDialectId } from './dialects';
import { isIdentifierPart, lexicalOptionsFor, type SqlLexicalOptions } from './lexical-rules';
import { tokenize, type SqlToken } from './tokens';

/** What replaces the body of a secret literal. */
export const REDACTED = '***';

export interface Redaction {
  /** The statement with the body of every secret literal replaced by `***`. */
  readonly text: string;
  /** The secrets taken out, as written and unescaped, for scrubbing other text (a server's error message). */
  readonly secrets: readonly string[];
}

/**
 * Names whose literal is a secret, lower case with `-`, `.` and spaces as `_`: Redshift COPY and
 * UNLOAD, CREATE/ALTER USER, Snowflake CREDENTIALS/ENCRYPTION, CREATE SECRET and integrations,
 * T-SQL logins, users, credentials and master keys, Databricks connection OPTIONS, Trino catalog
 * properties.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'password',
  'old_password',
  'secret',
  'secret_string',
  'credentials',
  'token',
  'access_key_id',
  'secret_access_key',
  'session_token',
  'master_symmetric_key',
  'aws_key_id',
  'aws_secret_key',
  'aws_token',
  'azure_sas_token',
  'sas_token',
  'master_key',
  'api_key',
  'private_key',
  'client_secret',
  'account_key',
]);

/** Endings that make any name secret: `connection-password`, `s3.aws-secret-key`, `oauth_refresh_token`. */
const SECRET_SUFFIXES: readonly string[] = ['_password', '_secret', '_token', '_secret_key', '_private_key', '_access_key', '_passphrase'];

/** Statements (or parts of a T-SQL batch) whose literals are data. */
const QUERY_VERBS: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete', 'merge']);
/** Words that make a query only as the first word of a statement (`WITH PASSWORD` is not a CTE). */
const LEADING_QUERY_WORDS: ReadonlySet<string> = new Set(['with', 'values', 'table', 'explain', 'show', 'describe', 'desc']);
const CREDENTIAL_VERBS: ReadonlySet<string> = new Set(['create', 'alter', 'copy', 'unload', 'open', 'backup']);

/** Shorter secrets cannot be told apart from other text in an error message. */
const MIN_SCRUB_LENGTH = 3;

interface Edit {
  readonly start: number;
  readonly end: number;
}

type Mode = 'credential' | 'query';

/** The statement with its secrets redacted, by the lexical rules of `dialect`. Never throws. */
export function redactSecrets(statement: string, dialect: SqlDialectId): Redaction {
  const options = lexicalOptionsFor(dialect);
  const edits: Edit[] = [];
  const tokens = tokenize(statement, options);
  const code: SqlToken[] = [];
  for (const token of tokens) {
    if (token.kind === 'line-comment' || token.kind === 'block-comment') {
      commentEdits(statement, token, options, edits);
    } else if (token.kind !== 'space') {
      code.push(token);
    }
  }

  let mode: Mode = 'credential';
  const outer: Mode[] = [];
  let statementStart = true;
  for (let i = 0; i < code.length; i++) {
    const token = code[i];
    const leading = statementStart;
    statementStart = false;
    if (token.kind === 'symbol') {
      const symbol = statement[token.start];
      if (symbol === '(') outer.push(mode);
      else if (symbol === ')') mode = outer.pop() ?? mode;
      else if (symbol === ';') {
        mode = 'credential';
        outer.length = 0;
        statementStart = true;
      }
      continue;
    }
    if (token.kind === 'word') {
      const word = statement.slice(token.start, token.end).toLowerCase();
      if (QUERY_VERBS.has(word) || (leading && LEADING_QUERY_WORDS.has(word))) mode = 'query';
      else if (CREDENTIAL_VERBS.has(word)) mode = 'credential';
    }
    if (mode === 'credential' && isSecretName(nameOf(statement, token))) {
      const value = valueAfter(statement, code, i);
      if (value) {
        edits.push(value.edit);
        i = value.index;
      }
    }
  }
  return apply(statement, edits);
}

/**
 * As `redactSecrets`; when the dialect is not known (a history entry of an unknown platform),
 * `text` is null unless every dialect redacts the statement the same way.
 */
export function redactSecretsFor(statement: string, dialect: SqlDialectId | undefined): { readonly text: string | null; readonly secrets: readonly string[] } {
  if (dialect !== undefined) return redactSecrets(statement, dialect);
  const results = (['postgres', 'tsql', 'snowflake', 'trino', 'spark'] as const).map((dialect) => redactSecrets(statement, dialect));
  const secrets = [...new Set(results.flatMap((result) => result.secrets))];
  const text = results.every((result) => result.text === results[0].text) ? results[0].text : null;
  return { text, secrets };
}

/** `text` with every occurrence of each secret (of 3 characters or more) replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SCRUB_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out;
}

function isSecretName(name: string | undefined): boolean {
  if (name === undefined) return false;
  const normal = name.toLowerCase().replace(/[-. ]/g, '_');
  return SECRET_NAMES.has(normal) || SECRET_SUFFIXES.some((suffix) => normal.endsWith(suffix));
}

/** What a token names: a word, a quoted identifier's or a string's body (Spark options take `'password' 'x'`). */
function nameOf(text: string, token: SqlToken): string | undefined {
  switch (token.kind) {
    case 'word':
      return text.slice(token.start, token.end);
    case 'quoted-identifier':
    case 'string':
      return text.slice(token.bodyStart, token.bodyEnd);
    default:
      return undefined;
  }
}

/**
 * The literal given to the name at `code[index]`: after an optional `=`, `=>`, `:=` or `AS`,
 * a string (with a prefix such as `N'…'` glued to it) or a hexadecimal `0x…` (T-SQL hashed
 * passwords). Undefined when something else follows (`PASSWORD DISABLE`, `CREDENTIALS = (`).
 */
function valueAfter(text: string, code: readonly SqlToken[], index: number): { readonly edit: Edit; readonly index: number } | undefined {
  let j = index + 1;
  const symbolAt = (k: number) => (code[k]?.kind === 'symbol' ? text[code[k].start] : undefined);
  if (symbolAt(j) === ':' && symbolAt(j + 1) === '=') j += 2;
  else if (symbolAt(j) === '=') j += symbolAt(j + 1) === '>' ? 2 : 1;
  else if (code[j]?.kind === 'word' && text.slice(code[j].start, code[j].end).toLowerCase() === 'as') j++;
  const value = code[j];
  if (value === undefined) return undefined;
  if (value.kind === 'word') {
    const next = code[j + 1];
    if (value.end - value.start <= 2 && next?.kind === 'string' && next.start === value.end) {
      return { edit: { start: next.bodyStart, end: next.bodyEnd }, index: j + 1 };
    }
    if (/^0x[0-9a-f]+$/i.test(text.slice(value.start, value.end))) {
      return { edit: { start: value.start + 2, end: value.end }, index: j };
    }
    return undefined;
  }
  return value.kind === 'string' ? { edit: { start: value.bodyStart, end: value.bodyEnd }, index: j } : undefined;
}

/**
 * Secrets in a comment. Comments are prose, where an apostrophe (`don't`) need not open a
 * string, so the comment is not lexed from its start: every word that names a secret is found
 * by its boundaries, and only the text after it is lexed to find its literal.
 */
function commentEdits(text: string, comment: SqlToken, options: SqlLexicalOptions, edits: Edit[]): void {
  const end = comment.bodyEnd;
  let p = comment.bodyStart;
  while (p < end) {
    if (!isIdentifierPart(text.charCodeAt(p))) {
      p++;
      continue;
    }
    const wordStart = p;
    while (p < end && isIdentifierPart(text.charCodeAt(p))) p++;
    if (!isSecretName(text.slice(wordStart, p))) continue;
    const rest = text.slice(p, end);
    const tokens = tokenize(rest, options).filter((token) => token.kind !== 'space');
    const shifted = tokens.map((token) => ({ ...token, start: token.start + p, end: token.end + p, bodyStart: token.bodyStart + p, bodyEnd: token.bodyEnd + p }));
    const key: SqlToken = { kind: 'word', start: wordStart, end: p, bodyStart: wordStart, bodyEnd: p, closed: true };
    const value = valueAfter(text, [key, ...shifted], 0);
    if (value) {
      edits.push(value.edit);
      p = Math.max(p, value.edit.end);
    }
  }
}

function apply(text: string, edits: readonly Edit[]): Redaction {
  const kept = edits.filter((edit) => edit.end > edit.start).sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  const secrets = new Set<string>();
  let at = 0;
  for (const edit of kept) {
    if (edit.start < at) continue; // a comment's literal inside one already taken
    pieces.push(text.slice(at, edit.start), REDACTED);
    const secret = text.slice(edit.start, edit.end);
    secrets.add(secret);
    for (const variant of unescaped(secret, text[edit.start - 1])) secrets.add(variant);
    at = edit.end;
  }
  pieces.push(text.slice(at));
  secrets.delete('');
  return { text: pieces.join(''), secrets: [...secrets] };
}

/**
 * What a literal's body may stand for, and the parts a server may quote on their own: doubled
 * quotes undone, backslash escapes undone (E'' and Snowflake strings), and each value of a
 * `key=value;key=value` list (Redshift CREDENTIALS, SAS tokens).
 */
function unescaped(body: string, quote: string | undefined): string[] {
  const undoubled = quote === "'" || quote === '"' ? body.split(quote + quote).join(quote) : body;
  const values = [undoubled, undoubled.replace(/\\(.)/g, '$1')];
  const parts = undoubled.includes('=') ? undoubled.split(/[;&]/).map((part) => part.slice(part.indexOf('=') + 1)) : [];
  return [...values, ...parts];
}
