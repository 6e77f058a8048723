import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import { AppointmentSchema } from '../appointments/appointment.entity';
import { VisitSchema } from '../visits/visit.entity';
import { PatientSchema } from './patient.entity';

/**
 * One entry of a patient's treatment timeline, written by a doctor. Append-only by API: a correction
 * is a new entry, so the timeline shows what was known when.
 */
export const TreatmentRecordSchema = defineEntity({
  name: 'TreatmentRecord',
  tableName: 'treatment_records',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    patientId: p.manyToOne(PatientSchema).mapToPk().fieldName('patient_id'),
    /** The appointment or visit it belongs to, when it was written during one. */
    appointmentId: p.manyToOne(AppointmentSchema).mapToPk().fieldName('appointment_id').nullable(),
    visitId: p.manyToOne(VisitSchema).mapToPk().fieldName('visit_id').nullable(),
    doctorUserId: p.manyToOne(UserSchema).mapToPk().fieldName('doctor_user_id'),
    diagnosis: p.text(),
    notes: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
  indexes: [{ properties: ['orgId', 'patientId', 'createdAt'] }],
});
export type TreatmentRecord = InferEntity<typeof TreatmentRecordSchema>;
