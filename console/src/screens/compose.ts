// Compose: a post for one ACTIVE account, its form driven by that creator's
// current creator_info, its media uploaded and checked before it is sent,
// its time read in the user's zone. `POST /posts` carries an
// Idempotency-Key so a retried submission cannot schedule the post twice.

import { describe, field, h, replace, uid } from '../dom';
import { reportError, showError, showStatus } from '../notice';
import { postHash } from '../router';
import { heading, type ScreenContext } from '../screen';
import { LIMITS, MAX_PHOTOS, textProblem, utf16Length } from '../text';
import { fromLocalInput, timeZoneName, toLocalInput } from '../time';
import type { AccountView, CreatorInfoView, MediaKind, NewPost, PostMode } from '../types';
import { captionRule, draftProblems, toNewPost, type Draft } from './compose_rules';
import { applyInteraction, fillPrivacy, interaction } from './compose_fields';
import { ACCEPT, UploadList } from './uploads';

/** A random v4 UUID. crypto.randomUUID needs a secure context, which a
 * plain-http stack on a LAN address is not; getRandomValues works anywhere. */
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function radio(name: string, value: string, label: string, testid: string, checked: boolean): HTMLDivElement {
  const input = h('input', { type: 'radio', name, value, id: uid(name), checked, 'data-testid': testid });
  return h('div', { class: 'check' }, input, h('label', { for: input.id }, label));
}

function checkbox(label: string, testid: string): { box: HTMLInputElement; row: HTMLDivElement } {
  const box = h('input', { type: 'checkbox', id: uid('cb'), 'data-testid': testid });
  return { box, row: h('div', { class: 'check' }, box, h('label', { for: box.id }, label)) };
}

/** A textarea with its live UTF-16 counter and its error line. */
function textWithCounter(testid: string) {
  const input = h('textarea', { rows: 3, 'data-testid': testid, id: uid('t') });
  const counter = h('p', { class: 'counter', id: uid('count'), 'data-testid': `${testid}-count` });
  const error = h('p', { class: 'field-error', id: uid('err') });
  describe(input, counter.id);
  describe(input, error.id);
  return { input, counter, error };
}

