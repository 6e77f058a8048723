import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { reportRedisOutages } from './redis-outages';
import { createNotificationsQueue, enqueueNotifications, startNotificationsWorker } from './modules/notifications/notifications.queue';
import type { NotificationJob } from './modules/notifications/notification-rules';
import { SmtpSender, WhatsAppCloudSender } from './modules/notifications/providers';
import { createEstimatesQueue, scheduleEstimates, scheduleEstimatesSweep, startEstimatesWorker, type EstimateJob } from './modules/estimates/estimates.queue';
import { createRemindersQueue, scheduleHourlyReminders, startRemindersWorker } from './modules/reminders/reminders.queue';
import { createPublicScreensQueue, schedulePublicScreens, startPublicScreensWorker, type PublicScreensJob } from './modules/public-screens/public-screens.queue';
import type { CommittedEvent } from './modules/realtime/outbox';

export interface Queues {
  notifications: Queue<NotificationJob>;
  estimates: Queue<EstimateJob>;
  reminders: Queue;
  publicScreens: Queue<PublicScreensJob>;
  /** Logs the producers' Redis outages, once as each starts and ends. */
  reportOutages: (logger: FastifyBaseLogger) => void;
  close: () => Promise<void>;
}

/** BullMQ's own connection: blocking commands need `maxRetriesPerRequest: null`. */
function bullConnection(config: Config): Redis {
  return new Redis(config.redisUrl, { maxRetriesPerRequest: null });
}

const bullPrefix = (config: Config) => `${config.redisPrefix}:bull`;

/** The producers every server process needs: the outbox sinks and the retry button add jobs. */
export function openQueues(config: Config): Queues {
  const connection = bullConnection(config);
  const prefix = bullPrefix(config);
  const notifications = createNotificationsQueue(connection, prefix);
  const estimates = createEstimatesQueue(connection, prefix);
  const reminders = createRemindersQueue(connection, prefix);
  const publicScreens = createPublicScreensQueue(connection, prefix);
  return {
    notifications,
    estimates,
    reminders,
    publicScreens,
    reportOutages: (logger) => reportRedisOutages(logger, 'queue producers', connection, [notifications, estimates, reminders, publicScreens]),
    close: async () => {
      await Promise.all([notifications.close(), estimates.close(), reminders.close(), publicScreens.close()]);
      await connection.quit().catch(() => undefined);
    },
  };
}

/** What the outbox dispatcher hands each committed batch to, besides the screens. */
export function outboxSinks(queues: Queues): ((events: CommittedEvent[]) => Promise<void>)[] {
  return [
    (events) => enqueueNotifications(queues.notifications, events),
    (events) => scheduleEstimates(queues.estimates, events),
    (events) => schedulePublicScreens(queues.publicScreens, events),
  ];
}

/**
 * The consumers: sending notifications, recomputing wait quotes, hourly reminders, refreshing the
 * waiting-room displays and status pages. Closing waits for the jobs in hand to finish (BullMQ's
 * worker.close), so a deploy loses nothing.
 */
export async function startWorkers(orm: MikroORM, config: Config, queues: Queues, logger: FastifyBaseLogger): Promise<() => Promise<void>> {
  const connection = bullConnection(config);
  const prefix = bullPrefix(config);
  const email = config.smtpUrl ? new SmtpSender(config.smtpUrl) : null;
  const whatsapp = config.whatsappApiUrl ? new WhatsAppCloudSender(config.whatsappApiUrl, config.whatsappToken) : null;
  if (!email) logger.warn('SMTP_URL is not set: email notifications are recorded as skipped');
  if (!whatsapp) logger.warn('WHATSAPP_API_URL is not set: WhatsApp notifications are recorded as skipped');
  const schedule = () => Promise.all([scheduleEstimatesSweep(queues.estimates), scheduleHourlyReminders(queues.reminders)]);
  await schedule();
  // A Redis restarted without persistence comes back without the repeating jobs: put them back each
  // time the connection is ready again (upserting a schedule that exists changes nothing).
  connection.on('ready', () => void schedule().catch((err) => logger.warn({ err }, 'could not restore the repeating jobs; the next reconnection tries again')));
  const workers = [
    startNotificationsWorker(orm, { email, whatsapp }, connection, prefix, logger),
    startEstimatesWorker(orm, connection, prefix, logger),
    startRemindersWorker(orm, queues.notifications, connection, prefix, logger),
    startPublicScreensWorker(orm, connection, prefix, logger),
  ];
  return async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    email?.close();
    await connection.quit().catch(() => undefined);
  };
}
