import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import { VisitBody } from '../visits/visits.schemas';
import { ProfessionalQueueBody, ReceptionQueueBody, SummaryBody, SummaryQuery } from './queue.schemas';
import { callNext, myQueue, queueSummary, receptionQueue } from './queue.service';

export const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/orgs/:orgId/queue/reception', {
    config: { access: { permission: 'queue.reception' } },
    schema: { tags: ['queue'], summary: "Every doctor's queue with tickets, names and waits", params: OrgParams, response: { 200: ReceptionQueueBody, ...errorResponses } },
    handler: (request) => receptionQueue(request.scope()),
  });

  app.get('/orgs/:orgId/queue/me', {
    config: { access: { permission: 'consultation.run' } },
    schema: { tags: ['queue'], summary: "The calling doctor's queue in calling order", params: OrgParams, response: { 200: ProfessionalQueueBody, ...errorResponses } },
    handler: (request) => myQueue(request.scope()),
  });

  app.post('/orgs/:orgId/queue/me/call-next', {
    config: { access: { permission: 'consultation.run' } },
    schema: { tags: ['queue'], summary: 'Call the head of my queue; 409 when nobody waits', params: OrgParams, response: { 200: VisitBody, ...errorResponses } },
    handler: (request) => callNext(request.scope()),
  });

  app.get('/orgs/:orgId/queue/summary', {
    config: { access: { permission: 'queue.summary' } },
    schema: {
      tags: ['queue'],
      summary: "Today's waiting count and average wait for one professional, with the sentence for screens",
      params: OrgParams,
      querystring: SummaryQuery,
      response: { 200: SummaryBody, ...errorResponses },
    },
    handler: (request) => queueSummary(request.scope(), request.query.professionalId),
  });
};
