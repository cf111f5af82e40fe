// Modal questions on <dialog>: focus moves in and back, Escape answers "no".
// Used instead of window.confirm, which cannot be styled or labelled and
// which a browser test must intercept.

import { h } from './dom';
import { fromLocalInput, timeZoneName, toLocalInput } from './time';

function open(dialog: HTMLDialogElement): void {
  document.body.append(dialog);
  dialog.showModal();
}

function closeAndRemove(dialog: HTMLDialogElement, opener: Element | null): void {
  if (dialog.open) dialog.close();
  dialog.remove();
  if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
}

/** Asks a yes/no question; resolves true only on the confirm button. */
export function confirmDialog(question: string, confirmLabel: string): Promise<boolean> {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const titleId = `confirm-${Date.now()}`;
    const finish = (answer: boolean) => {
      closeAndRemove(dialog, opener);
      resolve(answer);
    };
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId, 'data-testid': 'confirm-dialog', oncancel: () => finish(false) },
      h('p', { id: titleId }, question),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'confirm-no', onclick: () => finish(false) }, 'Keep it'),
        h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-yes', onclick: () => finish(true) }, confirmLabel),
      ),
    );
    open(dialog);
    // The safe answer has focus, so an accidental Enter keeps the post.
    dialog.querySelector<HTMLButtonElement>('[data-testid="confirm-no"]')?.focus();
  });
}

/** Asks for a new time (the keyboard way to reschedule); null when dismissed. */
export function rescheduleDialog(current: Date): Promise<Date | null> {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const finish = (answer: Date | null) => {
      closeAndRemove(dialog, opener);
      resolve(answer);
    };
    const input = h('input', {
      type: 'datetime-local',
      id: 'reschedule-at',
      required: true,
      value: toLocalInput(current),
      'data-testid': 'reschedule-input',
    });
    const problem = h('p', { class: 'field-error', id: 'reschedule-problem' });
    const form = h(
      'form',
      {
        method: 'dialog',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const at = fromLocalInput(input.value);
          if (!at) {
            problem.textContent = 'Enter a date and time.';
            input.setAttribute('aria-invalid', 'true');
            input.focus();
            return;
          }
          finish(at);
        },
      },
      h('h2', { id: 'reschedule-title' }, 'Reschedule'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'reschedule-at' }, `New time (${timeZoneName()})`),
        input,
        problem,
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => finish(null) }, 'Back'),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'reschedule-save' }, 'Save new time'),
      ),
    );
    input.setAttribute('aria-describedby', 'reschedule-problem');
    const dialog = h('dialog', { 'aria-labelledby': 'reschedule-title', 'data-testid': 'reschedule-dialog', oncancel: () => finish(null) }, form);
    open(dialog);
    input.focus();
  });
}
