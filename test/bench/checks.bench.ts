/**
 * Issue 20's figure: 100 policy checks across 5 identities (20 each, alternating, so the run
 * does not get them grouped for free) on the lab PostgreSQL through the Redshift path, with the
 * connection's effect probe (every impersonation confirmed). Prints the total time, the
 * sessions the runner opened and the sessions the server saw reading (distinct backends in the
 * lab's query log): the target is one session per identity.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { parseCheckFile } from '../../src/checks/check-file';
import { runChecks } from '../../src/checks/check-runner';
import { PlatformLoader } from '../../src/platforms/loader';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres } from '../lab/postgres';
import { benchProfile } from './lab-profile';
import type { BenchFigure, BenchSuite } from './types';

const ROOT = path.resolve(__dirname, '../../..');
const IDENTITIES = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'yourself'];
const CHECKS = 100;

/** 100 checks, each as one identity, reading Customers with an expectation that holds for it. */
function checkFile(): string {
  const lines = ['-- @connection bench', ''];
  for (let i = 0; i < CHECKS; i++) {
    const identity = IDENTITIES[i % IDENTITIES.length];
    lines.push(`-- @check check ${i + 1}`, `-- @as ${identity}`);
    lines.push(identity === 'dave@example.com' ? '-- @expect no rows' : '-- @expect some rows');
    lines.push(`SELECT id, region, ssn FROM sales.customers WHERE id % 20 = ${i % 20};`, '');
  }
  return lines.join('\n');
}

async function measure(): Promise<BenchFigure[]> {
  const lab = await startLabPostgres();
  try {
    const loader = new PlatformLoader((platform) => path.join(ROOT, 'dist', 'platforms', `${platform}.js`));
    const registry = new WorksheetRegistry({ loadDriver: (platform) => loader.load(platform), getSecret: async () => ({ password: lab.logins.governor.password }), logger: silentLogger });
    const profile = benchProfile(lab, { effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' } });
    const text = checkFile();
    const parsed = parseCheckFile(text, 'postgres');
    if (parsed.diagnostics.length > 0) throw new Error(`the bench's check file has problems: ${JSON.stringify(parsed.diagnostics[0])}`);
    // Loads the driver once, outside the figure (the extension host has it loaded after the first run).
    await loader.load('redshift');
    const since = (await lab.adminQuery<{ now: string }>('SELECT clock_timestamp()::text AS now'))[0].now;
    const summary = await runChecks(
      [{ file: path.join(ROOT, 'out', 'bench-checks.sql'), text, parsed, profile }],
      { open: (bound) => registry.create(bound), close: (worksheet) => registry.close(worksheet.id) },
      { concurrency: 4, rowLimit: 10_000, minimumAssurance: 'read-back', updateSnapshots: false },
    );
    await registry.dispose();
    if (summary.passed !== CHECKS) throw new Error(`expected ${CHECKS} passing checks, got ${summary.passed} passed, ${summary.failed} failed, ${summary.errors} errors`);
    const backends = await lab.adminQuery<{ n: string }>("SELECT count(DISTINCT backend_pid) AS n FROM immuta.query_log WHERE at > $1::timestamptz AND login = 'governor'", [since]);
    return [
      { name: `policy checks: ${CHECKS} checks across ${IDENTITIES.length} identities, total`, value: summary.durationMs, unit: 'ms' },
      { name: '… per check', value: Math.round((summary.durationMs / CHECKS) * 10) / 10, unit: 'ms' },
      { name: '… sessions the runner opened', value: summary.sessionsOpened, unit: 'sessions', target: `= ${IDENTITIES.length} (one per identity)`, met: summary.sessionsOpened === IDENTITIES.length },
      { name: '… sessions the server saw reading', value: Number(backends[0].n), unit: 'sessions', target: `= ${IDENTITIES.length}`, met: Number(backends[0].n) === IDENTITIES.length },
    ];
  } finally {
    await lab.stop();
  }
}

export const checksBench: BenchSuite = { title: 'Policy checks (issue 20)', run: measure };
