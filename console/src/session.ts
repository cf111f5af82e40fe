// The tenant's API key for this tab. sessionStorage only: it is gone when the
// tab closes, it survives the round trip to TikTok's consent page (the same
// tab), and it is never put in a URL or a log.

const STORAGE_KEY = 'console.api_key';

export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the user signs in again
  }
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function signOut(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
