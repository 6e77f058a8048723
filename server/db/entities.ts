import { AuditEventSchema } from '../modules/audit/audit-event.entity';
import { MembershipSchema } from '../modules/auth/membership.entity';
import { RefreshTokenSchema } from '../modules/auth/refresh-token.entity';
import { UserSchema } from '../modules/auth/user.entity';
import { OrgSchema } from '../modules/orgs/org.entity';
import { OutboxEventSchema } from '../modules/realtime/outbox-event.entity';

/**
 * Entities whose rows belong to one org. The `tenant` filter below applies to exactly these, so a
 * query can only see the acting org's rows unless it opts out by name (`filters: { tenant: false }`).
 */
export const tenantEntities = [MembershipSchema, AuditEventSchema];

/** Read across orgs by design: the outbox is drained by one dispatcher for every org. */
const platformEntities = [OrgSchema, UserSchema, RefreshTokenSchema, OutboxEventSchema];

export const entities = [...platformEntities, ...tenantEntities];
