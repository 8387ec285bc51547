/** One row of a quick pick's list, as far as telling rows apart and accepting them goes. */
export interface ListRow {
  /** What the row stands for, the same in every version of the list. */
  readonly key: string;
  /** Separators can never be accepted. */
  readonly separator: boolean;
  /** Shown whatever is typed. */
  readonly alwaysShow: boolean;
  /** The text the window filters on (label, description, detail). */
  readonly text: string;
}

/**
 * What each position of a quick pick's list held, version by version.
 *
 * VS Code tells the extension which item was accepted by its position in the list. When the
 * extension replaces the list (Immuta's search answering) while the window is still showing the
 * old one, an Enter the window took on the old list arrives naming a position of the new one: the
 * item there may be another user, or a separator. A list replaced less than `windowMs` ago may
 * still have been on screen, so an accept at a position where such a list held another row that
 * the window could have accepted is uncertain, and must be confirmed, never acted on.
 */
export class ListVersions {
  private current: readonly ListRow[] = [];
  /** Lists replaced recently, newest last, with when they stopped being current. */
  private replaced: { readonly rows: readonly ListRow[]; readonly until: number }[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records `rows` as the list now set. Returns false when every position stands for what it did
   * (labels may have changed; no accept can land on another row).
   */
  replace(rows: readonly ListRow[]): boolean {
    if (rows.length === this.current.length && rows.every((row, index) => row.key === this.current[index].key)) {
      this.current = [...rows];
      return false;
    }
    const at = this.now();
    this.replaced = [...this.replaced.filter((version) => version.until >= at - this.windowMs), { rows: this.current, until: at }];
    this.current = [...rows];
    return true;
  }

  /**
   * True when a list the window may still have been showing held, at `index`, another row that
   * the window could have accepted with `typed` in the input.
   */
  uncertainAt(index: number, key: string, typed: string): boolean {
    const since = this.now() - this.windowMs;
    return this.replaced.some((version) => {
      const row = version.until >= since ? version.rows[index] : undefined;
      return row !== undefined && row.key !== key && !row.separator && (row.alwaysShow || matchesTyped(row, typed));
    });
  }

  /**
   * True when a list the window may still have been showing held other rows at `indices` (the
   * positions of a selection the window reported) than `keys`: the selection may have been made
   * on that list, and naming its rows by the new list's positions would check the wrong ones.
   */
  uncertainSelection(indices: readonly number[], keys: readonly string[]): boolean {
    const since = this.now() - this.windowMs;
    return this.replaced.some(
      (version) =>
        version.until >= since &&
        version.rows.length > 0 &&
        indices.every((index) => index >= 0 && index < version.rows.length) &&
        indices.some((index, at) => version.rows[index].key !== keys[at]),
    );
  }

  /** What the list replaced last held at `index`: the likeliest row the person meant. */
  previousAt(index: number): string | undefined {
    return this.replaced.at(-1)?.rows[index]?.key;
  }

  /** The person has seen the current list (it was on screen when they were asked to confirm). */
  settle(): void {
    this.replaced = [];
  }
}

/**
 * Whether VS Code's filter could show `row` with `typed` in the input (alwaysShow aside). Its
 * filter is at most as loose as "the typed characters appear in order", so this errs towards yes.
 */
export function matchesTyped(row: ListRow, typed: string): boolean {
  const needle = typed.trim().toLowerCase();
  if (needle === '') return true;
  const hay = row.text.toLowerCase();
  let at = 0;
  for (const char of needle) {
    if (char === ' ') continue;
    at = hay.indexOf(char, at);
    if (at < 0) return false;
    at += 1;
  }
  return true;
}
