import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams, Uuid } from '../../shared/http-schemas';
import { AuditListQuery, AuditPageBody } from './audit.schemas';
import { auditCsv, exportAudit, listAudit } from './audit.service';

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/orgs/:orgId/audit', {
    config: { access: { permission: 'audit.read' } },
    schema: {
      tags: ['audit'],
      summary: "The org's audit trail as a timeline, newest first",
      description:
        "Each entry names its actor, its patient (by name for an org_admin) or other subject in words; a person's consecutive reads of one patient's record within 30 minutes are one entry. `patientId` matches every row about the patient: their record, visits, appointments, vitals, consultations, prescriptions, dispensing, treatments, messages, portal login, and searches that listed them. `day` is a day in the org's time zone. Pages hold `limit` entries.",
      params: OrgParams,
      querystring: AuditListQuery,
      response: { 200: AuditPageBody, ...errorResponses },
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
