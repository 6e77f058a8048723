import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../../workflows/roles';

export interface ActiveMembership {
  orgId: string;
  role: Role;
  /** The org's time zone, read here so every request knows its org's day without another query. */
  timeZone: string;
}

/**
 * One query: the user's active memberships in active orgs (in one org when `orgId` is given), as an
 * active user. Used by the HTTP access check and the socket handshake alike.
 */
export async function activeMemberships(em: EntityManager, userId: string, orgId?: string): Promise<ActiveMembership[]> {
  const rows = await em.getConnection().execute<{ org_id: string; role: Role; time_zone: string }[]>(
    `select m.org_id, m.role, o.time_zone from memberships m
       join users u on u.id = m.user_id and u.active
       join orgs o on o.id = m.org_id and o.active
      where m.user_id = ? and m.active ${orgId ? 'and m.org_id = ?' : ''}`,
    orgId ? [userId, orgId] : [userId],
  );
  return rows.map((row) => ({ orgId: row.org_id, role: row.role, timeZone: row.time_zone }));
}
