/**
 * Compare as… (issue 18) on the lab's PostgreSQL: one statement run as three identities, each
 * seeing about 100,000 rows × 10 columns of a bench-only policy view, then the diff in its worker.
 *
 * The view (made here, not in the fixture) reads the Customers data source's access context as
 * `sales.customers` does: most rows are for every region, one in twenty for each of US, EU and
 * APAC, so alice (US), bob (EU, under Fraud Analytics) and carol (APAC) each see 100,008 rows,
 * 5,556 of them only their own; ssn is in the clear for carol (pii_readers) and masked for the
 * others. Figures:
 *
 * - comparison complete (three sides in parallel, then the diff) vs the slowest side run alone,
 *   and vs the slowest side as it ran within the comparison; with the host's event-loop use, which
 *   shows whether the sides wait on the server or share the host's one thread (on the loopback
 *   lab a side is mostly the host's work: reading the driver's rows, the result fingerprint);
 * - the diff itself (diffInWorker: posting the chunks, parsing and comparing in the worker);
 * - host heap growth (sampled, main thread) vs the sides' data as UTF-8 text (every value in its
 *   text form, NULL nothing); RSS growth too, which includes the worker's heap;
 * - the host's event-loop delay during the diff (monitorEventLoopDelay, 10 ms resolution).
 */
import { benchProfile } from './lab-profile';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../../src/common/logger';
import { runComparison, type ComparisonSide, type SucceededSide } from '../../src/compare/comparison-runner';
import { diffInWorker } from '../../src/compare/diff-client';
import { PlatformLoader } from '../../src/platforms/loader';
import type { CellValue, RedshiftProfile } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres, type LabPostgres } from '../lab/postgres';
import { median } from './stats';
import type { BenchFigure, BenchSuite } from './types';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(ROOT, 'dist/compare-worker.js');
const RAW_ROWS = 111_120;
const IDENTITIES = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const RUNS = Number(process.env.COMPARE_BENCH_RUNS ?? 3);
const ROW_LIMIT = 200_000;
const MB = 1024 * 1024;
const STATEMENT = 'SELECT * FROM sales.bench_customers';

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function createBenchView(lab: LabPostgres): Promise<void> {
  await lab.adminQuery(`CREATE TABLE immuta_raw.bench_customers AS
    SELECT g AS id,
           'Customer ' || g AS full_name,
           'customer' || g || '@example.org' AS email,
           CASE WHEN g % 20 < 17 THEN 'ALL' ELSE (ARRAY['US', 'EU', 'APAC'])[g % 20 - 16] END AS region,
           lpad((g % 1000)::text, 3, '0') || '-' || lpad((g % 100)::text, 2, '0') || '-' || lpad((g * 7919 % 10000)::text, 4, '0') AS ssn,
           (1000 + (g * 37 % 50) * 500)::numeric(12,2) AS credit_limit,
           DATE '2020-01-01' + (g * 13 % 1826) AS signup_date,
           (g * 0.731)::float8 AS score,
           (g % 3 = 0) AS active,
           CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || (g % 997) END AS note
    FROM generate_series(1, ${RAW_ROWS}) AS g`);
  await lab.adminQuery(`CREATE VIEW sales.bench_customers WITH (security_barrier) AS
    SELECT c.id, c.full_name, c.email, c.region,
           CASE WHEN 'pii_readers' = ANY (ctx.groups) THEN c.ssn ELSE '***-**-' || right(c.ssn, 4) END AS ssn,
           c.credit_limit, c.signup_date, c.score, c.active, c.note
    FROM immuta.access_context('Customers') AS ctx
    CROSS JOIN LATERAL (
      SELECT r.* FROM immuta_raw.bench_customers AS r
      WHERE ctx.data_source_visible AND (r.region = 'ALL' OR 'global' = ANY (ctx.groups) OR (ctx.attributes -> 'region') ? r.region)
      OFFSET 0
    ) AS c`);
  await lab.adminQuery('GRANT SELECT ON sales.bench_customers TO lab_login');
}

