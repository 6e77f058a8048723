/**
 * What a screen receives for one room: the room's gap-free sequence number lets a client notice a
 * gap, ask for what it missed and ignore what it already has. Shared with the client.
 */
export interface Envelope<TPayload = Record<string, unknown>> {
  room: string;
  seq: number;
  /** Versioned wire type, e.g. `case.updated.v1`. */
  type: string;
  /** When the change committed (the outbox row's creation time). */
  at: string;
  payload: TPayload;
}

/** The Socket.IO event name carrying envelopes. */
export const envelopeEvent = 'event';

/** The Redis channel prefix of the Socket.IO adapter and emitter, per deployment (REDIS_PREFIX). */
export const socketChannel = (redisPrefix: string) => `${redisPrefix}:socket.io`;
