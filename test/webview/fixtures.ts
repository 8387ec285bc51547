/** Runs, results and rows for the webview tests. */
import type { ColumnView, ResultView, RunView, StampView } from '../../src/results/protocol';
import { resultView, type Row, type RowSource } from './fake-host';

export const STAMP: StampView = {
  platform: 'Amazon Redshift',
  profile: 'analytics-prod',
  login: 'svc_analyst',
  ranAs: 'bob',
  project: 'Fraud Detection',
  startedAt: Date.UTC(2025, 0, 15, 14, 3, 12),
  durationMs: null,
  rowCount: null,
  queryId: 'q-20250115-7781',
};

export const WIDE_COLUMNS: readonly ColumnView[] = [
  { name: 'id', type: 'int8', kind: 'number' },
  { name: 'customer', type: 'varchar', kind: 'text' },
  { name: 'amount', type: 'numeric', kind: 'number' },
  { name: 'active', type: 'bool', kind: 'boolean' },
  { name: 'created_at', type: 'timestamptz', kind: 'text' },
  { name: 'score', type: 'float8', kind: 'number' },
  { name: 'region', type: 'varchar', kind: 'text' },
  { name: 'qty', type: 'int4', kind: 'number' },
  { name: 'code', type: 'char', kind: 'text' },
  { name: 'note', type: 'text', kind: 'text' },
];

/**
 * Row i of the wide table: int8 and numeric as strings (as drivers send them), a few NULLs.
 * Self-contained, so it can also run inside the page (see `inPage`).
 */
export const wideRow: RowSource = (i: number): Row => [
  String(i + 1),
  `customer ${(i * 7919) % 100_003}`,
  i % 11 === 0 ? null : `${(i * 37) % 10_000}.${String(i % 100).padStart(2, '0')}`,
  i % 3 !== 0,
  `2025-01-${String((i % 28) + 1).padStart(2, '0')} 12:${String(i % 60).padStart(2, '0')}:00+00`,
  ((i * 13) % 1000) / 10,
  ['us-east-1', 'eu-west-1', 'ap-south-1', 'us-west-2'][i % 4],
  i % 500,
  `C${i % 10}`,
  i % 5 === 0 ? null : 'ok',
];

export function selectRun(runId: string, change: Partial<ResultView> = {}, statement = 'SELECT * FROM sales.orders'): RunView {
  return {
    runId,
    worksheet: 'orders.sql',
    results: [resultView(`${runId}-r0`, 0, { statement, stamp: STAMP, columns: WIDE_COLUMNS, command: 'SELECT', ...change })],
  };
}

/** Markup and script everywhere a value can appear: cells, a column name, the statement, the stamp. */
export const HOSTILE = {
  img: '<img src=x onerror=alert(1)>',
  script: '</script><script>alert(1)</script>',
  columnName: '<b onmouseover=alert(2)>name</b>',
} as const;

export const HOSTILE_ROWS: readonly Row[] = [
  [HOSTILE.img, HOSTILE.script],
  ['<style>body{display:none}</style>', '&lt;not an entity&gt;'],
  ['{{constructor.constructor("alert(4)")()}}', 'javascript:alert(5)'],
];

export function hostileRun(): RunView {
  const columns: ColumnView[] = [
    { name: HOSTILE.columnName, type: 'text', kind: 'text' },
    { name: 'value', type: 'text', kind: 'text' },
  ];
  return selectRun('xss', { columns, status: 'succeeded', storedRows: HOSTILE_ROWS.length, stamp: { ...STAMP, ranAs: '<i>eve</i>', project: '<svg onload=alert(3)>' } }, `SELECT '${HOSTILE.img}' AS "${HOSTILE.script}"`);
}
