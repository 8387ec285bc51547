import type { Row } from '../platforms/types';
import type { SucceededSide } from './comparison-runner';
import type { ComparisonDiff } from './diff';
import { differingRowsCsvInWorker, diffInWorker } from './diff-client';

/** How a comparison's differences, CSV and first rows are made from the sides the runner kept. */
export interface ComparisonEngine {
  diff(sides: readonly SucceededSide[], signal: AbortSignal): Promise<ComparisonDiff>;
  /** The CSV of the rows that differ (one line per identity and row), for a diff made before. */
  differingCsv(sides: readonly SucceededSide[], diff: ComparisonDiff, signal: AbortSignal): Promise<string>;
  /** The first `count` rows of a side (parsed from its first chunks only). */
  preview(side: SucceededSide, count: number): Row[];
}

/** The diff and the CSV in a worker thread (dist/compare-worker.js), off the host's event loop. */
export function workerEngine(workerPath: string): ComparisonEngine {
  return {
    diff: (sides, signal) => diffInWorker(sides, { workerPath, signal }),
    differingCsv: (sides, diff, signal) => differingRowsCsvInWorker(sides, diff, { workerPath, signal }),
    preview: (side, count) => previewRows(side.chunks, count),
  };
}

export function previewRows(chunks: readonly string[], count: number): Row[] {
  const rows: Row[] = [];
  for (const chunk of chunks) {
    if (rows.length >= count) break;
    for (const row of JSON.parse(chunk) as Row[]) {
      if (rows.length >= count) break;
      rows.push(row);
    }
  }
  return rows;
}
