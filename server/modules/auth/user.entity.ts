import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    /** Stored lower-cased so uniqueness ignores case. */
    email: p.string().length(320).unique(),
    passwordHash: p.string().length(255).hidden(),
    name: p.string().length(200),
    active: p.boolean().default(true),
    /** E.164, set by the person themselves (never by an org): where staff messages go by WhatsApp. */
    phone: p.string().length(16).nullable(),
    whatsappConsent: p.boolean().default(false),
    whatsappConsentAt: p.datetime().nullable(),
    /**
     * When the owner first used a link mailed to the address (a password reset): until then nobody
     * has shown that whoever holds the password holds the inbox, so no invitation is answered.
     */
    emailConfirmedAt: p.datetime().nullable(),
    /** Moves on each time the user's sessions end; tokens issued at an older version are refused. */
    sessionVersion: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type User = InferEntity<typeof UserSchema>;
