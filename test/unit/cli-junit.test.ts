import * as assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { junitXml } from '../../src/checks/junit';
import type { CaseResult, CheckDefinition, CheckRunSummary, CheckStamp, Expectation } from '../../src/checks/types';

const range: CheckDefinition['range'] = { start: { offset: 0, line: 0, character: 0 }, end: { offset: 8, line: 0, character: 8 } };

function check(name: string, expectations: Expectation[] = []): CheckDefinition {
  return { name, line: 2, identities: ['bob'], expectations, statement: { text: 'SELECT 1', range }, range };
}

const rowsExpectation: Expectation = { kind: 'rows', operator: '>', count: 0, line: 4, source: 'rows > 0' };
const regionExpectation: Expectation = { kind: 'values-in', column: 'region', values: ['EU'], negated: false, line: 5, source: "region in ('EU')" };

const stamp: CheckStamp = {
  connection: 'Lab Redshift (governor)',
  platform: 'redshift',
  login: 'governor',
  identity: 'bob@example.com',
  assurance: 'read-back',
  project: null,
  sessionId: '4711',
  queryId: '99',
  startedAt: Date.UTC(2026, 11, 4, 1, 0, 0),
};

function summary(results: CaseResult[]): CheckRunSummary {
  const count = (verdict: CaseResult['verdict']) => results.filter((result) => result.verdict === verdict).length;
  return { results, passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), sessionsOpened: 2, durationMs: 2345 };
}

/** XML 1.0's Char production: anything outside it makes the document not well-formed. */
// eslint-disable-next-line no-control-regex -- the characters XML forbids are what is looked for
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Parsed {
  testsuites: {
    name: string;
    tests: string;
    failures: string;
    errors: string;
    skipped: string;
    time: string;
    testsuite: {
      name: string;
      tests: string;
      testcase: { classname: string; name: string; time: string; failure?: { message: string; type: string; '#text': string }; error?: { message: string; '#text': string }; skipped?: unknown; 'system-out'?: string }[];
    }[];
  };
}

function parse(xml: string): Parsed {
  assert.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  assert.doesNotMatch(xml, FORBIDDEN, 'no character that XML 1.0 forbids');
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, parseAttributeValue: false, parseTagValue: false, isArray: (name) => name === 'testsuite' || name === 'testcase' });
  return parser.parse(xml) as Parsed;
}

describe('JUnit XML of a check run', () => {
  it('has one suite per file and one case per check and identity, with counts and times in seconds', () => {
    const results: CaseResult[] = [
      { file: 'checks/a.sql', check: check('EU analysts see EU rows', [rowsExpectation]), identity: 'bob@example.com', verdict: 'passed', outcomes: [], stamp, durationMs: 1250 },
      { file: 'checks/a.sql', check: check('EU analysts see EU rows'), identity: 'yourself', verdict: 'skipped', outcomes: [], error: 'stopped', durationMs: 0 },
      { file: 'checks/b.sql', check: check('no SSN'), identity: 'alice', verdict: 'error', outcomes: [], error: 'impersonation not verified', durationMs: 40 },
    ];
    const parsed = parse(junitXml(summary(results), { name: 'nightly' }));
    assert.equal(parsed.testsuites.name, 'nightly');
    assert.deepEqual([parsed.testsuites.tests, parsed.testsuites.failures, parsed.testsuites.errors, parsed.testsuites.skipped, parsed.testsuites.time], ['3', '0', '1', '1', '2.345']);
    assert.deepEqual(
      parsed.testsuites.testsuite.map((suite) => [suite.name, suite.tests]),
      [
        ['checks/a.sql', '2'],
        ['checks/b.sql', '1'],
      ],
    );
    const [passed, skipped] = parsed.testsuites.testsuite[0].testcase;
    assert.equal(passed.classname, 'checks/a.sql');
    assert.equal(passed.name, 'EU analysts see EU rows (as bob@example.com)');
    assert.equal(passed.time, '1.250');
    assert.equal(passed.failure, undefined);
    assert.notEqual(skipped.skipped, undefined);
    const errored = parsed.testsuites.testsuite[1].testcase[0];
    assert.equal(errored.error?.message, 'impersonation not verified');
  });

  it('puts each failed expectation with its expected and actual text in the failure, and the stamp in system-out', () => {
    const results: CaseResult[] = [
      {
        file: 'a.sql',
        check: check('EU only', [rowsExpectation, regionExpectation]),
        identity: 'bob@example.com',
        verdict: 'failed',
        outcomes: [
          { expectation: rowsExpectation, passed: true, message: '3 rows' },
          { expectation: regionExpectation, passed: false, message: 'region had values outside (EU)', expected: 'EU', actual: 'EU\nUS' },
        ],
        stamp,
        durationMs: 12,
      },
    ];
    const testcase = parse(junitXml(summary(results))).testsuites.testsuite[0].testcase[0];
    assert.equal(testcase.failure?.type, 'expectation');
    assert.equal(testcase.failure?.message, 'region had values outside (EU)');
    const body = testcase.failure?.['#text'] ?? '';
    assert.match(body, /@expect region in \('EU'\) \(line 6\): region had values outside \(EU\)/);
    assert.match(body, /expected:\n {2}EU\nactual:\n {2}EU\n {2}US/);
    assert.doesNotMatch(body, /rows > 0/, 'expectations that held are not listed as failures');
    const out = testcase['system-out'] ?? '';
    for (const line of ['connection: Lab Redshift (governor)', 'platform: redshift', 'login: governor', 'identity: bob@example.com', 'assurance: read back', 'project: none', 'session id: 4711', 'query id: 99']) {
      assert.ok(out.includes(line), `system-out has "${line}":\n${out}`);
    }
  });

  it('escapes markup in every field and replaces characters XML 1.0 cannot carry', () => {
    const nasty = `a"b'c<d>&e]]>\u0000\u0007\u001b\ufffe\ud800`;
    const expectation: Expectation = { ...regionExpectation, source: nasty };
    const results: CaseResult[] = [
      {
        file: `dir/${nasty}.sql`,
        check: check(`check ${nasty}`, [expectation]),
        identity: `o'brien ${nasty}`,
        verdict: 'failed',
        outcomes: [{ expectation, passed: false, message: `line one\nline two ${nasty}`, expected: nasty, actual: `tab\there ${nasty}` }],
        stamp: { ...stamp, connection: nasty, project: nasty },
        durationMs: 1,
      },
    ];
    const xml = junitXml(summary(results));
    const testcase = parse(xml).testsuites.testsuite[0].testcase[0];
    const cleaned = `a"b'c<d>&e]]>\ufffd\ufffd\ufffd\ufffd\ufffd`;
    assert.equal(testcase.classname, `dir/${cleaned}.sql`);
    assert.equal(testcase.name, `check ${cleaned} (as o'brien ${cleaned})`);
    assert.equal(testcase.failure?.message, `line one\nline two ${cleaned}`, 'line breaks in an attribute survive as references');
    assert.ok(testcase.failure?.['#text'].includes(`actual:\n  tab\there ${cleaned}`));
    assert.ok(testcase['system-out']?.includes(`project: ${cleaned}`));
  });

  it('is a valid document for an empty run', () => {
    const parsed = parse(junitXml(summary([])));
    assert.equal(parsed.testsuites.tests, '0');
  });
});
