import type { CellValue, Row } from '../platforms/types';
import { classifyForm, describeForms, type ValueForm } from './value-form';

/**
 * What several identities saw for one statement, and how it differs: the core of "Compare as…"
 * (issue 18). Pure and synchronous, so that it can run in a worker thread over large sides.
 *
 * Rows are matched across sides by key columns: by default a column named `id` or ending in
 * `_id` whose values are present and distinct in every side that has it; otherwise by the whole
 * row over the columns every side has (then rows are counted as a multiset, and a masked column
 * makes every row differ, which the summary says).
 */
export interface ComparedSide {
  /** Who ran it: "yourself" or a user name. */
  readonly label: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

export type RowKey = { readonly kind: 'columns'; readonly columns: readonly string[] } | { readonly kind: 'row'; readonly columns: readonly string[] };

export interface SideDiff {
  readonly label: string;
  readonly rows: number;
  /** Rows (by key) that the first side does not see. */
  readonly extraVsFirst: number;
  /** Rows (by key) of the first side that this side does not see. */
  readonly missingVsFirst: number;
}

/** One key of a presence group, with the row each side has for it (null: the side does not see it). */
export interface PresenceExample {
  readonly key: string;
  readonly rows: readonly (Row | null)[];
}

/** Keys seen by exactly the sides marked true, and how many such keys there are. */
export interface PresenceGroup {
  readonly seenBy: readonly boolean[];
  readonly keys: number;
  /** The first few of those keys (up to EXAMPLE_KEYS), with their rows, to jump to. */
  readonly examples: readonly PresenceExample[];
}

/** One key whose value in a column differs between sides: per side its value (null where it has none). */
export interface ColumnExample {
  readonly key: string;
  readonly values: readonly (CellValue | null)[];
  /** Which sides have both the row and the column (tells a NULL value from no value). */
  readonly seenBy: readonly boolean[];
}

export interface ColumnDiff {
  readonly name: string;
  /** Which sides have the column. */
  readonly presentIn: readonly boolean[];
  /** Rows seen by two or more sides (having the column) whose values differ between them. */
  readonly differingRows: number;
  /** Rows seen by two or more sides having the column. */
  readonly sharedRows: number;
  /**
   * Per side, the form its values take: in the rows where the sides differ; for a side that
   * shares none of those rows, from its own values when they are recognisably masked or hashed
   * and some side's are not (undefined: nothing to say, or no such column).
   */
  readonly forms: readonly (ValueForm | undefined)[];
  /** The first few differing keys (up to EXAMPLE_KEYS), with every side's value, to jump to. */
  readonly examples: readonly ColumnExample[];
}

export interface ComparisonDiff {
  readonly key: RowKey;
  readonly sides: readonly SideDiff[];
  /** Keys not seen by every side, grouped by who sees them; the largest groups first. */
  readonly presence: readonly PresenceGroup[];
  /** Every column of any side, in first-seen order; unchanged columns have differingRows 0. */
  readonly columns: readonly ColumnDiff[];
  /** One line per side, for the head of the view and a ticket. */
  readonly summaries: readonly string[];
}

/** Examples kept per presence group and per differing column: enough to jump to, small to post. */
export const EXAMPLE_KEYS = 10;

/** Every key some side sees → per side its rows with that key (undefined: the side does not see it). */
export type AlignedKeys = Map<string, (Row[] | undefined)[]>;

export function compareSides(sides: readonly ComparedSide[], keyColumns?: readonly string[]): ComparisonDiff {
  if (sides.length < 2) throw new Error('A comparison needs at least two sides.');
  const allColumns = unionColumns(sides);
  const common = allColumns.filter((name) => sides.every((side) => side.columns.includes(name)));
  const key = chooseKey(sides, common, keyColumns);
  const indexes = sides.map((side) => indexRows(side, key));
  const aligned = alignKeys(indexes);

  const groups = new Map<string, { seenBy: boolean[]; keys: number; examples: PresenceExample[] }>();
  for (const [keyText, rowsBySide] of aligned) {
    if (rowsBySide.every((rows) => rows !== undefined)) continue;
    const flags = rowsBySide.map((rows) => rows !== undefined);
    const id = flags.map((flag) => (flag ? '1' : '0')).join('');
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { seenBy: flags, keys: 0, examples: [] }));
    group.keys++;
    if (group.examples.length < EXAMPLE_KEYS) group.examples.push({ key: keyText, rows: rowsBySide.map((rows) => rows?.[0] ?? null) });
  }
  const presence = [...groups.values()].sort((a, b) => b.keys - a.keys);

  const first = indexes[0];
  const sideDiffs = sides.map((side, sideIndex): SideDiff => {
    const index = indexes[sideIndex];
    let extra = 0;
    let missing = 0;
    for (const [keyText, rows] of index) extra += Math.max(0, rows.length - (first.get(keyText)?.length ?? 0));
    for (const [keyText, rows] of first) missing += Math.max(0, rows.length - (index.get(keyText)?.length ?? 0));
    return { label: side.label, rows: side.rows.length, extraVsFirst: extra, missingVsFirst: missing };
  });

  const columns = allColumns.map((name) => diffColumn(name, sides, aligned, key));
  return { key, sides: sideDiffs, presence, columns, summaries: summarize(sides, sideDiffs, columns, key) };
}

