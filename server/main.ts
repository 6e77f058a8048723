import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { borrowConnection, migrate, openOrm } from './db/orm';
import { configuredNotifications, type DatabaseNotifications } from './db/notifications';
import { OutboxDispatcher } from './modules/realtime/outbox.dispatcher';
import { socketChannel } from './modules/realtime/envelope';
import { openQueues, outboxSinks, startWorkers } from './queues';

export interface ServerOptions {
  /**
   * The embedded PGlite, when it runs in this process (`npm start`): it has one session, so the
   * dispatcher publishes through the app's pool, and its NOTIFYs are read in process.
   */
  embedded?: { notifications: DatabaseNotifications };
}

/**
 * Starts the API (and, unless RUN_WORKERS=false, the background workers) on one port, after
 * migrating the database. Returns a function that shuts everything down in order.
 */
export async function startServer(config: Config, { embedded }: ServerOptions = {}): Promise<() => Promise<void>> {
  const orm = await openOrm(config.databaseUrl, config.databasePoolMax);
  await migrate(orm);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const queues = openQueues(config);
  const notifications = configuredNotifications(config, embedded?.notifications);
  const app = await buildApp({ config, orm, redis, queues, notifications });
  await app.listen({ host: config.host, port: config.port });
  const dispatcher = new OutboxDispatcher({
    connect: borrowConnection(orm),
    publishUrl: embedded ? null : config.databaseUrl,
    notifications,
    redis,
    channel: socketChannel(config.redisPrefix),
    logger: app.log,
    pollIntervalMs: config.outboxPollMs,
    sinks: outboxSinks(queues),
  });
  await dispatcher.start();
  app.log.info(
    { wokenBy: notifications ? (embedded ? 'embedded database NOTIFY' : 'LISTEN') : 'poll only', pollIntervalMs: config.outboxPollMs },
    'outbox dispatcher started',
  );
  const stopWorkers = config.runWorkers ? await startWorkers(orm, config, queues, app.log) : async () => undefined;

  const stop = async () => {
    await stopWorkers();
    await dispatcher.stop();
    await app.close();
    await queues.close();
    await orm.close();
    redis.disconnect();
  };
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await stop();
  });
  return stop;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await startServer(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
