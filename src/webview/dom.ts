/**
 * Builds DOM nodes from text only: nothing here (or anywhere in the webview) assigns HTML, so
 * no value from a database, a statement or an error message can become markup.
 */

export type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly testId?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly Child[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  if (options.testId !== undefined) element.dataset.testid = options.testId;
  if (options.title !== undefined) element.title = options.title;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  if (options.text !== undefined) element.textContent = options.text;
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's content with the given children. */
export function replaceChildren(parent: Element, children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export interface ButtonOptions extends ElementOptions {
  readonly primary?: boolean;
  readonly disabled?: boolean;
}

export function button(label: string, options: ButtonOptions, onClick: () => void): HTMLButtonElement {
  const classes = ['btn', options.primary === true ? 'btn-primary' : 'btn-secondary', options.className ?? ''].filter((name) => name !== '');
  const element = h('button', { ...options, className: classes.join(' '), text: label });
  element.type = 'button';
  element.disabled = options.disabled === true;
  element.addEventListener('click', onClick);
  return element;
}
