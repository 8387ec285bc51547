import * as assert from 'node:assert/strict';
import { Reporter, useColor } from '../../src/cli/reporter';
import type { CaseResult, CheckDefinition, CheckRunSummary, Expectation } from '../../src/checks/types';

const range: CheckDefinition['range'] = { start: { offset: 0, line: 0, character: 0 }, end: { offset: 8, line: 0, character: 8 } };
const region: Expectation = { kind: 'values-in', column: 'region', values: ['EU'], negated: false, line: 5, source: "region in ('EU')" };
const check = (name: string): CheckDefinition => ({ name, line: 3, identities: ['bob'], expectations: [region], statement: { text: 'SELECT 1', range }, range });

const passed: CaseResult = { file: 'checks/a.sql', check: check('EU rows'), identity: 'bob@example.com', verdict: 'passed', outcomes: [{ expectation: region, passed: true, message: 'all EU' }], durationMs: 120 };
const failed: CaseResult = {
  file: 'checks/a.sql',
  check: check('EU rows'),
  identity: 'alice',
  verdict: 'failed',
  outcomes: [{ expectation: region, passed: false, message: 'region had values outside (EU)', expected: 'EU', actual: 'EU\nUS\u001b[2J' }],
  durationMs: 1530,
};
const errored: CaseResult = { file: 'checks/b.sql', check: check('no SSN'), identity: 'yourself', verdict: 'error', outcomes: [], error: 'Impersonation was applied but not read back\n(minimum: read-back)', durationMs: 3 };
const summary: CheckRunSummary = { results: [passed, failed, errored], passed: 1, failed: 1, errors: 1, skipped: 0, sessionsOpened: 3, durationMs: 2345 };

function report(quiet: boolean, color = false): string {
  let out = '';
  const reporter = new Reporter({ quiet, color, write: (text) => (out += text) });
  for (const result of summary.results) reporter.caseResult(result);
  reporter.summary(summary);
  return out;
}

describe('CLI reporter', () => {
  it('prints a line per case, failures indented with expected and actual, and the summary', () => {
    assert.equal(
      report(false),
      [
        '✔ EU rows (as bob@example.com) 120 ms · checks/a.sql:4',
        '✘ EU rows (as alice) 1.53 s · checks/a.sql:4',
        "    @expect region in ('EU'): region had values outside (EU)",
        '      expected:',
        '        EU',
        '      actual:',
        '        EU',
        '        US\ufffd[2J',
        '! no SSN (as yourself) 3 ms · checks/b.sql:4',
        '    Impersonation was applied but not read back',
        '    (minimum: read-back)',
        '',
        '1 passed, 1 failed, 1 errors (3 sessions opened, 2.35 s)',
        '',
      ].join('\n'),
    );
  });

  it('prints only failures and the summary with --quiet', () => {
    const out = report(true);
    assert.ok(!out.includes('✔'), out);
    assert.ok(out.includes('✘ EU rows (as alice)'));
    assert.ok(out.includes('! no SSN (as yourself)'));
    assert.match(out, /1 passed, 1 failed, 1 errors/);
  });

  it('colours only on a terminal without NO_COLOR, and never lets a value carry an escape sequence', () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
    const coloured = report(false, true);
    assert.ok(coloured.includes('\u001b[32m✔\u001b[0m'), 'the pass mark in green');
    assert.ok(!report(false).includes('\u001b'), 'no escape at all without colour, not even from a value');
  });
});
