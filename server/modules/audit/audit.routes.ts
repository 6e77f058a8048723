import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Limit, OrgParams, page, Uuid } from '../../shared/http-schemas';
import { auditCsv, exportAudit, listAudit } from './audit.service';

const AuditEventBody = Type.Object({
  id: Uuid,
  orgId: Type.Union([Uuid, Type.Null()]),
  actorUserId: Type.Union([Uuid, Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  entityIds: Type.Array(Type.String(), { description: 'The records a read showed when it showed several (a search), entityId being null' }),
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

  app.get('/orgs/:orgId/audit/export', {
    config: { access: { permission: 'audit.export' } },
    schema: {
      tags: ['audit'],
      summary: 'The whole audit trail of one patient (changes and staff reads) or one lab case, oldest first',
      description: 'JSON by default; CSV with `?format=csv` or `Accept: text/csv`. The export is itself audited (`audit.export`).',
      params: OrgParams,
      querystring: Type.Object({
        entityType: Type.Union([Type.Literal('Patient'), Type.Literal('LabCase')]),
        entityId: Uuid,
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
      }),
      response: {
        200: {
          description: 'The trail',
          content: {
            'application/json': { schema: AuditExportBody },
            'text/csv': { schema: Type.String({ description: 'One row per audit event, with a header row' }) },
          },
        },
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const { entityType, entityId, format } = request.query;
      const csv = format === 'csv' || (format === undefined && wantsCsv(request.headers.accept));
      const trail = await exportAudit(request.scope(), { entityType, entityId }, csv ? 'csv' : 'json');
      if (!csv) return reply.type('application/json').send(trail);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${entityType === 'Patient' ? 'patient' : 'case'}-${entityId}.csv"`)
        .send(auditCsv(trail.items));
    },
  });
};

const AuditExportBody = Type.Object({
  entityType: Type.String(),
  entityId: Uuid,
  exportedAt: Type.String({ format: 'date-time' }),
  items: Type.Array(
    Type.Object({
      id: Uuid,
      at: Type.String({ format: 'date-time' }),
      action: Type.String(),
      entityType: Type.String(),
      entityId: Type.Union([Type.String(), Type.Null()]),
      actorUserId: Type.Union([Uuid, Type.Null()]),
      actorName: Type.Union([Type.String(), Type.Null()]),
      actorRole: Type.Union([Type.String(), Type.Null()]),
      changedFields: Type.Array(Type.String()),
      requestId: Type.Union([Type.String(), Type.Null()]),
      ip: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

/** CSV when the client asks for it ahead of JSON (`Accept: text/csv`); JSON otherwise. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranked = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type!.trim(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.q > 0);
  const csv = ranked.find((entry) => entry.type === 'text/csv');
  const json = ranked.find((entry) => entry.type === 'application/json' || entry.type === 'application/*' || entry.type === '*/*');
  return csv !== undefined && (json === undefined || csv.q > json.q || (csv.q === json.q && ranked.indexOf(csv) < ranked.indexOf(json)));
}
