import type { ComparisonReport, SidePreview } from './comparison-report';

/**
 * Messages between the comparison view and the extension host. The host keeps every side's rows;
 * the page gets the report (stamps and differences) and the first rows of each side.
 */
export type ComparisonExportFormat = 'json' | 'markdown' | 'csv';

export type ToComparisonPage = {
  readonly type: 'report';
  readonly report: ComparisonReport;
  /** One line per identity, in the sides' order. */
  readonly summaries: readonly string[];
  readonly previews: readonly SidePreview[];
  /** Sides still to finish, or the diff still being computed. */
  readonly running: boolean;
  /** Rows shown per side at most. */
  readonly previewLimit: number;
};

export type FromComparisonPage =
  | { readonly type: 'ready' }
  | { readonly type: 'cancel' }
  | { readonly type: 'export'; readonly format: ComparisonExportFormat };

export function isFromComparisonPage(value: unknown): value is FromComparisonPage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { type?: unknown; format?: unknown };
  if (message.type === 'ready' || message.type === 'cancel') return true;
  return message.type === 'export' && (message.format === 'json' || message.format === 'markdown' || message.format === 'csv');
}
