import pg from 'pg';
import type { Redis } from 'ioredis';
import { Emitter } from '@socket.io/redis-emitter';
import type { FastifyBaseLogger } from 'fastify';
import { envelopeEvent, type Envelope } from './envelope';
import { outboxDispatcherLock, outboxWriterLock } from './outbox-locks';
import { socketsEnded, type CommittedEvent } from './outbox';
import { notifyChannels, type DatabaseNotifications } from '../../db/notifications';

/** After a NOTIFY, how long to let the commits right behind it join the same batch. */
const settleMs = 5;
/** Batches woken by NOTIFY start at least this far apart, so sustained writes share batches. */
const minBatchGapMs = 10;
/** Non-blocking attempts at the writers' lock before queueing for it (each queued request holds up every new writer). */
const writerLockTries = 4;
const writerLockRetryMs = 1;

/** A connection borrowed from the app's pool (on PGlite, its one session). */
export interface BorrowedConnection {
  query: pg.ClientBase['query'];
  release(): void;
}

export interface DispatcherOptions {
  /** Where batches are published when there is no `publishUrl`. */
  connect: () => Promise<BorrowedConnection>;
  /**
   * A URL for a publishing connection of the dispatcher's own, so a batch never queues behind
   * requests for the app's pool while writes keep it busy. Null publishes through `connect` (an
   * embedded PGlite has one session).
   */
  publishUrl: string | null;
  /**
   * What wakes it when a transaction that wrote events commits: the database's NOTIFYs (a LISTEN
   * connection on PostgreSQL, the session itself on the embedded PGlite). Null polls only.
   */
  notifications: DatabaseNotifications | null;
  redis: Redis;
  /** The Redis channel prefix the Socket.IO adapter listens on. */
  channel: string;
  logger: FastifyBaseLogger;
  /** The safety net for a NOTIFY missed (a lost LISTEN connection) or never sent; the only wake-up without `notifications`. */
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
  org_id: string | null;
  type: string;
  rooms: string[];
  payload: Record<string, unknown>;
  // MikroORM sets the driver to hand timestamps over as text.
  created_at: string | Date;
}

/** A screen event; every other row is the end of some sockets (`endSockets`), the only rows without an org. */
type ScreenRow = OutboxRow & { org_id: string };
const isScreenRow = (row: OutboxRow): row is ScreenRow => row.type !== socketsEnded;

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
 * Ending sockets (`endSockets`) rides the same rows: such a row gets no sequence and reaches no sink;
 * it is published in its place among the events, as a disconnection of its rooms' sockets in every
 * process, so those sockets receive nothing published after it.
 *
 * Several processes may run a dispatcher: a transaction-scoped advisory lock lets one publish at a
 * time; the others find it taken and wait for the next wake-up.
 *
 * Keeping up with sustained writes: a batch is eight round trips whatever its size, so NOTIFYs are
 * coalesced (a short settle, then at most one batch every `minBatchGapMs`) instead of one batch
 * per commit, and an idle dispatcher still starts within `settleMs` of a commit. Batches go
 * through a connection of the dispatcher's own: borrowed from the app's pool, each one queued
 * behind the requests whose commits it was woken for.
 */
