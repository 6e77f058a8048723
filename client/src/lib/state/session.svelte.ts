import { api, ApiError, onSessionEnded, tokens, type Me, type Membership } from '../api';
import { homePath } from '../roles';

export type SessionStatus = 'restoring' | 'signedOut' | 'signedIn';

const orgKey = 'cuspid.orgId';

/**
 * Who is signed in, in which org and role. Tokens live in localStorage (lib/api/tokens.ts); the
 * chosen org too, so a reload comes back to the same place. Several orgs: `switchOrg()`.
 */
export class SessionState {
  status = $state<SessionStatus>('restoring');
  me = $state<Me | null>(null);
  orgId = $state<string | null>(null);
  /** Why the user is looking at the sign-in screen (session ended, signed out elsewhere). */
  notice = $state<string | null>(null);

  memberships = $derived<Membership[]>(this.me?.memberships ?? []);
  membership = $derived<Membership | null>(this.memberships.find((m) => m.orgId === this.orgId) ?? this.memberships[0] ?? null);
  role = $derived(this.membership?.role ?? null);
  orgKind = $derived(this.membership?.orgKind ?? null);
  user = $derived(this.me?.user ?? null);
  /** Where this member's day starts (role-based home). */
  home = $derived(homePath(this.membership));

  constructor() {
    if (typeof window === 'undefined') return;
    this.orgId = localStorage.getItem(orgKey);
    onSessionEnded((message) => this.end(message));
    // Another tab signed out, or signed in while this one showed the sign-in screen.
    tokens.subscribe((current, origin) => {
      if (origin !== 'otherTab') return;
      if (!current && this.status === 'signedIn') this.end('You signed out in another tab.');
      else if (current && this.status === 'signedOut') void this.restore();
    });
  }

  /** On start: with stored tokens, load who we are (refreshing if the access token lapsed). */
  async restore(): Promise<void> {
    if (!tokens.read()) {
      this.status = 'signedOut';
      return;
    }
    try {
      await this.loadMe();
      this.status = 'signedIn';
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        tokens.clear();
        this.me = null;
        this.notice = 'Your session has ended. Sign in again to continue.';
        this.status = 'signedOut';
        return;
      }
      // Server unreachable: keep the tokens, show the error; a retry restores without signing in again.
      throw error;
    }
  }

  /** Signs in; throws ApiError (401 wrong credentials, 429 locked out, status 0 offline). */
  async login(email: string, password: string): Promise<void> {
    const session = await api.auth.login(email.trim(), password);
    tokens.write(session);
    try {
      await this.loadMe();
    } catch (error) {
      tokens.clear();
      throw error;
    }
    this.notice = null;
    this.status = 'signedIn';
  }

  async logout(): Promise<void> {
    const current = tokens.read();
    this.status = 'signedOut';
    this.me = null;
    tokens.clear();
    this.notice = 'You have signed out.';
    if (current) await api.auth.logout(current.refreshToken).catch(() => undefined);
  }

  /** Acts in another org (and the role held there) from now on. */
  switchOrg(orgId: string): void {
    if (!this.memberships.some((m) => m.orgId === orgId)) return;
    this.orgId = orgId;
    localStorage.setItem(orgKey, orgId);
  }

  /** Reloads memberships, e.g. after an admin changed this user's role. */
  async loadMe(): Promise<void> {
    const me = await api.auth.me();
    this.me = me;
    if (!me.memberships.some((m) => m.orgId === this.orgId)) {
      this.orgId = me.memberships[0]?.orgId ?? null;
      if (this.orgId) localStorage.setItem(orgKey, this.orgId);
    }
  }

  private end(message: string): void {
    if (this.status !== 'signedIn') return;
    this.me = null;
    this.status = 'signedOut';
    this.notice = message;
  }
}

export const session = new SessionState();
