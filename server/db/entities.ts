import { AuditEventSchema } from '../modules/audit/audit-event.entity';
import { MembershipSchema } from '../modules/auth/membership.entity';
import { RefreshTokenSchema } from '../modules/auth/refresh-token.entity';
import { UserSchema } from '../modules/auth/user.entity';
import { OrgSchema } from '../modules/orgs/org.entity';

/**
 * Entities whose rows belong to one org. The `tenant` filter below applies to exactly these, so a
 * query can only see the acting org's rows unless it opts out by name (`filters: { tenant: false }`).
 */
export const tenantEntities = [MembershipSchema, AuditEventSchema];

export const entities = [OrgSchema, UserSchema, RefreshTokenSchema, ...tenantEntities];
