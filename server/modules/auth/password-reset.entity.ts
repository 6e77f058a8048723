import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { UserSchema } from './user.entity';

/** A one-time password reset: only the link's hash is kept, it expires, and it works once. */
export const PasswordResetSchema = defineEntity({
  name: 'PasswordReset',
  tableName: 'password_resets',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    userId: p.manyToOne(UserSchema).mapToPk().fieldName('user_id').index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  }),
});
export type PasswordReset = InferEntity<typeof PasswordResetSchema>;
