import { randomUUID } from 'node:crypto';
import { Job, Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { tenantFilter } from '../../db/orm';
import { NotificationSchema, type DeliveryAttempt, type NotificationChannel, type NotificationStatus } from './notification.entity';
import type { CommittedEvent } from '../realtime/outbox';
import { jobKey, notificationsFor, type NotificationJob } from './notification-rules';
import { resolveDelivery } from './notification-facts';
import type { Sender } from './providers';
import { render } from './templates';

export const notificationsQueueName = 'notifications';

/** Five tries over about half a minute (1 s, 2 s, 4 s, 8 s); failures are kept for staff to retry. */
export const notificationJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 86_400, count: 50_000 },
  removeOnFail: false,
} as const;

export function createNotificationsQueue(connection: ConnectionOptions, prefix: string): Queue<NotificationJob> {
  return new Queue<NotificationJob>(notificationsQueueName, { connection, prefix });
}

/**
 * The outbox dispatcher's sink: one job per event, channel and recipient, with the idempotency key
 * as job id, so a re-dispatched event adds nothing new.
 */
export async function enqueueNotifications(queue: Queue<NotificationJob>, events: CommittedEvent[]): Promise<void> {
  const jobs = events.flatMap(notificationsFor);
  await addNotificationJobs(queue, jobs);
}

export async function addNotificationJobs(queue: Queue<NotificationJob>, jobs: NotificationJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(jobs.map((data) => ({ name: data.template, data, opts: { ...notificationJobOptions, jobId: jobKey(data) } })));
}

export interface NotificationSenders {
  email: Sender | null;
  whatsapp: Sender | null;
}

/**
 * Sends one message. Safe to run twice: the row keyed by the job id says whether it was sent, and a
 * sent or skipped row ends the job at once.
 */
export function notificationProcessor(orm: MikroORM, senders: NotificationSenders) {
  return async (job: Job<NotificationJob>): Promise<string> => {
    const data = job.data;
    const em = orm.em.fork();
    em.setFilterParams(tenantFilter, { orgId: data.orgId });
    await em.upsert(
      NotificationSchema,
      {
        // upsert bypasses the entity's onCreate hooks: the row's own values are set here.
        id: randomUUID(),
        createdAt: new Date(),
        updatedAt: new Date(),
        orgId: data.orgId,
        key: job.id!,
        eventId: data.eventId,
        template: data.template,
        channel: data.channel,
        recipient: data.recipient,
        subjectType: data.subjectType,
        subjectId: data.subjectId,
        status: 'pending',
        attempts: [],
      },
      { onConflictFields: ['key'], onConflictAction: 'ignore' },
    );
    const notification = await em.findOneOrFail(NotificationSchema, { key: job.id! });
    if (notification.status === 'sent' || notification.status === 'skipped') return notification.status;

    const sender = senders[data.channel as NotificationChannel];
    const delivery = sender ? await resolveDelivery(em, data) : { skip: `${data.channel} is not configured` };
    if ('skip' in delivery) {
      await settle(em, notification.id, { status: 'skipped', skipReason: delivery.skip });
      return 'skipped';
    }
    try {
      await sender!.send(delivery.to, render(data.template, delivery.facts));
    } catch (error) {
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await settle(em, notification.id, { status: final ? 'failed' : 'retrying', attempt: { outcome: 'error', error: (error as Error).message.slice(0, 300) } });
      throw error;
    }
    await settle(em, notification.id, { status: 'sent', attempt: { outcome: 'sent' } });
    return 'sent';
  };
}

/**
 * Records an outcome, unless the notification already ended: a worker that was presumed dead
 * (its job handed to another) may still report late, and must not turn a 'sent' into a failure.
 */
async function settle(
  em: EntityManager,
  id: string,
  outcome: { status: NotificationStatus; skipReason?: string; attempt?: Omit<DeliveryAttempt, 'at'> },
): Promise<void> {
  const attempts = outcome.attempt ? [{ at: new Date().toISOString(), ...outcome.attempt }] : [];
  await em.getConnection().execute(
    `update notifications
        set status = ?, skip_reason = coalesce(?, skip_reason), attempts = attempts || ?::jsonb,
            sent_at = case when ? = 'sent' then now() else sent_at end, updated_at = now()
      where id = ? and status not in ('sent', 'skipped')`,
    [outcome.status, outcome.skipReason ?? null, JSON.stringify(attempts), outcome.status, id],
  );
}

export function startNotificationsWorker(orm: MikroORM, senders: NotificationSenders, connection: ConnectionOptions, prefix: string, logger: FastifyBaseLogger) {
  const worker = new Worker<NotificationJob>(notificationsQueueName, notificationProcessor(orm, senders), { connection, prefix, concurrency: 20 });
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, template: job?.data.template, err }, 'notification attempt failed'));
  worker.on('error', (err) => logger.warn({ err }, 'notifications worker error'));
  return worker;
}

/** The retry button: a failed notification's job runs again from its first attempt. */
export async function requeueNotification(queue: Queue<NotificationJob>, key: string, data: NotificationJob): Promise<void> {
  const job = await Job.fromId<NotificationJob>(queue, key);
  if (job && (await job.isFailed())) await job.retry('failed', { resetAttemptsMade: true });
  else if (!job) await queue.add(data.template, data, { ...notificationJobOptions, jobId: key });
}
