/** The results-grid candidates as figures for `npm run bench` (see run.ts for the measurements). */
import type { BenchFigure, BenchSuite } from '../types';
import { runGridBench, type CandidateRun } from './run';

function figures({ candidate, mode, jsKB, cssKB, result: r }: CandidateRun): BenchFigure[] {
  const name = (what: string) => `${candidate}, ${mode}: ${what}`;
  const figures: BenchFigure[] = [
    { name: name('first paint'), value: r.firstPaintMs, unit: 'ms' },
    { name: name('stream 1M rows in batches of 1000'), value: r.appendMs, unit: 'ms' },
    { name: name('scroll frame interval, median'), value: r.frameMedianMs, unit: 'ms' },
    { name: name('scroll frame interval, p95'), value: r.frameP95Ms, unit: 'ms' },
    { name: name('scroll step work, median'), value: r.workMedianMs, unit: 'ms' },
    { name: name('scroll step work, p95'), value: r.workP95Ms, unit: 'ms' },
    { name: name('scroll steps with the top row missing'), value: r.blankSteps, unit: `of ${r.scrollSteps}`, target: '0', met: r.blankSteps === 0 },
    { name: name('viewport scroll height (paged/scaled when below 24 M)'), value: r.scrollHeightPx / 1e6, unit: 'M px' },
    { name: name('DOM rows while scrolling, max'), value: r.domRowsMax, unit: `rows (min ${r.domRowsMin})`, target: '< 200', met: r.domRowsMax < 200 },
    { name: name('last row reached'), value: r.lastRowReached ? 1 : 0, unit: 'yes=1', target: '1', met: r.lastRowReached },
    { name: name('sort 1M rows by id, descending'), value: r.sortMs, unit: 'ms' },
    { name: name('JS heap after load (data alone)'), value: r.heapLoadedMB, unit: `MB (${r.heapDataMB.toFixed(0)})` },
  ];
  if (mode === 'vsync') figures.unshift({ name: `${candidate}: bundle, minified (JS + CSS)`, value: jsKB + cssKB, unit: 'KB' });
  return figures;
}

export const gridsBench: BenchSuite = {
  title: 'Results grid candidates',
  async run(): Promise<BenchFigure[]> {
    return (await runGridBench()).flatMap(figures);
  },
};
