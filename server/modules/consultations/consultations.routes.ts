import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../shared/http-schemas';
import { VersionBody, VisitParams } from '../visits/visits.schemas';
import { ConsultationBody } from './consultations.schemas';
import { completeConsultation, startConsultation } from './consultations.service';

export const consultationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/visits/:visitId/start', {
    config: { access: { permission: 'consultation.run' } },
    schema: {
      tags: ['consultations'],
      summary: 'Start the consultation of a called visit: opens a session (409 once the visit has expired)',
      params: VisitParams,
      body: VersionBody,
      response: { 200: ConsultationBody, ...errorResponses },
    },
    handler: (request) => startConsultation(request.scope(), request.params.visitId, request.body),
  });

  app.post('/orgs/:orgId/visits/:visitId/complete', {
    config: { access: { permission: 'consultation.run' } },
    schema: {
      tags: ['consultations'],
      summary: 'Complete the consultation: closes the session; active prescription items send the visit to the pharmacy',
      params: VisitParams,
      body: VersionBody,
      response: { 200: ConsultationBody, ...errorResponses },
    },
    handler: (request) => completeConsultation(request.scope(), request.params.visitId, request.body),
  });
};
