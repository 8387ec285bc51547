/**
 * Compares the statements psql sent for a script with the statements the splitter finds in it,
 * after taking away only what psql itself provably adds to or drops from a statement:
 *
 * 1. psql's statement starts with the comments before it that are block comments: psql drops the
 *    whitespace and the `--` comments before a statement (its buffer is still empty then) but
 *    keeps a leading block comment, and everything after it, while a splitter statement starts at
 *    its first character that is neither whitespace nor comment. So blanks and comments before
 *    the first token are cut from psql's text (and only there).
 * 2. psql sends an empty statement (`;`, `;;`, `/* c *\/;`) to the server, which does nothing with
 *    it; the splitter makes no statement of it. So a psql statement that is empty after (1), or
 *    only `;`, is dropped.
 * 3. Trailing whitespace on both sides: psql's last statement, sent at the end of the file without
 *    a `;`, carries whatever blank lines follow it, and a splitter statement's text is trimmed.
 * 4. Empty lines, on both sides: psql reads a script line by line and skips a line that is empty
 *    unless it is inside a string, quoted name, comment or dollar quote (MainLoop), so
 *    `SELECT\n\n1;` is sent as `SELECT\n1;`. Runs of line feeds become one line feed on both
 *    sides, which keeps every character that could decide where a statement ends.
 * The splitter's side is its statement from `range.start` to `fullRange.end`: the text with
 * everything up to and including its terminating `;`, exactly as psql sends it.
 */
import type { SplitStatement } from '../../../src/sql/splitter';

/** Blank characters psql's scanner skips ({space}: space, tab, LF, CR, form feed). */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** `text` without the whitespace and comments before its first token (normalisation 1). */
export function withoutLeadingComments(text: string): string {
  let p = 0;
  for (;;) {
    while (p < text.length && isSpace(text.charCodeAt(p))) p++;
    if (text.startsWith('--', p)) {
      while (p < text.length && text[p] !== '\n' && text[p] !== '\r') p++;
    } else if (text.startsWith('/*', p)) {
      // PostgreSQL's block comments nest.
      let depth = 1;
      p += 2;
      while (p < text.length && depth > 0) {
        if (text.startsWith('/*', p)) {
          depth++;
          p += 2;
        } else if (text.startsWith('*/', p)) {
          depth--;
          p += 2;
        } else {
          p++;
        }
      }
    } else {
      return text.slice(p);
    }
  }
}

/** Normalisation 4: runs of line feeds as one. */
function withoutEmptyLines(text: string): string {
  return text.replace(/\n\n+/g, '\n');
}

/** psql's statements as the splitter would give them (normalisations 1 to 4), empty ones dropped. */
export function normalisePsql(sent: readonly string[]): string[] {
  return sent.map((text) => withoutEmptyLines(withoutLeadingComments(text).trimEnd())).filter((text) => text !== '' && text !== ';');
}

/** The splitter's statements with their terminating `;`, as psql sends them (normalisations 3 and 4). */
export function splitterTexts(source: string, statements: readonly SplitStatement[]): string[] {
  return statements.map((statement) => withoutEmptyLines(source.slice(statement.startOffset, statement.fullEndOffset).trimEnd()));
}

export interface Difference {
  /** Indexes (0-based) and texts of the statements on each side that have no equal on the other. */
  readonly psql: readonly { readonly index: number; readonly text: string }[];
  readonly splitter: readonly { readonly index: number; readonly text: string }[];
}

/**
 * The runs of statements that differ, by a longest common subsequence: one statement cut in two
 * by one side is one difference (one text against two), not a shift of every later statement.
 */
export function differences(psql: readonly string[], splitter: readonly string[]): Difference[] {
  const n = psql.length;
  const m = splitter.length;
  // common[i][j]: length of the longest common subsequence of psql[i..] and splitter[j..].
  const common: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i][j] = psql[i] === splitter[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const out: Difference[] = [];
  let pending: { psql: Difference['psql'][number][]; splitter: Difference['splitter'][number][] } = { psql: [], splitter: [] };
  const flush = () => {
    if (pending.psql.length > 0 || pending.splitter.length > 0) out.push(pending);
    pending = { psql: [], splitter: [] };
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && psql[i] === splitter[j]) {
      flush();
      i++;
      j++;
    } else if (j >= m || (i < n && common[i + 1][j] >= common[i][j + 1])) {
      pending.psql.push({ index: i, text: psql[i] });
      i++;
    } else {
      pending.splitter.push({ index: j, text: splitter[j] });
      j++;
    }
  }
  flush();
  return out;
}

/** 1-based line of `offset` in `source` (LF, CRLF and lone CR each end a line). */
function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let p = 0; p < offset; p++) {
    const c = source.charCodeAt(p);
    if (c === 10 || (c === 13 && source.charCodeAt(p + 1) !== 10)) line++;
  }
  return line;
}

/** The end of `text` matched at `at` in `source`, a line feed of it matching one or more; or -1. */
function matchEnd(source: string, text: string, at: number): number {
  let p = at;
  for (let i = 0; i < text.length; i++) {
    if (source[p] !== text[i]) return -1;
    p++;
    if (text[i] === '\n') while (source[p] === '\n') p++;
  }
  return p;
}

/**
 * Where each of `texts` starts in `source`, searching in order from the end of the one before
 * (-1 when not found): psql's statements, normalised, are pieces of the script but for the empty
 * lines that normalisation 4 took out.
 */
export function offsetsIn(source: string, texts: readonly string[]): number[] {
  let from = 0;
  return texts.map((text) => {
    for (let at = source.indexOf(text[0] ?? '', from); at >= 0; at = source.indexOf(text[0], at + 1)) {
      const end = matchEnd(source, text, at);
      if (end >= 0) {
        from = end;
        return at;
      }
    }
    return -1;
  });
}

/**
 * The differences for a person: for each, every statement of each side with its index, the line
 * of the script where it starts, and its text (JSON-quoted, so line ends and tabs show).
 */
export function describeDifferences(found: readonly Difference[], source: string, psqlOffsets: readonly number[], splitterStatements: readonly SplitStatement[]): string {
  const line = (offset: number) => (offset >= 0 ? String(lineOf(source, offset)) : '?');
  const lines: string[] = [];
  // A string or quote read wrongly swallows everything up to the next quote: a long run on one
  // side, of which its first and last statements show where it starts and stops.
  const shown = <T>(items: readonly T[]): (T | string)[] =>
    items.length <= 2 * SHOWN_AT_EACH_END ? [...items] : [...items.slice(0, SHOWN_AT_EACH_END), `… ${items.length - 2 * SHOWN_AT_EACH_END} more …`, ...items.slice(-SHOWN_AT_EACH_END)];
  found.forEach((difference, number) => {
    lines.push(`difference ${number + 1} of ${found.length}:`);
    lines.push(`  psql sent ${difference.psql.length} statement(s):`);
    for (const item of shown(difference.psql)) {
      lines.push(typeof item === 'string' ? `    ${item}` : `    psql #${item.index + 1}, line ${line(psqlOffsets[item.index])}: ${JSON.stringify(item.text)}`);
    }
    lines.push(`  the splitter gave ${difference.splitter.length} statement(s):`);
    for (const item of shown(difference.splitter)) {
      lines.push(typeof item === 'string' ? `    ${item}` : `    splitter #${item.index + 1}, line ${line(splitterStatements[item.index].startOffset)}: ${JSON.stringify(item.text)}`);
    }
  });
  return lines.join('\n');
}

const SHOWN_AT_EACH_END = 4;
