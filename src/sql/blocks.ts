/**
 * Where procedural code keeps a `;` from ending a statement, per dialect: the structure the
 * splitter (splitter.ts) asks about at every `;`. It sees only code (the lexer has already taken
 * strings, quoted identifiers, comments and dollar quotes away) and never parses SQL: it counts
 * parentheses and block keywords the way each platform's own client does.
 *
 * - postgres: psql's rules (src/fe_utils/psqlscan.l). A `;` inside parentheses does not end a
 *   statement (multi-action rules `DO ALSO (...; ...)`), and once a statement has begun with
 *   `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN` ... `END` (with `CASE` counted inside) keeps
 *   a SQL-standard body (`BEGIN ATOMIC ...; ...; END`) whole. psql looks at the first four words
 *   only, and counts every `BEGIN`/`END` at parenthesis depth 0, qualified or not; so do we.
 * - tsql: `BEGIN ... END`, `BEGIN TRY ... END TRY`, `BEGIN CATCH ... END CATCH` (not `BEGIN
 *   TRAN[SACTION]`, `BEGIN DISTRIBUTED`, `BEGIN DIALOG`, `BEGIN CONVERSATION`, nor `END
 *   CONVERSATION`), `CASE ... END` inside a block; `IF ...; ELSE ...` stays one statement; a
 *   statement that starts a block (`BEGIN`, `IF`, `WHILE`) is complete at the `END` that closes
 *   it even without a `;`; `CREATE|ALTER [OR ALTER] PROC|PROCEDURE|FUNCTION|TRIGGER|VIEW` runs to
 *   the end of its batch (T-SQL wants it alone in its batch).
 * - snowflake: Snowflake Scripting blocks `[DECLARE ...] BEGIN ... END` as a statement or as a
 *   procedure body after `AS` (not `BEGIN;`, `BEGIN TRANSACTION`, `BEGIN WORK`, `BEGIN NAME`).
 * - trino: SQL routines (`CREATE FUNCTION ... BEGIN ... END`, `WITH FUNCTION ...`).
 * - spark: Databricks SQL scripting compound statements `[label:] BEGIN ... END [label]`.
 * In the last three, `END IF`, `END LOOP`, `END WHILE`, `END REPEAT` and `END FOR` close what was
 * never counted (only `BEGIN` and, inside a block, `CASE` are), so they leave the depth alone.
 */
import type { SqlDialectId } from './dialects';
import { isIdentifierPart } from './lexical-rules';

const LPAREN = 40;
const RPAREN = 41;
const DOT = 46;
const COLON = 58;
const SEMICOLON = 59;
const AT = 64;
const HASH = 35;
const STAR = 42;
const SLASH = 47;
const MINUS = 45;
const LF = 10;
const LETTER_C = 99;
const LETTER_F = 102;
const LETTER_O = 111;
const LETTER_P = 112;
const LETTER_R = 114;
const QUOTE = 39;
const AMPERSAND = 38;
const CR = 13;

/** A block the statement is inside, for the problem reported when the input ends first. */
export interface OpenBlock {
  /** Offset of the word that opened the outermost block (`BEGIN`, `DECLARE`, or a `(`). */
  readonly offset: number;
  readonly length: number;
  readonly what: 'block' | 'parenthesis';
}

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

/** Lower-cased keyword of at most 12 characters ('distributed' is the longest we look for), or '' for anything longer. */
function keyword(text: string, start: number, end: number): string {
  return end - start <= 12 ? text.slice(start, end).toLowerCase() : '';
}

const TSQL_NOT_BLOCK_AFTER_BEGIN = new Set(['tran', 'transaction', 'distributed', 'dialog', 'conversation']);
const TSQL_TO_BATCH_END = new Set(['proc', 'procedure', 'function', 'trigger', 'view']);
const SCRIPT_NOT_BLOCK_AFTER_BEGIN = new Set(['transaction', 'work', 'name', ';', '']);
/** `END IF` and the like: their openers were never counted. */
const NOT_CLOSERS = new Set(['if', 'loop', 'while', 'repeat', 'for']);

