/**
 * Chaos: worksheets with different identities run audited reads while their sessions are
 * killed at random (see chaos/chaos.ts). Nothing may run as the wrong identity, and the only
 * failures are the statements the server was running when their session was killed: one per
 * running kill, none for a session ended between statements.
 */
import * as assert from 'node:assert/strict';
import { DatabricksUnderTest } from './conformance/databricks';
import type { PlatformUnderTest } from './conformance/platform-under-test';
import { RedshiftUnderTest } from './conformance/redshift';
import { SnowflakeUnderTest } from './conformance/snowflake';
import { SynapseUnderTest } from './conformance/synapse';
import { TrinoUnderTest } from './conformance/trino';
import { describeReport, runChaos, type ChaosOptions, type ChaosReport } from './chaos/chaos';
import { lab } from './shared-lab';

const RECONNECTS = /The next statement opens a new session/;

function assertHeld(report: ChaosReport, options: ChaosOptions): void {
  process.stdout.write(`      ${describeReport(report)}\n`);
  // Each violation names the statement and what went wrong; a failure must say which, or it cannot be diagnosed.
  assert.deepEqual(report.violations, [], `${report.violations.length} violations:\n${report.violations.join('\n')}\nkills: ${JSON.stringify(report.kills)}`);
  const running = report.kills.filter((kill) => kill.kind === 'running').length;
  assert.equal(report.kills.length, options.kills, 'every planned kill happened');
  assert.ok(running > 0, 'some kills hit running statements');
  if (options.runningShare < 1) assert.ok(running < report.kills.length, 'some kills ended idle sessions');
  assert.equal(report.failures.length, running, 'one failure per running kill, none for idle kills');
  assert.ok(report.statements >= options.worksheets * options.statementsPerWorksheet);
}

describe('chaos: sessions killed under running worksheets', function () {
  this.timeout(60000);

  it('Redshift: 8 worksheets, 24 kills; nothing ran as the wrong identity, and only the statements running when killed failed', async () => {
    const options: ChaosOptions = { seed: 20240514, worksheets: 8, kills: 24, runningShare: 0.6, statementsPerWorksheet: 30, waitMs: 10000, nextStep: RECONNECTS };
    assertHeld(await runChaos(new RedshiftUnderTest(), options), options);
  });

  // The other labs hand their SQL to the same PostgreSQL, one backend per platform session
  // (Trino: pooled per login), so the same kills reach them. An idle kill ends the session the
  // platform's own way (Synapse: connection killed; Snowflake, Databricks: session expired);
  // Trino has no server session to end alone, so it only meets running kills.
  const others: readonly { readonly put: PlatformUnderTest; readonly options: ChaosOptions }[] = [
    { put: new SynapseUnderTest(), options: { seed: 7, worksheets: 6, kills: 10, runningShare: 0.6, statementsPerWorksheet: 10, waitMs: 10000, nextStep: RECONNECTS } },
    { put: new SnowflakeUnderTest(), options: { seed: 11, worksheets: 6, kills: 10, runningShare: 0.6, statementsPerWorksheet: 10, waitMs: 10000, nextStep: RECONNECTS } },
    { put: new DatabricksUnderTest(), options: { seed: 13, worksheets: 6, kills: 8, runningShare: 0.6, statementsPerWorksheet: 5, waitMs: 10000, nextStep: RECONNECTS } },
    { put: new TrinoUnderTest(), options: { seed: 17, worksheets: 6, kills: 10, runningShare: 1, statementsPerWorksheet: 10, waitMs: 10000, nextStep: /session is unaffected/ } },
  ];
  for (const { put, options } of others) {
    describe(put.platform, () => {
      before(async function () {
        this.timeout(60000);
        await put.start(lab());
      });
      after(async function () {
        this.timeout(30000);
        await put.stop();
      });
      it(`${options.worksheets} worksheets, ${options.kills} kills; nothing ran as the wrong identity, and only the statements running when killed failed`, async () => {
        assertHeld(await runChaos(put, options), options);
      });
    });
  }
});
