import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../../workflows/roles';
import { activeMemberships } from '../auth/memberships';

/** Who holds a socket: a signed-in user, a waiting-room display, or a patient's status page. */
export type Principal =
  | { kind: 'user'; userId: string }
  | { kind: 'display'; displayId: string; orgId: string }
  | { kind: 'visit-status'; visitId: string; orgId: string };

export interface TopicAccess {
  room: string;
  orgId: string;
}

/**
 * A screen's subscription: which room it listens to, who may, and what a fresh screen is drawn
 * from. Each domain module defines its topics; the realtime module only routes them.
 */
export interface Topic {
  kind: string;
  /** The room and org when `principal` may watch it with these params, else null (answered as not found). */
  resolve(em: EntityManager, principal: Principal, params: Record<string, unknown>): Promise<TopicAccess | null>;
  /** The screen's current state; `em` is bound to the topic's org. */
  snapshot(em: EntityManager, principal: Principal, params: Record<string, unknown>): Promise<unknown>;
}

/** The role the user holds in `orgId` when it is one of `allowed`, else null. */
export async function roleIn(em: EntityManager, principal: Principal, orgId: unknown, allowed: readonly Role[]): Promise<Role | null> {
  if (principal.kind !== 'user' || typeof orgId !== 'string' || !/^[0-9a-f-]{36}$/i.test(orgId)) return null;
  const [membership] = await activeMemberships(em, principal.userId, orgId);
  return membership && allowed.includes(membership.role) ? membership.role : null;
}
