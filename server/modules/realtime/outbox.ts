import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxEventSchema } from './outbox-event.entity';

export interface ScreenEvent {
  orgId: string;
  /** Versioned wire type: `<aggregate>.<what happened>.v<n>`, e.g. `case.updated.v1`. */
  type: string;
  rooms: string[];
  /** What the screens need to redraw; never more health data than the rooms' viewers may see. */
  payload: Record<string, unknown>;
}

/**
 * Queues a screen event in the caller's unit of work: it commits with the change, or not at all,
 * so a screen never shows a change that was rolled back and never misses one that committed.
 * A case transition inserts its row in its own statement instead (case-transitions.service.ts),
 * to write everything in one round trip; the table's triggers order every insert the same way.
 */
export function emitScreenEvent(em: EntityManager, event: ScreenEvent): void {
  em.create(OutboxEventSchema, { orgId: event.orgId, type: event.type, rooms: event.rooms, payload: event.payload });
}

/** The outbox kind the dispatcher turns into a disconnection instead of a screen event. */
export const socketsEnded = 'sockets.ended';

export interface SocketsEnd {
  /** The org whose access ended; null when it is a user's in every org. */
  orgId: string | null;
  /** Rooms of `socketRooms` (rooms.ts): every socket in them is disconnected. */
  rooms: string[];
  /** Why, kept on the row for whoever reads the outbox later. */
  reason: string;
}

/**
 * Disconnects every socket in `end.rooms`, in every server process, once the caller's transaction
 * commits, never if it rolls back. It goes through the outbox so that it is ordered with the screen
 * events: those sockets get nothing published after it. The clients reconnect and their access is
 * checked afresh, at the handshake and at every subscribe.
 */
export function endSockets(em: EntityManager, end: SocketsEnd): void {
  em.create(OutboxEventSchema, { orgId: end.orgId, type: socketsEnded, rooms: end.rooms, payload: { reason: end.reason } });
}

/** A committed outbox event as the dispatcher hands it to its sinks (notifications, estimates). */
export interface CommittedEvent extends ScreenEvent {
  id: string;
}
