import { io, type Socket } from 'socket.io-client';

/** Mirrors server/modules/realtime/envelope.ts: one room's event with its gap-free sequence number. */
export interface Envelope<TPayload = Record<string, unknown>> {
  room: string;
  seq: number;
  type: string;
  at: string;
  payload: TPayload;
}

type SubscribeAnswer =
  | { ok: true; room: string; mode: 'snapshot'; seq: number; snapshot: unknown }
  | { ok: true; room: string; mode: 'replay'; seq: number; events: Envelope[] }
  | { ok: false; error: string; message: string };

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface Topic {
  kind: string;
  [param: string]: unknown;
}

export interface SubscriptionHandlers<TSnapshot> {
  /** A full picture: replace what the screen shows. */
  snapshot(snapshot: TSnapshot, seq: number): void;
  /** One change, in order, never twice. */
  event(envelope: Envelope): void;
  /** The server refused the subscription (not found, not allowed). */
  refused?(error: string, message: string): void;
}

export interface LiveClientOptions {
  /** Server origin; '' for the page's own. */
  url?: string;
  /** Called at every (re)connection, so a refreshed access token is used. */
  auth: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Called before reconnecting when the server drops the socket or refuses the token (e.g. it expired). */
  onAuthExpired?: () => Promise<void>;
  transports?: ('websocket' | 'polling')[];
}

interface Subscription {
  topic: Topic;
  handlers: SubscriptionHandlers<unknown>;
  room: string | null;
  seq: number | null;
  /** Live events that arrived before the subscribe answer; applied after it. */
  pending: Envelope[] | null;
  /** Counts subscribe requests, so an answer overtaken by a newer request is ignored. */
  attempt: number;
}

/**
 * The one client for live screens, shared by the Svelte app, the tests and the benchmarks.
 * It subscribes to topics, applies snapshot then events strictly in sequence, drops duplicates,
 * asks for what it missed after a gap or a reconnect, and reports the connection state.
 */
export class LiveClient {
  readonly socket: Socket;
  private readonly subscriptions = new Set<Subscription>();
  private readonly byRoom = new Map<string, Subscription>();
  /** Events of a room joined moments ago whose subscribe answer (naming the room) is still on its way. */
  private readonly unrouted = new Map<string, Envelope[]>();
  private stateListeners = new Set<(state: ConnectionState) => void>();
  state: ConnectionState = 'connecting';
  /** When the last event or successful subscription arrived; screens show 'stale' when this ages. */
  lastHeardAt = 0;
  private readonly stopWaking: () => void;

  constructor(options: LiveClientOptions) {
    this.socket = io(options.url ?? '', {
      path: '/socket.io',
      transports: options.transports ?? ['websocket', 'polling'],
      auth: (callback) => void Promise.resolve(options.auth()).then(callback, () => callback({})),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', () => {
      this.setState('live');
      for (const subscription of this.subscriptions) void this.subscribe(subscription);
    });
    this.socket.on('disconnect', (reason) => {
      this.setState('reconnecting');
      for (const subscription of this.subscriptions) subscription.pending = null;
      // A server-side disconnect is not retried by Socket.IO itself: refresh the token and come back.
      if (reason === 'io server disconnect') {
        void Promise.resolve(options.onAuthExpired?.()).finally(() => this.socket.connect());
      }
    });
    this.socket.on('connect_error', (error) => {
      this.setState(this.socket.active ? 'reconnecting' : 'offline');
      if (!this.socket.active) {
        // The handshake was refused. Only 'unauthorized' calls for a fresh token; 'unavailable' (the
        // server has lost Redis for now) is simply tried again.
        const renewed = error.message === 'unauthorized' ? options.onAuthExpired?.() : undefined;
        void Promise.resolve(renewed).finally(() => setTimeout(() => this.socket.connect(), 1000));
      }
    });
    this.socket.on('event', (envelope: Envelope) => this.receive(envelope));
    this.stopWaking = onChanceToReconnect(() => this.reconnectNow());
  }

