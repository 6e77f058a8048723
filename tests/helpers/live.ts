import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../server/app';
import { borrowConnection } from '../../server/db/orm';
import { postgresNotifications } from '../../server/db/notifications';
import { socketChannel } from '../../server/modules/realtime/envelope';
import { OutboxDispatcher, type DispatcherOptions } from '../../server/modules/realtime/outbox.dispatcher';
import { openQueues, outboxSinks, startWorkers } from '../../server/queues';
import { LiveClient, type Envelope, type Topic } from '../../client/src/lib/live/live-client';
import type { TestApp } from './test-app';
import { until } from './until';

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/** An outbox dispatcher on the test app's database and Redis, like the one main.ts starts. */
export function dispatcherFor(t: TestApp, overrides: Partial<DispatcherOptions> = {}): OutboxDispatcher {
  return new OutboxDispatcher({
    connect: borrowConnection(t.orm),
    publishUrl: t.config.databaseUrl,
    notifications: postgresNotifications(t.config.databaseUrl),
    redis: t.redis,
    channel: socketChannel(t.config.redisPrefix),
    logger: t.app.log,
    pollIntervalMs: 200,
    sinks: outboxSinks(t.queues),
    ...overrides,
  });
}

/** dispatcherFor's dispatcher, started: delivering as a server process's does. */
export async function startDispatcher(t: TestApp, overrides: Partial<DispatcherOptions> = {}): Promise<OutboxDispatcher> {
  const dispatcher = dispatcherFor(t, overrides);
  await dispatcher.start();
  return dispatcher;
}

/** What a server process runs beside the app: the outbox dispatcher and the workers. Resolves to their stop. */
export async function startBackground(t: TestApp): Promise<() => Promise<void>> {
  const dispatcher = await startDispatcher(t);
  const stopWorkers = await startWorkers(t.orm, t.config, t.queues, t.app.log);
  return async () => {
    await stopWorkers();
    await dispatcher.stop();
  };
}

/** A second server instance on the same database and Redis: what another process would be. */
export async function secondNode(t: TestApp): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: 2 });
  const queues = openQueues(t.config);
  const app = await buildApp({ config: t.config, orm: t.orm, redis, queues, logStream: new PassThrough() });
  const url = await listen(app);
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await queues.close();
      redis.disconnect();
    },
  };
}

export interface Watched<TSnapshot = unknown> {
  client: LiveClient;
  snapshots: { snapshot: TSnapshot; seq: number }[];
  events: Envelope[];
  refusals: string[];
  /** Resolves once `count` events have arrived (or rejects after `ms`). */
  waitForEvents(count: number, ms?: number): Promise<Envelope[]>;
  waitForSnapshot(ms?: number): Promise<TSnapshot>;
  stop(): void;
}

/** A live client (the one the Svelte app uses) watching one topic, recording all it gets. */
export function watch<TSnapshot = unknown>(url: string, auth: Record<string, unknown>, topic: Topic): Watched<TSnapshot> {
  const client = new LiveClient({ url, auth: () => auth, transports: ['websocket'] });
  const watched: Watched<TSnapshot> = {
    client,
    snapshots: [],
    events: [],
    refusals: [],
    waitForEvents: async (count, ms = 10_000) => {
      await until(() => watched.events.length >= count, ms, `${count} events (have ${watched.events.length})`);
      return watched.events;
    },
    waitForSnapshot: async (ms = 10_000) => {
      await until(() => watched.snapshots.length > 0 || watched.refusals.length > 0, ms, 'a snapshot');
      if (watched.refusals.length) throw new Error(`refused: ${watched.refusals.join(', ')}`);
      return watched.snapshots.at(-1)!.snapshot;
    },
    stop: () => client.close(),
  };
  client.watch<TSnapshot>(topic, {
    snapshot: (snapshot, seq) => watched.snapshots.push({ snapshot, seq }),
    event: (envelope) => watched.events.push(envelope),
    refused: (error) => watched.refusals.push(error),
  });
  return watched;
}

export { until };
