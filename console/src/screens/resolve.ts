// Settling a post that NEEDS_ATTENTION: the tenant says what they found on
// TikTok (published, failed) or asks for another try, which may publish the
// post twice. The outcomes offered are the ones the API's hint lists.

import type { Client } from '../api';
import { h, uid } from '../dom';
import { reportError, showError, showStatus } from '../notice';
import { LIMITS, noteProblem } from '../text';
import type { Outcome, ResolveHint } from '../types';

const OUTCOME_TEXT: Record<Outcome, string> = {
  published: 'It is on TikTok: mark it published',
  failed: 'It is not on TikTok: mark it failed',
  retry: 'Publish it again (it may appear twice on TikTok)',
};

export function resolveForm(api: Client, postId: string, hint: ResolveHint, resolved: () => void): HTMLElement {
  const name = uid('outcome');
  const radios = hint.outcomes.map((outcome) => {
    const input = h('input', { type: 'radio', name, value: outcome, id: uid('o'), required: true, 'data-testid': `resolve-${outcome}` });
    return h('div', { class: 'check' }, input, h('label', { for: input.id }, OUTCOME_TEXT[outcome] ?? outcome));
  });
  const note = h('textarea', { id: uid('note'), rows: 2, 'data-testid': 'resolve-note' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'resolve-submit' }, 'Resolve');
  const form = h(
    'form',
    { class: 'card attention', 'data-testid': 'resolve-form', 'aria-labelledby': 'resolve-title' },
    h('h2', { id: 'resolve-title' }, 'This post needs attention'),
    h('p', {}, 'TikTok may or may not have published it: the connection was lost after the publish started. Check the creator’s TikTok profile, then say what you found.'),
    h('p', { class: 'muted' }, `${hint.method} ${hint.path}`),
    h('fieldset', {}, h('legend', {}, 'Outcome'), radios),
    h('div', { class: 'field' }, h('label', { for: note.id }, `Note (optional, up to ${LIMITS.resolveNote} characters)`), note),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const outcome = form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value as Outcome | undefined;
    const problem = outcome ? noteProblem(note.value) : 'Choose an outcome.';
    if (problem) {
      showError(problem);
      return;
    }
    submit.disabled = true;
    try {
      await api.resolvePost(postId, outcome as Outcome, note.value.trim() || null);
      showStatus('Resolved.');
      resolved();
    } catch (err) {
      reportError(err);
      submit.disabled = false;
    }
  });
  return form;
}
