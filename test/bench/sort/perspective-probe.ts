/**
 * A child process of the sort bench: FINOS Perspective (when installed with
 * `npm install --no-save @finos/perspective`) loading the same 1M × 10 result and sorting it by
 * the hash column to a first window of 100 rows. Prints one JSON line of figures.
 *
 * Perspective's Node build runs its WASM engine on the thread that imports it, so the stall
 * measured here is what the extension host would suffer without a worker around it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Row } from '../../../src/platforms/types';
import { WIDE_COLUMNS, wideChunks } from './wide-rows';

/** The little of Perspective's API used here (it is not a dependency, so it has no types here). */
interface PerspectiveView {
  to_columns(window: { start_row: number; end_row: number }): Promise<Record<string, unknown[]>>;
}
interface PerspectiveTable {
  size(): Promise<number>;
  view(config: { sort: [string, 'asc' | 'desc'][] }): Promise<PerspectiveView>;
}
interface PerspectiveModule {
  default: { table(data: string): Promise<PerspectiveTable> };
}

// Perspective is an ES module with top-level await, which Node 20's require() cannot load; this
// compiled-to-CommonJS file reaches it through a real dynamic import.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1e6;
}

/** CSV: Perspective's fastest text input (a column object took twice as long); NULL as an empty field. */
function toCsv(chunks: readonly string[]): string {
  const field = (value: Row[number]) => (value === null ? '' : typeof value === 'string' ? `"${value.replaceAll('"', '""')}"` : String(value));
  const lines = [WIDE_COLUMNS.map((column) => column.name).join(',')];
  for (const chunk of chunks) for (const row of JSON.parse(chunk) as Row[]) lines.push(row.map(field).join(','));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const chunks = wideChunks(rows);
  const lag = monitorEventLoopDelay({ resolution: 2 });
  const before = rssMb();
  lag.enable();
  let started = performance.now();
  const perspective = (await importModule('@finos/perspective')) as PerspectiveModule;
  const loadMs = performance.now() - started;
  const loaded = rssMb();
  started = performance.now();
  const table = await perspective.default.table(toCsv(chunks));
  if ((await table.size()) !== rows) throw new Error('Perspective did not load every row');
  const tableMs = performance.now() - started;
  const withTable = rssMb();
  started = performance.now();
  const view = await table.view({ sort: [['hash', 'asc']] });
  const window = await view.to_columns({ start_row: 0, end_row: 100 });
  const sortWindowMs = performance.now() - started;
  lag.disable();
  if (window.hash?.length !== 100) throw new Error('Perspective returned no window');
  process.stdout.write(`${JSON.stringify({ loadMs, loadMb: loaded - before, tableMs, tableMb: withTable - loaded, sortWindowMs, stallMs: lag.max / 1e6 })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
