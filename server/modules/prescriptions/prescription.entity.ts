import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { VisitSchema } from '../visits/visit.entity';
import { ConsultationSessionSchema } from '../consultations/consultation-session.entity';

/** A visit's prescription, created with its first item; items of every session of the visit belong to it. */
export const PrescriptionSchema = defineEntity({
  name: 'Prescription',
  tableName: 'prescriptions',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    visitId: p.oneToOne(VisitSchema).mapToPk().fieldName('visit_id').owner(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Prescription = InferEntity<typeof PrescriptionSchema>;

export interface AllergyOverride {
  substance: string;
  reason: string | null;
}

export const itemStatuses = ['active', 'stopped'] as const;
export type ItemStatus = (typeof itemStatuses)[number];

/** One medicine on a prescription. Stopping keeps the row, so the pharmacy and the record show what changed in which session. */
export const PrescriptionItemSchema = defineEntity({
  name: 'PrescriptionItem',
  tableName: 'prescription_items',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    prescriptionId: p.manyToOne(PrescriptionSchema).mapToPk().fieldName('prescription_id').index(),
    medicine: p.string().length(200),
    dosage: p.string().length(100),
    frequency: p.string().length(100),
    duration: p.string().length(100),
    status: p.enum([...itemStatuses]).default('active'),
    addedInSessionId: p.manyToOne(ConsultationSessionSchema).mapToPk().fieldName('added_in_session_id'),
    stoppedInSessionId: p.manyToOne(ConsultationSessionSchema).mapToPk().fieldName('stopped_in_session_id').nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    stoppedAt: p.datetime().nullable(),
    /** The allergies this medicine matched that its doctor knowingly prescribed over, with their reasons. */
    allergyOverride: p.json<AllergyOverride[]>().nullable(),
  }),
});
export type PrescriptionItem = InferEntity<typeof PrescriptionItemSchema>;
