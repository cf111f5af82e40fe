// Accounts: the tenant's connected TikTok accounts, connecting a new one
// (or reconnecting one that needs it) through TikTok's consent page, and
// disconnecting one.

import type { AccountView } from '../types';
import { h, initials, replace } from '../dom';
import { confirmDialog } from '../dialog';
import { reportError, showError, showStatus } from '../notice';
import { heading, type ScreenContext } from '../screen';
import { formatWhen } from '../time';

/** How the consent round trip ended, read from the page URL by main.ts. */
export type OAuthReturn =
  | { connected: true; accountId: string }
  | { connected: false; error: string; description: string };

const STATUS_HELP: Record<string, string> = {
  ACTIVE: 'Connected and able to post.',
  REAUTH_REQUIRED: 'TikTok needs the owner to sign in again; scheduled posts are held until then.',
  DISCONNECTED: 'No longer connected; its scheduled posts are held.',
};

/** Starts the consent flow: the oauth function answers the TikTok URL
 * (asked for as JSON), and the browser goes there. TikTok sends it back to
 * this page, which main.ts reads. */
async function connect(ctx: ScreenContext, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const returnTo = `${location.origin}${location.pathname}`;
    const link = await ctx.api.connectLink(returnTo);
    showStatus('Opening TikTok…');
    location.assign(link.authorize_url);
  } catch (err) {
    reportError(err);
    button.disabled = false;
  }
}

function accountRow(ctx: ScreenContext, account: AccountView, reload: () => Promise<void>, highlight: boolean): HTMLLIElement {
  const actions = h('div', { class: 'actions' });
  if (account.status !== 'ACTIVE') {
    const reconnect = h(
      'button',
      { type: 'button', 'data-testid': `reconnect-${account.id}`, 'aria-label': `Reconnect ${account.display_name}` },
      'Reconnect',
    );
    reconnect.addEventListener('click', () => void connect(ctx, reconnect));
    actions.append(reconnect);
  }
  if (account.status !== 'DISCONNECTED') {
    const disconnect = h(
      'button',
      { type: 'button', class: 'danger', 'data-testid': `disconnect-${account.id}`, 'aria-label': `Disconnect ${account.display_name}` },
      'Disconnect',
    );
    disconnect.addEventListener('click', async () => {
      const sure = await confirmDialog(
        `Disconnect ${account.display_name}? TikTok access is revoked and its scheduled posts are held until it is reconnected.`,
        'Disconnect',
      );
      if (!sure) return;
      disconnect.disabled = true;
      try {
        const done = await ctx.api.disconnect(account.id);
        showStatus(`${account.display_name} disconnected; ${done.held_posts} scheduled post(s) held.`);
        await reload();
      } catch (err) {
        reportError(err);
        disconnect.disabled = false;
      }
    });
    actions.append(disconnect);
  }
  const statusClass = `status-badge account-${account.status.toLowerCase()}`;
  return h(
    'li',
    { class: highlight ? 'account-row just-connected' : 'account-row', 'data-testid': `account-${account.id}`, 'data-status': account.status },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(account.display_name)),
    h(
      'div',
      { class: 'account-main' },
      h('p', { class: 'account-name' }, account.display_name),
      h(
        'p',
        {},
        h('span', { class: statusClass, 'data-testid': `account-status-${account.id}` }, account.status),
        ' ',
        account.status_reason ?? STATUS_HELP[account.status] ?? '',
      ),
      h('p', { class: 'muted' }, `Connected ${formatWhen(new Date(account.connected_at))}`),
    ),
    actions,
  );
}

export function renderAccounts(ctx: ScreenContext, oauthReturn: OAuthReturn | null): void {
  const connectButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'connect-tiktok' }, 'Connect a TikTok account');
  connectButton.addEventListener('click', () => void connect(ctx, connectButton));
  const list = h('ul', { class: 'account-list', 'aria-label': 'Connected accounts', 'aria-busy': 'true' });
  ctx.root.append(heading('Accounts'), h('div', { class: 'toolbar' }, connectButton), list);

  if (oauthReturn?.connected) {
    showStatus('TikTok account connected.');
  } else if (oauthReturn) {
    showError(`TikTok account not connected: ${oauthReturn.description || oauthReturn.error}`);
  }
  const justConnected = oauthReturn?.connected ? oauthReturn.accountId : null;

  const reload = async () => {
    list.setAttribute('aria-busy', 'true');
    try {
      const accounts = await ctx.api.accounts();
      replace(
        list,
        accounts.length === 0
          ? h('li', { class: 'empty' }, 'No account is connected yet.')
          : accounts.map((a) => accountRow(ctx, a, reload, a.id === justConnected)),
      );
    } catch (err) {
      reportError(err);
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  };
  void reload();
}
