import { untrack } from 'svelte';
import { liveStatus, staleAfterMs, type LiveStatus } from '../live/connection';
import { LiveClient, type ConnectionState, type SubscriptionHandlers, type Topic } from '../live/live-client';

export { staleAfterMs };

/**
 * The live connection of a screen that has no login, only a token in its address: the waiting-room
 * display (`{ displayToken }`) and a patient's status page (`{ statusToken }`). It reconnects
 * forever (a TV on the wall has nobody to press reload) and says when what it shows is stale.
 */
export class TokenLive {
  state = $state<ConnectionState>('connecting');
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** When the screen last heard from the server (snapshot or event). */
  heardAt = $state<number | null>(null);
  /** The server refused the token itself (revoked, rotated, mistyped). */
  tokenRefused = $state(false);
  private disconnectedAt = $state<number | null>(null);
  private now = $state(Date.now());
  private client: LiveClient | null = null;
  private refusals = 0;
  private cleanups: (() => void)[] = [];

  status = $derived<LiveStatus>(liveStatus(this.state, this.online, this.disconnectedAt, this.now));

  constructor(private readonly auth: () => Record<string, string>) {}

  /** Opens the socket and watches one topic; returns the function that closes everything. */
  watch<T>(topic: Topic, handlers: SubscriptionHandlers<T>): () => void {
    return untrack(() => this.open(topic, handlers));
  }

  private open<T>(topic: Topic, handlers: SubscriptionHandlers<T>): () => void {
    const onOnline = () => (this.online = true);
    const onOffline = () => (this.online = false);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    const timer = setInterval(() => (this.now = Date.now()), 2_000);
    const client = new LiveClient({
      auth: () => this.auth(),
      // A refused handshake is retried by the LiveClient after this resolves: back off, so a
      // display whose token was revoked does not knock every second all day.
      onAuthExpired: () => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * 2 ** Math.min(this.refusals, 5)))),
    });
    this.client = client;
    client.socket.on('connect_error', (error: Error) => {
      if (error.message === 'unauthorized') {
        this.refusals += 1;
        this.tokenRefused = true;
      }
    });
    client.socket.on('connect', () => {
      this.refusals = 0;
      this.tokenRefused = false;
    });
    client.onState((state) => {
      const wasLive = this.state === 'live';
      this.state = state;
      if (state === 'live') this.disconnectedAt = null;
      else if (wasLive || this.disconnectedAt === null) this.disconnectedAt = Date.now();
    });
    const stop = client.watch<T>(topic, {
      snapshot: (snapshot, seq) => {
        this.heardAt = Date.now();
        handlers.snapshot(snapshot, seq);
      },
      event: (envelope) => {
        this.heardAt = Date.now();
        handlers.event(envelope);
      },
      refused: handlers.refused,
    });
    this.cleanups = [
      stop,
      () => client.close(),
      () => clearInterval(timer),
      () => window.removeEventListener('online', onOnline),
      () => window.removeEventListener('offline', onOffline),
    ];
    return () => this.close();
  }

  retry(): void {
    this.client?.reconnectNow();
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.client = null;
  }
}
