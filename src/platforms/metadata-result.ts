import type { MetaKind, MetaNode } from '../metadata/types';
import type { CellValue } from './types';

/**
 * Reading catalog answers (SHOW output, information_schema rows) into nodes: columns are found by
 * name, as the server spelled them, so a server whose answer has another shape says so instead of
 * listing the wrong column's values.
 */
export function columnIndex(columns: readonly string[], ...names: string[]): number {
  for (const name of names) {
    const index = columns.findIndex((column) => column.toLowerCase() === name.toLowerCase());
    if (index >= 0) return index;
  }
  throw new Error(`The server's catalog answer has no column ${names.join(' or ')} (it has ${columns.join(', ') || 'none'}).`);
}

/** The index of an optional column, or -1. */
export function optionalColumnIndex(columns: readonly string[], name: string): number {
  return columns.findIndex((column) => column.toLowerCase() === name.toLowerCase());
}

/** A cell as text; null and undefined (a missing optional column) as undefined. */
export function text(value: CellValue | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** A comment: empty text is no comment. */
export function comment(value: CellValue | undefined): string | undefined {
  const written = text(value);
  return written === undefined || written === '' ? undefined : written;
}

export function childNode(parent: MetaNode | undefined, kind: MetaKind, name: string, extra: Partial<Pick<MetaNode, 'dataType' | 'nullable' | 'comment'>> = {}): MetaNode {
  const node: MetaNode = { kind, name, path: [...(parent?.path ?? []), name] };
  const details = Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined));
  return { ...node, ...details };
}

/** `YES`/`NO` (information_schema), booleans and `true`/`false`; undefined when the server does not say. */
export function yesNo(value: CellValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const written = text(value)?.toUpperCase();
  if (written === 'YES' || written === 'Y' || written === 'TRUE') return true;
  if (written === 'NO' || written === 'N' || written === 'FALSE') return false;
  return undefined;
}

/** The row count of a Select Top statement, as a positive integer (it is spliced into SQL). */
export function rowLimit(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`A row limit must be a positive whole number, not ${rows}.`);
  return rows;
}

/** Columns have nothing below them: asking is a caller's mistake. */
export function noChildren(node: MetaNode): never {
  throw new Error(`A ${node.kind} has no children to list.`);
}
