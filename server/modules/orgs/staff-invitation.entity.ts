import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { roles } from '../../../workflows/roles';
import { UserSchema } from '../auth/user.entity';
import { OrgSchema } from './org.entity';

/**
 * An org's offer of a role to the owner of an existing account. Only the owner, signed in, can
 * accept it: the inviting admin never gets hold of the account itself.
 */
export const StaffInvitationSchema = defineEntity({
  name: 'StaffInvitation',
  tableName: 'staff_invitations',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    /** Lower-cased, as users' emails are. */
    email: p.string().length(320).index(),
    role: p.enum([...roles]),
    invitedByUserId: p.manyToOne(UserSchema).mapToPk().fieldName('invited_by_user_id'),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    declinedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  }),
  indexes: [
    {
      name: 'staff_invitations_pending_unique',
      // One open invitation per org and address: two admins inviting at once get one row and a 409.
      expression: `create unique index "staff_invitations_pending_unique" on "staff_invitations" ("org_id", "email") where "accepted_at" is null and "declined_at" is null and "revoked_at" is null`,
    },
  ],
});
export type StaffInvitation = InferEntity<typeof StaffInvitationSchema>;
