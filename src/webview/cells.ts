import { NULL_LABEL } from '../results/protocol';

/**
 * What a cell shows. The grid renders strings with textContent (HTML rendering is off), so a
 * value is never markup; NULL is an element of its own so it never looks like the text 'NULL'.
 */
export type CellContent = string | HTMLElement;

export function nullElement(): HTMLElement {
  const element = document.createElement('span');
  element.className = 'cell-null';
  element.setAttribute('aria-label', 'null');
  element.textContent = NULL_LABEL;
  return element;
}

/** The full text of a non-NULL value, as copy and the detail pane use it. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : String(value);
}

/** Cuts text longer than `limit` code points' worth of UTF-16 units, never inside a surrogate pair. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

export function isCut(value: unknown, limit: number): boolean {
  return typeof value === 'string' && value.length > limit;
}

export function cellContent(value: unknown, limit: number): CellContent {
  if (value === null) return nullElement();
  return cutText(valueText(value), limit);
}

/** A value as the detail pane shows it: JSON objects and arrays pretty-printed. */
export function prettyValue(text: string): { readonly text: string; readonly json: boolean } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) return { text: JSON.stringify(parsed, null, 2), json: true };
    } catch {
      // not JSON: shown as it is
    }
  }
  return { text, json: false };
}
