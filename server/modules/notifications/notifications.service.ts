import type { Queue } from 'bullmq';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { NotificationSchema, type Notification, type NotificationStatus } from './notification.entity';
import type { NotificationJob, Recipient, Template } from './notification-rules';
import { requeueNotification } from './notifications.queue';

export async function listNotifications({ em }: Scope, query: { status?: NotificationStatus; limit: number }) {
  const rows = await em.find(NotificationSchema, query.status ? { status: query.status } : {}, { orderBy: { createdAt: 'desc' }, limit: query.limit });
  return rows.map(notificationView);
}

/** The retry button: only a failed notification runs again, from its first attempt. */
export async function retryNotification({ em, caller }: Scope, notificationId: string, queue: Queue<NotificationJob>) {
  const notification = await em.transactional(async (tx) => {
    const found = await tx.findOne(NotificationSchema, { id: notificationId });
    if (!found) throw new NotFoundError('Notification');
    if (found.status !== 'failed') throw new ConflictError('not_failed', `Only a failed notification can be retried; this one is ${found.status}`);
    found.status = 'pending';
    recordAudit(tx, caller, { action: 'notification.retry', entityType: 'Notification', entityId: found.id, changedFields: ['status'] });
    await tx.flush();
    return found;
  });
  await requeueNotification(queue, notification.key, {
    orgId: notification.orgId,
    eventId: notification.eventId,
    template: notification.template as Template,
    channel: notification.channel,
    recipient: notification.recipient as Recipient,
    subjectType: notification.subjectType as NotificationJob['subjectType'],
    subjectId: notification.subjectId,
  });
  return notificationView(notification);
}

/** No addresses and no message text: the list is about delivery, not content. */
function notificationView(n: Notification) {
  return {
    id: n.id,
    template: n.template,
    channel: n.channel,
    recipient: n.recipient,
    subjectType: n.subjectType,
    subjectId: n.subjectId,
    status: n.status,
    skipReason: n.skipReason ?? null,
    attempts: n.attempts,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt?.toISOString() ?? null,
  };
}