/** Follows one statement's structure; `reset()` between statements. */
export class BlockTracker {
  private parenDepth = 0;
  private depth = 0;
  private words = 0;
  /** psql: the first letters of CREATE/OR/REPLACE/FUNCTION/PROCEDURE among the first four words. */
  private readonly prefix = [0, 0, 0, 0];
  /** A routine definition (CREATE ... FUNCTION|PROCEDURE, WITH FUNCTION): BEGIN opens its body. */
  private routine = false;
  /** tsql: CREATE PROCEDURE and the like, which run to the end of the batch. */
  private toBatchEnd = false;
  /** snowflake: a DECLARE section whose BEGIN ... END has not closed yet. */
  private declaring = false;
  /** tsql: the statement's first word opens a block (BEGIN, IF, WHILE): complete at its END. */
  private blockStatement = false;
  private firstWord = '';
  private previousWord = '';
  private outermost: OpenBlock | undefined;
  /** tsql: the offset after which the statement is complete (its block closed), or -1. */
  completeAt = -1;

  constructor(
    private readonly text: string,
    private readonly dialect: SqlDialectId,
  ) {}

  reset(): void {
    this.parenDepth = 0;
    this.depth = 0;
    this.words = 0;
    this.prefix[0] = this.prefix[1] = this.prefix[2] = this.prefix[3] = 0;
    this.routine = false;
    this.toBatchEnd = false;
    this.declaring = false;
    this.blockStatement = false;
    this.firstWord = '';
    this.previousWord = '';
    this.outermost = undefined;
    this.completeAt = -1;
  }

  /** Whether the `;` at `offset` ends the current statement. */
  semicolonEnds(offset: number): boolean {
    switch (this.dialect) {
      case 'postgres':
        return this.parenDepth === 0 && this.depth === 0;
      case 'tsql':
        if (this.toBatchEnd || this.depth > 0) return false;
        // `IF ... ; ELSE ...`: ELSE never starts a statement, so the IF goes on.
        return this.peekWord(offset + 1) !== 'else';
      case 'snowflake':
        return this.depth === 0 && !this.declaring;
      default:
        return this.depth === 0;
    }
  }

  /**
   * Whether the code read so far is inside procedural code: a `BEGIN ... END` block or a
   * Snowflake `DECLARE` section. There `:name` is the block's own variable (query parameters
   * leave it alone, src/sql/parameters.ts).
   */
  get insideBlock(): boolean {
    return this.depth > 0 || this.declaring;
  }

  /** The structure still open when the input ends, if any. */
  unclosed(): OpenBlock | undefined {
    const open = this.depth > 0 || this.declaring || (this.parenDepth > 0 && this.dialect === 'postgres');
    return open ? this.outermost : undefined;
  }

