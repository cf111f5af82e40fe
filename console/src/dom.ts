// A small element builder, so screens read as the markup they make. It
// never writes HTML strings (every text goes in as a text node) and refuses
// a `style` attribute: the CSP forbids inline styles, so one would silently
// do nothing in production.

type Handler = (event: Event) => void;
export type AttrValue = string | number | boolean | null | undefined | Handler;
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | number | null | undefined | false;

/** `h('button', {type: 'button', onclick: go}, 'Go')`: attributes by name
 * (`true` sets a boolean one, `false`/`null`/`undefined` leaves it out),
 * `on*` functions as listeners, strings as text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'style') throw new Error('inline styles are blocked by the CSP: use a class');
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: (Child | Child[])[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** An element the page's static markup must have: a missing one is a build error. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

let ids = 0;
/** A fresh id for pairing a label or a description with its control. */
export function uid(prefix: string): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled control in a `.field` wrapper, with an optional hint tied to it by aria-describedby. */
export function field(label: string, control: HTMLElement, hint?: Child | Child[]): HTMLDivElement {
  if (!control.id) control.id = uid('f');
  const wrap = h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  if (hint !== undefined && hint !== null && hint !== false) {
    const hintEl = h('p', { class: 'hint', id: uid('hint') }, hint);
    describe(control, hintEl.id);
    wrap.append(hintEl);
  }
  return wrap;
}

/** Adds `id` to the control's aria-describedby. */
export function describe(control: HTMLElement, id: string): void {
  const now = control.getAttribute('aria-describedby');
  control.setAttribute('aria-describedby', now ? `${now} ${id}` : id);
}

/** Initials for an account, shown instead of its remote avatar (never loaded). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}
