import type { PlatformId, Row } from '../platforms/types';
import type { ComparisonDiff } from './diff';

/**
 * What a comparison shows and exports, independent of VS Code: each identity's side (its stamp,
 * or why it has none) and the differences. The comparison view renders it, and the JSON and
 * Markdown exports are made from it, so the three always say the same thing.
 */
export type SideState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unsupported';

export interface SideReport {
  /** "yourself" or the Immuta user the side impersonated. */
  readonly label: string;
  readonly state: SideState;
  /** Whom the session ran as, as the worksheet established it ("yourself (governor)", "alice@example.com"). */
  readonly ranAs?: string;
  /** How sure the worksheet is of that identity (a sentence), when impersonating. */
  readonly assurance?: string;
  /** The Immuta project the identity works in: a name, null for none, absent when unknown. */
  readonly project?: string | null;
  readonly rows?: number;
  /** More rows came than the row limit; the rest were not read. */
  readonly truncated?: boolean;
  readonly durationMs?: number;
  readonly queryId?: string | null;
  readonly sessionId?: string;
  readonly startedAt?: number;
  readonly columns?: readonly string[];
  /** The server's message and the advice (failed), or why the side cannot run (unsupported). */
  readonly message?: string;
}

export interface ComparisonReport {
  readonly statement: string;
  readonly connection: string;
  readonly platform: PlatformId;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly sides: readonly SideReport[];
  /** The differences among the sides that succeeded (two or more), in their order. */
  readonly diff?: ComparisonDiff;
  /** Labels of the sides the diff covers, in the diff's order. */
  readonly compared: readonly string[];
  /** Why there is no diff, when there is none after the run. */
  readonly noDiff?: string;
}

