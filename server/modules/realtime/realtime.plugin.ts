import fp from 'fastify-plugin';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { tenantFilter } from '../../db/orm';
import { userAccess } from '../auth/memberships';
import type { Envelope } from './envelope';
import { isSocketRoom, socketRooms } from './rooms';
import type { Principal, Topic } from './topics';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}

/** Beyond this many missed events a client is better served by a fresh snapshot. */
const maxReplay = 1000;

export interface SubscribeRequest {
  topic: { kind: string } & Record<string, unknown>;
  /** The last sequence the client holds for this topic's room, to receive only what it missed. */
  since?: number;
}

export type SubscribeAnswer =
  | { ok: true; room: string; mode: 'snapshot'; seq: number; snapshot: unknown }
  | { ok: true; room: string; mode: 'replay'; seq: number; events: Envelope[] }
  | { ok: false; error: string; message: string };

/** Who a handshake's credentials name, and until when they hold (an access token's or a visit's expiry). */
export interface Credentials {
  principal: Principal;
  expiresAt: number | null;
}

export interface RealtimeOptions {
  redis: Redis;
  /** The Redis channel prefix shared with the outbox dispatcher's emitter. */
  channel: string;
  topics: Topic[];
  /** Resolves display and status-page tokens (the JWT is checked here). */
  principalFromToken: (auth: Record<string, unknown>, em: EntityManager) => Promise<Credentials | null>;
  corsOrigins: string[];
}

/**
 * Socket.IO on the API's port. The handshake authenticates (JWT, display token or status token);
 * each `subscribe` checks the credentials again, is authorised per topic, joins the room, and
 * answers with a snapshot or the missed events. A socket is dropped when its access token (or its
 * visit) expires, and when its access ends: every socket joins its principal's room of
 * `socketRooms` at connection, which `endSockets` (outbox.ts) disconnects in every process.
 */