export function renderCompose(ctx: ScreenContext): void {
  const { api, signal, root } = ctx;
  let creator: CreatorInfoView | null = null;
  /** The last submission sent and its key. The same body sent again (a
   * retry after a timeout or a 503) reuses the key, so the API answers the
   * first post instead of making a second; a changed form gets a new key. */
  let lastAttempt: { body: string; key: string } | null = null;

  const accountSelect = h('select', { 'data-testid': 'compose-account', required: true }, h('option', { value: '' }, 'Loading accounts…'));
  const creatorLine = h('p', { class: 'muted', 'aria-live': 'polite' });
  const kindVideo = radio('kind', 'video', 'Video', 'compose-kind-video', true);
  const kindPhoto = radio('kind', 'photo', `Photos (up to ${MAX_PHOTOS})`, 'compose-kind-photo', false);
  const fileInput = h('input', { type: 'file', accept: ACCEPT.video, 'data-testid': 'compose-file' });
  const fileHint = h('span', {});
  const caption = textWithCounter('compose-caption');
  const captionLabel = h('label', { for: caption.input.id }, 'Caption');
  const description = textWithCounter('compose-description');
  const descriptionField = h('div', { class: 'field', hidden: true }, h('label', { for: description.input.id }, 'Description'), description.input, description.counter, description.error);
  const privacy = h('select', { required: true, 'data-testid': 'compose-privacy' });
  const comments = interaction('disable_comment', 'Allow comments', 'compose-allow-comments', false);
  const duet = interaction('disable_duet', 'Allow duet', 'compose-allow-duet', true);
  const stitch = interaction('disable_stitch', 'Allow stitch', 'compose-allow-stitch', true);
  const brandOwn = checkbox('Promotes your own brand', 'compose-brand-organic');
  const brandPaid = checkbox('Branded content (promotes a third party)', 'compose-brand-content');
  const aigc = checkbox('Made with AI', 'compose-aigc');
  const modeDirect = radio('post_mode', 'DIRECT_POST', 'Publish on TikTok', 'compose-mode-direct', true);
  const modeInbox = radio('post_mode', 'MEDIA_UPLOAD', 'Send to the creator’s TikTok inbox as a draft', 'compose-mode-inbox', false);
  const schedule = h('input', { type: 'datetime-local', required: true, 'data-testid': 'compose-schedule' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'compose-submit' }, 'Schedule post');

  const kind = (): MediaKind => ((root.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value ?? 'video') as MediaKind);
  const mode = (): PostMode => ((root.querySelector<HTMLInputElement>('input[name="post_mode"]:checked')?.value ?? 'DIRECT_POST') as PostMode);
  const uploads = new UploadList(api, signal);

  function updateCounters(): void {
    const rule = captionRule(kind());
    for (const [t, limit, name] of [
      [caption, rule.limit, rule.name],
      [description, LIMITS.photoDescription, 'description'],
    ] as const) {
      const length = utf16Length(t.input.value);
      t.counter.textContent = `${length} / ${limit}`;
      t.counter.classList.toggle('over', length > limit);
      const problem = textProblem(name, t.input.value, limit);
      t.error.textContent = problem ?? '';
      if (problem) t.input.setAttribute('aria-invalid', 'true');
      else t.input.removeAttribute('aria-invalid');
    }
  }

  function applyKind(): void {
    const k = kind();
    captionLabel.textContent = k === 'video' ? 'Caption' : 'Title';
    descriptionField.hidden = k !== 'photo';
    fileInput.accept = ACCEPT[k];
    fileInput.multiple = k === 'photo';
    replace(
      fileHint,
      k === 'video'
        ? `One MP4, MOV or WebM video${creator?.max_video_post_duration_sec ? `, at most ${creator.max_video_post_duration_sec} s long for this creator` : ''}.`
        : `Up to ${MAX_PHOTOS} JPEG or WebP images, in the order they appear.`,
    );
    if (creator) for (const ix of [comments, duet, stitch]) applyInteraction(ix, creator, k);
    updateCounters();
  }

  const details = h('div', { hidden: true });
  async function chooseAccount(): Promise<void> {
    creator = null;
    details.hidden = true;
    creatorLine.textContent = '';
    if (!accountSelect.value) return;
    creatorLine.textContent = 'Reading this creator’s current settings…';
    try {
      creator = await api.creatorInfo(accountSelect.value);
    } catch (err) {
      creatorLine.textContent = '';
      reportError(err);
      return;
    }
    creatorLine.textContent = `Posting as ${creator.nickname} (@${creator.username}).`;
    fillPrivacy(privacy, creator);
    uploads.setMaxVideoSeconds(creator.max_video_post_duration_sec);
    applyKind();
    details.hidden = false;
  }

  function readDraft(): Draft {
    const allowed = (ix: typeof comments) => !ix.box.disabled && ix.box.checked;
    return {
      accountId: accountSelect.value,
      creator,
      kind: kind(),
      mode: mode(),
      uploads: uploads.items.map((u) => ({ name: u.file.name, state: u.state, mediaId: u.media?.media_id ?? null, tooLong: uploads.tooLong(u) })),
      caption: caption.input.value,
      description: description.input.value,
      privacy: privacy.value,
      allow: { comment: allowed(comments), duet: allowed(duet), stitch: allowed(stitch) },
      brandOwn: brandOwn.box.checked,
      brandPaid: brandPaid.box.checked,
      aigc: aigc.box.checked,
      at: fromLocalInput(schedule.value),
    };
  }

  async function send(event: Event): Promise<void> {
    event.preventDefault();
    const draft = readDraft();
    const found = draftProblems(draft, new Date());
    if (found.length > 0) {
      showError(`The post cannot be scheduled yet: ${found.join(' ')}`);
      return;
    }
    const body = JSON.stringify(toNewPost(draft));
    const key = lastAttempt?.body === body ? lastAttempt.key : uuid();
    lastAttempt = { body, key };
    submit.disabled = true;
    showStatus('Scheduling…');
    try {
      const post = await api.createPost(JSON.parse(body) as NewPost, key);
      location.hash = postHash(post.id);
    } catch (err) {
      showStatus('');
      reportError(err);
    } finally {
      submit.disabled = false;
    }
  }

  fileInput.addEventListener('change', () => {
    const files = Array.from(fileInput.files ?? []);
    fileInput.value = '';
    if (files.length === 0) return;
    if (kind() === 'video') uploads.clear();
    const room = MAX_PHOTOS - uploads.items.length;
    const refused = uploads.add(kind(), kind() === 'photo' ? files.slice(0, room) : files.slice(0, 1));
    if (kind() === 'photo' && files.length > room) refused.push(`only ${MAX_PHOTOS} photos fit in one post; ${files.length - room} were left out`);
    if (refused.length > 0) showError(`Not added: ${refused.join('; ')}.`);
  });
  caption.input.addEventListener('input', updateCounters);
  description.input.addEventListener('input', updateCounters);
  accountSelect.addEventListener('change', () => void chooseAccount());

  const kindSet = h('fieldset', {}, h('legend', {}, 'What to post'), kindVideo, kindPhoto);
  kindSet.addEventListener('change', () => {
    if (uploads.items.length > 0) showStatus('The chosen files were removed: they were for the other kind of post.');
    uploads.clear();
    applyKind();
  });
  const soon = new Date(Date.now() + 10 * 60_000);
  schedule.value = toLocalInput(soon);
  schedule.min = toLocalInput(new Date());

  details.append(
    kindSet,
    field('Media', fileInput, fileHint),
    uploads.element,
    h('div', { class: 'field' }, captionLabel, caption.input, caption.counter, caption.error),
    descriptionField,
    field('Who can see this post', privacy),
    h('fieldset', {}, h('legend', {}, 'Let viewers'), comments.row, duet.row, stitch.row),
    h('fieldset', {}, h('legend', {}, 'Disclosure'), brandOwn.row, brandPaid.row, aigc.row),
    h('fieldset', {}, h('legend', {}, 'How to post'), modeDirect, modeInbox),
    field(`Publish at (${timeZoneName()} time)`, schedule, 'Your local time; it is sent to the API in UTC.'),
    h('div', { class: 'actions' }, submit),
  );

  const form = h('form', { class: 'card', novalidate: true, 'aria-label': 'New post' }, field('Account', accountSelect), creatorLine, details);
  form.addEventListener('submit', (e) => void send(e));
  root.append(heading('Compose'), form);

  void (async () => {
    let accounts: AccountView[];
    try {
      accounts = (await api.accounts()).filter((a) => a.status === 'ACTIVE');
    } catch (err) {
      reportError(err);
      return;
    }
    replace(
      accountSelect,
      h('option', { value: '' }, accounts.length ? 'Choose an account' : 'No active account'),
      accounts.map((a) => h('option', { value: a.id }, a.display_name)),
    );
    if (accounts.length === 0) {
      form.append(h('p', {}, 'Connect a TikTok account first, on the ', h('a', { href: '#/accounts' }, 'Accounts'), ' screen.'));
    } else if (accounts.length === 1 && accounts[0]) {
      accountSelect.value = accounts[0].id;
      void chooseAccount();
    }
  })();
}
