import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams, Uuid } from '../../shared/http-schemas';
import { rooms } from '../realtime/rooms';
import { displayPrivacyProfiles } from './display.entity';
import { createDisplay, listDisplays, rotateDisplayToken, updateDisplay } from './displays.service';

const DisplayBody = Type.Object({
  id: Uuid,
  name: Type.String(),
  professionalIds: Type.Array(Uuid),
  privacy: Type.Enum(displayPrivacyProfiles),
  language: Type.String(),
  active: Type.Boolean(),
  tokenIssuedAt: Type.String({ format: 'date-time' }),
});
const DisplayWithToken = Type.Intersect([DisplayBody, Type.Object({ token: Type.String() })]);
const Language = Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 20 });
const DisplayParams = Type.Object({ orgId: Type.String(), displayId: Uuid });

export const displaysRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/displays', {
    config: { access: { permission: 'display.manage' } },
    schema: {
      tags: ['displays'],
      summary: 'Create a waiting-room display; its token is shown once',
      params: OrgParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 120 }),
        professionalIds: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
        privacy: Type.Optional(Type.Enum(displayPrivacyProfiles)),
        language: Type.Optional(Language),
      }),
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
      body: Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
          professionalIds: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
          privacy: Type.Optional(Type.Enum(displayPrivacyProfiles)),
          language: Type.Optional(Language),
          active: Type.Optional(Type.Boolean()),
        },
        { minProperties: 1 },
      ),
      response: { 200: DisplayBody, ...errorResponses },
    },
    handler: async (request) => {
      const display = await updateDisplay(request.scope(), request.params.displayId, request.body);
      if (!display.active) app.io.in(rooms.display(display.id)).disconnectSockets(true);
      return display;
    },
  });

  app.post('/orgs/:orgId/displays/:displayId/rotate-token', {
    config: { access: { permission: 'display.manage' } },
    schema: { tags: ['displays'], summary: 'Issue a new token and disconnect the screen using the old one', params: DisplayParams, response: { 200: DisplayWithToken, ...errorResponses } },
    handler: async (request) => {
      const display = await rotateDisplayToken(request.scope(), request.params.displayId);
      app.io.in(rooms.display(display.id)).disconnectSockets(true);
      return display;
    },
  });
};
