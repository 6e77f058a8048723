import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../workflows/roles';

/** Who is acting, in which org, for which request: what every service needs to check access and audit. */
export interface Caller {
  userId: string;
  orgId: string;
  role: Role;
  /** The org's IANA zone: its days and hours (today's queue, ticket days, due dates) are in it. */
  timeZone: string;
  requestId: string;
  ip: string;
}

/** A service call's world: the request's entity manager (tenant filter already bound) and the caller. */
export interface Scope {
  em: EntityManager;
  caller: Caller;
}
