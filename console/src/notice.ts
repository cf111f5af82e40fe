// The two message regions of the page (static in index.html so assistive
// technology already watches them when text arrives): `role="alert"` for
// errors, `role="status"` for news that does not interrupt.

import { ApiError } from './api';
import { byId, h, replace } from './dom';

const alertRegion = () => byId('alert');
const statusRegion = () => byId('status');

export function clearNotices(): void {
  replace(alertRegion());
  replace(statusRegion());
}

export function showStatus(message: string): void {
  replace(statusRegion(), h('p', {}, message));
}

/** An error message, with the request id (small) when the API gave one. */
export function showError(message: string, requestId?: string | null): void {
  replace(
    alertRegion(),
    h(
      'div',
      { class: 'alert-box' },
      h('p', {}, message),
      requestId ? h('p', { class: 'request-id' }, `Request id: ${requestId}`) : null,
    ),
  );
}

/** Shows what went wrong, except what needs no message: a request the
 * screen abandoned, or a 401 (the app already went back to sign-in). */
export function reportError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  if (err instanceof ApiError) {
    if (err.status === 401) return;
    showError(err.describe(), err.requestId);
    return;
  }
  showError(err instanceof Error ? err.message : String(err));
}
