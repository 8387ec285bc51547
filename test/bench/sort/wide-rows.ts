import type { Row } from '../../../src/platforms/types';

/** The columns of test/lab/wide-query.ts and the type names the Redshift adapter reports for them. */
export const WIDE_COLUMNS = [
  { name: 'id', type: 'int4' },
  { name: 'name', type: 'text' },
  { name: 'amount', type: 'float8' },
  { name: 'active', type: 'bool' },
  { name: 'day', type: 'date' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'ratio', type: 'numeric' },
  { name: 'note', type: 'text' },
  { name: 'hash', type: 'text' },
  { name: 'doc', type: 'json' },
] as const;

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** A hex string of 32 digits that looks random (as md5 does): a fixed integer hash, not crypto. */
function hash(g: number): string {
  let text = '';
  let state = g;
  for (let i = 0; i < 4; i++) {
    state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x297a2d39;
    state = Math.imul(state ^ (state >>> 12), 0x297a2d39) ^ (state >>> 15);
    text += (state >>> 0).toString(16).padStart(8, '0');
  }
  return text;
}

/**
 * Row `g` (from 1) of the lab's wide query as the Redshift adapter delivers it: int4 and float8
 * as numbers, bool as a boolean, numeric, dates, timestamps and JSON as the server's text, and
 * `note` NULL on every seventh row. Made in-process so the sort bench needs no database.
 */
export function wideRow(g: number): Row {
  const iso = new Date(START + g * 1000).toISOString();
  return [
    g,
    `customer ${g}`,
    g * 1.25,
    g % 2 === 0,
    new Date(START + (g % 365) * DAY).toISOString().slice(0, 10),
    `${iso.slice(0, 10)} ${iso.slice(11, 19)}`,
    (g / 7).toFixed(4),
    g % 7 === 0 ? null : `note ${g % 1000}`,
    hash(g),
    `{"id" : ${g}, "tag" : "x"}`,
  ];
}

/** The result as ResultSet holds it: chunks of 1,000 rows, each the JSON text of an array of rows. */
export function wideChunks(rows: number, chunkRows = 1000): string[] {
  const chunks: string[] = [];
  for (let from = 1; from <= rows; from += chunkRows) {
    const batch: Row[] = [];
    for (let g = from; g < from + chunkRows && g <= rows; g++) batch.push(wideRow(g));
    chunks.push(JSON.stringify(batch));
  }
  return chunks;
}
