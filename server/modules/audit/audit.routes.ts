import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Limit, OrgParams, page, Uuid } from '../../shared/http-schemas';
import { listAudit } from './audit.service';

const AuditEventBody = Type.Object({
  id: Uuid,
  orgId: Type.Union([Uuid, Type.Null()]),
  actorUserId: Type.Union([Uuid, Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  changedFields: Type.Array(Type.String()),
  requestId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/orgs/:orgId/audit', {
    config: { access: { permission: 'audit.read' } },
    schema: {
      tags: ['audit'],
      summary: 'The org audit trail, newest first',
      params: OrgParams,
      querystring: Type.Object({
        action: Type.Optional(Type.String({ maxLength: 80 })),
        entityType: Type.Optional(Type.String({ maxLength: 60 })),
        entityId: Type.Optional(Type.String({ maxLength: 80 })),
        actorUserId: Type.Optional(Uuid),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
        limit: Limit,
        cursor: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: page(AuditEventBody), ...errorResponses },
    },
    handler: (request) => listAudit(request.scope(), request.query),
  });
};
