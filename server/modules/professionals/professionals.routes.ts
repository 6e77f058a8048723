import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import {
  NewProfessionalBody,
  ProfessionalBody,
  ProfessionalChangesBody,
  ProfessionalListQuery,
  ProfessionalParams,
} from './professionals.schemas';
import { createProfessional, listProfessionals, professionalsBySpecialty, updateProfessional } from './professionals.service';
import { Text } from '../patients/patients.schemas';

export const professionalsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/professionals', {
    config: { access: { permission: 'professional.create' } },
    schema: {
      tags: ['professionals'],
      summary: 'Publish a doctor member as a bookable professional',
      params: OrgParams,
      body: NewProfessionalBody,
      response: { 201: ProfessionalBody, ...errorResponses },
    },
    handler: async (request, reply) => reply.status(201).send(await createProfessional(request.scope(), request.body)),
  });

  app.get('/orgs/:orgId/professionals', {
    config: { access: { permission: 'professional.list' } },
    schema: { tags: ['professionals'], params: OrgParams, querystring: ProfessionalListQuery, response: { 200: Type.Array(ProfessionalBody), ...errorResponses } },
    handler: (request) => listProfessionals(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/professionals/specialty/:specialty', {
    config: { access: { permission: 'professional.list' } },
    schema: {
      tags: ['professionals'],
      summary: 'Active professionals of a specialty, case-insensitive',
      params: Type.Object({ orgId: Type.String(), specialty: Text(100) }),
      response: { 200: Type.Array(ProfessionalBody), ...errorResponses },
    },
    handler: (request) => professionalsBySpecialty(request.scope(), request.params.specialty),
  });

  app.patch('/orgs/:orgId/professionals/:professionalId', {
    config: { access: { permission: 'professional.update' } },
    schema: { tags: ['professionals'], params: ProfessionalParams, body: ProfessionalChangesBody, response: { 200: ProfessionalBody, ...errorResponses } },
    handler: (request) => updateProfessional(request.scope(), request.params.professionalId, request.body),
  });
};
