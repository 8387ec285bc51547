import type { ErrorView, ResultView } from '../results/protocol';
import { button, h, type Child } from './dom';

/** A failed statement: the server's message first, then its code, detail, hint and position. */
export function renderError(result: ResultView, error: ErrorView, showStatement: () => void): HTMLElement {
  const facts: Child[] = [
    error.code === undefined ? null : fact('Code', error.code, 'error-code'),
    error.detail === undefined ? null : fact('Detail', error.detail, 'error-detail'),
    error.hint === undefined ? null : fact('Hint', error.hint, 'error-hint'),
    error.advice === undefined ? null : fact('What to do', error.advice, 'error-advice'),
    error.line === undefined ? null : fact('Position', error.column === undefined ? `line ${error.line}` : `line ${error.line}, column ${error.column}`, 'error-position'),
  ];
  return h('div', { className: 'error', testId: 'error', attrs: { role: 'alert' } }, [
    h('div', { className: 'error-head' }, [
      h('span', { className: 'error-icon', attrs: { 'aria-hidden': 'true' }, text: '✕' }),
      h('span', { className: 'error-message', testId: 'error-message', text: error.message }),
    ]),
    h('dl', { className: 'error-facts' }, facts),
    result.statement === null ? null : renderStatement(result.statement, error.line, error.column),
    h('div', { className: 'error-actions' }, [button('Show in editor', { testId: 'show-statement', title: 'Reveal this statement in the worksheet' }, showStatement)]),
  ]);
}

function fact(label: string, value: string, testId: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(h('dt', { text: label }), h('dd', { text: value, testId }));
  return fragment;
}

/** The statement with the reported line highlighted and a caret under the reported column. */
export function renderStatement(statement: string, line?: number, column?: number): HTMLElement {
  const lines = statement.split(/\r\n|\r|\n/);
  const block = h('div', { className: 'statement', testId: 'error-statement', attrs: { role: 'region', 'aria-label': 'Statement' } });
  lines.forEach((text, index) => {
    const number = index + 1;
    const isErrorLine = number === line;
    const code = h('span', { className: 'statement-code' });
    if (isErrorLine && column !== undefined && column >= 1) {
      const at = Math.min(column - 1, text.length);
      const marked = text.slice(at, at + 1) || ' ';
      code.append(text.slice(0, at), h('mark', { className: 'error-mark', testId: 'error-mark', text: marked }), text.slice(at + 1));
    } else {
      code.textContent = text === '' ? ' ' : text;
    }
    block.append(
      h('div', { className: isErrorLine ? 'statement-line error-line' : 'statement-line', ...(isErrorLine ? { attrs: { 'aria-current': 'true' } } : {}) }, [
        h('span', { className: 'statement-number', text: String(number), attrs: { 'aria-hidden': 'true' } }),
        code,
      ]),
    );
    if (isErrorLine && column !== undefined && column >= 1) {
      block.append(
        h('div', { className: 'statement-line caret-line', attrs: { 'aria-label': `error at column ${column}` } }, [
          h('span', { className: 'statement-number' }),
          h('span', { className: 'statement-code caret', text: `${text.slice(0, Math.min(column - 1, text.length)).replace(/[^\t]/g, ' ')}^` }),
        ]),
      );
    }
  });
  return block;
}
