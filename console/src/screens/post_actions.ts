// Rescheduling and cancelling a post, shared by the calendar and the
// timeline: the buttons (the keyboard way; the calendar also takes drags)
// and the API calls behind them.

import type { Client } from '../api';
import { confirmDialog, rescheduleDialog } from '../dialog';
import { h } from '../dom';
import { reportError, showStatus } from '../notice';
import { isCancellable, isEditable } from '../statuses';
import { formatWhen } from '../time';
import type { PostView } from '../types';

/** PATCHes the new time; true when the API took it. */
export async function moveTo(api: Client, post: PostView, at: Date): Promise<boolean> {
  try {
    await api.reschedule(post.id, at);
    showStatus(`Rescheduled to ${formatWhen(at)}.`);
    return true;
  } catch (err) {
    reportError(err);
    return false;
  }
}

/** The Reschedule and Cancel buttons the post's status allows; `changed` runs after a change the API took. */
export function postActions(api: Client, post: PostView, label: string, changed: () => void): HTMLButtonElement[] {
  const buttons: HTMLButtonElement[] = [];
  if (isEditable(post.status)) {
    const reschedule = h('button', { type: 'button', class: 'small', 'data-testid': `reschedule-${post.id}`, 'aria-label': `Reschedule ${label}` }, 'Reschedule');
    reschedule.addEventListener('click', async () => {
      const at = await rescheduleDialog(new Date(post.scheduled_at));
      if (at && (await moveTo(api, post, at))) changed();
    });
    buttons.push(reschedule);
  }
  if (isCancellable(post.status)) {
    const cancel = h('button', { type: 'button', class: 'small danger', 'data-testid': `cancel-${post.id}`, 'aria-label': `Cancel ${label}` }, 'Cancel');
    cancel.addEventListener('click', async () => {
      if (!(await confirmDialog(`Cancel ${label}? It will not be published.`, 'Cancel the post'))) return;
      cancel.disabled = true;
      try {
        await api.cancelPost(post.id);
        showStatus('Post cancelled.');
        changed();
      } catch (err) {
        reportError(err);
        cancel.disabled = false;
      }
    });
    buttons.push(cancel);
  }
  return buttons;
}
