import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { openOrm } from './db/orm';
import { loggerOptions } from './logger';
import { openQueues, startWorkers } from './queues';

/** `npm run worker`: background jobs only, beside API processes started with RUN_WORKERS=false. */
try {
  const config = loadConfig();
  const logger = pino(loggerOptions(config.logLevel));
  const orm = await openOrm(config.databaseUrl, config.databasePoolMax);
  const queues = openQueues(config);
  queues.reportOutages(logger);
  const stopWorkers = await startWorkers(orm, config, queues, logger);
  logger.info('workers started');
  closeWithGrace({ delay: 30_000 }, async ({ err, signal }) => {
    if (err) logger.error({ err }, 'worker shutting down after an error');
    else logger.info({ signal }, 'worker shutting down; finishing the jobs in hand');
    await stopWorkers();
    await queues.close();
    await orm.close();
  });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
