import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams, Uuid } from '../../shared/http-schemas';
import type { AccountMail } from '../auth/account-mail';
import {
  DesignerListBody,
  InvitationBody,
  MyInvitationBody,
  NewOrgBody,
  NewStaffBody,
  OperatorOrgChangesBody,
  OrgBody,
  OrgChangesBody,
  RoleName,
  StaffAdditionBody,
  StaffBody,
  StaffChangesBody,
  StaffListBody,
} from './orgs.schemas';
import {
  acceptInvitation,
  createOrg,
  createStaff,
  declineInvitation,
  getOrg,
  listDesigners,
  listMyInvitations,
  listOrgs,
  listStaff,
  listStaffInvitations,
  revokeStaffInvitation,
  updateOrg,
  updateOrgAsOperator,
  updateStaff,
} from './orgs.service';

const InvitationParams = Type.Object({ invitationId: Uuid });

export const orgsRoutes: FastifyPluginAsyncTypebox<{ accountMail: AccountMail }> = async (app, { accountMail }) => {
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

  app.patch('/platform/orgs/:id', {
    config: { access: { permission: 'org.manage' } },
    schema: {
      tags: ['orgs'],
      summary: 'The platform operator renames a lab or clinic, sets its plan limits, or turns it off and on',
      params: Type.Object({ id: Uuid }),
      body: OperatorOrgChangesBody,
      response: { 200: OrgBody, ...errorResponses },
    },
    handler: (request) => updateOrgAsOperator(request.em, request.caller!, request.params.id, request.body),
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
    schema: {
      tags: ['staff'],
      summary: 'Add a new person (201) or invite the owner of an existing account (202)',
      params: OrgParams,
      body: NewStaffBody,
      response: { 201: StaffAdditionBody, 202: StaffAdditionBody, ...errorResponses },
    },
    handler: async (request, reply) => {
      const addition = await createStaff(request.scope(), request.body, accountMail);
      return reply.status(addition.status === 'added' ? 201 : 202).send(addition);
    },
  });

  app.get('/orgs/:orgId/staff/invitations', {
    config: { access: { permission: 'staff.list' } },
    schema: { tags: ['staff'], summary: 'Invitations not answered yet', params: OrgParams, response: { 200: Type.Array(InvitationBody), ...errorResponses } },
    handler: (request) => listStaffInvitations(request.scope()),
  });

  app.delete('/orgs/:orgId/staff/invitations/:invitationId', {
    config: { access: { permission: 'staff.create' } },
    schema: { tags: ['staff'], summary: 'Withdraw an invitation', params: Type.Object({ orgId: Type.String(), invitationId: Uuid }), response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await revokeStaffInvitation(request.scope(), request.params.invitationId);
      return reply.status(204).send(null);
    },
  });

  app.get('/invitations', {
    config: { access: 'user' },
    schema: { tags: ['staff'], summary: 'Invitations to join an org, addressed to the signed-in user', response: { 200: Type.Array(MyInvitationBody), ...errorResponses } },
    handler: (request) => listMyInvitations(request.em, request.userId!),
  });

  app.post('/invitations/:invitationId/accept', {
    config: { access: 'user' },
    schema: {
      tags: ['staff'],
      summary: 'Join the org that sent the invitation',
      params: InvitationParams,
      response: { 200: Type.Object({ orgId: Uuid, orgName: Type.String(), orgKind: Type.String(), role: RoleName }), ...errorResponses },
    },
    handler: (request) => acceptInvitation(request.em, request.accountActor(), request.params.invitationId),
  });

  app.post('/invitations/:invitationId/decline', {
    config: { access: 'user' },
    schema: { tags: ['staff'], summary: 'Decline an invitation', params: InvitationParams, response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await declineInvitation(request.em, request.accountActor(), request.params.invitationId);
      return reply.status(204).send(null);
    },
  });

  app.patch('/orgs/:orgId/staff/:membershipId', {
    config: { access: { permission: 'staff.update' } },
    schema: {
      tags: ['staff'],
      summary: 'Change a member’s role, or deactivate or reactivate them',
      params: Type.Object({ orgId: Type.String(), membershipId: Uuid }),
      body: StaffChangesBody,
      response: { 200: StaffBody, ...errorResponses },
    },
    handler: (request) => updateStaff(request.scope(), request.params.membershipId, request.body),
  });
};
