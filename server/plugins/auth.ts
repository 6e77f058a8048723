import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import { isAllowed, type Action } from '../modules/auth/permissions';
import { MembershipCache } from '../modules/auth/membership-cache';
import type { ActiveMembership, UserAccess } from '../modules/auth/memberships';
import { tenantFilter } from '../db/orm';
import type { DatabaseNotifications } from '../db/notifications';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../shared/errors';
import type { Caller, Scope } from '../shared/scope';
import type { AccountActor } from '../modules/auth/auth.service';

/**
 * Every API route declares who may call it:
 * - 'public': anyone;
 * - 'user': any signed-in user, outside any org (their own profile, their memberships);
 * - { permission }: a member whose role the permission table allows. Routes with an `:orgId`
 *   path parameter act in that org; the caller must be an active member of it, else 404.
 */
export type Access = 'public' | 'user' | { permission: Action };

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every API route with its declared access: the permission table's other half, enumerated by tests and docs. */
    routeAccess: RouteAccess[];
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    userId: string | null;
    caller: Caller | null;
    /** The service scope of an org-bound request: its entity manager and caller. */
    scope(): Scope;
    /** Who acts on their own account in a signed-in request outside any org. */
    accountActor(): AccountActor;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `ver`: the user's session version at signing; once it moves on (their sessions ended) the token is refused. */
    payload: { sub: string; typ: 'access'; ver: number };
    user: { sub: string; typ: 'access'; ver: number };
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function authenticate(request: FastifyRequest): Promise<{ userId: string; version: number }> {
  try {
    const payload = await request.jwtVerify<{ sub: string; typ: string; ver: unknown }>();
    // Only this server signs tokens, but a subject that is no user id must not reach the database as one.
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || !uuidPattern.test(payload.sub) || typeof payload.ver !== 'number') throw new Error('wrong token type');
    request.userId = payload.sub;
    return { userId: payload.sub, version: payload.ver };
  } catch (error) {
    const expired = (error as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
    throw new UnauthenticatedError(expired ? 'Access token expired' : 'A valid access token is required');
  }
}

export const authPlugin = fp<{ secret: string; accessTokenTtlSeconds: number; notifications: DatabaseNotifications | null }>(
  async (app, { secret, accessTokenTtlSeconds, notifications }) => {
    await app.register(jwt, {
      secret,
      sign: { expiresIn: accessTokenTtlSeconds, algorithm: 'HS256' },
      // Verified tokens are cached until their own expiry (fast-jwt's cache): the same access token comes
      // with every request of a session, and checking its HMAC each time was ~4% of a request's CPU.
      verify: { algorithms: ['HS256'], cache: 10_000 },
    });
    const memberships = new MembershipCache(notifications, app.log);
    await memberships.start(app.orm);
    app.addHook('onClose', () => memberships.stop());
    app.decorateRequest('userId', null);
    app.decorateRequest('caller', null);
    app.decorateRequest('accountActor', function (this: FastifyRequest): AccountActor {
      if (!this.userId) throw new Error(`route ${this.routeOptions.url} used accountActor() without a signed-in user`);
      return { userId: this.userId, requestId: this.id, ip: this.ip };
    });
    app.decorateRequest('scope', function (this: FastifyRequest): Scope {
      if (!this.caller) throw new Error(`route ${this.routeOptions.url} used scope() without org access`);
      return { em: this.em, caller: this.caller };
    });

    const routeAccess: RouteAccess[] = [];
    app.decorate('routeAccess', routeAccess);
    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (!route.url.startsWith('/api/')) return;
      if (!access) throw new Error(`${route.method} ${route.url} declares no access`);
      for (const method of toArray(route.method)) if (method !== 'HEAD') routeAccess.push({ method, url: route.url, access });
      if (access === 'public') return;
      const onRequest = access === 'user' ? requireUser : requirePermission(access.permission);
      route.onRequest = [...toArray(route.onRequest), onRequest];
    });

    /**
     * The signed-in caller's access (in one org when `orgId` is given). A token issued before the
     * user's sessions ended (deactivation, role change, new password) carries an older version: 401.
     */
    async function sessionAccess(request: FastifyRequest, orgId?: string): Promise<UserAccess & { userId: string }> {
      const { userId, version } = await authenticate(request);
      const access = await memberships.lookup(request.em, userId, orgId);
      if (!access || access.sessionVersion !== version) throw new UnauthenticatedError('Your session has ended; sign in again');
      return { ...access, userId };
    }

    async function requireUser(request: FastifyRequest): Promise<void> {
      await sessionAccess(request);
    }

    function requirePermission(action: Action) {
      return async function checkPermission(request: FastifyRequest): Promise<void> {
        const orgId = (request.params as { orgId?: string }).orgId;
        if (orgId !== undefined) {
          if (!uuidPattern.test(orgId)) {
            await sessionAccess(request);
            throw new NotFoundError('Organisation');
          }
          const { userId, memberships: [membership] } = await sessionAccess(request, orgId);
          if (!membership) throw new NotFoundError('Organisation');
          if (!isAllowed(membership.role, action, membership.kind)) throw new ForbiddenError(`The ${membership.role} role of a ${membership.kind} may not ${action}`);
          bindCaller(request, userId, membership);
          return;
        }
        const { userId, memberships: all } = await sessionAccess(request);
        const allowed = all.find((m) => isAllowed(m.role, action, m.kind));
        if (!allowed) throw new ForbiddenError(`Your roles may not ${action}`);
        bindCaller(request, userId, allowed);
      };
    }

    function bindCaller(request: FastifyRequest, userId: string, { orgId, role, timeZone }: ActiveMembership): void {
      request.caller = { userId, orgId, role, timeZone, requestId: request.id, ip: request.ip };
      request.em.setFilterParams(tenantFilter, { orgId });
    }
  },
  { name: 'auth', dependencies: ['db'] },
);

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
