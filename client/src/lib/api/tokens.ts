import type { Session } from './types';

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds when the access token stops being accepted. */
  expiresAt: number;
}

/** `otherTab`: the change came from another tab of this browser (a storage event). */
type Listener = (tokens: StoredTokens | null, origin: 'thisTab' | 'otherTab') => void;

/**
 * The signed-in session's tokens, kept in localStorage so a reload or a second tab stays signed in.
 * Every read goes to storage rather than a cached copy: another tab may have rotated the refresh
 * token a moment ago, and spending the old one would revoke the whole login.
 */
export class TokenStore {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly key = 'cuspid.session',
    private readonly storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage,
  ) {
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', (event) => {
        if (event.key === this.key || event.key === null) this.emit(this.read(), 'otherTab');
      });
    }
  }

  read(): StoredTokens | null {
    const raw = this.storage?.getItem(this.key);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as StoredTokens;
      if (typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string' && typeof parsed.expiresAt === 'number') return parsed;
    } catch {
      // A corrupt entry is the same as none: the user signs in again.
    }
    return null;
  }

  write(session: Session): StoredTokens {
    const tokens: StoredTokens = {
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresAt: Date.now() + session.expiresIn * 1000,
    };
    this.storage?.setItem(this.key, JSON.stringify(tokens));
    this.emit(tokens, 'thisTab');
    return tokens;
  }

  clear(): void {
    this.storage?.removeItem(this.key);
    this.emit(null, 'thisTab');
  }

  /** Called on changes from this tab and from others. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(tokens: StoredTokens | null, origin: 'thisTab' | 'otherTab'): void {
    for (const listener of this.listeners) listener(tokens, origin);
  }
}
