import * as assert from 'node:assert/strict';
import { comparisonJson, comparisonMarkdown, summaryLines, type ComparisonReport } from '../../src/compare/comparison-report';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import type { Row } from '../../src/platforms/types';

const COLUMNS = ['id', 'region', 'ssn'];
const row = (id: number, masked = false): Row => [id, id <= 2 ? 'US' : 'EU', masked ? `***-**-${1000 + id}` : `123-45-${1000 + id}`];
const yourself: ComparedSide = { label: 'yourself', columns: COLUMNS, rows: [1, 2, 3, 4].map((id) => row(id)) };
const alice: ComparedSide = { label: 'alice@example.com', columns: COLUMNS, rows: [1, 2].map((id) => row(id, true)) };

function report(overrides: Partial<ComparisonReport> = {}): ComparisonReport {
  const diff = compareSides([yourself, alice]);
  return {
    statement: 'SELECT id, region, ssn FROM sales.customers',
    connection: 'Lab Redshift (governor)',
    platform: 'redshift',
    startedAt: Date.UTC(2026, 11, 3, 12, 0, 0),
    finishedAt: Date.UTC(2026, 11, 3, 12, 0, 2),
    sides: [
      { label: 'yourself', state: 'succeeded', ranAs: 'yourself (governor)', project: null, rows: 4, durationMs: 12.4, queryId: '4711', sessionId: '4711', columns: COLUMNS },
      { label: 'alice@example.com', state: 'succeeded', ranAs: 'alice@example.com', project: 'Fraud Analytics', rows: 2, durationMs: 20, queryId: '4712', sessionId: '4712', columns: COLUMNS },
      { label: 'nobody@example.com', state: 'failed', message: 'User "nobody@example.com" does not exist in Immuta.' },
    ],
    diff,
    compared: ['yourself', 'alice@example.com'],
    ...overrides,
  };
}

describe('the comparison report (view, JSON and Markdown say the same)', () => {
  it('leads with one line per identity in the order chosen: the diff\u2019s line with the project, or why a side has none', () => {
    assert.deepEqual(summaryLines(report()), [
      'yourself: 4 rows · ssn in the clear',
      'alice@example.com: 2 rows (−2 vs yourself) · ssn masked · project Fraud Analytics',
      'nobody@example.com: failed · User "nobody@example.com" does not exist in Immuta.',
    ]);
  });

  it('exports JSON with every side\u2019s stamp and the differences by identity', () => {
    const json = JSON.parse(comparisonJson(report())) as {
      sides: { identity: string; state: string; rows: number | null; queryId: string | null; project: string | null; message: string | null }[];
      differences: { key: unknown; rowsSeenBySome: { seenBy: string[]; notSeenBy: string[]; rows: number }[]; columns: { column: string; forms: Record<string, string | null> }[] };
      summary: string[];
    };
    assert.deepEqual(
      json.sides.map(({ identity, state, rows, queryId }) => [identity, state, rows, queryId]),
      [
        ['yourself', 'succeeded', 4, '4711'],
        ['alice@example.com', 'succeeded', 2, '4712'],
        ['nobody@example.com', 'failed', null, null],
      ],
    );
    assert.equal(json.sides[2].message, 'User "nobody@example.com" does not exist in Immuta.');
    assert.deepEqual(json.differences.key, { kind: 'columns', columns: ['id'] });
    assert.deepEqual(json.differences.rowsSeenBySome.map(({ seenBy, notSeenBy, rows }) => ({ seenBy, notSeenBy, rows })), [{ seenBy: ['yourself'], notSeenBy: ['alice@example.com'], rows: 2 }]);
    assert.deepEqual(json.differences.columns.find((column) => column.column === 'ssn')?.forms, { yourself: 'clear', 'alice@example.com': 'masked' });
    assert.equal(json.summary.length, 3);
  });

  it('writes a Markdown summary for a ticket: the statement, the lines, a table of sides, and the differences', () => {
    const markdown = comparisonMarkdown(report());
    assert.match(markdown, /^## Compared as 3 identities on Lab Redshift \(governor\)\n/);
    assert.ok(markdown.includes('```sql\nSELECT id, region, ssn FROM sales.customers\n```'));
    assert.ok(markdown.includes('- alice@example.com: 2 rows (−2 vs yourself) · ssn masked · project Fraud Analytics'));
    assert.ok(markdown.includes('| alice@example.com | alice@example.com | Fraud Analytics | 2 | 20 ms | 4712 |'));
    assert.ok(markdown.includes('| nobody@example.com | failed |  |  |  |  |'));
    assert.ok(markdown.includes('| yourself | alice@example.com | 2 |'), 'rows only yourself sees');
    assert.ok(markdown.includes('| ssn | in the clear | masked | 2 of 2 |'), markdown);
  });

  it('keeps a statement with a pipe or a fence intact and table cells on one line', () => {
    const markdown = comparisonMarkdown(report({ statement: "SELECT 'a|b' AS x -- ```", connection: 'two\nlines | here' }));
    assert.ok(markdown.includes("~~~~sql\nSELECT 'a|b' AS x -- ```\n~~~~"));
    assert.match(markdown, /^## Compared as 3 identities on two lines \\\| here\n/);
  });

  it('says why there are no differences when fewer than two identities ran', () => {
    const markdown = comparisonMarkdown(report({ diff: undefined, compared: [], noDiff: 'only one identity ran the statement; a comparison needs two.' }));
    assert.ok(markdown.trimEnd().endsWith('No differences computed: only one identity ran the statement; a comparison needs two.'));
    assert.deepEqual(JSON.parse(comparisonJson(report({ diff: undefined, compared: [], noDiff: 'x' }))).differences, { none: 'x' });
  });
});
