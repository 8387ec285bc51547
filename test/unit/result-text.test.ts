import * as assert from 'node:assert/strict';
import { PlatformError } from '../../src/platforms/errors';
import { outcomeLine, renderTable, stampLine } from '../../src/ui/result-text';
import type { RunStamp } from '../../src/worksheets/run-types';

const stamp: RunStamp = {
  platform: 'redshift',
  profileName: 'Prod',
  login: 'governor',
  sessionId: '4242',
  ranAs: { kind: 'impersonating', user: 'bob@example.com', verification: 'not-available' },
  startedAt: Date.UTC(2026, 10, 29, 12, 0, 0),
};

describe('results as text', () => {
  it('stamps whom a statement ran as, with the login and session', () => {
    const line = stampLine('demo.sql', stamp);
    assert.match(line, /^as bob@example\.com \(login governor\) · Prod · session 4242 · demo\.sql · /);
    assert.match(stampLine('demo.sql', { ...stamp, ranAs: { kind: 'yourself' } }), /^as yourself \(governor\)/);
  });

  it('draws a table, NULL distinct from the text NULL, long and multi-line cells shortened', () => {
    const lines = renderTable(
      [
        { name: 'id', type: 'int4' },
        { name: 'note', type: 'text' },
      ],
      [
        [1, null],
        [2, 'NULL'],
        [3, `first line\nsecond ${'x'.repeat(80)}`],
      ],
    );
    assert.equal(lines[0], 'id │ note                                                        ');
    assert.match(lines[2], /^1 {2}│ ∅ NULL/);
    assert.match(lines[3], /^2 {2}│ NULL/);
    assert.match(lines[4], /^3 {2}│ first line second x+…$/);
    assert.ok(!lines[4].includes('\n'));
  });

  it('summarises outcomes, keeping the server text of errors', () => {
    assert.equal(outcomeLine({ status: 'succeeded', stamp, summary: { rowCount: 3, command: 'SELECT', hasResultSet: true, durationMs: 12.4, queryId: null } }), '✓ SELECT · 3 rows · 12 ms');
    assert.equal(outcomeLine({ status: 'succeeded', stamp, summary: { rowCount: 2, command: 'UPDATE', hasResultSet: false, durationMs: 3, queryId: null } }), '✓ UPDATE · 2 affected · 3 ms');
    const error = new PlatformError('permission', 'permission denied', { serverMessage: 'Immuta: governor does not have the IMPERSONATE_USER permission', code: '42501' });
    assert.match(outcomeLine({ status: 'failed', stamp, error }), /^✗ permission denied Server: Immuta: governor does not have the IMPERSONATE_USER permission Ask an Immuta administrator/);
    assert.equal(outcomeLine({ status: 'cancelled' }), '■ cancelled');
  });
});
