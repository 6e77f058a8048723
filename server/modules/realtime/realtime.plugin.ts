import fp from 'fastify-plugin';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { tenantFilter } from '../../db/orm';
import type { Envelope } from './envelope';
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

export interface RealtimeOptions {
  redis: Redis;
  /** The Redis channel prefix shared with the outbox dispatcher's emitter. */
  channel: string;
  topics: Topic[];
  /** Resolves display and status-page tokens (the JWT is checked here). */
  principalFromToken: (auth: Record<string, unknown>, em: EntityManager) => Promise<Principal | null>;
  corsOrigins: string[];
}

/**
 * Socket.IO on the API's port. The handshake authenticates (JWT, display token or status token);
 * each `subscribe` is authorised per topic, joins the room, and answers with a snapshot or the
 * missed events. A user's socket is dropped when its access token expires.
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

    io.use(async (socket, next) => {
      if (!relaying) return next(new Error('unavailable'));
      try {
        const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
        let principal: Principal | null = null;
        if (typeof auth.token === 'string') {
          const payload = app.jwt.verify<{ sub: string; typ: string; exp: number }>(auth.token);
          if (payload.typ !== 'access') throw new Error('not an access token');
          principal = { kind: 'user', userId: payload.sub };
          socket.data.expiresAt = payload.exp * 1000;
        } else {
          principal = await options.principalFromToken(auth, app.orm.em.fork());
        }
        if (!principal) return next(new Error('unauthorized'));
        socket.data.principal = principal;
        next();
      } catch {
        next(new Error('unauthorized'));
      }
    });

    io.on('connection', (socket) => {
      const expiresAt = socket.data.expiresAt as number | undefined;
      if (expiresAt) {
        const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - Date.now()));
        socket.on('disconnect', () => clearTimeout(timer));
      }
      socket.on('subscribe', async (request: SubscribeRequest, ack?: (answer: SubscribeAnswer) => void) => {
        if (typeof ack !== 'function') return;
        ack(await subscribe(socket, request).catch((err) => {
          app.log.error({ err }, 'subscribe failed');
          return { ok: false as const, error: 'internal', message: 'Could not subscribe; retry' };
        }));
      });
      socket.on('unsubscribe', (room: unknown) => {
        if (typeof room === 'string') void socket.leave(room);
      });
    });

    async function subscribe(socket: Socket, request: SubscribeRequest): Promise<SubscribeAnswer> {
      const topic = typeof request?.topic?.kind === 'string' ? topics.get(request.topic.kind) : undefined;
      if (!topic) return { ok: false, error: 'unknown_topic', message: 'No such screen' };
      const principal = socket.data.principal as Principal;
      const access = await topic.resolve(app.orm.em.fork(), principal, request.topic);
      if (!access) return { ok: false, error: 'not_found', message: 'No such screen for you' };
      // Join before reading: anything published from now on reaches the socket, and the client
      // drops what the snapshot or replay already covered by sequence.
      await socket.join(access.room);
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
