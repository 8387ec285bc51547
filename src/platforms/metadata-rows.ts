import type { CellValue, Row } from './types';

/**
 * Reading a catalog query's rows by column name, as the server spelled the names (case aside:
 * T-SQL and Redshift may upper- or lower-case them). Shared by the platforms' metadata.ts.
 */
export interface RowReader {
  /** The cell of `name`; undefined when the result has no such column. */
  cell(row: Row, name: string): CellValue | undefined;
  /** The cell as text, or undefined when it is NULL or absent. */
  text(row: Row, name: string): string | undefined;
  /** The cell as a whole number, or undefined when it is NULL, absent or not a number. */
  integer(row: Row, name: string): number | undefined;
  /** The cell as a yes/no (`YES`/`NO`, a bit, a boolean), or undefined when it says neither. */
  flag(row: Row, name: string): boolean | undefined;
}

export function rowReader(columns: readonly string[]): RowReader {
  const index = new Map<string, number>();
  columns.forEach((column, at) => {
    const key = column.toLowerCase();
    if (!index.has(key)) index.set(key, at);
  });
  const cell = (row: Row, name: string): CellValue | undefined => {
    const at = index.get(name.toLowerCase());
    return at === undefined ? undefined : row[at];
  };
  return {
    cell,
    text(row, name) {
      const value = cell(row, name);
      return value === null || value === undefined ? undefined : String(value);
    },
    integer(row, name) {
      const value = cell(row, name);
      if (value === null || value === undefined || typeof value === 'boolean') return undefined;
      const number = typeof value === 'number' ? value : Number(value.trim());
      return Number.isInteger(number) ? number : undefined;
    },
    flag(row, name) {
      const value = cell(row, name);
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value !== 'string') return undefined;
      const word = value.trim().toLowerCase();
      if (word === 'yes' || word === 'true' || word === '1') return true;
      if (word === 'no' || word === 'false' || word === '0') return false;
      return undefined;
    },
  };
}

/** The node's path below `parent` (or at the top): the parent's path and the child's name. */
export function childPath(parent: { readonly path: readonly string[] } | undefined, name: string): readonly string[] {
  return parent === undefined ? [name] : [...parent.path, name];
}