/** The rows of each side that the view shows first (the host keeps the rest). */
export interface SidePreview {
  readonly label: string;
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

export function rowWord(count: number): string {
  return `${count.toLocaleString('en-US')} row${count === 1 ? '' : 's'}`;
}

/**
 * One line per identity, in the order chosen: the diff's summary for sides it covers, with the
 * project where Immuta named one; the state and reason for the others.
 */
export function summaryLines(report: ComparisonReport): string[] {
  return report.sides.map((side) => {
    const at = report.compared.indexOf(side.label);
    const project = side.project ? ` · project ${side.project}` : '';
    if (report.diff && at >= 0) return `${report.diff.summaries[at]}${side.truncated ? ' · stopped at the row limit' : ''}${project}`;
    switch (side.state) {
      case 'succeeded':
        return `${side.label}: ${rowWord(side.rows ?? 0)}${side.truncated ? ' · stopped at the row limit' : ''}${project}`;
      case 'failed':
        return `${side.label}: failed · ${side.message ?? 'no reason given'}`;
      case 'unsupported':
        return `${side.label}: not run · ${side.message ?? 'impersonation is not supported here'}`;
      case 'cancelled':
        return `${side.label}: cancelled`;
      default:
        return `${side.label}: ${side.state}`;
    }
  });
}

/** Everything the comparison established, for a file: every side's stamp, the differences, the summary. */
export function comparisonJson(report: ComparisonReport): string {
  const diff = report.diff;
  const labels = report.compared;
  const seenBy = (flags: readonly boolean[]) => labels.filter((_label, index) => flags[index]);
  return `${JSON.stringify(
    {
      statement: report.statement,
      connection: report.connection,
      platform: report.platform,
      startedAt: new Date(report.startedAt).toISOString(),
      finishedAt: report.finishedAt === undefined ? null : new Date(report.finishedAt).toISOString(),
      summary: summaryLines(report),
      sides: report.sides.map((side) => ({
        identity: side.label,
        state: side.state,
        ranAs: side.ranAs ?? null,
        assurance: side.assurance ?? null,
        project: side.project === undefined ? null : side.project,
        rows: side.rows ?? null,
        truncated: side.truncated ?? false,
        durationMs: side.durationMs ?? null,
        queryId: side.queryId ?? null,
        sessionId: side.sessionId ?? null,
        startedAt: side.startedAt === undefined ? null : new Date(side.startedAt).toISOString(),
        columns: side.columns ?? null,
        message: side.message ?? null,
      })),
      differences:
        diff === undefined
          ? { none: report.noDiff ?? null }
          : {
              key: diff.key,
              rowsSeenBySome: diff.presence.map((group) => ({ seenBy: seenBy(group.seenBy), notSeenBy: seenBy(group.seenBy.map((flag) => !flag)), rows: group.keys, examples: group.examples })),
              columns: diff.columns
                .filter((column) => column.differingRows > 0 || !column.presentIn.every(Boolean) || column.forms.some((form) => form !== undefined))
                .map((column) => ({
                  column: column.name,
                  presentFor: seenBy(column.presentIn),
                  differingRows: column.differingRows,
                  sharedRows: column.sharedRows,
                  forms: Object.fromEntries(labels.map((label, index) => [label, column.forms[index] ?? null])),
                  examples: column.examples,
                })),
            },
    },
    null,
    2,
  )}\n`;
}

/** Markdown cell text: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** A short summary for a ticket: the statement, one line per identity, the differences in tables. */
export function comparisonMarkdown(report: ComparisonReport): string {
  const lines: string[] = [];
  lines.push(`## Compared as ${report.sides.length} identities on ${cell(report.connection)}`, '');
  const fence = report.statement.includes('```') ? '~~~~' : '```';
  lines.push(`${fence}sql`, report.statement, fence, '');
  for (const line of summaryLines(report)) lines.push(`- ${cell(line)}`);
  lines.push('');
  lines.push('| Identity | Ran as | Project | Rows | Time | Query id |', '| --- | --- | --- | ---: | ---: | --- |');
  for (const side of report.sides) {
    const rows = side.rows === undefined ? '' : `${side.rows.toLocaleString('en-US')}${side.truncated ? ' (limit)' : ''}`;
    const time = side.durationMs === undefined ? '' : `${Math.round(side.durationMs).toLocaleString('en-US')} ms`;
    const ranAs = side.state === 'succeeded' ? (side.ranAs ?? '') : side.state;
    const project = side.project === undefined ? '' : (side.project ?? 'none');
    lines.push(`| ${cell(side.label)} | ${cell(ranAs)} | ${cell(project)} | ${rows} | ${time} | ${cell(side.queryId ?? '')} |`);
  }
  const diff = report.diff;
  if (diff === undefined) {
    if (report.noDiff) lines.push('', `No differences computed: ${cell(report.noDiff)}`);
    return `${lines.join('\n')}\n`;
  }
  const labels = report.compared;
  const names = (flags: readonly boolean[]) => labels.filter((_label, index) => flags[index]).join(', ');
  lines.push('', `Rows matched by ${diff.key.kind === 'columns' ? diff.key.columns.join(', ') : 'whole row (no unique id column)'}.`);
  if (diff.presence.length > 0) {
    lines.push('', '### Rows only some identities see', '', '| Seen by | Not seen by | Rows |', '| --- | --- | ---: |');
    for (const group of diff.presence) lines.push(`| ${cell(names(group.seenBy))} | ${cell(names(group.seenBy.map((flag) => !flag)))} | ${group.keys.toLocaleString('en-US')} |`);
  }
  const differing = diff.columns.filter((column) => column.differingRows > 0 || column.forms.some((form) => form !== undefined));
  if (differing.length > 0) {
    lines.push('', '### Columns whose values differ', '', `| Column | ${labels.map(cell).join(' | ')} | Rows differing |`, `| --- | ${labels.map(() => '---').join(' | ')} | ---: |`);
    for (const column of differing) {
      const forms = labels.map((_label, index) => (column.presentIn[index] ? formText(column.forms[index]) : 'no column'));
      lines.push(`| ${cell(column.name)} | ${forms.join(' | ')} | ${column.differingRows.toLocaleString('en-US')} of ${column.sharedRows.toLocaleString('en-US')} |`);
    }
  }
  const partial = diff.columns.filter((column) => !column.presentIn.every(Boolean));
  if (partial.length > 0) {
    lines.push('', '### Columns only some identities get', '');
    for (const column of partial) lines.push(`- ${cell(column.name)}: ${cell(names(column.presentIn))}`);
  }
  if (diff.presence.length === 0 && differing.length === 0 && partial.length === 0) lines.push('', 'Every identity saw the same rows and values.');
  return `${lines.join('\n')}\n`;
}

/** A value form as a table cell. */
export function formText(form: string | undefined): string {
  switch (form) {
    case undefined:
      return 'same';
    case 'clear':
      return 'in the clear';
    case 'null':
      return 'NULL';
    case 'constant':
      return 'one value';
    default:
      return form;
  }
}
