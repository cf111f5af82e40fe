// Calendar: the tenant's posts by week (default) or day, refreshed every few
// seconds while visible so statuses move on their own. A SCHEDULED post is
// rescheduled by dragging it to another slot or with its Reschedule button
// (the keyboard way), and cancelled with its Cancel button.

import { h } from '../dom';
import { reportError } from '../notice';
import { refreshEvery } from '../refresh';
import { calendarHash } from '../router';
import { heading, type ScreenContext } from '../screen';
import { addDays, dayKey, formatLongDay, moveTo as atSlot, parseDayKey, startOfDay, startOfWeek, timeZoneName } from '../time';
import type { PostView } from '../types';
import { grid, legend, placePosts } from './calendar_grid';
import { moveTo, postActions } from './post_actions';

const REFRESH_MS = 4000;

/** What a re-render depends on: unchanged, the grid is left alone (and focus with it). */
const signatureOf = (posts: PostView[]) => posts.map((p) => `${p.id}:${p.status}:${p.scheduled_at}`).sort().join('|');

export function renderCalendar(ctx: ScreenContext, view: 'week' | 'day', date: string | null): void {
  const { api, signal, root } = ctx;
  const anchor = (date && parseDayKey(date)) || startOfDay(new Date());
  const first = view === 'week' ? startOfWeek(anchor) : anchor;
  const days = Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(first, i));
  const step = view === 'week' ? 7 : 1;
  const unit = view === 'week' ? 'week' : 'day';
  const last = days[days.length - 1] ?? first;

  const link = (label: string, hash: string, testid: string, current = false) =>
    h('a', { href: hash, class: 'button-link', 'data-testid': testid, 'aria-current': current ? 'true' : null }, label);
  const toolbar = h(
    'nav',
    { class: 'toolbar', 'aria-label': 'Calendar' },
    link(`Previous ${unit}`, calendarHash(view, dayKey(addDays(first, -step))), 'cal-prev'),
    link('Today', calendarHash(view, dayKey(new Date())), 'cal-today'),
    link(`Next ${unit}`, calendarHash(view, dayKey(addDays(first, step))), 'cal-next'),
    h('span', { class: 'spacer' }),
    link('Week', calendarHash('week', dayKey(anchor)), 'cal-view-week', view === 'week'),
    link('Day', calendarHash('day', dayKey(anchor)), 'cal-view-day', view === 'day'),
  );
  const range = view === 'week' ? `${formatLongDay(first)} – ${formatLongDay(last)}` : formatLongDay(first);
  const gridEl = grid(days, (day) => calendarHash('day', dayKey(day)));
  const empty = h('p', { class: 'muted', 'aria-live': 'polite' });
  root.append(
    heading('Calendar'),
    toolbar,
    h('h2', { class: 'range', 'data-testid': 'cal-range' }, range),
    h('p', { class: 'muted' }, `Times are in ${timeZoneName()}. Drag a scheduled post to another hour, or use its Reschedule button.`),
    legend(),
    empty,
    h('div', { class: 'cal-scroll' }, gridEl),
  );

  let posts: PostView[] = [];
  let signature: string | null = null;
  let failing = false;
  const accounts = new Map<string, string>();
  const accountName = (id: string) => accounts.get(id) ?? 'Account ' + id.slice(-6);

  async function load(): Promise<void> {
    try {
      // Up to the last second of the last day, in local time.
      const fetched = await api.postsBetween(first, new Date(addDays(last, 1).getTime() - 1000));
      failing = false;
      const next = signatureOf(fetched);
      posts = fetched;
      if (next === signature) return;
      signature = next;
      draw();
    } catch (err) {
      if (!failing) reportError(err);
      failing = true;
    }
  }

  function draw(): void {
    // A refresh rebuilds the blocks; focus goes back to the same control.
    const focused = document.activeElement instanceof HTMLElement && gridEl.contains(document.activeElement) ? document.activeElement.dataset.testid : undefined;
    placePosts(gridEl, posts, accountName, (post) => postActions(api, post, `the post at ${new Date(post.scheduled_at).toLocaleString()}`, () => void load()));
    empty.textContent = posts.length === 0 ? `No posts this ${unit}.` : `${posts.length} post(s) this ${unit}.`;
    if (focused) gridEl.querySelector<HTMLElement>(`[data-testid="${focused}"]`)?.focus();
  }

  // Drag and drop: a SCHEDULED block onto a slot moves it to that day and
  // hour, keeping its minutes.
  let dragged: PostView | null = null;
  const slotOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>('.slot[data-day]') : null);
  gridEl.addEventListener('dragstart', (e) => {
    const el = e.target instanceof Element ? e.target.closest<HTMLElement>('.cal-post[draggable="true"]') : null;
    dragged = posts.find((p) => p.id === el?.dataset.postId) ?? null;
    if (!dragged || !e.dataTransfer) return;
    e.dataTransfer.setData('text/plain', dragged.id);
    e.dataTransfer.effectAllowed = 'move';
  });
  gridEl.addEventListener('dragend', () => {
    dragged = null;
    for (const s of gridEl.querySelectorAll('.drop-target')) s.classList.remove('drop-target');
  });
  gridEl.addEventListener('dragover', (e) => {
    const slot = slotOf(e.target);
    if (!dragged || !slot) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
    for (const s of gridEl.querySelectorAll('.drop-target')) if (s !== slot) s.classList.remove('drop-target');
    slot.classList.add('drop-target');
  });
  gridEl.addEventListener('drop', async (e) => {
    const slot = slotOf(e.target);
    const post = dragged;
    dragged = null;
    slot?.classList.remove('drop-target');
    const day = slot?.dataset.day ? parseDayKey(slot.dataset.day) : null;
    if (!post || !slot || !day) return;
    e.preventDefault();
    const at = atSlot(new Date(post.scheduled_at), day, Number(slot.dataset.hour));
    if (at.getTime() === new Date(post.scheduled_at).getTime()) return;
    if (await moveTo(api, post, at)) await load();
  });

  void (async () => {
    try {
      for (const a of await api.accounts()) accounts.set(a.id, a.display_name);
    } catch (err) {
      reportError(err);
    }
    await load();
    // Scroll to the first post's hour, or to the morning.
    const firstPost = gridEl.querySelector<HTMLElement>('.slot.has-posts') ?? gridEl.querySelector<HTMLElement>('.slot[data-hour="8"]');
    const scroller = gridEl.parentElement;
    if (firstPost && scroller) scroller.scrollTop = Math.max(0, firstPost.offsetTop - 48);
    refreshEvery(REFRESH_MS, signal, async () => {
      // Not while a post is being dragged or a dialog asks something: the
      // blocks under the user's hand would be replaced.
      if (!dragged && !document.querySelector('dialog[open]')) await load();
    });
  })();
}
