import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';

export const notificationChannels = ['email', 'whatsapp'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];
export const notificationStatuses = ['pending', 'retrying', 'sent', 'failed', 'skipped'] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

export interface DeliveryAttempt {
  at: string;
  outcome: 'sent' | 'error';
  error?: string;
}

/**
 * One message for one event, channel and recipient. `key` is also the BullMQ job id, so the same
 * event enqueued twice is one job and one row, and a row already sent is never sent again.
 */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    key: p.string().length(200).unique(),
    /** The outbox event (or reminder run) that caused it. */
    eventId: p.string().length(80),
    template: p.string().length(60),
    channel: p.enum([...notificationChannels]),
    recipient: p.string().length(30),
    subjectType: p.string().length(40),
    subjectId: p.uuid(),
    status: p.enum([...notificationStatuses]).default('pending'),
    /** Why nothing was sent (no consent, no address): kept so staff can see it was decided, not lost. */
    skipReason: p.string().length(120).nullable(),
    attempts: p.json<DeliveryAttempt[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    sentAt: p.datetime().nullable(),
  }),
  indexes: [{ properties: ['orgId', 'status', 'createdAt'] }],
});
export type Notification = InferEntity<typeof NotificationSchema>;
