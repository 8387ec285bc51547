import { ASSURANCE_WORDS, parameterWords, type StampView } from '../results/protocol';
import { sameResultWords } from '../results/same-result';
import { h, type Child } from './dom';
import { formatDuration, formatRows, formatStarted } from './format';

/**
 * Where and as whom the statement ran. Impersonation is the most important fact on the line,
 * so it is a badge that stands out; running as yourself is stated just as explicitly.
 */
export function renderStamp(stamp: StampView | null): HTMLElement {
  const line = h('div', { className: 'stamp', testId: 'stamp', attrs: { role: 'group', 'aria-label': 'Where and as whom this ran' } });
  if (stamp === null) {
    line.append(h('span', { className: 'stamp-item muted', text: 'Not run yet' }));
    return line;
  }
  const who =
    stamp.ranAs === null
      ? h('span', { className: 'stamp-as yourself', testId: 'stamp-as', text: `as yourself (${stamp.login})` })
      : h('span', {
          className: `stamp-as impersonating${stamp.assurance !== undefined ? ` assurance-${stamp.assurance}` : ''}`,
          testId: 'stamp-as',
          text: `as ${stamp.ranAs}${stamp.assurance !== undefined ? ` · ${ASSURANCE_WORDS[stamp.assurance]}` : ''}`,
          title: [`Ran as the Immuta user ${stamp.ranAs}, impersonated by ${stamp.login}.`, stamp.assuranceNote].filter((part) => part !== undefined).join(' '),
          attrs: stamp.assurance !== undefined ? { 'data-assurance': stamp.assurance } : {},
        });
  const items: Child[] = [
    item(stamp.platform, 'platform'),
    item(stamp.profile, 'profile'),
    item(stamp.login, 'login'),
    who,
    // Beside whom it ran as: it is a doubt about exactly that.
    sameResult(stamp),
    stamp.project === null ? null : item(stamp.project === undefined ? 'project unknown' : `project ${stamp.project}`, 'project'),
    stamp.parameters === undefined ? null : item(`with ${parameterWords(stamp.parameters)}`, 'parameters', 'The values the statement\'s parameters were bound to (secret ones hidden).'),
    item(`started ${formatStarted(stamp.startedAt)}`, 'started', new Date(stamp.startedAt).toString()),
    stamp.durationMs === null ? null : item(formatDuration(stamp.durationMs), 'duration'),
    stamp.rowCount === null ? null : item(formatRows(stamp.rowCount), 'rows'),
    stamp.queryId === null ? null : item(`query id ${stamp.queryId}`, 'query-id'),
  ];
  for (const child of items) {
    if (child === null || child === undefined || child === false) continue;
    if (line.childElementCount > 0) line.append(h('span', { className: 'stamp-sep', attrs: { 'aria-hidden': 'true' }, text: '·' }));
    line.append(child);
  }
  // The line never wraps: parts that do not fit end in an ellipsis, and this tooltip has them all.
  line.title = [...line.children]
    .filter((child) => !child.classList.contains('stamp-sep'))
    .map((child) => (child.textContent ?? '').trim())
    .join(' · ');
  return line;
}

/** "same result as yourself": a warning, unless the effect probe confirmed the impersonation. */
function sameResult(stamp: StampView): HTMLElement | null {
  const words = sameResultWords(stamp, (at) => formatStarted(at));
  if (words === undefined) return null;
  return h('span', {
    className: `stamp-item stamp-same${words.warn ? ' warn' : ''}`,
    testId: 'stamp-same',
    text: words.label,
    title: words.explanation,
  });
}

function item(text: string, kind: string, title?: string): HTMLElement {
  return h('span', { className: `stamp-item stamp-${kind}`, text, ...(title === undefined ? {} : { title }) });
}
