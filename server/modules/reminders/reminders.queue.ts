import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { addNotificationJobs } from '../notifications/notifications.queue';
import type { NotificationJob } from '../notifications/notification-rules';
import { appointmentReminders, labCaseReminders } from './reminders.service';

export const remindersQueueName = 'reminders';

export function createRemindersQueue(connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(remindersQueueName, { connection, prefix, defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100 } });
}

/**
 * Hourly, so a reminder is at most an hour late after a restart; running more often sends nothing
 * twice, since each notification's key holds the case's day or the appointment's id.
 */
export async function scheduleHourlyReminders(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler('reminders.hourly', { every: 3_600_000 }, { name: 'reminders.run' });
}

export function startRemindersWorker(orm: MikroORM, notifications: Queue<NotificationJob>, connection: ConnectionOptions, prefix: string, logger: FastifyBaseLogger) {
  const worker = new Worker(
    remindersQueueName,
    async () => {
      const em = orm.em.fork();
      const jobs = [...(await labCaseReminders(em)), ...(await appointmentReminders(em))];
      await addNotificationJobs(notifications, jobs);
      return jobs.length;
    },
    { connection, prefix },
  );
  worker.on('error', (err) => logger.warn({ err }, 'reminders worker error'));
  return worker;
}
