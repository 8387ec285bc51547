/** The benchmark's data: deterministic rows of 10 mixed-type columns, and a sortable row store. */

export type Cell = string | number | boolean | null;
export type Row = Cell[];

export const ROW_COUNT = 1_000_000;
export const BATCH_SIZE = 1000;
export const ROW_HEIGHT = 24;

export interface ColumnSpec {
  readonly title: string;
  readonly width: number;
}

/** Widths add up to 1330 px, so every grid shows (and renders) all columns in its 1360 px box. */
export const COLUMNS: readonly ColumnSpec[] = [
  { title: 'id', width: 80 },
  { title: 'name', width: 110 },
  { title: 'amount', width: 100 },
  { title: 'active', width: 60 },
  { title: 'day', width: 95 },
  { title: 'updated_at', width: 175 },
  { title: 'balance', width: 110 },
  { title: 'note', width: 100 },
  { title: 'description', width: 300 },
  { title: 'attributes', width: 200 },
];

const WORDS = ['alpha', 'bravo', 'delta', 'query', 'table', 'policy', 'masked', 'user', 'region', 'value', 'stream', 'result'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A small xorshift generator, so every page sees the same rows. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function makeRow(index: number, next: () => number): Row {
  const pick = (list: readonly string[]) => list[Math.floor(next() * list.length)];
  let name = '';
  for (let i = 0; i < 12; i++) name += LETTERS[Math.floor(next() * 26)];
  const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(next() * 2000) * 86_400_000);
  const date = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
  const time = `${pad(Math.floor(next() * 24))}:${pad(Math.floor(next() * 60))}:${pad(Math.floor(next() * 60))}.${pad(Math.floor(next() * 1000), 3)}`;
  let long = '';
  while (long.length < 80) long += `${pick(WORDS)} `;
  const id = index + 1;
  return [
    id,
    name,
    Math.round(next() * 1e8) / 100,
    next() < 0.5,
    date,
    `${date} ${time}`,
    (next() * 1e6).toFixed(4),
    id % 7 === 0 ? null : `${pick(WORDS)}-${Math.floor(next() * 1000)}`,
    long.slice(0, 80),
    JSON.stringify({ k: Math.floor(next() * 1000), tag: pick(WORDS), ok: next() < 0.5 }),
  ];
}

/**
 * All rows, made one batch at a time and passed through JSON like a webview message would be,
 * so that strings are flat (as after postMessage), not the ropes that concatenation leaves.
 */
export function generateRows(count: number): Row[] {
  const next = random(20240611);
  const rows: Row[] = [];
  for (let start = 0; start < count; start += BATCH_SIZE) {
    const batch: Row[] = [];
    for (let i = start; i < Math.min(count, start + BATCH_SIZE); i++) batch.push(makeRow(i, next));
    for (const row of JSON.parse(JSON.stringify(batch)) as Row[]) rows.push(row);
  }
  return rows;
}

/** The text every grid shows for a non-NULL cell. */
export function cellText(value: Exclude<Cell, null>): string {
  return typeof value === 'string' ? value : String(value);
}

/** Orders cells of one column: NULLs last, numbers numerically, the rest as strings. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = cellText(a);
  const right = cellText(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Rows in arrival order, optionally seen through a sorted index (the rows are never copied). */
export class RowStore {
  private readonly rows: Row[] = [];
  private order: Uint32Array | undefined;

  get length(): number {
    return this.rows.length;
  }

  get(position: number): Row {
    return this.rows[this.order === undefined ? position : this.order[position]];
  }

  append(batch: readonly Row[]): void {
    if (this.order !== undefined) throw new Error('the benchmark only sorts after streaming');
    for (const row of batch) this.rows.push(row);
  }

  sortBy(column: number, descending: boolean): void {
    const keys = this.rows.map((row) => row[column]);
    const order = new Uint32Array(keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const sign = descending ? -1 : 1;
    this.order = order.sort((a, b) => sign * compareCells(keys[a], keys[b]) || a - b);
  }
}
