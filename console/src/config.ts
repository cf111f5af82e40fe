// The runtime configuration the `console` function serves beside the page:
// where each backing function is mounted on this origin. Deployed, all three
// are "" (API Gateway routes by path); on the local stack each has its own
// prefix (`/lambda-url/api`, ...).

export interface Config {
  api_base: string;
  oauth_base: string;
  hashtags_base: string;
}

const KEYS = ['api_base', 'oauth_base', 'hashtags_base'] as const;

/** A base must be a path on this origin: "" or "/...", never a URL
 * elsewhere, since the API key is sent to it. */
function parseBase(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || (raw !== '' && (!raw.startsWith('/') || raw.startsWith('//')))) {
    throw new Error(`config.json: ${name} must be "" or a path starting with "/"`);
  }
  return raw.replace(/\/+$/, '');
}

export async function loadConfig(): Promise<Config> {
  const response = await fetch('./config.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const raw: unknown = await response.json();
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not an object');
  const record = raw as Record<string, unknown>;
  const [api_base, oauth_base, hashtags_base] = KEYS.map((k) => parseBase(k, record[k]));
  return { api_base: api_base ?? '', oauth_base: oauth_base ?? '', hashtags_base: hashtags_base ?? '' };
}
