// The calendar's grid: one column per day, one slot per hour, each post a
// block in the slot of its local time. Slots carry `data-day`/`data-hour`
// and take dropped posts; a block can be dragged only while SCHEDULED.

import { h, replace } from '../dom';
import { postHash } from '../router';
import { isEditable, LEGEND, statusTone } from '../statuses';
import { dayKey, formatDay, formatLongDay, formatTime } from '../time';
import type { PostView } from '../types';

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Status colours' },
    LEGEND.map((entry) => h('li', {}, h('span', { class: `swatch ${entry.tone}`, 'aria-hidden': 'true' }), entry.label)),
  );
}

/** The empty grid for `days`: a gutter of hours, then per day a header and 24 slots. */
export function grid(days: Date[], dayLink: (day: Date) => string): HTMLElement {
  const gutter = h(
    'div',
    { class: 'gutter', 'aria-hidden': 'true' },
    h('div', { class: 'corner' }),
    HOURS.map((hour) => h('div', { class: 'gutter-hour' }, hourLabel(hour))),
  );
  const columns = days.map((day) => {
    const key = dayKey(day);
    const today = key === dayKey(new Date());
    return h(
      'section',
      { class: today ? 'day-col today' : 'day-col', 'aria-label': formatLongDay(day), 'data-testid': `cal-day-${key}` },
      h('h3', { class: 'day-head' }, h('a', { href: dayLink(day), 'aria-label': `${formatLongDay(day)}, day view` }, formatDay(day), today ? ' (today)' : '')),
      h(
        'ol',
        { class: 'slots' },
        HOURS.map((hour) =>
          h(
            'li',
            { class: 'slot', 'data-day': key, 'data-hour': hour, 'data-testid': `cal-slot-${key}-${String(hour).padStart(2, '0')}` },
            h('span', { class: 'slot-time' }, hourLabel(hour)),
            h('div', { class: 'slot-posts' }),
          ),
        ),
      ),
    );
  });
  return h('div', { class: days.length === 1 ? 'cal-grid one-day' : 'cal-grid' }, gutter, columns);
}

/** One post's block: a link to its timeline (time, status text, caption), its account, and its actions. */
function block(post: PostView, accountName: string, actions: HTMLElement[]): HTMLElement {
  const at = new Date(post.scheduled_at);
  const caption = post.settings.caption.trim() || `(${post.settings.kind} without caption)`;
  return h(
    'article',
    {
      class: `cal-post ${statusTone(post.status)}`,
      'data-testid': `cal-post-${post.id}`,
      'data-status': post.status,
      'data-post-id': post.id,
      draggable: isEditable(post.status) ? 'true' : 'false',
    },
    // The link is not draggable itself, so a drag that starts on it moves the block.
    h(
      'a',
      { href: postHash(post.id), draggable: 'false', class: 'cal-post-link', 'data-testid': `cal-link-${post.id}` },
      h('time', { datetime: post.scheduled_at }, formatTime(at)),
      ' ',
      h('span', { class: 'status-badge' }, post.status),
      h('span', { class: 'cal-caption' }, caption),
    ),
    h('p', { class: 'cal-account' }, accountName),
    actions.length ? h('div', { class: 'cal-actions' }, actions) : null,
  );
}

/** Puts each post in its slot (posts outside the grid's days are left out). */
export function placePosts(
  gridEl: HTMLElement,
  posts: PostView[],
  accountName: (id: string) => string,
  actions: (post: PostView) => HTMLElement[],
): void {
  for (const slot of gridEl.querySelectorAll<HTMLElement>('.slot-posts')) replace(slot);
  for (const slot of gridEl.querySelectorAll<HTMLElement>('.slot')) slot.classList.remove('has-posts');
  const sorted = [...posts].sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  for (const post of sorted) {
    const at = new Date(post.scheduled_at);
    const slot = gridEl.querySelector<HTMLElement>(`.slot[data-day="${dayKey(at)}"][data-hour="${at.getHours()}"]`);
    if (!slot) continue;
    slot.classList.add('has-posts');
    slot.querySelector('.slot-posts')?.append(block(post, accountName(post.account_id), actions(post)));
  }
}
