import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../shared/http-schemas';
import { VisitParams } from '../visits/visits.schemas';
import { ItemParams, NewItemBody, VisitPrescriptionBody } from './prescriptions.schemas';
import { addPrescriptionItem, stopPrescriptionItem } from './prescriptions.service';

export const prescriptionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/visits/:visitId/prescription/items', {
    config: { access: { permission: 'consultation.run' } },
    schema: {
      tags: ['prescriptions'],
      summary: 'Add a medicine during your open session of this visit (409 without one)',
      params: VisitParams,
      body: NewItemBody,
      response: { 201: VisitPrescriptionBody, ...errorResponses },
    },
    handler: async (request, reply) => reply.status(201).send(await addPrescriptionItem(request.scope(), request.params.visitId, request.body)),
  });

  app.post('/orgs/:orgId/visits/:visitId/prescription/items/:itemId/stop', {
    config: { access: { permission: 'consultation.run' } },
    schema: {
      tags: ['prescriptions'],
      summary: 'Stop a medicine during your open session of this visit',
      params: ItemParams,
      response: { 200: VisitPrescriptionBody, ...errorResponses },
    },
    handler: (request) => stopPrescriptionItem(request.scope(), request.params.visitId, request.params.itemId),
  });
};