function succeeded(sides: readonly ComparisonSide[]): SucceededSide[] {
  return sides.map((side) => {
    if (side.status !== 'succeeded') throw new Error(`bench side ${side.label}: ${side.status === 'failed' ? side.error.message : side.status}`);
    if (side.truncated) throw new Error(`bench side ${side.label} was truncated`);
    return side;
  });
}

/** The sides' data as UTF-8 text: every value in its text form, NULL counting nothing. */
function utf8Bytes(sides: readonly SucceededSide[]): number {
  let bytes = 0;
  for (const side of sides) {
    for (const chunk of side.chunks) for (const row of JSON.parse(chunk) as CellValue[][]) for (const value of row) if (value !== null) bytes += Buffer.byteLength(String(value));
  }
  return bytes;
}

async function measure(lab: LabPostgres): Promise<BenchFigure[]> {
  const loader = new PlatformLoader((platform) => path.join(ROOT, 'dist/platforms', `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async () => ({ password: lab.logins.governor.password }),
    logger: silentLogger,
  });
  const profile: RedshiftProfile = benchProfile(lab);
  const sessions = { open: (bound: RedshiftProfile) => registry.create(bound), close: (worksheet: { id: string }) => registry.close(worksheet.id) };
  const compare = async (identities: readonly string[], onSide?: () => void) =>
    succeeded(await runComparison(sessions, profile, STATEMENT, identities, { rowLimit: ROW_LIMIT, concurrency: 3, onSide }));
  try {
    // Warm-up: the driver module, the server's caches, the worker script.
    await compare([IDENTITIES[0]]);
    const slowestAlone: number[] = [];
    const sumAlone: number[] = [];
    const slowestWithin: number[] = [];
    const aloneBusy: number[] = [];
    const parallelBusy: number[] = [];
    const runsOnly: number[] = [];
    const complete: number[] = [];
    const diffs: number[] = [];
    const lags: number[] = [];
    const idleLags: number[] = [];
    const heapGrowth: number[] = [];
    const rssGrowth: number[] = [];
    let dataBytes = 0;
    let rowsPerSide: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const alone: number[] = [];
      const busyAtStart = performance.eventLoopUtilization();
      for (const identity of IDENTITIES) {
        const started = performance.now();
        await compare([identity]);
        alone.push(performance.now() - started);
      }
      aloneBusy.push(performance.eventLoopUtilization(busyAtStart).utilization);
      slowestAlone.push(Math.max(...alone));
      sumAlone.push(alone.reduce((sum, ms) => sum + ms, 0));

      gc();
      const baseHeap = process.memoryUsage().heapUsed;
      const baseRss = process.memoryUsage().rss;
      let peakHeap = baseHeap;
      let peakRss = baseRss;
      const sampler = setInterval(() => {
        const usage = process.memoryUsage();
        peakHeap = Math.max(peakHeap, usage.heapUsed);
        peakRss = Math.max(peakRss, usage.rss);
      }, 20);
      const started = performance.now();
      const parallelStart = performance.eventLoopUtilization();
      let lastSideEnded = started;
      const sides = await compare(IDENTITIES, () => {
        lastSideEnded = performance.now();
      });
      slowestWithin.push(lastSideEnded - started);
      parallelBusy.push(performance.eventLoopUtilization(parallelStart).utilization);
      const ranAt = performance.now();
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const diff = await diffInWorker(sides, { workerPath: WORKER });
      lag.disable();
      const ended = performance.now();
      clearInterval(sampler);
      const usage = process.memoryUsage();
      peakHeap = Math.max(peakHeap, usage.heapUsed);
      peakRss = Math.max(peakRss, usage.rss);
      runsOnly.push(ranAt - started);
      complete.push(ended - started);
      diffs.push(ended - ranAt);
      lags.push(lag.max / 1e6);
      // The same length of time with nothing running: how late timers are on this machine anyway.
      const idle = monitorEventLoopDelay({ resolution: 10 });
      idle.enable();
      await new Promise((resolve) => setTimeout(resolve, ended - ranAt));
      idle.disable();
      idleLags.push(idle.max / 1e6);
      heapGrowth.push(peakHeap - baseHeap);
      rssGrowth.push(peakRss - baseRss);
      if (diff.presence.length !== 3 || diff.columns.find((column) => column.name === 'ssn')?.forms.join() !== 'masked,masked,clear') {
        throw new Error(`bench diff is not what the policies give: ${diff.summaries.join(' | ')}`);
      }
      rowsPerSide = sides.map((side) => side.rowCount);
      dataBytes = utf8Bytes(sides);
    }
    const ratio = median(complete) / median(slowestAlone);
    const ratioWithin = median(complete) / median(slowestWithin);
    const memoryRatio = median(heapGrowth) / dataBytes;
    const diffMs = median(diffs);
    const lagMs = Math.max(...lags);
    const rows = `3 × ${rowsPerSide.map((count) => count.toLocaleString('en-US')).join('/')} rows × 10`;
    return [
      { name: `${rows}: slowest side run alone (median of ${RUNS})`, value: median(slowestAlone), unit: 'ms' },
      { name: `${rows}: the three sides run alone one after another, in all (median of ${RUNS})`, value: median(sumAlone), unit: 'ms' },
      { name: `${rows}: host event loop busy while a side runs alone (median of ${RUNS})`, value: 100 * median(aloneBusy), unit: '%' },
      { name: `${rows}: three sides in parallel, runs only (median of ${RUNS})`, value: median(runsOnly), unit: 'ms' },
      { name: `${rows}: host event loop busy while three sides run in parallel (median of ${RUNS})`, value: 100 * median(parallelBusy), unit: '%' },
      { name: `${rows}: comparison complete, sides + diff (median of ${RUNS})`, value: median(complete), unit: 'ms' },
      { name: `${rows}: comparison complete / slowest side alone`, value: ratio, unit: '×', target: '≤ 2', met: ratio <= 2 },
      { name: `${rows}: comparison complete / slowest side as it ran in the comparison (start → its end)`, value: ratioWithin, unit: '×', target: '≤ 2', met: ratioWithin <= 2 },
      { name: `${rows}: the diff in its worker, chunks posted → answer (median of ${RUNS})`, value: diffMs, unit: 'ms', target: '≤ 1500 ms', met: diffMs <= 1500 },
      { name: `${rows}: the sides' data as UTF-8 text`, value: dataBytes / MB, unit: 'MB' },
      { name: `${rows}: host heap growth, peak sampled (median of ${RUNS})`, value: median(heapGrowth) / MB, unit: 'MB' },
      { name: `${rows}: host heap growth / data size`, value: memoryRatio, unit: '×', target: '≤ 3', met: memoryRatio <= 3 },
      { name: `${rows}: RSS growth, peak sampled, worker's heap included (median of ${RUNS})`, value: median(rssGrowth) / MB, unit: 'MB' },
      { name: `${rows}: host event-loop delay during the diff, max of ${RUNS} (${lags.map((ms) => ms.toFixed(0)).join(', ')})`, value: lagMs, unit: 'ms', target: '≤ 50 ms', met: lagMs <= 50 },
      { name: `${rows}: host event-loop delay, as long idle after each diff, max of ${RUNS} (${idleLags.map((ms) => ms.toFixed(0)).join(', ')})`, value: Math.max(...idleLags), unit: 'ms' },
    ];
  } finally {
    await registry.dispose();
  }
}

export const compareBench: BenchSuite = {
  title: 'Compare as',
  async run(): Promise<BenchFigure[]> {
    const lab = await startLabPostgres();
    try {
      await createBenchView(lab);
      return await measure(lab);
    } finally {
      await lab.stop();
    }
  },
};
