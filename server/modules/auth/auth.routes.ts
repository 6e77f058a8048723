import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Uuid } from '../../shared/http-schemas';
import { RoleName } from '../orgs/orgs.schemas';
import { orgKinds } from '../orgs/org.entity';
import type { AccountMail } from './account-mail';
import { AccountBody, AccountChangesBody } from './auth.schemas';
import type { AuthService } from './auth.service';

const SessionBody = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer() });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const NewPassword = Type.String({ minLength: 1, maxLength: 200 });

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; accountMail: AccountMail }> = async (app, { auth, accountMail }) => {
  app.post('/auth/login', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Exchange email and password for an access token (~15 min) and a rotating refresh token',
      body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: SessionBody, 429: Type.Ref('ErrorBody'), ...errorResponses },
    },
    handler: (request) => auth.login(request.em, request.body.email, request.body.password, request.ip),
  });

  app.post('/auth/refresh', {
    config: { access: 'public' },
    schema: { tags: ['auth'], summary: 'Spend a refresh token for a new pair; a reused token revokes its whole family', body: RefreshBody, response: { 200: SessionBody, ...errorResponses } },
    handler: (request) => auth.refresh(request.em, request.body.refreshToken),
  });

  app.post('/auth/logout', {
    config: { access: 'public' },
    schema: { tags: ['auth'], summary: 'Revoke the refresh token’s family', body: RefreshBody, response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await auth.logout(request.em, request.body.refreshToken);
      return reply.status(204).send(null);
    },
  });

  app.post('/auth/password', {
    config: { access: 'user' },
    schema: {
      tags: ['auth'],
      summary: 'Change your own password (the current one is required); every other session of yours ends',
      body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: NewPassword }, { additionalProperties: false }),
      response: { 200: SessionBody, 429: Type.Ref('ErrorBody'), ...errorResponses },
    },
    handler: (request) => auth.changePassword(request.em, request.accountActor(), request.body.currentPassword, request.body.newPassword),
  });

  app.post('/auth/password-reset', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Mail a one-time reset link to the address, if it has an account (the answer is the same either way)',
      body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }) }, { additionalProperties: false }),
      response: { 202: Type.Object({ message: Type.String() }), ...errorResponses },
    },
    handler: async (request, reply) => {
      await auth.requestPasswordReset(request.em, request.body.email, accountMail);
      return reply.status(202).send({ message: 'If this address has an account, a reset link is on its way. It works once, within 30 minutes.' });
    },
  });

  app.post('/auth/password-reset/complete', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Set a new password with a reset link; every session of the account ends',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), newPassword: NewPassword }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errorResponses },
    },
    handler: async (request, reply) => {
      await auth.completePasswordReset(request.em, { requestId: request.id, ip: request.ip }, request.body.token, request.body.newPassword);
      return reply.status(204).send(null);
    },
  });

  app.patch('/auth/me', {
    config: { access: 'user' },
    schema: {
      tags: ['auth'],
      summary: 'Change your own name, phone and WhatsApp consent (staff get their clinic messages there)',
      body: AccountChangesBody,
      response: { 200: AccountBody, ...errorResponses },
    },
    handler: (request) => auth.updateMe(request.em, request.accountActor(), request.body),
  });

  app.get('/auth/me', {
    config: { access: 'user' },
    schema: {
      tags: ['auth'],
      summary: 'The signed-in user and their memberships',
      response: {
        200: Type.Object({
          user: AccountBody,
          memberships: Type.Array(Type.Object({ orgId: Uuid, orgName: Type.String(), orgKind: Type.Enum(orgKinds), role: RoleName })),
        }),
        ...errorResponses,
      },
    },
    handler: (request) => auth.me(request.em, request.userId!),
  });
};