  /** Reads a run of code characters [start, end) as the lexer found it. */
  code(start: number, end: number): void {
    const text = this.text;
    let p = start;
    // A word the previous token began (`end$x` is read as `end`, then `$x`) is already counted.
    if (p > 0 && this.lastWordEnd > p) p = this.lastWordEnd;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (isWordStart(c)) {
        let q = p + 1;
        // Not bounded by `end`: `$` ends a code token but continues a word.
        while (q < text.length && isIdentifierPart(text.charCodeAt(q))) q++;
        // E'…', B'…', X'…', N'…', U&'…': a string's prefix, not a word.
        const prefix = q === p + 1 && (text.charCodeAt(q) === QUOTE || (text.charCodeAt(q) === AMPERSAND && text.charCodeAt(q + 1) === QUOTE));
        if (!prefix) this.word(p, q);
        this.lastWordEnd = q;
        p = q;
      } else if (c >= 48 && c <= 57) {
        // A number, with whatever letters follow it (`1e5`, `0x1F`): never a keyword.
        let q = p + 1;
        while (q < text.length && isIdentifierPart(text.charCodeAt(q))) q++;
        this.lastWordEnd = q;
        p = q;
      } else {
        if (c === LPAREN) {
          if (this.parenDepth === 0 && this.depth === 0 && !this.declaring && this.dialect === 'postgres') {
            this.outermost = { offset: p, length: 1, what: 'parenthesis' };
          }
          this.parenDepth++;
        } else if (c === RPAREN) {
          if (this.parenDepth > 0) this.parenDepth--;
        } else if ((c === AT || c === HASH) && this.dialect === 'tsql') {
          // T-SQL @variables and #temp tables are names, never keywords.
          let q = p + 1;
          while (q < text.length && (isIdentifierPart(text.charCodeAt(q)) || text.charCodeAt(q) === AT || text.charCodeAt(q) === HASH)) q++;
          this.lastWordEnd = q;
          p = q;
          continue;
        }
        p++;
      }
    }
  }

  private lastWordEnd = 0;

  private word(start: number, end: number): void {
    const index = this.words++;
    const text = this.text;
    if (this.dialect === 'postgres') {
      this.psqlWord(start, end, index);
      return;
    }
    const before = start > 0 ? text.charCodeAt(start - 1) : 0;
    // `t.end`, `x.begin`: a qualified name, not a keyword.
    if (before === DOT) {
      this.previousWord = '';
      return;
    }
    const word = keyword(text, start, end);
    if (index === 0) this.firstWord = word;
    switch (this.dialect) {
      case 'tsql':
        this.tsqlWord(word, start, end, index);
        break;
      default:
        this.scriptWord(word, start, end, index);
        break;
    }
    this.previousWord = word;
  }

  /** psql's heuristic, exactly: see psqlscan.l's `{identifier}` rule. */
  private psqlWord(start: number, end: number, index: number): void {
    const prefix = this.prefix;
    if (index < 4) {
      const word = keyword(this.text, start, end);
      if (word === 'create' || word === 'function' || word === 'procedure' || word === 'or' || word === 'replace') {
        prefix[index] = word.charCodeAt(0);
      }
      // c f | c p | c o r f | c o r p
      this.routine =
        prefix[0] === LETTER_C &&
        (prefix[1] === LETTER_F || prefix[1] === LETTER_P || (prefix[1] === LETTER_O && prefix[2] === LETTER_R && (prefix[3] === LETTER_F || prefix[3] === LETTER_P)));
    }
    if (!this.routine || this.parenDepth !== 0) return;
    if (end - start !== 3 && end - start !== 4 && end - start !== 5) return;
    const word = keyword(this.text, start, end);
    if (word === 'begin') {
      if (this.depth === 0) this.outermost = { offset: start, length: end - start, what: 'block' };
      this.depth++;
    } else if (word === 'case') {
      if (this.depth >= 1) this.depth++;
    } else if (word === 'end') {
      if (this.depth > 0) this.depth--;
    }
  }

  private tsqlWord(word: string, start: number, end: number, index: number): void {
    if (index === 0) {
      this.blockStatement = word === 'if' || word === 'while' || word === 'begin';
    }
    if (index === 1 || index === 3) {
      // CREATE PROCEDURE, ALTER VIEW, CREATE OR ALTER FUNCTION ...
      const lead = index === 1 ? this.firstWord === 'create' || this.firstWord === 'alter' : this.firstWord === 'create' && this.previousWord === 'alter';
      if (lead && TSQL_TO_BATCH_END.has(word)) this.toBatchEnd = true;
    }
    if (word === 'begin') {
      if (TSQL_NOT_BLOCK_AFTER_BEGIN.has(this.peekWord(end))) return;
      this.open(start, end);
    } else if (word === 'case') {
      if (this.depth > 0) this.depth++;
    } else if (word === 'end') {
      if (this.depth === 0 || this.peekWord(end) === 'conversation') return;
      if (--this.depth === 0 && this.blockStatement && !this.toBatchEnd) this.blockClosed(end);
    }
  }

  /** tsql: the block that began the statement closed at `end`; is the statement complete? */
  private blockClosed(end: number): void {
    let after = end;
    let next = this.peekWord(after);
    if (next === 'try' || next === 'catch') {
      after = this.skipWord(after);
      // END TRY is followed by its BEGIN CATCH: the statement goes on.
      if (next === 'try' && this.peekWord(after) === 'begin') return;
      next = this.peekWord(after);
    }
    if (next === 'else') return;
    this.completeAt = after;
  }

  /** snowflake, trino, spark. */
  private scriptWord(word: string, start: number, end: number, index: number): void {
    // CREATE [OR REPLACE] [TEMPORARY] [SECURE] FUNCTION|PROCEDURE|TASK, WITH FUNCTION.
    if (index <= 5 && !this.routine && this.parenDepth === 0) {
      const lead = this.firstWord === 'create' || (this.firstWord === 'with' && index === 1);
      // Snowflake tasks take a scripting block as their body too (CREATE TASK ... AS BEGIN ... END).
      if (lead && (word === 'function' || word === 'procedure' || (word === 'task' && this.dialect === 'snowflake'))) this.routine = true;
    }
    if (word === 'declare' && this.dialect === 'snowflake' && this.depth === 0) {
      // A Snowflake Scripting DECLARE section: a statement of its own, or a procedure's body.
      if (index === 0 || (this.routine && this.previousWord === 'as')) {
        this.declaring = true;
        if (this.outermost === undefined) this.outermost = { offset: start, length: end - start, what: 'block' };
      }
      return;
    }
    if (word === 'begin') {
      if (this.opensScriptBlock(start, end, index)) this.open(start, end);
    } else if (word === 'case') {
      // `END CASE` closes a CASE; its CASE opens nothing.
      if (this.depth > 0 && this.previousWord !== 'end') this.depth++;
    } else if (word === 'end') {
      if (this.depth === 0 || NOT_CLOSERS.has(this.peekWord(end))) return;
      if (--this.depth === 0) this.declaring = false;
    }
  }

  private opensScriptBlock(start: number, end: number, index: number): boolean {
    if (this.depth > 0 || this.declaring) return true;
    if (this.routine && this.parenDepth === 0) {
      // Trino's body follows RETURNS <type>; Snowflake's and Databricks' follow AS.
      return this.dialect === 'trino' || this.previousWord === 'as';
    }
    // Where a block may stand: the first word (`BEGIN ... END`), or after a label (`l1: BEGIN`).
    const labelled = this.dialect === 'spark' && index === 1 && this.charBefore(start) === COLON;
    if (index !== 0 && !labelled) return false;
    // `BEGIN;`, `BEGIN TRANSACTION`, `BEGIN WORK`: a transaction, not a block.
    return !SCRIPT_NOT_BLOCK_AFTER_BEGIN.has(this.peekWord(end));
  }

  private open(start: number, end: number): void {
    if (this.depth === 0 && this.outermost === undefined) this.outermost = { offset: start, length: end - start, what: 'block' };
    this.depth++;
  }

  /** The last character before `offset` that is not blank space. */
  private charBefore(offset: number): number {
    let p = offset - 1;
    while (p >= 0 && this.text.charCodeAt(p) <= 32) p--;
    return p >= 0 ? this.text.charCodeAt(p) : 0;
  }

  /** Past the next word after `offset` (blanks and comments skipped). */
  private skipWord(offset: number): number {
    let p = this.skipSpace(offset);
    while (p < this.text.length && isIdentifierPart(this.text.charCodeAt(p))) p++;
    return p;
  }

  /**
   * The next word after `offset`, lower-cased, skipping blanks and comments: `;` when the next
   * thing is a semicolon, '' at the end of the input or before anything else.
   */
  peekWord(offset: number): string {
    const text = this.text;
    const p = this.skipSpace(offset);
    if (p >= text.length) return '';
    const c = text.charCodeAt(p);
    if (c === SEMICOLON) return ';';
    if (!isWordStart(c)) return '';
    let q = p + 1;
    while (q < text.length && isIdentifierPart(text.charCodeAt(q))) q++;
    return keyword(text, p, q);
  }

  /** Past the block comment whose body starts at `offset` (nested where the dialect nests them). */
  private skipBlockComment(offset: number): number {
    const text = this.text;
    const nests = this.dialect !== 'snowflake' && this.dialect !== 'trino';
    let depth = 1;
    let p = offset;
    while (p < text.length) {
      const c = text.charCodeAt(p);
      if (c === STAR && text.charCodeAt(p + 1) === SLASH) {
        p += 2;
        if (--depth === 0) return p;
      } else if (nests && c === SLASH && text.charCodeAt(p + 1) === STAR) {
        depth++;
        p += 2;
      } else {
        p++;
      }
    }
    return p;
  }

  /** Skips blanks, line breaks and comments (`--`, `/* *\/`, and `//` in Snowflake). */
  private skipSpace(offset: number): number {
    const text = this.text;
    const n = text.length;
    let p = offset;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c <= 32) {
        p++;
      } else if ((c === MINUS && text.charCodeAt(p + 1) === MINUS) || (c === SLASH && text.charCodeAt(p + 1) === SLASH && this.dialect === 'snowflake')) {
        while (p < n && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
      } else if (c === SLASH && text.charCodeAt(p + 1) === STAR) {
        p = this.skipBlockComment(p + 2);
      } else {
        break;
      }
    }
    return p;
  }
}
