// Start-up and the shell: reads the runtime config, takes the OAuth return
// off the URL, and renders the screen of the current hash route (or the
// sign-in screen while no key is stored).

import './styles/base.css';
import './styles/screens.css';
import './styles/calendar.css';
import { ApiError, Client } from './api';
import { loadConfig } from './config';
import { byId, h, replace } from './dom';
import { clearNotices, showError } from './notice';
import { DEFAULT_HASH, parseRoute, type Route } from './router';
import type { ScreenContext } from './screen';
import { apiKey, signOut } from './session';
import { renderAccounts, type OAuthReturn } from './screens/accounts';
import { renderCalendar } from './screens/calendar';
import { renderCompose } from './screens/compose';
import { renderHashtags } from './screens/hashtags';
import { renderSignIn } from './screens/signin';
import { renderTimeline } from './screens/timeline';

/** TikTok's consent sends the browser back to this page with
 * `?status=connected&account_id=...` or `?error=...&error_description=...`.
 * Read once, then taken off the URL so a reload does not repeat it. */
function takeOAuthReturn(): OAuthReturn | null {
  const q = new URLSearchParams(location.search);
  let result: OAuthReturn | null = null;
  if (q.get('status') === 'connected') {
    result = { connected: true, accountId: q.get('account_id') ?? '' };
  } else if (q.has('error')) {
    result = { connected: false, error: q.get('error') ?? '', description: q.get('error_description') ?? '' };
  }
  if (location.search) {
    const hash = result ? DEFAULT_HASH : location.hash;
    history.replaceState(history.state, '', `${location.pathname}${hash}`);
  }
  return result;
}

let client: Client;
let current: AbortController | null = null;
let oauthReturn: OAuthReturn | null = takeOAuthReturn();
let signInMessage: string | null = null;
/** The screen on show; null while signing in. */
let shownRoute: Route['name'] | null = null;

function onUnauthorized(_: ApiError): void {
  // No screen shown yet: the 401 answered the key just typed on sign-in.
  const signingIn = shownRoute === null;
  signOut();
  signInMessage = signingIn
    ? 'That API key was not accepted. Check it and try again.'
    : 'The API key is no longer accepted (it may have been revoked). Sign in again.';
  render(true);
}

function setChrome(signedIn: boolean, route: Route | null): void {
  byId('nav').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
  const section = route?.name === 'post' ? 'calendar' : route?.name;
  for (const link of byId('nav').querySelectorAll<HTMLAnchorElement>('a[data-route]')) {
    if (link.dataset.route === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function render(moveFocus: boolean): void {
  current?.abort();
  current = new AbortController();
  const main = byId('main');
  // Within one screen (the calendar's next/previous links), focus stays on
  // the control the user used; a new screen gets focus on its heading.
  const active = document.activeElement;
  const keep = active instanceof HTMLElement && main.contains(active) ? active.dataset.testid : undefined;
  const previous = shownRoute;
  shownRoute = null;
  replace(main);
  clearNotices();
  const ctx: ScreenContext = { root: main, api: client.bound(current.signal), signal: current.signal };

  if (!apiKey()) {
    setChrome(false, null);
    renderSignIn(ctx, signInMessage, () => {
      signInMessage = null;
      if (!parseRoute(location.hash)) history.replaceState(history.state, '', DEFAULT_HASH);
      render(true);
    });
    signInMessage = null;
  } else {
    const route = parseRoute(location.hash);
    if (!route) {
      // Unknown or empty hash: the accounts screen, without a history entry.
      history.replaceState(history.state, '', DEFAULT_HASH);
      render(moveFocus);
      return;
    }
    setChrome(true, route);
    renderRoute(ctx, route);
    shownRoute = route.name;
  }
  if (!moveFocus || main.contains(document.activeElement)) return; // sign-in focused its own field
  const same = keep && previous === shownRoute ? main.querySelector<HTMLElement>(`[data-testid="${keep}"]`) : null;
  (same ?? main.querySelector<HTMLElement>('h1'))?.focus();
}

function renderRoute(ctx: ScreenContext, route: Route): void {
  switch (route.name) {
    case 'accounts': {
      const result = oauthReturn;
      oauthReturn = null;
      renderAccounts(ctx, result);
      return;
    }
    case 'compose':
      return renderCompose(ctx);
    case 'calendar':
      return renderCalendar(ctx, route.view, route.date);
    case 'post':
      return renderTimeline(ctx, route.id);
    case 'hashtags':
      return renderHashtags(ctx);
  }
}

async function start(): Promise<void> {
  byId('skip-link').addEventListener('click', (event) => {
    // A real jump to #main would replace the route's hash.
    event.preventDefault();
    byId('main').focus();
  });
  byId('sign-out').addEventListener('click', () => {
    signOut();
    render(true);
  });
  try {
    const config = await loadConfig();
    client = new Client(config, { key: apiKey, unauthorized: onUnauthorized });
  } catch (err) {
    replace(byId('main'), h('h1', {}, 'The console cannot start'));
    showError(`The console's configuration could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  window.addEventListener('hashchange', () => render(true));
  render(false);
}

void start();
