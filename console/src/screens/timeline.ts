// A post's timeline: where it is, every status move it made (from → to,
// when, by whom, why), TikTok's ids, its attempts and settings. Refreshed
// until the post reaches a final status. A post that NEEDS_ATTENTION shows
// how to settle it, and a form to do so.

import { ApiError } from '../api';
import { h, replace } from '../dom';
import { reportError } from '../notice';
import { refreshEvery } from '../refresh';
import { calendarHash } from '../router';
import { heading, type ScreenContext } from '../screen';
import { isTerminal, statusTone } from '../statuses';
import { bothZones, dayKey } from '../time';
import type { PostView } from '../types';
import { postActions } from './post_actions';
import { resolveForm } from './resolve';

const REFRESH_MS = 3000;

/** An API time as a <time>: local (with the zone), then UTC as sent. */
function when(raw: string): HTMLElement {
  const { local, utc } = bothZones(raw);
  return h('span', {}, h('time', { datetime: raw }, local), h('span', { class: 'muted' }, ` · ${utc}`));
}

const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');

function summary(post: PostView): HTMLElement {
  const s = post.settings;
  const rows: [string, string | Node][] = [
    ['Status', h('span', {}, h('span', { class: `status-badge ${statusTone(post.status)}`, 'data-testid': 'post-status' }, post.status), post.status_reason ? ` ${post.status_reason}` : '')],
    ['Scheduled for', when(post.scheduled_at)],
    ['Account', post.account_id],
    ['Kind', `${s.kind}, ${s.post_mode === 'MEDIA_UPLOAD' ? 'to the creator’s inbox as a draft' : 'published directly'}`],
    ['Who can see it', s.privacy_level],
    [s.kind === 'photo' ? 'Title' : 'Caption', s.caption || '(none)'],
    ...(s.description ? [['Description', s.description] as [string, string]] : []),
    ['Media', s.media_ids.join(', ')],
    ['Comments / duet / stitch off', `${yesNo(s.disable_comment)} / ${yesNo(s.disable_duet)} / ${yesNo(s.disable_stitch)}`],
    ['Own brand / branded content / AI-made', `${yesNo(s.brand_organic_toggle)} / ${yesNo(s.brand_content_toggle)} / ${yesNo(s.is_aigc)}`],
    ['Publish id', post.publish_id ?? '(not yet)'],
    ['TikTok post ids', post.post_ids.length ? post.post_ids.join(', ') : '(none yet)'],
    ['Attempts', String(post.attempts)],
    ['Created', when(post.created_at)],
    ['Updated', when(post.updated_at)],
  ];
  return h('dl', { class: 'facts', 'data-testid': 'post-summary' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function history(post: PostView): HTMLElement {
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    post.history.map((entry, n) =>
      h(
        'li',
        { class: 'timeline-entry', 'data-testid': `timeline-entry-${n}`, 'data-to': entry.to },
        h('p', { class: 'move' }, entry.from ? `${entry.from} → ` : 'created as ', h('span', { class: `status-badge ${statusTone(entry.to)}` }, entry.to)),
        h('p', {}, when(entry.at)),
        h('p', {}, `by ${entry.by}: ${entry.reason}`),
      ),
    ),
  );
}

export function renderTimeline(ctx: ScreenContext, postId: string): void {
  const { api, signal, root } = ctx;
  const body = h('div', { 'aria-busy': 'true' });
  const actions = h('div', { class: 'actions' });
  const resolveSlot = h('div', {});
  const back = h('a', { href: calendarHash('week', dayKey(new Date())) }, 'Back to the calendar');
  root.append(heading('Post timeline'), h('p', { class: 'muted' }, `Post ${postId} · `, back), actions, resolveSlot, body);

  let seen: string | null = null;
  let failing = false;
  /** One refresh; false stops the polling (a final status, or a post that
   * cannot be read). A passing failure (network, 5xx, 429) keeps polling. */
  async function load(): Promise<boolean> {
    let post: PostView;
    try {
      post = await api.post(postId);
      failing = false;
    } catch (err) {
      if (!failing) reportError(err);
      failing = true;
      return !(err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429);
    }
    body.setAttribute('aria-busy', 'false');
    back.href = calendarHash('week', dayKey(new Date(post.scheduled_at)));
    const version = `${post.status}|${post.updated_at}|${post.history.length}`;
    if (version !== seen) {
      seen = version;
      replace(body, summary(post), h('h2', {}, 'Status moves'), history(post));
      replace(actions, postActions(api, post, 'this post', () => void load()));
      // The resolve form is rebuilt only when the post enters or leaves
      // NEEDS_ATTENTION, so a refresh never wipes what the user is typing.
      const hint = post.resolve;
      if (!hint) replace(resolveSlot);
      else if (!resolveSlot.firstChild) replace(resolveSlot, resolveForm(api, post.id, hint, () => void load()));
    }
    return !isTerminal(post.status);
  }

  void load().then((going) => {
    if (going) refreshEvery(REFRESH_MS, signal, load);
  });
}
