import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import { VisitSchema } from '../visits/visit.entity';

export const sessionStatuses = ['open', 'completed'] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

/** One sitting with the doctor; a visit has a first session and follow-ups while it is valid. */
export const ConsultationSessionSchema = defineEntity({
  name: 'ConsultationSession',
  tableName: 'consultation_sessions',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    visitId: p.manyToOne(VisitSchema).mapToPk().fieldName('visit_id'),
    doctorUserId: p.manyToOne(UserSchema).mapToPk().fieldName('doctor_user_id'),
    sessionNumber: p.integer(),
    status: p.enum([...sessionStatuses]).default('open'),
    startedAt: p.datetime(),
    completedAt: p.datetime().nullable(),
  }),
  uniques: [{ properties: ['visitId', 'sessionNumber'] }],
  indexes: [
    { properties: ['orgId', 'doctorUserId', 'completedAt'] },
    // At most one open session per visit, even under a double click.
    {
      name: 'consultation_sessions_one_open_per_visit',
      expression: `create unique index "consultation_sessions_one_open_per_visit" on "consultation_sessions" ("visit_id") where "status" = 'open'`,
    },
  ],
});
export type ConsultationSession = InferEntity<typeof ConsultationSessionSchema>;
