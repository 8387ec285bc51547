/**
 * A check run as JUnit XML, the report format CI systems read: one <testsuite> per check file,
 * one <testcase> per (check, identity) case. Everything in it comes from check files, database
 * answers and user names, so every string is escaped, and characters XML 1.0 cannot carry at all
 * (most control characters, lone surrogates) are replaced, never passed through: one NUL in a
 * column value must not make the whole report unreadable to the CI server.
 */
import { ASSURANCE_LABEL } from '../platforms/assurance';
import type { CaseResult, CheckRunSummary, CheckStamp, ExpectationOutcome } from './types';

export interface JunitOptions {
  /** The name of the <testsuites> element; default "Immuta Worksheets policy checks". */
  readonly name?: string;
}

const DEFAULT_NAME = 'Immuta Worksheets policy checks';

/** Characters XML 1.0 forbids anywhere, even as character references. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** What a forbidden character becomes: the Unicode replacement character, so the reader sees that something was there. */
const REPLACEMENT = '\ufffd';

export function xmlText(text: string): string {
  return text.replace(NOT_XML, REPLACEMENT).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: quotes escaped, and line breaks and tabs as references so parsers keep them (attribute normalisation would turn them into spaces). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`)
    .join('');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** The case's name as CI lists it: `<check name> (as <identity>)`. */
export function caseName(result: CaseResult): string {
  return `${result.check.name} (as ${result.identity})`;
}

function outcomeText(outcome: ExpectationOutcome): string {
  const lines = [`@expect ${outcome.expectation.source} (line ${outcome.expectation.line + 1}): ${outcome.message}`];
  if (outcome.expected !== undefined) lines.push('expected:', indent(outcome.expected));
  if (outcome.actual !== undefined) lines.push('actual:', indent(outcome.actual));
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The provenance of a case, one `key: value` per line. */
export function stampText(stamp: CheckStamp): string {
  const project = stamp.project === undefined ? 'unknown' : stamp.project === null ? 'none' : stamp.project;
  return [
    `connection: ${stamp.connection}`,
    `platform: ${stamp.platform}`,
    `login: ${stamp.login}`,
    `identity: ${stamp.identity}`,
    `assurance: ${stamp.assurance === undefined ? 'n/a (yourself)' : ASSURANCE_LABEL[stamp.assurance]}`,
    `project: ${project}`,
    `session id: ${stamp.sessionId}`,
    `query id: ${stamp.queryId ?? 'unknown'}`,
    `started at: ${new Date(stamp.startedAt).toISOString()}`,
  ].join('\n');
}

function testcase(result: CaseResult): string {
  const open = `    <testcase${attributes({ classname: result.file, name: caseName(result), time: seconds(result.durationMs) })}`;
  const failed = result.outcomes.filter((outcome) => !outcome.passed);
  const body: string[] = [];
  switch (result.verdict) {
    case 'passed':
      break;
    case 'failed': {
      const message = failed.map((outcome) => outcome.message).join('; ') || result.error || 'An expectation did not hold.';
      body.push(`      <failure${attributes({ message, type: 'expectation' })}>${xmlText(failed.map(outcomeText).join('\n\n'))}</failure>`);
      break;
    }
    case 'error': {
      const message = result.error ?? 'The case could not be judged.';
      const detail = [message, ...failed.map(outcomeText)].join('\n\n');
      body.push(`      <error${attributes({ message, type: 'error' })}>${xmlText(detail)}</error>`);
      break;
    }
    case 'skipped':
      body.push(result.error === undefined ? '      <skipped/>' : `      <skipped${attributes({ message: result.error })}/>`);
      break;
  }
  if (result.stamp !== undefined) body.push(`      <system-out>${xmlText(stampText(result.stamp))}</system-out>`);
  return body.length === 0 ? `${open}/>` : [`${open}>`, ...body, '    </testcase>'].join('\n');
}

function count(results: readonly CaseResult[], verdict: CaseResult['verdict']): number {
  return results.filter((result) => result.verdict === verdict).length;
}

export function junitXml(summary: CheckRunSummary, options: JunitOptions = {}): string {
  // One suite per file, in the order the run reported them.
  const byFile = new Map<string, CaseResult[]>();
  for (const result of summary.results) {
    const list = byFile.get(result.file);
    if (list) list.push(result);
    else byFile.set(result.file, [result]);
  }
  const suites = [...byFile].map(([file, results]) => {
    const head = `  <testsuite${attributes({
      name: file,
      tests: results.length,
      failures: count(results, 'failed'),
      errors: count(results, 'error'),
      skipped: count(results, 'skipped'),
      time: seconds(results.reduce((total, result) => total + result.durationMs, 0)),
    })}>`;
    return [head, ...results.map(testcase), '  </testsuite>'].join('\n');
  });
  const root = `<testsuites${attributes({
    name: options.name ?? DEFAULT_NAME,
    tests: summary.results.length,
    failures: summary.failed,
    errors: summary.errors,
    skipped: summary.skipped,
    time: seconds(summary.durationMs),
  })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n');
}
