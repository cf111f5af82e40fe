// What every screen is handed, and the heading every screen starts with.

import type { Client } from './api';
import { h } from './dom';

export interface ScreenContext {
  /** The screen's part of <main>, emptied for it. */
  root: HTMLElement;
  /** Bound to `signal`: leaving the screen abandons its requests. */
  api: Client;
  /** Aborts when the user leaves the screen: timers and polls stop on it. */
  signal: AbortSignal;
}

/** The screen's <h1>, focusable so a route change can move focus (and a
 * screen reader's attention) to it. */
export function heading(title: string): HTMLHeadingElement {
  document.title = `${title} · TikTok console`;
  return h('h1', { tabindex: -1, class: 'screen-title' }, title);
}