  /**
   * Tries again now instead of after the backoff (up to 5 s): the network is back, or the screen is
   * in view again. Socket.IO's own connect() waits for a retry already scheduled, so that retry is
   * dropped first.
   */
  reconnectNow(): void {
    if (this.socket.connected) return;
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Starts watching a topic; returns the function that stops it. */
  watch<TSnapshot>(topic: Topic, handlers: SubscriptionHandlers<TSnapshot>): () => void {
    const subscription: Subscription = { topic, handlers: handlers as SubscriptionHandlers<unknown>, room: null, seq: null, pending: null, attempt: 0 };
    this.subscriptions.add(subscription);
    if (this.socket.connected) void this.subscribe(subscription);
    return () => {
      this.subscriptions.delete(subscription);
      if (subscription.room) {
        this.byRoom.delete(subscription.room);
        this.socket.emit('unsubscribe', subscription.room);
      }
    };
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.stopWaking();
    this.subscriptions.clear();
    this.byRoom.clear();
    this.socket.close();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private async subscribe(subscription: Subscription): Promise<void> {
    if (subscription.pending) return;
    subscription.pending = [];
    const attempt = ++subscription.attempt;
    let answer: SubscribeAnswer;
    try {
      answer = await this.socket.timeout(10_000).emitWithAck('subscribe', { topic: subscription.topic, since: subscription.seq ?? undefined });
    } catch {
      if (attempt !== subscription.attempt) return;
      subscription.pending = null;
      // A reconnect resubscribes by itself; a slow server while connected needs another try.
      if (this.socket.connected) setTimeout(() => void this.subscribe(subscription), 1000);
      return;
    }
    // Unwatched meanwhile, or the connection dropped and the reconnect will subscribe afresh.
    if (!this.subscriptions.has(subscription) || subscription.pending === null || attempt !== subscription.attempt) return;
    if (!answer.ok) {
      subscription.pending = null;
      this.unrouted.clear();
      subscription.handlers.refused?.(answer.error, answer.message);
      return;
    }
    subscription.room = answer.room;
    this.byRoom.set(answer.room, subscription);
    subscription.pending.push(...(this.unrouted.get(answer.room) ?? []));
    this.unrouted.delete(answer.room);
    if (answer.mode === 'snapshot') {
      subscription.seq = answer.seq;
      subscription.handlers.snapshot(answer.snapshot, answer.seq);
    } else {
      for (const envelope of answer.events) this.apply(subscription, envelope);
    }
    const pending = subscription.pending;
    subscription.pending = null;
    for (const envelope of pending.sort((a, b) => a.seq - b.seq)) this.apply(subscription, envelope);
    this.lastHeardAt = Date.now();
  }

  private receive(envelope: Envelope): void {
    this.lastHeardAt = Date.now();
    const subscription = this.byRoom.get(envelope.room);
    if (!subscription) {
      const waiting = this.unrouted.get(envelope.room) ?? [];
      if (waiting.length < 1000) waiting.push(envelope);
      this.unrouted.set(envelope.room, waiting);
      return;
    }
    if (subscription.pending) {
      subscription.pending.push(envelope);
      return;
    }
    this.apply(subscription, envelope);
  }

  private apply(subscription: Subscription, envelope: Envelope): void {
    const seq = subscription.seq ?? 0;
    if (envelope.seq <= seq) return;
    if (envelope.seq > seq + 1) {
      // A gap: something was missed (e.g. published while this socket was between nodes). Ask for it.
      void this.subscribe(subscription);
      return;
    }
    subscription.seq = envelope.seq;
    subscription.handlers.event(envelope);
  }
}

/** Calls `reconnect` when the browser says it is online again or the page becomes visible; outside a browser, never. */
function onChanceToReconnect(reconnect: () => void): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => undefined;
  const onVisible = () => {
    if (document.visibilityState === 'visible') reconnect();
  };
  window.addEventListener('online', reconnect);
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    window.removeEventListener('online', reconnect);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
