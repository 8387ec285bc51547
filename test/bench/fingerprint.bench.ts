/**
 * What fingerprinting a result costs on the extension host's thread: rows shaped like the wide
 * benchmark's (test/lab/wide-query.ts, as the Redshift driver hands them over) in driver-sized
 * batches, hashed by ResultFingerprint; beside it, JSON.stringify of the same batches alone (what
 * the host's result store already pays), and what rows past the cap cost.
 */
import { BATCH_ROWS } from '../../src/platforms/row-batcher';
import type { ColumnInfo, Row } from '../../src/platforms/types';
import { FINGERPRINT_BUDGET, ResultFingerprint } from '../../src/worksheets/result-fingerprint';
import { WIDE_COLUMNS } from './sort/wide-rows';
import type { BenchFigure, BenchSuite } from './types';
import { median } from './stats';

const ROWS = 200_000;
const RUNS = 5;
const MB = 1024 * 1024;

const COLUMNS: readonly ColumnInfo[] = WIDE_COLUMNS;

function wideRow(g: number): Row {
  const day = new Date(Date.UTC(2026, 0, 1) + (g % 365) * 86_400_000).toISOString().slice(0, 10);
  const seen = new Date(Date.UTC(2026, 0, 1) + g * 1000).toISOString().replace('T', ' ').slice(0, 19);
  return [
    g,
    `customer ${g}`,
    g * 1.25,
    g % 2 === 0,
    day,
    seen,
    (g / 7).toFixed(4),
    g % 7 === 0 ? null : `note ${g % 1000}`,
    (g * 2654435761).toString(16).padStart(32, '0').slice(-32),
    `{"id" : ${g}, "tag" : "x"}`,
  ];
}

function batches(): Row[][] {
  const out: Row[][] = [];
  for (let start = 1; start <= ROWS; start += BATCH_ROWS) {
    const batch: Row[] = [];
    for (let g = start; g < Math.min(start + BATCH_ROWS, ROWS + 1); g++) batch.push(wideRow(g));
    out.push(batch);
  }
  return out;
}


export const fingerprintBench: BenchSuite = {
  title: 'Result fingerprint',
  async run(): Promise<BenchFigure[]> {
    const data = batches();
    const encodedChars = data.reduce((sum, batch) => sum + JSON.stringify(batch).length - 1, 0);
    const hashing: number[] = [];
    const stringifyOnly: number[] = [];
    const pastCap: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let started = performance.now();
      const fingerprint = new ResultFingerprint();
      fingerprint.columns(COLUMNS);
      for (const batch of data) fingerprint.rows(batch);
      if (fingerprint.result()?.kind !== 'digest') throw new Error('the bench result was not fingerprinted');
      hashing.push(performance.now() - started);

      started = performance.now();
      let length = 0;
      for (const batch of data) length += JSON.stringify(batch).length;
      stringifyOnly.push(performance.now() - started);
      if (length === 0) throw new Error('nothing encoded');

      // A fingerprint already past its cap: what every further batch of a huge result costs.
      const capped = new ResultFingerprint({ maxRows: 0, maxChars: FINGERPRINT_BUDGET.maxChars });
      capped.columns(COLUMNS);
      started = performance.now();
      for (const batch of data) capped.rows(batch);
      pastCap.push(performance.now() - started);
      if (capped.result()?.kind !== 'too-large') throw new Error('the capped fingerprint was not too large');
    }
    const mb = encodedChars / MB;
    const hashMs = median(hashing);
    return [
      { name: `encoded text of ${ROWS.toLocaleString('en')} wide rows`, value: mb, unit: 'MB' },
      { name: 'fingerprint throughput (JSON + SHA-256)', value: mb / (hashMs / 1000), unit: 'MB/s' },
      { name: 'fingerprint time per 100,000 rows', value: (hashMs * 100_000) / ROWS, unit: 'ms' },
      { name: 'JSON.stringify alone per 100,000 rows', value: (median(stringifyOnly) * 100_000) / ROWS, unit: 'ms' },
      { name: 'fingerprint at its cap (64 MB of text)', value: (hashMs * FINGERPRINT_BUDGET.maxChars) / encodedChars, unit: 'ms' },
      { name: 'rows past the cap, per 100,000 rows', value: (median(pastCap) * 100_000) / ROWS, unit: 'ms' },
    ];
  },
};
