import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import { CheckedInBody, CheckInBody, PortalVisitsBody, VisitBody, VisitDetailBody, VisitEventBody, VisitParams } from './visits.schemas';
import { checkIn, getVisit, myVisits, sendVisitEvent } from './visits.service';

export const visitsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/visits/check-in', {
    config: { access: { permission: 'visit.checkIn' } },
    schema: {
      tags: ['visits'],
      summary: "Check a patient in (from an appointment or walk-in) with vitals; the visit joins the doctor's queue",
      params: OrgParams,
      body: CheckInBody,
      response: { 201: CheckedInBody, ...errorResponses },
    },
    handler: async (request, reply) => reply.status(201).send(await checkIn(request.scope(), request.body)),
  });

  app.get('/orgs/:orgId/visits/:visitId', {
    config: { access: { permission: 'visit.read' } },
    schema: { tags: ['visits'], summary: 'A visit with vitals, sessions and prescription (audited)', params: VisitParams, response: { 200: VisitDetailBody, ...errorResponses } },
    handler: (request) => getVisit(request.scope(), request.params.visitId),
  });

  app.post('/orgs/:orgId/visits/:visitId/events', {
    config: { access: { permission: 'visit.transition' } },
    schema: {
      tags: ['visits'],
      summary: 'Cancel, no-show, requeue, recall, close or expire a visit; 409 lists the events allowed now',
      params: VisitParams,
      body: VisitEventBody,
      response: { 200: VisitBody, ...errorResponses },
    },
    handler: (request) => sendVisitEvent(request.scope(), request.params.visitId, request.body),
  });

  app.get('/orgs/:orgId/patients/me/visits', {
    config: { access: { permission: 'portal.read' } },
    schema: { tags: ['portal'], summary: "The calling patient's current and past visits", params: OrgParams, response: { 200: PortalVisitsBody, ...errorResponses } },
    handler: (request) => myVisits(request.scope()),
  });
};
