import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams, Uuid } from '../../shared/http-schemas';
import { DesignerListBody, NewOrgBody, NewStaffBody, OrgBody, OrgChangesBody, RoleName, StaffBody, StaffChangesBody, StaffListBody } from './orgs.schemas';
import { createOrg, createStaff, getOrg, listDesigners, listOrgs, listStaff, updateOrg, updateStaff } from './orgs.service';

export const orgsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs', {
    config: { access: { permission: 'org.create' } },
    schema: { tags: ['orgs'], summary: 'Create a lab or clinic with its first org_admin', body: NewOrgBody, response: { 201: OrgBody, ...errorResponses } },
    handler: async (request, reply) => reply.status(201).send(await createOrg(request.em, request.caller!, request.body)),
  });

  app.get('/orgs', {
    config: { access: { permission: 'org.list' } },
    schema: { tags: ['orgs'], summary: 'Every lab and clinic on the platform', response: { 200: Type.Array(OrgBody), ...errorResponses } },
    handler: (request) => listOrgs(request.em),
  });

  app.get('/orgs/:orgId', {
    config: { access: { permission: 'org.read' } },
    schema: { tags: ['orgs'], params: OrgParams, response: { 200: OrgBody, ...errorResponses } },
    handler: (request) => getOrg(request.scope()),
  });

  app.patch('/orgs/:orgId', {
    config: { access: { permission: 'org.update' } },
    schema: { tags: ['orgs'], params: OrgParams, body: OrgChangesBody, response: { 200: OrgBody, ...errorResponses } },
    handler: (request) => updateOrg(request.scope(), request.body),
  });

  app.get('/orgs/:orgId/staff', {
    config: { access: { permission: 'staff.list' } },
    schema: {
      tags: ['staff'],
      summary: 'Staff with each role’s plan limit and active count',
      params: OrgParams,
      querystring: Type.Object({ role: Type.Optional(RoleName), active: Type.Optional(Type.Boolean()) }),
      response: { 200: StaffListBody, ...errorResponses },
    },
    handler: (request) => listStaff(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/designers', {
    // Whoever works on the lab's cases sees who designs them; the staff list stays the manager's.
    config: { access: { permission: 'case.read' } },
    schema: { tags: ['staff'], summary: 'The lab’s designers (names only), former ones included', params: OrgParams, response: { 200: DesignerListBody, ...errorResponses } },
    handler: (request) => listDesigners(request.scope()),
  });

  app.post('/orgs/:orgId/staff', {
    config: { access: { permission: 'staff.create' } },
    schema: { tags: ['staff'], params: OrgParams, body: NewStaffBody, response: { 201: StaffBody, ...errorResponses } },
    handler: async (request, reply) => reply.status(201).send(await createStaff(request.scope(), request.body)),
  });

  app.patch('/orgs/:orgId/staff/:membershipId', {
    config: { access: { permission: 'staff.update' } },
    schema: {
      tags: ['staff'],
      summary: 'Update, activate or deactivate a staff member',
      params: Type.Object({ orgId: Type.String(), membershipId: Uuid }),
      body: StaffChangesBody,
      response: { 200: StaffBody, ...errorResponses },
    },
    handler: (request) => updateStaff(request.scope(), request.params.membershipId, request.body),
  });
};