export class OutboxDispatcher {
  private readonly emitter: Emitter;
  /** One connection; the pool replaces it when it dies (a PostgreSQL restart). */
  private readonly publisher: pg.Pool | null;
  private unlisten: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private notified: NodeJS.Timeout | null = null;
  private lastDrainStartedAt = 0;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.emitter = new Emitter(options.redis, { key: options.channel });
    this.publisher = options.publishUrl ? new pg.Pool({ connectionString: options.publishUrl, max: 1, idleTimeoutMillis: 0 }) : null;
    this.publisher?.on('error', (err) => options.logger.warn({ err }, 'outbox publishing connection lost; a new one is opened for the next batch'));
  }

  async start(): Promise<void> {
    this.unlisten =
      (await this.options.notifications?.listen(notifyChannels.outbox, {
        notified: () => this.onNotify(),
        // Heard from now on (at the start, or back after a loss): what committed unheard goes out now, not at the next poll.
        listening: () => this.onNotify(),
        lost: (err) => this.options.logger.warn({ err }, 'outbox NOTIFYs unheard (LISTEN connection lost); polling until they are back'),
      })) ?? null;
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
        this.lastDrainStartedAt = Date.now();
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

  /** A NOTIFY: drains a moment later, so the commits close behind it go out in the same batch. */
  private onNotify(): void {
    if (this.stopped || this.notified) return;
    const delay = Math.max(settleMs, this.lastDrainStartedAt + minBatchGapMs - Date.now());
    this.notified = setTimeout(() => {
      this.notified = null;
      void this.wake();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.notified) clearTimeout(this.notified);
    await this.running;
    await this.unlisten?.();
    await this.publisher?.end().catch(() => undefined);
  }

  /** Publishes up to one batch; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const client = this.publisher ? await this.publisher.connect() : await this.options.connect();
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
      await this.publish(rows, envelopes);
      const committed = rows.filter(isScreenRow).map((row) => ({ id: row.id, orgId: row.org_id, type: row.type, rooms: row.rooms, payload: row.payload }));
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
    await this.lockOutWriters(client);
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

  /**
   * Takes the writers' lock exclusively. A waiting exclusive request makes every new writer queue
   * behind it, so first a few non-blocking attempts catch a gap between writers; only then the
   * blocking form, bounded so that it never holds writers up for long.
   */
  private async lockOutWriters(client: BorrowedConnection): Promise<void> {
    for (let attempt = 0; attempt < writerLockTries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, writerLockRetryMs));
      const { rows: [lock] } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [outboxWriterLock]);
      if (lock?.locked) return;
    }
    await client.query("set local lock_timeout = '50ms'");
    await client.query('select pg_advisory_lock($1)', [outboxWriterLock]);
  }

  /**
   * Numbers a whole batch in one statement: each room's counter moves on by the batch's events in
   * it, and the numbers in between go to those events in id order, so each room stays gap-free
   * and in commit order.
   */
  private async stamp(client: BorrowedConnection, rows: OutboxRow[]): Promise<Map<string, Envelope[]>> {
    const stamped = rows.filter(isScreenRow).flatMap((row) => row.rooms);
    const { rows: counters } = await client.query<{ room: string; seq: string }>(
      `insert into room_sequences (room, seq)
       select room, count(*) from unnest($1::text[]) as stamped(room) group by room
       on conflict (room) do update set seq = room_sequences.seq + excluded.seq
       returning room, seq`,
      [stamped],
    );
    const countIn = new Map<string, number>();
    for (const room of stamped) countIn.set(room, (countIn.get(room) ?? 0) + 1);
    // The last number handed out per room: the counter before this batch, then each event's.
    const last = new Map(counters.map((counter) => [counter.room, Number(counter.seq) - countIn.get(counter.room)!]));
    const envelopes = new Map<string, Envelope[]>();
    const stamps: (string | null)[] = [];
    for (const row of rows) {
      if (!isScreenRow(row)) {
        stamps.push(null);
        continue;
      }
      const sequences: Record<string, number> = {};
      const rowEnvelopes: Envelope[] = [];
      for (const room of row.rooms) {
        const seq = last.get(room)! + 1;
        last.set(room, seq);
        sequences[room] = seq;
        rowEnvelopes.push({ room, seq, type: row.type, at: new Date(row.created_at).toISOString(), payload: row.payload });
      }
      envelopes.set(row.id, rowEnvelopes);
      stamps.push(JSON.stringify(sequences));
    }
    await client.query(
      `update outbox_events o set published_at = now(), sequences = s.sequences::jsonb
         from unnest($1::bigint[], $2::text[]) as s(id, sequences) where o.id = s.id`,
      [rows.map((row) => row.id), stamps],
    );
    return envelopes;
  }

  /**
   * Redis handles one connection's commands in order, so when the PING after the PUBLISHes is
   * answered, every message has reached Redis. If Redis is down the PING times out and the
   * transaction rolls back: the events stay in the outbox until Redis returns.
   */
  private async publish(rows: OutboxRow[], envelopes: Map<string, Envelope[]>): Promise<void> {
    const { redis } = this.options;
    if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
    for (const row of rows) {
      if (isScreenRow(row)) for (const envelope of envelopes.get(row.id)!) this.emitter.to(envelope.room).emit(envelopeEvent, envelope);
      else this.emitter.in(row.rooms).disconnectSockets(true);
    }
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('redis did not confirm the publish')), 2000).unref()),
    ]);
  }
}
