// Hash routes: `#/accounts`, `#/compose`, `#/calendar?view=day&date=...`,
// `#/posts/{id}`, `#/hashtags`. The hash keeps the page one document for the
// `console` function to serve, whatever the route.

export type Route =
  | { name: 'accounts' }
  | { name: 'compose' }
  | { name: 'calendar'; view: 'week' | 'day'; date: string | null }
  | { name: 'post'; id: string }
  | { name: 'hashtags' };

export const DEFAULT_HASH = '#/accounts';

export function parseRoute(hash: string): Route | null {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case 'accounts':
      return parts.length === 1 ? { name: 'accounts' } : null;
    case 'compose':
      return parts.length === 1 ? { name: 'compose' } : null;
    case 'hashtags':
      return parts.length === 1 ? { name: 'hashtags' } : null;
    case 'calendar':
      return parts.length === 1
        ? { name: 'calendar', view: params.get('view') === 'day' ? 'day' : 'week', date: params.get('date') }
        : null;
    case 'posts':
      return parts.length === 2 && parts[1] ? { name: 'post', id: decodeURIComponent(parts[1]) } : null;
    default:
      return null;
  }
}

export function calendarHash(view: 'week' | 'day', date: string): string {
  return `#/calendar?${new URLSearchParams({ view, date })}`;
}

export const postHash = (id: string) => `#/posts/${encodeURIComponent(id)}`;
