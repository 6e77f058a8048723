import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const orgKinds = ['platform', 'lab', 'clinic'] as const;
export type OrgKind = (typeof orgKinds)[number];
export const toothNumberings = ['FDI', 'Universal'] as const;
export type ToothNumbering = (typeof toothNumberings)[number];

/** Plan limits: the most active members of each staff role an org may have (seed 002's max_doctors...). */
export type StaffLimits = Record<string, number>;

/** A tenant: a dental lab, a clinic, or the platform operator that hosts super admins. */
export const OrgSchema = defineEntity({
  name: 'Org',
  tableName: 'orgs',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    kind: p.enum([...orgKinds]),
    name: p.string().length(200),
    active: p.boolean().default(true),
    staffLimits: p.json<StaffLimits>(),
    /** Labs choose how tooth numbers are written on their cases. */
    toothNumbering: p.enum([...toothNumberings]).default('FDI'),
    /** IANA zone of the org's days and hours: ticket days, today's queues, working hours, due dates, reminder times. */
    timeZone: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Org = InferEntity<typeof OrgSchema>;
