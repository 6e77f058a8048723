import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import { VersionBody, VisitBody, VisitParams } from '../visits/visits.schemas';
import { HtmlPage, PharmacyQueueBody } from './pharmacy.schemas';
import { dispensePrescription, ownPrescriptionPage, pharmacyPrescriptionPage, pharmacyQueue, printPrescription } from './pharmacy.service';

const html = 'text/html; charset=utf-8';

export const pharmacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/orgs/:orgId/pharmacy/queue', {
    config: { access: { permission: 'pharmacy.read' } },
    schema: { tags: ['pharmacy'], summary: 'Prescriptions to print and to hand over', params: OrgParams, response: { 200: PharmacyQueueBody, ...errorResponses } },
    handler: (request) => pharmacyQueue(request.scope()),
  });

  app.post('/orgs/:orgId/pharmacy/visits/:visitId/print', {
    config: { access: { permission: 'pharmacy.print' } },
    schema: { tags: ['pharmacy'], summary: 'Mark the prescription printed', params: VisitParams, body: VersionBody, response: { 200: VisitBody, ...errorResponses } },
    handler: (request) => printPrescription(request.scope(), request.params.visitId, request.body),
  });

  app.get('/orgs/:orgId/pharmacy/visits/:visitId/prescription.html', {
    config: { access: { permission: 'pharmacy.read' } },
    schema: {
      tags: ['pharmacy'],
      summary: "The printable prescription page, for the browser's print",
      params: VisitParams,
      produces: ['text/html'],
      response: { 200: HtmlPage, ...errorResponses },
    },
    handler: async (request, reply) => reply.type(html).send(await pharmacyPrescriptionPage(request.scope(), request.params.visitId)),
  });

  app.post('/orgs/:orgId/pharmacy/visits/:visitId/dispense', {
    config: { access: { permission: 'pharmacy.dispense' } },
    schema: { tags: ['pharmacy'], summary: 'Hand the medicines over; only after printing (409 lists the allowed events)', params: VisitParams, body: VersionBody, response: { 200: VisitBody, ...errorResponses } },
    handler: (request) => dispensePrescription(request.scope(), request.params.visitId, request.body),
  });

  app.get('/orgs/:orgId/patients/me/visits/:visitId/prescription.html', {
    config: { access: { permission: 'portal.read' } },
    schema: {
      tags: ['portal'],
      summary: 'Download the prescription of one of my visits',
      params: VisitParams,
      produces: ['text/html'],
      response: { 200: HtmlPage, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply
        .type(html)
        .header('content-disposition', 'inline; filename="prescription.html"')
        .send(await ownPrescriptionPage(request.scope(), request.params.visitId)),
  });
};
