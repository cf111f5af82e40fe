// The one client of the three backing functions. Every request carries the
// tenant's key as a bearer token (never in the URL); every error becomes an
// ApiError with the API's own message and request id; a 401 anywhere sends
// the user back to sign-in through the `unauthorized` hook.

import type { Config } from './config';
import type {
  AccountView,
  Analysis,
  ConnectLink,
  CreatorInfoView,
  MediaKind,
  MediaView,
  NewPost,
  Outcome,
  PostPage,
  PostView,
} from './types';
import { rfc3339 } from './time';

export type Service = 'api' | 'oauth' | 'hashtags';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message as shown to the user: 429 says when to try again. */
  describe(): string {
    const wait = this.retryAfterSeconds === null ? '' : ` Try again in ${this.retryAfterSeconds} s.`;
    return `${this.message}${wait}`;
  }
}

export interface Hooks {
  key: () => string | null;
  unauthorized: (error: ApiError) => void;
}

interface Request {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  accept?: string;
}

/** `{"error": {"code", "message", "request_id"}}`, or what we can say without it. */
async function errorOf(response: Response): Promise<ApiError> {
  const retry = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  let code = `http_${response.status}`;
  let message = `The service answered HTTP ${response.status}.`;
  let requestId = response.headers.get('x-request-id');
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown; request_id?: unknown } };
    const e = body.error;
    if (e && typeof e.message === 'string') {
      message = e.message;
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.request_id === 'string') requestId = e.request_id;
    }
  } catch {
    // not the API's error shape (a proxy's page): keep the status line
  }
  return new ApiError(response.status, code, message, requestId, Number.isFinite(retry) ? retry : null);
}

const seg = encodeURIComponent;

export class Client {
  constructor(
    private readonly config: Config,
    private readonly hooks: Hooks,
    private readonly signal?: AbortSignal,
  ) {}

  /** The same client, whose requests are abandoned when `signal` aborts
   * (a screen's requests when the user leaves it). */
  bound(signal: AbortSignal): Client {
    return new Client(this.config, this.hooks, signal);
  }

  private base(service: Service): string {
    switch (service) {
      case 'api':
        return this.config.api_base;
      case 'oauth':
        return this.config.oauth_base;
      case 'hashtags':
        return this.config.hashtags_base;
    }
  }

  private async send(service: Service, path: string, req: Request): Promise<Response> {
    const key = this.hooks.key();
    if (!key) {
      const error = new ApiError(401, 'unauthorized', 'Sign in with your API key.');
      this.hooks.unauthorized(error);
      throw error;
    }
    const headers: Record<string, string> = {
      Accept: req.accept ?? 'application/json',
      Authorization: `Bearer ${key}`,
      ...req.headers,
    };
    const init: RequestInit = { method: req.method ?? 'GET', headers, cache: 'no-store', credentials: 'omit' };
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(req.body);
    }
    if (this.signal) init.signal = this.signal;
    let response: Response;
    try {
      response = await fetch(`${this.base(service)}${path}`, init);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'The service could not be reached. Check the connection and try again.');
    }
    if (response.ok) return response;
    const error = await errorOf(response);
    if (error.status === 401) this.hooks.unauthorized(error);
    throw error;
  }

  private async json<T>(service: Service, path: string, req: Request = {}): Promise<T> {
    const response = await this.send(service, path, req);
    return (await response.json()) as T;
  }

  // --- accounts (api) and connections (oauth) ---

  async accounts(): Promise<AccountView[]> {
    return (await this.json<{ accounts: AccountView[] }>('api', '/accounts')).accounts;
  }

  creatorInfo(accountId: string): Promise<CreatorInfoView> {
    return this.json('api', `/accounts/${seg(accountId)}/creator-info`);
  }

  /** The TikTok consent URL. `Accept: application/json` asks the oauth
   * function for JSON instead of a 302, which fetch could not follow usefully. */
  connectLink(returnTo: string): Promise<ConnectLink> {
    return this.json('oauth', `/connect/tiktok?return_to=${seg(returnTo)}`);
  }

  disconnect(accountId: string): Promise<{ id: string; status: string; revoked: boolean; held_posts: number }> {
    return this.json('oauth', `/accounts/${seg(accountId)}`, { method: 'DELETE' });
  }

  // --- media ---

  createMedia(kind: MediaKind, contentType: string, sizeBytes: number): Promise<MediaView> {
    return this.json('api', '/media', {
      method: 'POST',
      body: { kind, content_type: contentType, size_bytes: sizeBytes },
    });
  }

  media(mediaId: string): Promise<MediaView> {
    return this.json('api', `/media/${seg(mediaId)}`);
  }

  // --- posts ---

  createPost(post: NewPost, idempotencyKey: string): Promise<PostView> {
    return this.json('api', '/posts', { method: 'POST', body: post, headers: { 'Idempotency-Key': idempotencyKey } });
  }

  /** Every post scheduled in [from, to], following `next_cursor` (bounded,
   * so a misbehaving cursor cannot loop forever). */
  async postsBetween(from: Date, to: Date): Promise<PostView[]> {
    const posts: PostView[] = [];
    let cursor: string | null | undefined = null;
    for (let page = 0; page < 50; page += 1) {
      const q = new URLSearchParams({ from: rfc3339(from), to: rfc3339(to), limit: '100' });
      if (cursor) q.set('cursor', cursor);
      const answer: PostPage = await this.json<PostPage>('api', `/posts?${q}`);
      posts.push(...answer.posts);
      cursor = answer.next_cursor;
      if (!cursor) break;
    }
    return posts;
  }

  post(postId: string): Promise<PostView> {
    return this.json('api', `/posts/${seg(postId)}`);
  }

  reschedule(postId: string, at: Date): Promise<PostView> {
    return this.json('api', `/posts/${seg(postId)}`, { method: 'PATCH', body: { scheduled_at: rfc3339(at) } });
  }

  cancelPost(postId: string): Promise<PostView> {
    return this.json('api', `/posts/${seg(postId)}`, { method: 'DELETE' });
  }

  resolvePost(postId: string, outcome: Outcome, note: string | null): Promise<PostView> {
    return this.json('api', `/posts/${seg(postId)}/resolve`, { method: 'POST', body: { outcome, note } });
  }

  // --- hashtags ---

  analysis(tag: string, query: URLSearchParams): Promise<Analysis> {
    return this.json('hashtags', `/hashtags/${seg(tag)}/analysis?${query}`);
  }

  /** The chart as a Blob, fetched with the key (an <img src> could not send it). */
  async analysisChart(tag: string, query: URLSearchParams): Promise<Blob> {
    const q = new URLSearchParams(query);
    q.set('format', 'svg');
    const response = await this.send('hashtags', `/hashtags/${seg(tag)}/analysis?${q}`, { accept: 'image/svg+xml' });
    return response.blob();
  }
}
