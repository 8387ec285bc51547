/**
 * A policy-check file read into checks and diagnostics (the grammar is in types.ts and
 * expectation-syntax.ts). Statements are what the worksheet runs: the project's splitter finds
 * them (GO batches for T-SQL, each batch one statement), and its lexer finds the comments, so an
 * annotation is only ever a real `--` comment between statements.
 *
 * Decisions beyond the grammar:
 * - The annotations of a statement are the comments between the previous statement's end and its
 *   start; blank lines and plain comments among them are ignored.
 * - T-SQL: a check runs a whole batch, from its first statement (the annotations above it are not
 *   sent) to the batch's end. Annotations between statements of one batch are an error.
 * - A known annotation inside a statement (often a missing `;` above it) is an error.
 * - A check with an error in its annotations or statement is left out of `checks`: it is never
 *   run half understood. Warnings (a user listed twice) leave it in.
 */
import { tsqlBatches } from '../sql/batches';
import type { SqlDialectId } from '../sql/dialects';
import { lexSql } from '../sql/lexer';
import { LineIndex, type SourceRange } from '../sql/positions';
import { splitStatements } from '../sql/splitter';
import { findParameters, parameterNames } from '../sql/parameters';
import { AnnotationSyntaxError, parseIdentityList, parseParam } from './annotation-syntax';
import { ANNOTATION_KEYWORDS, isKnownKeyword, readAnnotation, type Annotation } from './annotations';
import { parseExpectation } from './expectation-syntax';
import { YOURSELF_IDENTITY, type CheckDefinition, type CheckDiagnostic, type CheckFile, type Expectation } from './types';

export { checkFileConnection, looksLikeCheckFile } from './annotations';

export const MAX_ROW_LIMIT = 1_000_000;

/** What a check runs: one statement (one GO batch for T-SQL). */
interface Unit {
  readonly start: number;
  readonly end: number;
  /** Where the text after it starts: past its `;` or GO batch. */
  readonly after: number;
  readonly text: string;
  readonly range: SourceRange;
}

interface Pending {
  readonly name: string;
  readonly annotation: Annotation;
  readonly line: number;
  readonly identities: string[];
  readonly expectations: Expectation[];
  rowLimit?: number;
  /** `@param` values by name. */
  readonly params: Map<string, string | null>;
  /** Errors in the file when the check began: more at its end means it is left out. */
  readonly errorsBefore: number;
}

const KNOWN_LIST = ANNOTATION_KEYWORDS.map((keyword) => `@${keyword}`).join(', ');

function unitsOf(text: string, dialect: SqlDialectId, index: LineIndex): { units: Unit[]; problems: ReturnType<typeof splitStatements>['problems'] } {
  const split = splitStatements(text, dialect);
  const range = (start: number, end: number): SourceRange => ({ start: index.positionAt(start), end: index.positionAt(end) });
  if (dialect !== 'tsql') {
    const units = split.statements.map((s) => ({ start: s.startOffset, end: s.endOffset, after: s.fullEndOffset, text: s.text, range: s.range }));
    return { units, problems: split.problems };
  }
  // A batch starts at its first statement; the comments above that are its annotations.
  const firstStart = new Map<number, number>();
  for (const statement of split.statements) {
    const batch = statement.batch ?? 0;
    if (!firstStart.has(batch)) firstStart.set(batch, statement.startOffset);
  }
  const separators = split.batchSeparators ?? [];
  const units = tsqlBatches(text).map((batch) => {
    const start = firstStart.get(batch.index) ?? batch.startOffset;
    const after = separators[batch.index]?.range.end.offset ?? text.length;
    return { start, end: batch.endOffset, after, text: text.slice(start, batch.endOffset), range: range(start, batch.endOffset) };
  });
  return { units, problems: split.problems };
}

