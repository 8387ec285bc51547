/** `npm run bench`: runs every benchmark suite and prints one table of figures. */
import type { BenchFigure, BenchSuite } from './types';

async function loadSuites(): Promise<BenchSuite[]> {
  const [{ splitterBench }, { fingerprintBench }, { overheadBench }, { activationBench }, { gridsBench }, { resultsViewBench }, { sortBench }, { resultStoreBench }, { compareBench }, { metadataBench }, { checksBench }] = await Promise.all([
    import('./splitter.bench'),
    import('./fingerprint.bench'),
    import('./overhead.bench'),
    import('./activation.bench'),
    import('./grids/grids.bench'),
    import('./results-view.bench'),
    import('./sort.bench'),
    import('./result-store.bench'),
    import('./compare.bench'),
    import('./metadata.bench'),
    import('./checks.bench'),
  ]);
  return [splitterBench, fingerprintBench, overheadBench, activationBench, gridsBench, resultsViewBench, sortBench, resultStoreBench, compareBench, metadataBench, checksBench];
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: (BenchFigure & { suite: string })[] = [];
  for (const suite of await loadSuites()) {
    if (only.length > 0 && !only.some((word) => suite.title.toLowerCase().includes(word.toLowerCase()))) continue;
    process.stdout.write(`running: ${suite.title}…\n`);
    for (const figure of await suite.run()) {
      rows.push({ ...figure, suite: suite.title });
    }
  }
  const header = ['suite', 'measure', 'value', 'unit', 'target', 'met'];
  const table = rows.map((row) => [row.suite, row.name, format(row.value), row.unit, row.target ?? '', row.met === undefined ? '' : row.met ? 'yes' : 'NO']);
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => cells[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
  process.stdout.write(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('-|-')}\n`);
  for (const cells of table) process.stdout.write(`${line(cells)}\n`);
  const missed = rows.filter((row) => row.met === false).length;
  process.stdout.write(`\n${rows.length} figures, ${missed} target(s) missed\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
