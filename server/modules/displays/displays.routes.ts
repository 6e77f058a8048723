import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import { DisplayBody, DisplayChangesBody, DisplayParams, DisplayWithToken, NewDisplayBody } from './displays.schemas';
import { createDisplay, listDisplays, rotateDisplayToken, updateDisplay } from './displays.service';

export const displaysRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/displays', {
    config: { access: { permission: 'display.manage' } },
    schema: {
      tags: ['displays'],
      summary: 'Create a waiting-room display; its token is shown once',
      params: OrgParams,
      body: NewDisplayBody,
      response: { 201: DisplayWithToken, ...errorResponses },
    },
    handler: async (request, reply) => reply.status(201).send(await createDisplay(request.scope(), request.body)),
  });

  app.get('/orgs/:orgId/displays', {
    config: { access: { permission: 'display.manage' } },
    schema: { tags: ['displays'], params: OrgParams, response: { 200: Type.Array(DisplayBody), ...errorResponses } },
    handler: (request) => listDisplays(request.scope()),
  });

  app.patch('/orgs/:orgId/displays/:displayId', {
    config: { access: { permission: 'display.manage' } },
    schema: {
      tags: ['displays'],
      params: DisplayParams,
      body: DisplayChangesBody,
      response: { 200: DisplayBody, ...errorResponses },
    },
    handler: (request) => updateDisplay(request.scope(), request.params.displayId, request.body),
  });

  app.post('/orgs/:orgId/displays/:displayId/rotate-token', {
    config: { access: { permission: 'display.manage' } },
    schema: { tags: ['displays'], summary: 'Issue a new token and disconnect the screen using the old one', params: DisplayParams, response: { 200: DisplayWithToken, ...errorResponses } },
    handler: (request) => rotateDisplayToken(request.scope(), request.params.displayId),
  });
};
