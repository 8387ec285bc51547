/**
 * Chaos: worksheets with different identities run audited reads while their sessions are
 * killed at random (see chaos/chaos.ts). Nothing may run as the wrong identity, and the only
 * failures are the statements the server was running when their session was killed.
 */
import * as assert from 'node:assert/strict';
import { RedshiftUnderTest } from './conformance/redshift';
import { describeReport, runChaos, type ChaosOptions } from './chaos/chaos';

const REDSHIFT: ChaosOptions = { seed: 20240514, worksheets: 8, kills: 24, runningShare: 0.6, statementsPerWorksheet: 30, waitMs: 10000 };

describe('chaos: sessions killed under running worksheets', function () {
  this.timeout(60000);

  it('Redshift: 8 worksheets, 24 kills; nothing ran as the wrong identity, and only the statements running when killed failed', async () => {
    const put = new RedshiftUnderTest();
    const report = await runChaos(put, REDSHIFT);
    process.stdout.write(`      ${describeReport(report)}\n`);
    assert.deepEqual(report.violations, []);
    const running = report.kills.filter((kill) => kill.kind === 'running').length;
    assert.ok(running > 0 && running < report.kills.length, 'both kinds of kill happened');
    assert.equal(report.failures.length, running, 'one failure per running kill, none for idle kills');
    assert.ok(report.statements >= REDSHIFT.worksheets * REDSHIFT.statementsPerWorksheet);
  });
});
