import { untrack } from 'svelte';
import { http } from '../api';
import { liveStatus, type LiveStatus } from '../live/connection';
import { LiveClient, type ConnectionState, type SubscriptionHandlers, type Topic } from '../live/live-client';

/**
 * The signed-in app's one live connection, as runes: screens `watch()` topics and show
 * `<ConnectionBanner state={live.status} since={live.since} onretry={() => live.retry()} />`.
 * The socket authenticates with a fresh access token at every (re)connection.
 */
export class LiveConnection {
  state = $state<ConnectionState>('connecting');
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** When the connection was last known to be live and caught up (null before the first connect). */
  since = $state<number | null>(null);
  /** True once a screen watches a topic: only then does the shell show the connection banner. */
  active = $state(false);
  private disconnectedAt = $state<number | null>(null);
  private now = $state(Date.now());
  private client: LiveClient | null = null;
  private stopTimer: (() => void) | null = null;

  status = $derived<LiveStatus>(liveStatus(this.state, this.online, this.disconnectedAt, this.now));

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => (this.online = true));
    window.addEventListener('offline', () => (this.online = false));
  }

  /** Opens the socket on first use; later calls share it. */
  private connect(): LiveClient {
    if (this.client) return this.client;
    const client = new LiveClient({
      auth: async () => ({ token: (await http.accessToken()) ?? '' }),
      onAuthExpired: async () => {
        await http.refresh().catch(() => false);
      },
    });
    client.onState((state) => {
      const wasLive = this.state === 'live';
      this.state = state;
      if (state === 'live') {
        this.disconnectedAt = null;
        this.since = Date.now();
      } else if (wasLive || this.disconnectedAt === null) {
        this.disconnectedAt = Date.now();
        this.since = client.lastHeardAt || this.since;
      }
    });
    // Re-evaluate "stale" while disconnected, without any event to trigger it.
    const timer = setInterval(() => (this.now = Date.now()), 5_000);
    this.stopTimer = () => clearInterval(timer);
    this.client = client;
    this.active = true;
    return client;
  }

  /**
   * Watches a topic. Untracked: screens call this inside an $effect, and the connection's own
   * runes (read while connecting) must not make that effect re-subscribe at every state change.
   */
  watch<TSnapshot>(topic: Topic, handlers: SubscriptionHandlers<TSnapshot>): () => void {
    return untrack(() => this.connect().watch(topic, handlers));
  }

  /** "Retry now": reconnect immediately instead of waiting for the backoff. */
  retry(): void {
    this.client?.reconnectNow();
  }

  /** On sign-out: the socket belongs to the signed-in user. */
  close(): void {
    this.client?.close();
    this.client = null;
    this.stopTimer?.();
    this.stopTimer = null;
    this.state = 'connecting';
    this.disconnectedAt = null;
    this.since = null;
    this.active = false;
  }
}

export const live = new LiveConnection();