/** Reads a check file; never throws. */
export function parseCheckFile(text: string, dialect: SqlDialectId): CheckFile {
  const index = new LineIndex(text);
  const { units, problems } = unitsOf(text, dialect, index);
  const diagnostics: CheckDiagnostic[] = [];
  const checks: CheckDefinition[] = [];
  const names = new Set<string>();
  let connection: { name: string; line: number } | undefined;
  let connectionSeen = false;
  let checkSeen = false;
  let errors = 0;

  const report = (start: number, end: number, message: string, severity: 'error' | 'warning' = 'error') => {
    const from = index.positionAt(start);
    const to = index.positionAt(Math.max(end, start));
    // A span past the line's end (nothing where something was expected) stays on the line.
    const endColumn = to.line === from.line ? Math.max(to.character, from.character + 1) : from.character + 1;
    diagnostics.push({ line: from.line, startColumn: from.character, endColumn, message, severity });
    if (severity === 'error') errors++;
  };
  const reportSyntax = (annotation: Annotation, error: unknown, base = annotation.restOffset) => {
    if (error instanceof AnnotationSyntaxError) {
      const end = Math.min(base + error.end, annotation.endOffset);
      report(base + error.start, end > base + error.start ? end : base + error.start + 1, error.message, error.severity);
    } else {
      report(annotation.atOffset, annotation.endOffset, error instanceof Error ? error.message : String(error));
    }
  };

  // Every line comment that is an annotation, by position; the lexer decides what is a comment.
  const annotations: Annotation[] = [];
  for (const token of lexSql(text, dialect)) {
    if (token.kind !== 'line-comment') continue;
    const annotation = readAnnotation(text, token.start, token.openerEnd, token.end);
    if (annotation !== undefined) annotations.push(annotation);
  }

  let next = 0;
  let pending: Pending | undefined;
  const noStatement = (check: Pending, why: string) =>
    report(check.annotation.atOffset, check.annotation.endOffset, `Check "${check.name}" has no statement: ${why}. Write the statement it runs right below its annotations.`);

  const annotate = (annotation: Annotation) => {
    const keyword = annotation.keyword;
    const restText = annotation.rest.trim();
    if (!isKnownKeyword(keyword)) {
      report(annotation.atOffset, annotation.restOffset, `Unknown annotation "@${keyword}": expected one of ${KNOWN_LIST}.`);
      return;
    }
    if (keyword === 'connection') {
      if (checkSeen) report(annotation.atOffset, annotation.endOffset, '@connection names the connection of the whole file: it must come before the first @check.');
      else if (connectionSeen) report(annotation.atOffset, annotation.endOffset, '@connection is given twice: a check file runs on one connection.');
      else if (restText === '') report(annotation.atOffset, annotation.endOffset + 1, 'Expected a connection name after "@connection", as the connections list shows it.');
      else connection = { name: restText, line: index.positionAt(annotation.atOffset).line };
      connectionSeen = true;
      return;
    }
    if (keyword === 'check') {
      checkSeen = true;
      if (pending !== undefined) noStatement(pending, `another @check (line ${index.positionAt(annotation.atOffset).line + 1}) follows before any statement`);
      const errorsBefore = errors;
      if (restText === '') report(annotation.atOffset, annotation.endOffset + 1, 'Expected a name after "@check", e.g. @check EU analysts see only EU rows.');
      else if (names.has(restText)) report(...trimmedSpan(annotation), `Another check in this file is already named "${restText}": check names must be unique.`);
      names.add(restText);
      pending = { name: restText, annotation, line: index.positionAt(annotation.atOffset).line, identities: [], expectations: [], params: new Map(), errorsBefore };
      return;
    }
    if (pending === undefined) {
      report(annotation.atOffset, annotation.endOffset, `@${keyword} belongs to a check: write it below a @check, in the comments right above the statement.`);
      return;
    }
    try {
      if (keyword === 'as') addIdentities(pending, annotation);
      else if (keyword === 'limit') setLimit(pending, annotation);
      else if (keyword === 'param') addParam(pending, annotation);
      else if (restText === '') report(annotation.atOffset, annotation.restOffset, `Expected an expectation after "@expect", e.g. -- @expect rows > 0.`);
      else pending.expectations.push({ ...parseExpectation(annotation.rest), line: index.positionAt(annotation.atOffset).line, source: restText });
    } catch (error) {
      reportSyntax(annotation, error);
    }
  };

  const trimmedSpan = (annotation: Annotation): [number, number] => {
    const start = annotation.restOffset + annotation.rest.length - annotation.rest.trimStart().length;
    return [start, start + annotation.rest.trim().length];
  };

  const addIdentities = (check: Pending, annotation: Annotation) => {
    if (annotation.rest.trim() === '') throw new AnnotationSyntaxError(annotation.rest.length, annotation.rest.length + 1, 'Expected one or more user names after "@as", separated by commas (yourself for your own login).');
    for (const parsed of parseIdentityList(annotation.rest)) {
      if (check.identities.includes(parsed.identity)) {
        reportSyntax(annotation, new AnnotationSyntaxError(parsed.start, parsed.end, `"${parsed.identity}" is already listed for this check: it runs once.`, 'warning'));
      } else {
        check.identities.push(parsed.identity);
      }
    }
  };

  const setLimit = (check: Pending, annotation: Annotation) => {
    const raw = annotation.rest.trim();
    const from = annotation.rest.indexOf(raw);
    const span = (message: string) => new AnnotationSyntaxError(from, Math.max(from + raw.length, from + 1), message);
    if (check.rowLimit !== undefined) throw span('@limit is given twice for this check.');
    if (!/^\d+$/.test(raw)) throw span(`Expected a whole number of rows after "@limit", from 1 to ${MAX_ROW_LIMIT.toLocaleString('en-US')}.`);
    const limit = Number(raw);
    if (limit < 1 || limit > MAX_ROW_LIMIT) throw span(`The row limit must be from 1 to ${MAX_ROW_LIMIT.toLocaleString('en-US')}.`);
    check.rowLimit = limit;
  };

  const addParam = (check: Pending, annotation: Annotation) => {
    const parsed = parseParam(annotation.rest);
    if (check.params.has(parsed.name)) throw new AnnotationSyntaxError(parsed.start, parsed.end, `@param ${parsed.name} is given twice for this check.`);
    check.params.set(parsed.name, parsed.value);
  };

  /** Every `:name` of the statement needs a value, and every value a `:name` (a typo would go unnoticed). */
  const checkParams = (check: Pending, unit: Unit) => {
    const used = parameterNames(findParameters(unit.text, dialect));
    const missing = used.filter((name) => !check.params.has(name));
    if (missing.length > 0) {
      report(
        check.annotation.atOffset,
        check.annotation.endOffset,
        `Check "${check.name}" uses ${missing.map((name) => `:${name}`).join(', ')} without a value: add ${missing.map((name) => `-- @param ${name} = '…'`).join(' and ')} above its statement (values are sent bound).`,
      );
    }
    for (const name of check.params.keys()) {
      if (!used.includes(name)) report(check.annotation.atOffset, check.annotation.endOffset, `@param ${name} is not used: the statement has no :${name}.`, 'warning');
    }
  };

  const finish = (check: Pending, unit: Unit) => {
    if (check.name === '') return;
    checkParams(check, unit);
    if (check.expectations.length === 0 && errors === check.errorsBefore) {
      report(check.annotation.atOffset, check.annotation.endOffset, `Check "${check.name}" has no @expect: add at least one, e.g. -- @expect rows > 0.`);
    }
    for (const problem of problems) {
      const at = problem.range.start.offset;
      if (at >= check.annotation.commentStart && at < Math.max(unit.after, unit.end + 1)) report(at, problem.range.end.offset, problem.message);
    }
    if (errors > check.errorsBefore) return;
    const start = index.positionAt(check.annotation.commentStart);
    checks.push({
      name: check.name,
      line: check.line,
      identities: check.identities.length > 0 ? check.identities : [YOURSELF_IDENTITY],
      expectations: check.expectations,
      statement: { text: unit.text, range: unit.range },
      ...(check.params.size > 0 ? { parameters: Object.fromEntries(check.params) } : {}),
      range: { start: index.positionAt(start.offset - start.character), end: unit.range.end },
      ...(check.rowLimit === undefined ? {} : { rowLimit: check.rowLimit }),
    });
  };

  let gapStart = 0;
  for (const unit of units) {
    while (next < annotations.length && annotations[next].atOffset < unit.start) {
      if (annotations[next].atOffset >= gapStart) annotate(annotations[next]);
      next++;
    }
    // Annotations inside the statement are not read: say so, the statement above likely lacks its `;`.
    while (next < annotations.length && annotations[next].atOffset < unit.after) {
      const inside = annotations[next++];
      if (!isKnownKeyword(inside.keyword)) continue;
      const startLine = unit.range.start.line + 1;
      report(
        inside.atOffset,
        inside.endOffset,
        dialect === 'tsql'
          ? `This @${inside.keyword} is inside the batch that starts at line ${startLine}: a T-SQL check runs a whole batch, so its annotations go above the batch's first statement (end the batch above with a GO line).`
          : `This @${inside.keyword} is inside the statement that starts at line ${startLine}, so it is not read: is a ";" missing at the end of that statement?`,
      );
    }
    if (pending !== undefined) finish(pending, unit);
    pending = undefined;
    gapStart = unit.after;
  }
  for (; next < annotations.length; next++) annotate(annotations[next]);
  if (pending !== undefined) noStatement(pending, 'the file ends after its annotations');

  diagnostics.sort((a, b) => a.line - b.line || a.startColumn - b.startColumn);
  return { ...(connection === undefined ? {} : { connection }), checks, diagnostics };
}
