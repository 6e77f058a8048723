import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { MembershipSchema } from '../auth/membership.entity';
import { UserSchema } from '../auth/user.entity';

/**
 * What the clinic publishes about a doctor: specialty, council registration, consulting room and the
 * letter their queue tickets carry. One per doctor membership.
 */
export const ProfessionalProfileSchema = defineEntity({
  name: 'ProfessionalProfile',
  tableName: 'professional_profiles',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    membershipId: p.manyToOne(MembershipSchema).mapToPk().fieldName('membership_id').unique(),
    /** The doctor's login, copied from the membership: queues, rooms and visits are keyed by it. */
    userId: p.manyToOne(UserSchema).mapToPk().fieldName('user_id'),
    displayName: p.string().length(200),
    specialty: p.string().length(100),
    councilNumber: p.string().length(40),
    room: p.string().length(60),
    /** One capital letter: tickets read 'A-014'. */
    ticketPrefix: p.string().length(1),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  }),
  checks: [{ name: 'professional_profiles_ticket_prefix_check', expression: `ticket_prefix ~ '^[A-Z]$'` }],
  indexes: [{ properties: ['orgId', 'specialty'] }, { properties: ['orgId', 'userId'] }],
});
export type ProfessionalProfile = InferEntity<typeof ProfessionalProfileSchema>;
