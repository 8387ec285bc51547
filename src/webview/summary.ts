import type { NoticeView, ResultView } from '../results/protocol';
import { h } from './dom';
import { formatCount, formatDuration } from './format';

/** A statement without a result set: "INSERT · 5 rows affected". */
export function summaryText(result: ResultView): string {
  const command = result.command ?? 'Statement';
  const affected = result.stamp?.rowCount;
  if (affected === null || affected === undefined) return `${command} · completed`;
  return `${command} · ${formatCount(affected)} row${affected === 1 ? '' : 's'} affected`;
}

export function renderSummary(result: ResultView): HTMLElement {
  const duration = result.stamp?.durationMs;
  return h('div', { className: 'summary', testId: 'summary' }, [
    h('span', { className: 'summary-icon', attrs: { 'aria-hidden': 'true' }, text: '✓' }),
    h('span', { className: 'summary-text', testId: 'summary-text', text: summaryText(result) }),
    duration === null || duration === undefined ? null : h('span', { className: 'summary-duration', text: formatDuration(duration) }),
  ]);
}

/** A placeholder for results that have nothing to show yet (queued, running DML, skipped). */
export function renderPlaceholder(result: ResultView): HTMLElement {
  const text =
    result.status === 'queued' ? 'Waiting for the statements before this one…'
    : result.status === 'running' || result.status === 'paused' ? 'Running…'
    : result.status === 'skipped' ? 'Not run: an earlier statement failed or was cancelled.'
    : result.status === 'cancelled' ? 'Cancelled before it returned anything.'
    : 'No result set.';
  const busy = result.status === 'queued' || result.status === 'running';
  return h('div', { className: `placeholder${busy ? ' busy' : ''}`, testId: 'placeholder' }, [
    busy ? h('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }) : null,
    h('span', { text }),
  ]);
}

export function renderNoRows(): HTMLElement {
  return h('div', { className: 'placeholder', testId: 'placeholder', text: 'The statement returned no rows.' });
}

export function renderNotices(notices: readonly NoticeView[]): HTMLElement | null {
  if (notices.length === 0) return null;
  return h(
    'ul',
    { className: 'notices', testId: 'notices', attrs: { 'aria-label': 'Notices from the server' } },
    notices.map((notice) =>
      h('li', { className: 'notice' }, [h('span', { className: `notice-severity severity-${notice.severity.toLowerCase()}`, text: notice.severity }), h('span', { className: 'notice-message', text: notice.message })]),
    ),
  );
}
