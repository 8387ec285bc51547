import { ASSURANCE_LABEL } from '../platforms/assurance';
import { parameterWords } from '../results/protocol';
import { SAME_RESULT_LABEL } from '../results/same-result';
import type { HistoryEntry } from '../worksheets/run-history';

/** What the run history list shows for one entry, as plain data (the picker renders exactly this). */
export interface HistoryItemView {
  /** The statement's first line, as stored: its secrets already redacted. */
  readonly label: string;
  readonly icon: 'pass' | 'error' | 'circle-slash';
  /** As whom, how it ended, rows, duration. */
  readonly description: string;
  /** Profile, worksheet, time and (cut) error. */
  readonly detail: string;
  /** Whether the entry has a statement to copy. */
  readonly copyable: boolean;
}

const LABEL_MAX = 120;
const ERROR_MAX = 100;

export function historyItemView(entry: HistoryEntry): HistoryItemView {
  const description = [entry.ranAs === null ? 'as yourself' : `as ${entry.ranAs}${entry.assurance !== undefined ? ` (${ASSURANCE_LABEL[entry.assurance]})` : ''}`, entry.outcome];
  if (entry.ranAs !== null && entry.sameAsYourselfAt !== undefined) description.push(SAME_RESULT_LABEL);
  if (entry.rows !== null) description.push(rowWord(entry.rows));
  if (entry.durationMs !== null) description.push(duration(entry.durationMs));
  const detail = [entry.profile, entry.worksheet, new Date(entry.startedAt).toLocaleString()];
  if (entry.parameters !== undefined) detail.push(truncate(`with ${parameterWords(entry.parameters)}`, ERROR_MAX));
  if (entry.error !== undefined) detail.push(truncate(entry.error.replace(/\s+/g, ' '), ERROR_MAX));
  return {
    label: entry.statement === null ? '(statement not retained)' : truncate(firstLine(entry.statement), LABEL_MAX),
    icon: entry.outcome === 'succeeded' ? 'pass' : entry.outcome === 'failed' ? 'error' : 'circle-slash',
    description: description.join(' · '),
    detail: detail.join(' · '),
    copyable: entry.statement !== null,
  };
}

function firstLine(statement: string): string {
  return statement.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function rowWord(rows: number): string {
  return `${rows.toLocaleString()} ${rows === 1 ? 'row' : 'rows'}`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
