import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Queue } from 'bullmq';
import { Type } from 'typebox';
import { errorResponses, OrgParams, Uuid } from '../../shared/http-schemas';
import { notificationChannels, notificationStatuses } from './notification.entity';
import type { NotificationJob } from './notification-rules';
import { listNotifications, retryNotification } from './notifications.service';

const NotificationBody = Type.Object({
  id: Uuid,
  template: Type.String(),
  channel: Type.Enum(notificationChannels),
  recipient: Type.String(),
  subjectType: Type.String(),
  subjectId: Uuid,
  status: Type.Enum(notificationStatuses),
  skipReason: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Array(Type.Object({ at: Type.String(), outcome: Type.String(), error: Type.Optional(Type.String()) })),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const notificationsRoutes: FastifyPluginAsyncTypebox<{ queue: Queue<NotificationJob> }> = async (app, { queue }) => {
  app.get('/orgs/:orgId/notifications', {
    config: { access: { permission: 'notification.manage' } },
    schema: {
      tags: ['notifications'],
      summary: 'Notifications with their delivery attempts, newest first (e.g. ?status=failed)',
      params: OrgParams,
      querystring: Type.Object({ status: Type.Optional(Type.Enum(notificationStatuses)), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
      response: { 200: Type.Array(NotificationBody), ...errorResponses },
    },
    handler: (request) => listNotifications(request.scope(), request.query),
  });

  app.post('/orgs/:orgId/notifications/:notificationId/retry', {
    config: { access: { permission: 'notification.manage' } },
    schema: {
      tags: ['notifications'],
      summary: 'Send a failed notification again',
      params: Type.Object({ orgId: Type.String(), notificationId: Uuid }),
      response: { 200: NotificationBody, ...errorResponses },
    },
    handler: (request) => retryNotification(request.scope(), request.params.notificationId, queue),
  });
};
