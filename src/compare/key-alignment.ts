import type { CellValue, Row } from '../platforms/types';

/**
 * The sides' rows matched by key, as numbers: every distinct key gets an id (in first-seen order:
 * the first side's keys, then the next side's new ones…), and per side typed arrays say which row
 * has each key and how many. Large sides (100,000s of rows) are matched with one Map entry per
 * key and no other allocation per row, which keeps the diff's time and garbage small.
 */
export interface KeyAlignment {
  /** Distinct keys. */
  readonly size: number;
  /** Per side: key id → index of the side's first row with that key, or -1. */
  readonly firstRow: readonly Int32Array[];
  /** Per side: key id → how many of the side's rows have it (more than one only for whole-row keys). */
  readonly counts: readonly Uint32Array[];
  /** Per side: row index → its key id. */
  readonly rowKeys: readonly Int32Array[];
  /** Whether every side has each key on one row at most, and no key is NULL: a key that identifies rows. */
  readonly identifies: boolean;
  /** A key as text that keeps 1 and '1' apart (JSON: a single column's value, or the key columns' values as an array). */
  keyText(id: number): string;
}

/** `positions`: per side, where the key's columns are in its rows. */
export function alignKeys(sides: readonly { readonly rows: readonly Row[] }[], positions: readonly (readonly number[])[]): KeyAlignment {
  // One key column: its values are the Map's keys (a Map keeps 1 and '1' apart); several: their JSON.
  const single = positions.every((at) => at.length === 1);
  const ids = new Map<CellValue, number>();
  const keys: CellValue[] = [];
  const rowKeys = sides.map((side, sideIndex) => {
    const at = positions[sideIndex];
    const out = new Int32Array(side.rows.length);
    side.rows.forEach((row, rowIndex) => {
      const key = single ? (row[at[0]] ?? null) : JSON.stringify(at.map((column) => row[column] ?? null));
      let id = ids.get(key);
      if (id === undefined) {
        id = keys.length;
        keys.push(key);
        ids.set(key, id);
      }
      out[rowIndex] = id;
    });
    return out;
  });
  const size = keys.length;
  const firstRow = rowKeys.map((ofRow) => {
    const first = new Int32Array(size).fill(-1);
    for (let rowIndex = ofRow.length - 1; rowIndex >= 0; rowIndex--) first[ofRow[rowIndex]] = rowIndex;
    return first;
  });
  const counts = rowKeys.map((ofRow) => {
    const count = new Uint32Array(size);
    for (const id of ofRow) count[id]++;
    return count;
  });
  const identifies = !(single && ids.has(null)) && counts.every((count) => count.every((n) => n <= 1));
  return { size, firstRow, counts, rowKeys, identifies, keyText: (id) => (single ? JSON.stringify(keys[id]) : (keys[id] as string)) };
}
