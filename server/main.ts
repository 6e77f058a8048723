import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { borrowConnection, migrate, openOrm } from './db/orm';
import { OutboxDispatcher } from './modules/realtime/outbox.dispatcher';
import { socketChannel } from './modules/realtime/envelope';
import { openQueues, outboxSinks, startWorkers } from './queues';

/**
 * Starts the API (and, unless RUN_WORKERS=false, the background workers) on one port, after
 * migrating the database. Returns a function that shuts everything down in order.
 */
export async function startServer(config: Config): Promise<() => Promise<void>> {
  const orm = await openOrm(config.databaseUrl, config.databasePoolMax);
  await migrate(orm);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const queues = openQueues(config);
  const app = await buildApp({ config, orm, redis, queues });
  await app.listen({ host: config.host, port: config.port });
  const dispatcher = new OutboxDispatcher({
    connect: borrowConnection(orm),
    listenUrl: config.outboxListen ? config.databaseUrl : null,
    redis,
    channel: socketChannel(config.redisPrefix),
    logger: app.log,
    sinks: outboxSinks(queues),
  });
  await dispatcher.start();
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
