/**
 * Child process: the real server as server/main.ts starts it (buildApp on 127.0.0.1, the outbox
 * dispatcher with LISTEN/NOTIFY, the queue producers; workers off, as in production where they run
 * in their own processes), plus instruments the bench reads over IPC: memory after GC, event-loop
 * lag, CPU time, an in-process CPU profile, and the time each Socket.IO broadcast takes to write
 * to its recipients. With BENCH_HELLO=1 it also serves a bare Fastify hello route on another port
 * in the same process (the api-read baseline).
 *
 * Env: BENCH_DATABASE_URL, BENCH_REDIS_PREFIX, BENCH_POOL (10), BENCH_DISPATCHER (1), BENCH_HELLO (0).
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { borrowConnection, openOrm } from '../../server/db/orm';
import { postgresNotifications } from '../../server/db/notifications';
import { socketChannel } from '../../server/modules/realtime/envelope';
import { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { openQueues, outboxSinks } from '../../server/queues';
import { announce, serveRequests } from './child';
import { instrumentBroadcasts, instrumentProcess, instrumentQueries } from './instruments';

const config = loadConfig({
  NODE_ENV: 'production',
  DATABASE_URL: process.env.BENCH_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  JWT_SECRET: process.env.BENCH_JWT_SECRET ?? randomBytes(32).toString('hex'),
  LOG_LEVEL: 'warn',
  REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX,
  STORAGE_DIR: `/tmp/cuspid-bench-storage-${process.pid}`,
  RUN_WORKERS: 'false',
  DB_POOL_MAX: process.env.BENCH_POOL ?? '10',
  // Long enough that no socket is dropped for an expiring token during a 10k-client run.
  ACCESS_TOKEN_TTL_SECONDS: '7200',
});

const broadcasts = instrumentBroadcasts();
const queries = instrumentQueries();
const orm = await openOrm(config.databaseUrl, config.databasePoolMax);
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
const queues = openQueues(config);
const app = await buildApp({ config, orm, redis, queues });
await app.listen({ host: '127.0.0.1', port: 0 });
const dispatcher =
  process.env.BENCH_DISPATCHER === '0'
    ? null
    : new OutboxDispatcher({
        connect: borrowConnection(orm),
        publishUrl: config.databaseUrl,
        notifications: postgresNotifications(config.databaseUrl),
        redis,
        channel: socketChannel(config.redisPrefix),
        logger: app.log,
        sinks: outboxSinks(queues),
      });
await dispatcher?.start();

let helloPort: number | null = null;
const hello = process.env.BENCH_HELLO === '1' ? Fastify({ logger: false }) : null;
if (hello) {
  hello.get('/', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });
  helloPort = (hello.server.address() as { port: number }).port;
}

const lag = monitorEventLoopDelay({ resolution: 1 });
serveRequests(
  {
    ...instrumentProcess(lag),
    ...broadcasts.handlers,
    ...queries,
    sockets: () => app.io.engine.clientsCount,
  },
  async () => {
    await dispatcher?.stop();
    await hello?.close();
    await app.close();
    await queues.close();
    await orm.close();
    redis.disconnect();
  },
);
announce('ready', { port: (app.server.address() as { port: number }).port, helloPort, jwtSecret: config.jwtSecret });
