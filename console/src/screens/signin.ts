// Sign-in: the tenant's API key, checked with one `GET /accounts` before the
// console opens. The key goes to sessionStorage only (see session.ts).

import { field, h } from '../dom';
import { reportError, showError } from '../notice';
import { heading, type ScreenContext } from '../screen';
import { signIn, signOut } from '../session';

export function renderSignIn(ctx: ScreenContext, message: string | null, signedIn: () => void): void {
  const input = h('input', {
    type: 'password',
    name: 'api-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'data-testid': 'api-key',
  });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    field('API key', input, 'Your workspace key, starting with tk_. It is kept in this tab only and cleared when you sign out or close the tab.'),
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!/^\S+$/.test(key)) {
      showError('Enter your API key.');
      input.focus();
      return;
    }
    button.disabled = true;
    signIn(key);
    try {
      // A 401 here goes through the client's unauthorized hook, which
      // forgets the key and shows this screen again with its message.
      await ctx.api.accounts();
      signedIn();
    } catch (err) {
      if (!ctx.signal.aborted) {
        signOut();
        button.disabled = false;
        reportError(err);
      }
    }
  });
  const title = heading('Sign in');
  title.id = 'signin-title';
  ctx.root.append(title, form);
  if (message) showError(message);
  input.focus();
}
