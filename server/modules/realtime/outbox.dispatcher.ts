import pg from 'pg';
import type { Redis } from 'ioredis';
import { Emitter } from '@socket.io/redis-emitter';
import type { FastifyBaseLogger } from 'fastify';
import { envelopeEvent, type Envelope } from './envelope';
import { outboxDispatcherLock, outboxWriterLock } from './outbox-locks';
import type { CommittedEvent } from './outbox';

const notifyChannel = 'cuspid_outbox';

/** A borrowed database connection: the dispatcher shares the app's pool (one connection on PGlite). */
export interface BorrowedConnection {
  query: pg.ClientBase['query'];
  release(): void;
}

export interface DispatcherOptions {
  connect: () => Promise<BorrowedConnection>;
  /** A URL to LISTEN on with a connection of its own; null polls only (an embedded PGlite has one session). */
  listenUrl: string | null;
  redis: Redis;
  /** The Redis channel prefix the Socket.IO adapter listens on. */
  channel: string;
  logger: FastifyBaseLogger;
  /** The fallback when a NOTIFY is missed (or LISTEN is unavailable, as on an embedded PGlite). */
  pollIntervalMs?: number;
  batchSize?: number;
  /**
   * After-commit work beside the screens (notifications, wait estimates), run inside the publishing
   * transaction: if a sink fails the batch rolls back and is retried, and sinks dedupe by event id.
   */
  sinks?: ((events: CommittedEvent[]) => Promise<void>)[];
}

interface OutboxRow {
  id: string;
  org_id: string;
  type: string;
  rooms: string[];
  payload: Record<string, unknown>;
  // MikroORM sets the driver to hand timestamps over as text.
  created_at: string | Date;
}

/**
 * Publishes committed outbox events to the Socket.IO rooms, in order, through the Redis emitter
 * (so every server process delivers them to its own sockets).
 *
 * Ordering: ids come from a sequence, but transactions commit in any order, so reading "everything
 * committed" could skip a smaller id that commits a moment later. Every writer therefore holds the
 * outbox writer lock (shared, taken by a trigger before its rows get ids) until it ends; the
 * dispatcher takes that lock exclusively just long enough to start reading. At that instant no
 * writer is in flight, so every id below the largest it reads is committed or gone for good, and
 * id order is a safe publication order. The wait is bounded (lock_timeout), so the dispatcher can
 * never hold writers up for long or be part of a deadlock that costs a writer its transaction.
 *
 * Exactly once on screens: sequences are stamped and rows marked published in the same database
 * transaction that publishes them, committed only after Redis has taken every message. A crash
 * before that commit rolls the stamps back; the next run stamps the same events with the same
 * numbers, so a repeated message carries a sequence the client already has and is dropped.
 *
 * Several processes may run a dispatcher: a transaction-scoped advisory lock lets one publish at a
 * time; the others find it taken and wait for the next wake-up.
 */
export class OutboxDispatcher {
  private readonly emitter: Emitter;
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private relistening = false;

  constructor(private readonly options: DispatcherOptions) {
    this.emitter = new Emitter(options.redis, { key: options.channel });
  }

  async start(): Promise<void> {
    if (this.options.listenUrl) await this.listen().catch((err) => this.relisten(err));
    const tick = () => {
      this.timer = setTimeout(() => {
        this.wake();
        if (!this.stopped) tick();
      }, this.options.pollIntervalMs ?? 1000);
      this.timer.unref();
    };
    tick();
    this.wake();
  }

  /** Drains the outbox now; coalesces wake-ups that arrive while a drain runs. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.publishBatch()) === (this.options.batchSize ?? 500));
        } catch (err) {
          this.options.logger.warn({ err }, 'outbox dispatch failed; will retry');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
  }

  /** Publishes up to one batch; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const client = await this.options.connect();
    try {
      await client.query('begin');
      const { rows: [lock] } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [outboxDispatcherLock]);
      if (!lock?.locked) {
        await client.query('rollback');
        return 0;
      }
      const rows = await this.readCommitted(client);
      if (rows.length === 0) {
        await client.query('rollback');
        return 0;
      }
      const envelopes = await this.stamp(client, rows);
      await this.publish(envelopes);
      const committed = rows.map((row) => ({ id: row.id, orgId: row.org_id, type: row.type, rooms: row.rooms, payload: row.payload }));
      for (const sink of this.options.sinks ?? []) await sink(committed);
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      // A session lock survives a rollback: never hand a connection back still holding the writers' lock.
      await client.query('select pg_advisory_unlock_all()').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Waits (briefly) until no outbox writer is in flight, then reads the oldest unpublished rows.
   * The exclusive hold is a session lock released at once, not at the end of the publication.
   */
  private async readCommitted(client: BorrowedConnection): Promise<OutboxRow[]> {
    await client.query("set local lock_timeout = '50ms'");
    await client.query('select pg_advisory_lock($1)', [outboxWriterLock]);
    try {
      const { rows } = await client.query<OutboxRow>(
        `select id, org_id, type, rooms, payload, created_at from outbox_events
          where published_at is null order by id limit $1`,
        [this.options.batchSize ?? 500],
      );
      return rows;
    } finally {
      await client.query('select pg_advisory_unlock($1)', [outboxWriterLock]);
    }
  }

  private async stamp(client: BorrowedConnection, rows: OutboxRow[]): Promise<Envelope[]> {
    const envelopes: Envelope[] = [];
    const ids: string[] = [];
    const stamps: string[] = [];
    for (const row of rows) {
      const sequences: Record<string, number> = {};
      for (const room of row.rooms) {
        const { rows: [next] } = await client.query<{ seq: string }>(
          `insert into room_sequences (room, seq) values ($1, 1)
           on conflict (room) do update set seq = room_sequences.seq + 1 returning seq`,
          [room],
        );
        sequences[room] = Number(next!.seq);
        envelopes.push({ room, seq: sequences[room], type: row.type, at: new Date(row.created_at).toISOString(), payload: row.payload });
      }
      ids.push(row.id);
      stamps.push(JSON.stringify(sequences));
    }
    await client.query(
      `update outbox_events o set published_at = now(), sequences = s.sequences::jsonb
         from unnest($1::bigint[], $2::text[]) as s(id, sequences) where o.id = s.id`,
      [ids, stamps],
    );
    return envelopes;
  }

  /**
   * Redis handles one connection's commands in order, so when the PING after the PUBLISHes is
   * answered, every message has reached Redis. If Redis is down the PING times out and the
   * transaction rolls back: the events stay in the outbox until Redis returns.
   */
  private async publish(envelopes: Envelope[]): Promise<void> {
    const { redis } = this.options;
    if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
    for (const envelope of envelopes) this.emitter.to(envelope.room).emit(envelopeEvent, envelope);
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('redis did not confirm the publish')), 2000).unref()),
    ]);
  }

  private async listen(): Promise<void> {
    const listener = new pg.Client({ connectionString: this.options.listenUrl! });
    listener.on('notification', () => void this.wake());
    listener.on('error', (err) => this.relisten(err));
    await listener.connect();
    await listener.query(`listen ${notifyChannel}`);
    this.listener = listener;
  }

  /** Until LISTEN is back the poll keeps events flowing, only later. */
  private relisten(err: unknown): void {
    if (this.relistening) return;
    this.relistening = true;
    this.options.logger.warn({ err }, 'outbox LISTEN connection lost; polling until it is back');
    void this.listener?.end().catch(() => undefined);
    this.listener = null;
    if (this.stopped) return;
    setTimeout(() => {
      this.relistening = false;
      void this.listen().catch((again) => this.relisten(again));
    }, 1000).unref();
  }
}