/** The sides' rows matched by `key` (a comparison's), for what is built on a diff (its CSV). */
export function alignSides(sides: readonly ComparedSide[], key: RowKey): AlignedKeys {
  return alignKeys(sides.map((side) => indexRows(side, key)));
}

/** The sides' indexes side by side, keys in first-seen order (the first side's order, then the next's new keys…). */
function alignKeys(indexes: readonly Map<string, Row[]>[]): AlignedKeys {
  const aligned: AlignedKeys = new Map();
  indexes.forEach((index, sideIndex) => {
    for (const [keyText, rows] of index) {
      let bySide = aligned.get(keyText);
      if (bySide === undefined) aligned.set(keyText, (bySide = indexes.map(() => undefined)));
      bySide[sideIndex] = rows;
    }
  });
  return aligned;
}

function unionColumns(sides: readonly ComparedSide[]): string[] {
  const names: string[] = [];
  for (const side of sides) for (const name of side.columns) if (!names.includes(name)) names.push(name);
  return names;
}

function chooseKey(sides: readonly ComparedSide[], common: readonly string[], asked: readonly string[] | undefined): RowKey {
  if (asked !== undefined && asked.length > 0) {
    const missing = asked.filter((name) => !common.includes(name));
    if (missing.length > 0) throw new Error(`Key column ${missing.map((name) => `"${name}"`).join(', ')} is not in every side's result.`);
    return { kind: 'columns', columns: [...asked] };
  }
  const candidates = common.filter((name) => /^id$/i.test(name) || /_id$/i.test(name));
  // `id` itself first, then the *_id columns in result order.
  candidates.sort((a, b) => Number(!/^id$/i.test(a)) - Number(!/^id$/i.test(b)));
  for (const name of candidates) {
    if (sides.every((side) => uniqueAndPresent(side, side.columns.indexOf(name)))) return { kind: 'columns', columns: [name] };
  }
  return { kind: 'row', columns: common };
}

