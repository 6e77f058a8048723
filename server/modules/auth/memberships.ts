import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../../workflows/roles';
import type { OrgKind } from '../orgs/org.entity';

export interface ActiveMembership {
  orgId: string;
  role: Role;
  /** The org's time zone, read here so every request knows its org's day without another query. */
  timeZone: string;
  /** A lab or a clinic (or the platform): which actions exist there. */
  kind: OrgKind;
}

/** What a signed-in user may do now: their session version (tokens must carry it) and their active memberships. */
export interface UserAccess {
  sessionVersion: number;
  memberships: ActiveMembership[];
}

/**
 * One query: an active user's session version and active memberships in active orgs (in one org
 * when `orgId` is given); null for an inactive or unknown user. Used by the HTTP access check and
 * the socket handshake and subscriptions alike.
 */
export async function userAccess(em: EntityManager, userId: string, orgId?: string): Promise<UserAccess | null> {
  const rows = await em.getConnection().execute<{ session_version: number; org_id: string | null; role: Role | null; time_zone: string | null; kind: OrgKind | null }[]>(
    `select u.session_version, m.org_id, m.role, o.time_zone, o.kind from users u
       left join (memberships m join orgs o on o.id = m.org_id and o.active)
         on m.user_id = u.id and m.active ${orgId ? 'and m.org_id = ?' : ''}
      where u.id = ? and u.active`,
    orgId ? [orgId, userId] : [userId],
  );
  if (rows.length === 0) return null;
  const memberships = rows.flatMap((row) => (row.org_id && row.role && row.time_zone && row.kind ? [{ orgId: row.org_id, role: row.role, timeZone: row.time_zone, kind: row.kind }] : []));
  return { sessionVersion: rows[0]!.session_version, memberships };
}
