/**
 * Mocha's spec reporter plus a stats file, so the top-level runner can add up every tier into
 * one closing `N passed, N failed` line. Network-guard violations count as failures.
 */
import * as fs from 'node:fs';
import Mocha from 'mocha';
import { guardViolations } from './network-guard';
import type { TierStats } from './tier-stats';

const { EVENT_RUN_END } = Mocha.Runner.constants;


class StatsReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const violations = guardViolations().length;
      const result: TierStats = {
        passed: stats.passes,
        failed: stats.failures + violations,
        pending: stats.pending,
        guardViolations: violations,
      };
      const file = process.env.TEST_STATS_FILE;
      if (file) {
        fs.writeFileSync(file, JSON.stringify(result));
      }
    });
  }
}

export = StatsReporter;
