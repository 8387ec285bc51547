import type { ComparisonDiff } from './diff';

/** A side as the worker is told of it before its rows: who, and the result's columns. */
export interface SideHead {
  readonly label: string;
  readonly columns: readonly string[];
}

/**
 * Host → comparison worker: `start` names the job and the sides, then each side's chunks come in
 * batches (`chunks`, any order of sides), then `end` runs the job. `diff` compares the sides
 * (compareSides); `csv` writes the differing rows of a diff computed before (differingRowsCsv).
 */
export type DiffRequest =
  | { readonly type: 'start'; readonly job: 'diff'; readonly sides: readonly SideHead[]; readonly keyColumns?: readonly string[] }
  | { readonly type: 'start'; readonly job: 'csv'; readonly sides: readonly SideHead[]; readonly diff: ComparisonDiff }
  | { readonly type: 'chunks'; readonly side: number; readonly chunks: readonly string[] }
  | { readonly type: 'end' };

/** Comparison worker → host: the job's answer, or why it failed. */
export type DiffReply =
  | { readonly type: 'diff'; readonly diff: ComparisonDiff }
  | { readonly type: 'csv'; readonly text: string }
  | { readonly type: 'failed'; readonly message: string };

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function isSideHead(value: unknown): value is SideHead {
  if (typeof value !== 'object' || value === null) return false;
  const side = value as Record<string, unknown>;
  return typeof side.label === 'string' && isStrings(side.columns);
}

/** Only the parts the worker relies on before compareSides' own checks (a diff the host made itself). */
function looksLikeDiff(value: unknown): value is ComparisonDiff {
  if (typeof value !== 'object' || value === null) return false;
  const diff = value as Record<string, unknown>;
  const key = diff.key as Record<string, unknown> | null | undefined;
  return typeof key === 'object' && key !== null && (key.kind === 'columns' || key.kind === 'row') && isStrings(key.columns) && Array.isArray(diff.columns);
}

export function isDiffRequest(raw: unknown): raw is DiffRequest {
  if (typeof raw !== 'object' || raw === null) return false;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'start':
      if (!Array.isArray(message.sides) || !message.sides.every(isSideHead)) return false;
      if (message.job === 'diff') return message.keyColumns === undefined || isStrings(message.keyColumns);
      return message.job === 'csv' && looksLikeDiff(message.diff);
    case 'chunks':
      return typeof message.side === 'number' && Number.isSafeInteger(message.side) && message.side >= 0 && isStrings(message.chunks);
    case 'end':
      return true;
    default:
      return false;
  }
}

export function isDiffReply(raw: unknown): raw is DiffReply {
  if (typeof raw !== 'object' || raw === null) return false;
  const message = raw as Record<string, unknown>;
  return (
    (message.type === 'diff' && looksLikeDiff(message.diff)) ||
    (message.type === 'csv' && typeof message.text === 'string') ||
    (message.type === 'failed' && typeof message.message === 'string')
  );
}
