import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../../workflows/roles';
import type { Caller } from '../../shared/scope';
import { userAccess } from '../auth/memberships';

/** Who holds a socket: a signed-in user, a waiting-room display, or a patient's status page. */
export type Principal =
  | { kind: 'user'; userId: string }
  | { kind: 'display'; displayId: string; orgId: string }
  | { kind: 'visit-status'; visitId: string; orgId: string };

/** What a subscription was granted: its room, its org, and for a user the caller the services expect. */
export interface TopicAccess {
  room: string;
  orgId: string;
  caller: Caller | null;
  principal: Principal;
}

/**
 * A screen's subscription: which room it listens to, who may, and what a fresh screen is drawn
 * from. Each domain module defines its topics; the realtime module only routes them.
 */
export interface Topic {
  kind: string;
  /** The access granted to `principal` for these params, or null (answered as not found). */
  resolve(em: EntityManager, principal: Principal, params: Record<string, unknown>): Promise<TopicAccess | null>;
  /** The screen's current state; `em` is bound to the topic's org. */
  snapshot(em: EntityManager, access: TopicAccess, params: Record<string, unknown>): Promise<unknown>;
}

/** A topic's params come from the client: an id it names must be one before it reaches a query. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * A user's membership in the topic's org when its role is one of `allowed`, as the caller the
 * services expect; null otherwise.
 */
export async function memberCaller(em: EntityManager, principal: Principal, orgId: unknown, allowed: readonly Role[]): Promise<Caller | null> {
  if (principal.kind !== 'user' || !isId(orgId)) return null;
  const [membership] = (await userAccess(em, principal.userId, orgId))?.memberships ?? [];
  if (!membership || !allowed.includes(membership.role)) return null;
  return { userId: principal.userId, orgId, role: membership.role, timeZone: membership.timeZone, requestId: 'socket', ip: '' };
}
