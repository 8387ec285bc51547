/**
 * The lab servers' side of bound parameters: a platform's bind markers (`?`, `:1`, `:name`)
 * rewritten as PostgreSQL's `$n`, so the values go to PostgreSQL as bound parameters too and
 * the statement PostgreSQL logs (current_query()) shows `$n`, never a value.
 *
 * Written apart from the extension's lexer on purpose: a mistake in one is not mirrored by the
 * other. It skips what PostgreSQL would not read as a marker: string literals, quoted
 * identifiers, comments, and `::` casts.
 */
export type MarkerStyle = 'question' | 'colon-number' | 'colon-name';

export interface PostgresStatement {
  readonly text: string;
  /** What each `$n` stands for, n = index + 1: the `?`'s position ('1', '2'…), the number, or the name. */
  readonly keys: readonly string[];
  /** Each rewritten marker: where it is in `text` and where it was in the received statement (UTF-16 indexes). */
  readonly spans: readonly { readonly at: number; readonly length: number; readonly receivedAt: number; readonly receivedLength: number }[];
}

/**
 * PostgreSQL's error position (1-based, code points, in `text`) as the same place in the
 * received statement, so a lab reports errors where its platform would: in the text it got.
 */
export function receivedPosition(statement: PostgresStatement, received: string, position: number): number {
  const index = [...statement.text].slice(0, position - 1).join('').length;
  let shift = 0;
  for (const span of statement.spans) {
    if (index < span.at) break;
    if (index < span.at + span.length) return [...received.slice(0, span.receivedAt)].length + 1;
    shift = span.receivedAt + span.receivedLength - (span.at + span.length);
  }
  return [...received.slice(0, index + shift)].length + 1;
}

/** Every statement a lab sent to PostgreSQL with bound values, as tests read it back. */
export interface BoundRecord {
  /** The statement as the platform's client sent it. */
  readonly received: string;
  /** What went to PostgreSQL, with `$n` markers. */
  readonly postgres: string;
  readonly values: readonly (string | null)[];
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Where the literal, identifier or comment starting at `i` ends, or `i` when none starts there. */
function skipOpaque(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') return skipQuoted(sql, i, c);
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end + 1;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

export function toPostgresMarkers(sql: string, style: MarkerStyle): PostgresStatement {
  const keys: string[] = [];
  const spans: { at: number; length: number; receivedAt: number; receivedLength: number }[] = [];
  let text = '';
  let i = 0;
  while (i < sql.length) {
    const opaque = skipOpaque(sql, i);
    if (opaque > i) {
      text += sql.slice(i, opaque);
      i = opaque;
      continue;
    }
    if (sql[i] === ':' && sql[i + 1] === ':') {
      text += '::';
      i += 2;
      continue;
    }
    if (style === 'question' && sql[i] === '?') {
      keys.push(String(keys.length + 1));
      const marker = `$${keys.length}`;
      spans.push({ at: text.length, length: marker.length, receivedAt: i, receivedLength: 1 });
      text += marker;
      i++;
      continue;
    }
    const pattern = style === 'colon-number' ? /^:([0-9]+)/ : style === 'colon-name' ? /^:([A-Za-z_][A-Za-z0-9_]*)/ : undefined;
    const marker = sql[i] === ':' && pattern ? pattern.exec(sql.slice(i)) : null;
    if (marker) {
      const key = marker[1];
      if (!keys.includes(key)) keys.push(key);
      const written = style === 'colon-number' ? `$${Number(key)}` : `$${keys.indexOf(key) + 1}`;
      spans.push({ at: text.length, length: written.length, receivedAt: i, receivedLength: marker[0].length });
      text += written;
      i += marker[0].length;
      continue;
    }
    text += sql[i];
    i++;
  }
  return { text, keys, spans };
}
