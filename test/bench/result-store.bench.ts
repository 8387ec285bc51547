/**
 * The host as the only store of results:
 *
 * - 10,000,000 rows × 10 columns into one ResultSet under a 256 MB window budget: it completes by
 *   spilling; the host heap (sampled while storing, and after a forced GC) stays ≤ 2× the
 *   budget; an export of every row to CSV streams to a file (MB/s).
 *   The rows are made in-process, shaped like the lab's wide query (integer, text, float,
 *   boolean, date, timestamp, numeric, nullable text, hash, JSON): ten million rows from the lab
 *   PostgreSQL would spend minutes of a shared 2-core machine in the server and the driver,
 *   which is not what this figure is about (the 1M-row lab figure below covers the driver).
 * - statement start → every row stored in the host, through a real Redshift worksheet on the
 *   lab's PostgreSQL, against a bare pg fetch of the same 1,000,000-row query.
 */
import { benchProfile } from './lab-profile';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { RedshiftProfile, Row } from '../../src/platforms/types';
import { exportSourceOf, exportText } from '../../src/results/export';
import { ResultMemory } from '../../src/results/result-memory';
import { ResultSet } from '../../src/results/result-set';
import { RunResults } from '../../src/results/run-results';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres } from '../lab/postgres';
import { wideQuery } from '../lab/wide-query';
import { bareFetch } from './bare-fetch';
import type { BenchFigure, BenchSuite } from './types';
import { median } from './stats';

const MB = 1024 * 1024;
const BIG_ROWS = Number(process.env.STORE_BENCH_ROWS ?? 10_000_000);
const BUDGET = 256 * MB;
const LAB_ROWS = 1_000_000;
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 3);
const BATCH = 1000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A batch of rows shaped like the lab's wide query. */
function wideBatch(from: number, count: number): Row[] {
  const rows: Row[] = [];
  for (let g = from; g < from + count; g++) {
    const hash = ((g * 2654435761) >>> 0).toString(16).padStart(8, '0');
    rows.push([
      g,
      `customer ${g}`,
      g * 1.25,
      g % 2 === 0,
      `2026-${String((g % 12) + 1).padStart(2, '0')}-${String((g % 28) + 1).padStart(2, '0')}`,
      `2026-01-01 ${String(g % 24).padStart(2, '0')}:${String(g % 60).padStart(2, '0')}:${String(g % 60).padStart(2, '0')}`,
      (g / 7).toFixed(4),
      g % 7 === 0 ? null : `note ${g % 1000}`,
      hash.repeat(4),
      `{"id" : ${g}, "tag" : "x"}`,
    ]);
  }
  return rows;
}

