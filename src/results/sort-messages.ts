import type { ColumnKind } from './protocol';
import type { SortDirection } from './sort-order';

/** Host → sort worker: start, then the chunks in row order (in batches), then end. */
export type SortRequest =
  | { readonly type: 'start'; readonly column: number; readonly kind: ColumnKind }
  | { readonly type: 'chunks'; readonly chunks: readonly string[] }
  | { readonly type: 'end'; readonly direction: SortDirection };

/** Sort worker → host. */
export type SortReply =
  /** `bounds`: each row's start and end in its chunk's text, in row order (see RowBoundsSink). */
  | { readonly type: 'sorted'; readonly order: Uint32Array; readonly bounds: Uint32Array }
  | { readonly type: 'failed'; readonly message: string }
  /** After each batch of chunks: rows read so far. */
  | { readonly type: 'progress'; readonly rows: number };

const KINDS: ReadonlySet<unknown> = new Set(['number', 'boolean', 'text']);

export function isSortRequest(raw: unknown): raw is SortRequest {
  if (typeof raw !== 'object' || raw === null) return false;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'start':
      return typeof message.column === 'number' && Number.isSafeInteger(message.column) && message.column >= 0 && KINDS.has(message.kind);
    case 'chunks':
      return Array.isArray(message.chunks) && message.chunks.every((chunk) => typeof chunk === 'string');
    case 'end':
      return message.direction === 'asc' || message.direction === 'desc';
    default:
      return false;
  }
}

export function isSortReply(raw: unknown): raw is SortReply {
  if (typeof raw !== 'object' || raw === null) return false;
  const message = raw as Record<string, unknown>;
  return (
    (message.type === 'sorted' && message.order instanceof Uint32Array && message.bounds instanceof Uint32Array) ||
    (message.type === 'progress' && typeof message.rows === 'number') ||
    (message.type === 'failed' && typeof message.message === 'string')
  );
}
