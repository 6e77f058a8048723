import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';

export const displayPrivacyProfiles = ['ticket', 'ticket_initials'] as const;
export type DisplayPrivacy = (typeof displayPrivacyProfiles)[number];

/**
 * A waiting-room screen. It signs in with a revocable token (only its hash is stored) and shows the
 * queues of the professionals it lists, through a privacy profile: never a name, at most initials.
 */
export const DisplaySchema = defineEntity({
  name: 'Display',
  tableName: 'displays',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').index(),
    name: p.string().length(120),
    /** The professionals whose queues this screen shows; empty means every professional of the clinic. */
    professionalIds: p.array().default([]),
    privacy: p.enum([...displayPrivacyProfiles]).default('ticket'),
    /** BCP 47 language of the spoken call, e.g. en-GB, pt-BR. */
    language: p.string().length(20).default('en-GB'),
    tokenHash: p.string().length(64).unique().hidden(),
    tokenIssuedAt: p.datetime(),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Display = InferEntity<typeof DisplaySchema>;