/** The big result's figures; with `encrypt`, its spill is sealed (store time only, no export). */
async function tenMillion(folder: string, encrypt: boolean): Promise<BenchFigure[]> {
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let peakAfterGc = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 50);
  const memory = new ResultMemory({ budgetBytes: BUDGET, spillFolder: folder });
  const result = new ResultSet('bench:0', 0, 'select …', Number.MAX_SAFE_INTEGER, 0, { memory, encrypt: () => encrypt });
  result.started({ platform: 'bench', profile: 'bench', login: 'bench', ranAs: null, startedAt: Date.now(), durationMs: null, rowCount: null, queryId: null });
  result.setColumns(['id', 'name', 'amount', 'active', 'day', 'seen_at', 'ratio', 'note', 'hash', 'doc'].map((name) => ({ name, type: 'text' })));
  const started = performance.now();
  try {
    for (let from = 1; from <= BIG_ROWS; from += BATCH) {
      void result.append(wideBatch(from, Math.min(BATCH, BIG_ROWS - from + 1)));
      // A driver yields between network reads; so do we, which lets the sampler run.
      if ((from - 1) % (50 * BATCH) === 0) await new Promise((resolve) => setImmediate(resolve));
      if ((from - 1) % 1_000_000 === 0) {
        gc();
        peakAfterGc = Math.max(peakAfterGc, process.memoryUsage().heapUsed);
      }
    }
    result.finish({ status: 'succeeded', rowCount: BIG_ROWS, command: 'SELECT', durationMs: 0, queryId: null });
    const storeMs = performance.now() - started;
    gc();
    const settled = process.memoryUsage().heapUsed;
    peakAfterGc = Math.max(peakAfterGc, settled);
    peak = Math.max(peak, settled);
    const spilledMB = memory.spilledBytes / MB;
    const rows = `${(BIG_ROWS / 1e6).toFixed(0)}M rows`;
    if (encrypt) {
      return [{ name: `${rows}, spill encrypted (AES-256-GCM per chunk): store time (${spilledMB.toFixed(0)} MB spilled)`, value: storeMs / 1000, unit: 's' }];
    }

    const csv = path.join(folder, 'export.csv');
    const exportStarted = performance.now();
    const stream = createWriteStream(csv);
    for await (const piece of exportText(exportSourceOf(result), 'csv', false)) {
      if (!stream.write(piece)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    const csvMB = statSync(csv).size / MB;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const spillPath = result.spillPath;
    result.dispose();
    const spillGone = spillPath !== undefined && !fileExists(spillPath);
    const limit = (2 * BUDGET) / MB;
    return [
      { name: `${rows} × 10 into a 256 MB budget: store time`, value: storeMs / 1000, unit: 's' },
      { name: `${rows}: spilled to the file (spill deleted on dispose: ${spillGone ? 'yes' : 'NO'})`, value: spilledMB, unit: 'MB', target: '> 0, deleted', met: spilledMB > 0 && spillGone },
      { name: `${rows}: peak heapUsed, sampled every 50 ms (baseline ${(baseline / MB).toFixed(0)} MB)`, value: peak / MB, unit: 'MB', target: `≤ ${limit} MB`, met: peak / MB <= limit },
      { name: `${rows}: peak heapUsed after GC (each 1M rows)`, value: peakAfterGc / MB, unit: 'MB', target: `≤ ${limit} MB`, met: peakAfterGc / MB <= limit },
      { name: `${rows}: export to CSV, streamed (${csvMB.toFixed(0)} MB in ${exportSeconds.toFixed(1)} s)`, value: csvMB / exportSeconds, unit: 'MB/s' },
    ];
  } finally {
    clearInterval(sampler);
    result.dispose();
    memory.dispose();
  }
}

function fileExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

async function labRatio(folder: string): Promise<BenchFigure[]> {
  const lab = await startLabPostgres();
  const loader = new PlatformLoader((platform) => path.resolve(__dirname, '../../../dist/platforms', `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async () => ({ password: lab.logins.governor.password }),
    logger: silentLogger,
  });
  const memory = new ResultMemory({ budgetBytes: BUDGET, spillFolder: folder });
  try {
    const profile: RedshiftProfile = benchProfile(lab);
    const worksheet = registry.create(profile);
    const [opened] = await worksheet.run([{ text: 'SELECT 1' }]).outcomes;
    if (opened.status !== 'succeeded') throw new Error(`bench could not connect: ${opened.status}`);
    const sql = wideQuery(LAB_ROWS);
    const stored: number[] = [];
    const bareDefault: number[] = [];
    const bareText: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let startedAt = 0;
      const results = new RunResults('bench.sql', [sql], {
        rowLimit: 2 * LAB_ROWS,
        storage: { memory, encrypt: () => false },
        platformName: () => 'Amazon Redshift',
        describeError: (error) => ({ message: error instanceof Error ? error.message : String(error) }),
        onStarted: () => {
          startedAt = performance.now();
        },
      });
      const [outcome] = await worksheet.run([{ text: sql }], results.observer()).outcomes;
      stored.push(performance.now() - startedAt);
      if (outcome.status !== 'succeeded' || results.results[0].rowCount !== LAB_ROWS) throw new Error(`bench run: ${outcome.status}, ${results.results[0].rowCount} rows`);
      results.dispose();
      bareDefault.push(await bareFetch(lab, sql, false, LAB_ROWS));
      bareText.push(await bareFetch(lab, sql, true, LAB_ROWS));
    }
    const bare = Math.min(median(bareDefault), median(bareText));
    const ratio = median(stored) / bare;
    return [
      { name: `1M lab rows: statement start → every row stored in the host (median of ${RUNS})`, value: median(stored), unit: 'ms' },
      { name: `1M lab rows: bare pg fetch, default parsing (median of ${RUNS})`, value: median(bareDefault), unit: 'ms' },
      { name: `1M lab rows: bare pg fetch, arrays of text (median of ${RUNS})`, value: median(bareText), unit: 'ms' },
      { name: '1M lab rows: ratio stored / faster bare fetch', value: ratio, unit: '×', target: '≤ 1.15', met: ratio <= 1.15 },
    ];
  } finally {
    await registry.dispose();
    memory.dispose();
    await lab.stop();
  }
}

export const resultStoreBench: BenchSuite = {
  title: 'Result store',
  async run(): Promise<BenchFigure[]> {
    const folder = mkdtempSync(path.join(tmpdir(), 'result-store-bench-'));
    try {
      const figures = [...(await tenMillion(folder, false)), ...(await tenMillion(folder, true))];
      if (process.env.STORE_BENCH_SKIP_LAB) return figures;
      return [...figures, ...(await labRatio(folder))];
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
