import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { roles } from '../../../workflows/roles';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from './user.entity';

/** A user's role in one org. Roles live here, not on the user, because one person may work for several orgs. */
export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').index(),
    userId: p.manyToOne(UserSchema).mapToPk().fieldName('user_id').index(),
    role: p.enum([...roles]),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
  uniques: [{ properties: ['orgId', 'userId'] }],
});
export type Membership = InferEntity<typeof MembershipSchema>;
