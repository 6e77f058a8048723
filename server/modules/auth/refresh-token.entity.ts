import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { UserSchema } from './user.entity';

/**
 * Refresh tokens rotate: each use spends the token and issues its successor in the same family.
 * Only a hash is stored, so a database leak does not hand out sessions.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    userId: p.manyToOne(UserSchema).mapToPk().fieldName('user_id').index(),
    familyId: p.uuid().index(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    spentAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** The user's session version when the family was opened: a later version refuses the token. */
    sessionVersion: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type RefreshToken = InferEntity<typeof RefreshTokenSchema>;
