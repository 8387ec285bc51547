import type { CellValue, Row } from '../platforms/types';
import { alignKeys, type KeyAlignment } from './key-alignment';
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

export function compareSides(sides: readonly ComparedSide[], keyColumns?: readonly string[]): ComparisonDiff {
  if (sides.length < 2) throw new Error('A comparison needs at least two sides.');
  const allColumns = unionColumns(sides);
  const common = allColumns.filter((name) => sides.every((side) => side.columns.includes(name)));
  const { key, aligned } = chooseKey(sides, common, keyColumns);
  const { firstRow, counts } = aligned;

  const groups = new Map<string, { seenBy: boolean[]; keys: number; examples: PresenceExample[] }>();
  for (let id = 0; id < aligned.size; id++) {
    if (firstRow.every((first) => first[id] >= 0)) continue;
    const flags = firstRow.map((first) => first[id] >= 0);
    const groupId = flags.map((flag) => (flag ? '1' : '0')).join('');
    let group = groups.get(groupId);
    if (group === undefined) groups.set(groupId, (group = { seenBy: flags, keys: 0, examples: [] }));
    group.keys++;
    if (group.examples.length < EXAMPLE_KEYS) group.examples.push({ key: aligned.keyText(id), rows: sides.map((side, sideIndex) => side.rows[firstRow[sideIndex][id]] ?? null) });
  }
  const presence = [...groups.values()].sort((a, b) => b.keys - a.keys);

  const sideDiffs = sides.map((side, sideIndex): SideDiff => {
    let extra = 0;
    let missing = 0;
    const own = counts[sideIndex];
    const first = counts[0];
    for (let id = 0; id < aligned.size; id++) {
      if (own[id] > first[id]) extra += own[id] - first[id];
      else missing += first[id] - own[id];
    }
    return { label: side.label, rows: side.rows.length, extraVsFirst: extra, missingVsFirst: missing };
  });

  const columns = diffColumns(allColumns, sides, aligned, key);
  return { key, sides: sideDiffs, presence, columns, summaries: summarize(sides, sideDiffs, columns, key) };
}

/** The sides' rows matched by `key` (a comparison's): for the diff, and for what is built on one (its CSV). */
export function alignSides(sides: readonly ComparedSide[], key: RowKey): KeyAlignment {
  return alignKeys(sides, sides.map((side) => key.columns.map((name) => side.columns.indexOf(name))));
}

function unionColumns(sides: readonly ComparedSide[]): string[] {
  const names: string[] = [];
  for (const side of sides) for (const name of side.columns) if (!names.includes(name)) names.push(name);
  return names;
}

/** The key (asked for, else the first id column that identifies rows in every side, else whole rows), matched. */
function chooseKey(sides: readonly ComparedSide[], common: readonly string[], asked: readonly string[] | undefined): { key: RowKey; aligned: KeyAlignment } {
  if (asked !== undefined && asked.length > 0) {
    const missing = asked.filter((name) => !common.includes(name));
    if (missing.length > 0) throw new Error(`Key column ${missing.map((name) => `"${name}"`).join(', ')} is not in every side's result.`);
    const key: RowKey = { kind: 'columns', columns: [...asked] };
    return { key, aligned: alignSides(sides, key) };
  }
  const candidates = common.filter((name) => /^id$/i.test(name) || /_id$/i.test(name));
  // `id` itself first, then the *_id columns in result order.
  candidates.sort((a, b) => Number(!/^id$/i.test(a)) - Number(!/^id$/i.test(b)));
  for (const name of candidates) {
    const key: RowKey = { kind: 'columns', columns: [name] };
    const aligned = alignSides(sides, key);
    if (aligned.identifies) return { key, aligned };
  }
  const key: RowKey = { kind: 'row', columns: common };
  return { key, aligned: alignSides(sides, key) };
}

/** What each column's values do across sides, in one pass over the keys (each row is read once, not once per column). */
function diffColumns(names: readonly string[], sides: readonly ComparedSide[], aligned: KeyAlignment, key: RowKey): ColumnDiff[] {
  const positions = names.map((name) => sides.map((side) => side.columns.indexOf(name)));
  const differing: CellValue[][][] = names.map(() => sides.map(() => []));
  const examples: ColumnExample[][] = names.map(() => []);
  const differingRows = new Uint32Array(names.length);
  const sharedRows = new Uint32Array(names.length);
  // Rows keyed by whole rows match only where every common column is equal: nothing to compare.
  if (key.kind === 'columns') {
    const rows: (Row | undefined)[] = sides.map(() => undefined);
    const values: (CellValue | undefined)[] = sides.map(() => undefined);
    for (let id = 0; id < aligned.size; id++) {
      let seen = 0;
      for (let sideIndex = 0; sideIndex < sides.length; sideIndex++) {
        const rowIndex = aligned.firstRow[sideIndex][id];
        rows[sideIndex] = rowIndex < 0 ? undefined : sides[sideIndex].rows[rowIndex];
        if (rowIndex >= 0) seen++;
      }
      if (seen < 2) continue;
      for (let column = 0; column < names.length; column++) {
        const at = positions[column];
        // Cells are scalars, so === is equality that keeps 1 and '1' apart.
        let present = 0;
        let firstValue: CellValue | undefined;
        let differs = false;
        for (let sideIndex = 0; sideIndex < sides.length; sideIndex++) {
          const row = rows[sideIndex];
          const value = at[sideIndex] < 0 || row === undefined ? undefined : (row[at[sideIndex]] ?? null);
          values[sideIndex] = value;
          if (value === undefined) continue;
          if (present === 0) firstValue = value;
          else if (value !== firstValue) differs = true;
          present++;
        }
        if (present < 2) continue;
        sharedRows[column]++;
        if (!differs) continue;
        differingRows[column]++;
        for (let sideIndex = 0; sideIndex < sides.length; sideIndex++) {
          const value = values[sideIndex];
          if (value !== undefined) differing[column][sideIndex].push(value);
        }
        if (examples[column].length < EXAMPLE_KEYS) {
          examples[column].push({ key: aligned.keyText(id), values: values.map((value) => value ?? null), seenBy: values.map((value) => value !== undefined) });
        }
      }
    }
  }
  return names.map((name, column): ColumnDiff => {
    const presentIn = positions[column].map((at) => at >= 0);
    const shared = differing[column].map((values, sideIndex) => (presentIn[sideIndex] && values.length > 0 ? classifyForm(values) : undefined));
    // A masking policy shows in a side's own values even where no other side sees the same rows.
    const own = sides.map((side, sideIndex) => (presentIn[sideIndex] ? patternForm(side.rows, positions[column][sideIndex]) : undefined));
    const ownDiffer = new Set(own.filter((form) => form !== undefined)).size > 1;
    const forms = shared.map((form, sideIndex) => form ?? (ownDiffer ? own[sideIndex] : undefined));
    return { name, presentIn, differingRows: differingRows[column], sharedRows: sharedRows[column], forms, examples: examples[column] };
  });
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
      const changes =
        side.extraVsFirst === 0 && side.missingVsFirst === 0
          ? ` (same rows as ${firstLabel})`
          : delta === 0
            ? // As many rows, but not the same ones: "+0" would read as "no difference".
              ` (as many as ${firstLabel}; ${countOf(side.extraVsFirst, 'row')} ${firstLabel} does not see)`
            : ` (${delta > 0 ? '+' : '−'}${Math.abs(delta).toLocaleString('en-US')} vs ${firstLabel})`;
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
