import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { createNotificationsQueue, enqueueNotifications, startNotificationsWorker } from './modules/notifications/notifications.queue';
import type { NotificationJob } from './modules/notifications/notification-rules';
import { SmtpSender, WhatsAppCloudSender } from './modules/notifications/providers';
import { createEstimatesQueue, scheduleEstimates, startEstimatesWorker, type EstimateJob } from './modules/estimates/estimates.queue';
import { createRemindersQueue, startRemindersWorker } from './modules/reminders/reminders.queue';
import { createPublicScreensQueue, schedulePublicScreens, startPublicScreensWorker, type PublicScreensJob } from './modules/public-screens/public-screens.queue';
import type { CommittedEvent } from './modules/realtime/outbox';

export interface Queues {
  notifications: Queue<NotificationJob>;
  estimates: Queue<EstimateJob>;
  reminders: Queue;
  publicScreens: Queue<PublicScreensJob>;
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
  const workers = [
    startNotificationsWorker(orm, { email, whatsapp }, connection, prefix, logger),
    await startEstimatesWorker(orm, queues.estimates, connection, prefix, logger),
    await startRemindersWorker(orm, queues.reminders, queues.notifications, connection, prefix, logger),
    startPublicScreensWorker(orm, connection, prefix, logger),
  ];
  return async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    email?.close();
    await connection.quit().catch(() => undefined);
  };
}