export const realtimePlugin = fp<RealtimeOptions>(
  async (app, options) => {
    const pub = options.redis.duplicate();
    const sub = options.redis.duplicate();
    for (const client of [pub, sub]) client.on('error', (err) => app.log.warn({ err }, 'realtime redis connection'));
    const io = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      cors: { origin: options.corsOrigins.length ? options.corsOrigins : false },
      adapter: createAdapter(pub, sub, { key: options.channel }),
    });
    // Socket.IO keeps each connection's HTTP request by default; screens never need it again, and
    // releasing it saves memory per socket (a tuning from the Socket.IO docs).
    io.engine.on('connection', (rawSocket: { request: unknown }) => {
      rawSocket.request = null;
    });
    app.decorate('io', io);
    const topics = new Map(options.topics.map((topic) => [topic.kind, topic]));

    // Without the adapter's Redis subscription no event reaches this node's sockets: a socket that
    // stayed connected would look live while showing a stale screen. Drop them and refuse new ones
    // until the subscription is back; clients then reconnect and ask for what they missed.
    let relaying = false;
    sub.on('ready', () => {
      // A PING answered after the automatic re-subscription means the subscriptions are in place.
      sub.ping().then(() => (relaying = sub.status === 'ready'), () => undefined);
    });
    sub.on('close', () => {
      if (!relaying) return;
      relaying = false;
      app.log.warn('realtime lost its Redis subscription; disconnecting sockets until it is back');
      io.local.disconnectSockets(true);
    });

    /**
     * Who a socket's handshake credentials name now, or null: an access token must carry the user's
     * current session version, a screen's token must still be valid.
     */
    async function authenticate(socket: Socket): Promise<Credentials | null> {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const em = app.orm.em.fork();
      if (typeof auth.token !== 'string') return options.principalFromToken(auth, em);
      const payload = app.jwt.verify<{ sub: string; typ: string; ver: unknown; exp: number }>(auth.token);
      if (payload.typ !== 'access' || typeof payload.ver !== 'number') return null;
      const access = await userAccess(em, payload.sub);
      if (access?.sessionVersion !== payload.ver) return null;
      return { principal: { kind: 'user', userId: payload.sub }, expiresAt: payload.exp * 1000 };
    }

    io.use(async (socket, next) => {
      if (!relaying) return next(new Error('unavailable'));
      const credentials = await authenticate(socket).catch(() => null);
      if (!credentials) return next(new Error('unauthorized'));
      socket.data.principal = credentials.principal;
      socket.data.expiresAt = credentials.expiresAt;
      next();
    });

    io.on('connection', (socket) => {
      const principal = socket.data.principal as Principal;
      void socket.join(principal.kind === 'user' ? [principalRoom(principal)] : [principalRoom(principal), socketRooms.org(principal.orgId)]);
      const expiresAt = socket.data.expiresAt as number | null;
      if (expiresAt !== null) {
        // setTimeout fires at once beyond ~24.8 days; a visit valid longer is checked again on reconnection.
        const timer = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
        socket.on('disconnect', () => clearTimeout(timer));
      }
      socket.on('subscribe', async (request: SubscribeRequest, ack?: (answer: SubscribeAnswer) => void) => {
        if (typeof ack !== 'function') return;
        const answer = await subscribe(socket, request).catch((err) => {
          app.log.error({ err }, 'subscribe failed');
          return { ok: false as const, error: 'internal', message: 'Could not subscribe; retry' };
        });
        ack(answer);
        // Credentials that no longer hold end the socket too, after telling it why.
        if (!answer.ok && answer.error === 'unauthorized') socket.disconnect(true);
      });
      // A socket never leaves its own rooms of `socketRooms`: that would keep it out of reach when its access ends.
      socket.on('unsubscribe', (room: unknown) => {
        if (typeof room === 'string' && !isSocketRoom(room)) void socket.leave(room);
      });
    });

    async function subscribe(socket: Socket, request: SubscribeRequest): Promise<SubscribeAnswer> {
      const topic = typeof request?.topic?.kind === 'string' ? topics.get(request.topic.kind) : undefined;
      if (!topic) return { ok: false, error: 'unknown_topic', message: 'No such screen' };
      const principal = socket.data.principal as Principal;
      // The credentials again: a session ended or a token rotated since the handshake, whose
      // disconnection may not have reached this socket yet, subscribes no more.
      const current = await authenticate(socket).catch(() => null);
      if (!current || principalRoom(current.principal) !== principalRoom(principal)) return { ok: false, error: 'unauthorized', message: 'These credentials are no longer valid' };
      const access = await topic.resolve(app.orm.em.fork(), principal, request.topic);
      if (!access) return { ok: false, error: 'not_found', message: 'No such screen for you' };
      // Join before reading: anything published from now on reaches the socket, and the client
      // drops what the snapshot or replay already covered by sequence.
      await socket.join([access.room, socketRooms.org(access.orgId)]);
      const em = app.orm.em.fork();
      em.setFilterParams(tenantFilter, { orgId: access.orgId });
      const since = typeof request.since === 'number' && Number.isInteger(request.since) && request.since >= 0 ? request.since : null;
      if (since !== null) {
        const replay = await missedEvents(em, access.room, since);
        if (replay) return { ok: true, room: access.room, mode: 'replay', ...replay };
      }
      return em.transactional(
        async (tx) => {
          const seq = await currentSeq(tx, access.room);
          const snapshot = await topic.snapshot(tx, access, request.topic);
          return { ok: true as const, room: access.room, mode: 'snapshot' as const, seq, snapshot };
        },
        // One consistent view: the sequence and the data it describes.
        { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
      );
    }

    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // quit, not disconnect: it lets the adapter's pending subscribe commands finish first.
      await Promise.all([pub.quit(), sub.quit()]).catch(() => undefined);
    });
  },
  { name: 'realtime', dependencies: ['auth', 'db'] },
);

/** The room of `socketRooms` that holds every socket of this principal. */
function principalRoom(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return socketRooms.user(principal.userId);
    case 'display':
      return socketRooms.display(principal.displayId);
    case 'visit-status':
      return socketRooms.visitStatus(principal.visitId);
  }
}

async function currentSeq(em: EntityManager, room: string): Promise<number> {
  const [row] = await em.getConnection().execute<{ seq: string }[]>('select seq from room_sequences where room = ?', [room], 'all', em.getTransactionContext());
  return row ? Number(row.seq) : 0;
}

/** The events after `since`, or null when they cannot all be replayed (too many, pruned, or unknown). */
async function missedEvents(em: EntityManager, room: string, since: number): Promise<{ seq: number; events: Envelope[] } | null> {
  const seq = await currentSeq(em, room);
  if (since > seq) return null;
  if (since === seq) return { seq, events: [] };
  if (seq - since > maxReplay) return null;
  const rows = await em.getConnection().execute<{ type: string; payload: Record<string, unknown>; created_at: Date; seq: string }[]>(
    `select type, payload, created_at, (sequences ->> ?)::bigint as seq from outbox_events
      where rooms @> array[?]::text[] and published_at is not null and (sequences ->> ?)::bigint > ?
      order by seq`,
    [room, room, room, since],
  );
  const events = rows.map((row) => ({ room, seq: Number(row.seq), type: row.type, at: new Date(row.created_at).toISOString(), payload: row.payload }));
  // Pruned history leaves a hole: only a complete run counts as a replay.
  if (events.length !== seq - since || events[0]?.seq !== since + 1) return null;
  return { seq, events };
}