function uniqueAndPresent(side: ComparedSide, column: number): boolean {
  const seen = new Set<string>();
  for (const row of side.rows) {
    const value = row[column];
    if (value === null || value === undefined) return false;
    const text = cellKey(value);
    if (seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}

/** Key text → the side's rows with that key (several only when keying by whole rows). */
function indexRows(side: ComparedSide, key: RowKey): Map<string, Row[]> {
  const positions = key.columns.map((name) => side.columns.indexOf(name));
  const index = new Map<string, Row[]>();
  for (const row of side.rows) {
    const text = positions.length === 1 ? cellKey(row[positions[0]] ?? null) : JSON.stringify(positions.map((at) => row[at] ?? null));
    const rows = index.get(text);
    if (rows === undefined) index.set(text, [row]);
    else rows.push(row);
  }
  return index;
}

/** A cell as key text that keeps 1 and '1' apart (strings keep their quotes). */
function cellKey(value: CellValue): string {
  return JSON.stringify(value);
}

function diffColumn(name: string, sides: readonly ComparedSide[], aligned: AlignedKeys, key: RowKey): ColumnDiff {
  const positions = sides.map((side) => side.columns.indexOf(name));
  const presentIn = positions.map((at) => at >= 0);
  const differing: CellValue[][] = sides.map(() => []);
  const examples: ColumnExample[] = [];
  let differingRows = 0;
  let sharedRows = 0;
  // Rows keyed by whole rows match only where every common column is equal: nothing to compare.
  if (key.kind === 'columns') {
    const values: (CellValue | undefined)[] = sides.map(() => undefined);
    for (const [keyText, rowsBySide] of aligned) {
      // Cells are scalars, so === is equality that keeps 1 and '1' apart.
      let present = 0;
      let firstValue: CellValue | undefined;
      let differs = false;
      for (let sideIndex = 0; sideIndex < values.length; sideIndex++) {
        const at = positions[sideIndex];
        const row = rowsBySide[sideIndex]?.[0];
        const value = at < 0 || row === undefined ? undefined : (row[at] ?? null);
        values[sideIndex] = value;
        if (value === undefined) continue;
        if (present === 0) firstValue = value;
        else if (value !== firstValue) differs = true;
        present++;
      }
      if (present < 2) continue;
      sharedRows++;
      if (!differs) continue;
      differingRows++;
      values.forEach((value, sideIndex) => {
        if (value !== undefined) differing[sideIndex].push(value);
      });
      if (examples.length < EXAMPLE_KEYS) {
        examples.push({ key: keyText, values: values.map((value) => value ?? null), seenBy: values.map((value) => value !== undefined) });
      }
    }
  }
  const shared = differing.map((values, sideIndex) => (presentIn[sideIndex] && values.length > 0 ? classifyForm(values) : undefined));
  // A masking policy shows in a side's own values even where no other side sees the same rows.
  const own = sides.map((side, sideIndex) => (presentIn[sideIndex] ? patternForm(side.rows, positions[sideIndex]) : undefined));
  const ownDiffer = new Set(own.filter((form) => form !== undefined)).size > 1;
  const forms = shared.map((form, sideIndex) => form ?? (ownDiffer ? own[sideIndex] : undefined));
  return { name, presentIn, differingRows, sharedRows, forms, examples };
}

/** Values sampled per side to tell a masked or hashed column from one in the clear. */
const FORM_SAMPLE = 2_000;

/** 'masked' or 'hashed' when most of a side's (sampled) values look it, else 'clear'. */
function patternForm(rows: readonly Row[], column: number): ValueForm {
  const step = Math.max(1, Math.floor(rows.length / FORM_SAMPLE));
  const values: CellValue[] = [];
  for (let at = 0; at < rows.length; at += step) {
    const value = rows[at][column] ?? null;
    if (value !== null) values.push(value);
  }
  const form = values.length === 0 ? 'clear' : classifyForm(values);
  return form === 'masked' || form === 'hashed' ? form : 'clear';
}

function summarize(sides: readonly ComparedSide[], sideDiffs: readonly SideDiff[], columns: readonly ColumnDiff[], key: RowKey): string[] {
  const firstLabel = sides[0].label;
  return sideDiffs.map((side, sideIndex) => {
    const parts = [`${side.label}: ${countOf(side.rows, 'row')}`];
    if (sideIndex > 0) {
      const delta = side.rows - sideDiffs[0].rows;
      const changes = side.extraVsFirst > 0 || side.missingVsFirst > 0 ? ` (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toLocaleString('en-US')} vs ${firstLabel})` : ` (same rows as ${firstLabel})`;
      parts[0] += changes;
    }
    for (const column of columns) {
      if (!column.presentIn[sideIndex]) {
        parts.push(`no ${column.name} column`);
        continue;
      }
      const form = column.forms[sideIndex];
      const described = form === undefined ? undefined : describeForms(form, column.forms, sideIndex);
      if (described !== undefined) parts.push(`${column.name} ${described}`);
    }
    if (key.kind === 'row' && sideIndex === 0 && sideDiffs.some((diff) => diff.extraVsFirst > 0 || diff.missingVsFirst > 0)) {
      parts.push('rows matched whole (no unique id column): a changed value counts as a different row');
    }
    return parts.join(' · ');
  });
}

function countOf(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
