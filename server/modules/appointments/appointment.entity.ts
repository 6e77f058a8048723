import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { AppointmentContext } from '../../../workflows/appointment.machine';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import { PatientSchema } from '../patients/patient.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';

/** Appointment states that hold the professional's time; a cancelled or no-show slot is free again. */
export const bookedStatuses = ['scheduled', 'checked_in', 'finished'] as const;

/**
 * No double booking, decided by the database: two transactions racing for overlapping slots of one
 * professional cannot both commit, whatever the service checked before.
 */
export const noDoubleBookingConstraint = 'appointments_no_double_booking';

/** A booked slot with a professional. `status` and `context` are written only from appointmentMachine. */
export const AppointmentSchema = defineEntity({
  name: 'Appointment',
  tableName: 'appointments',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    patientId: p.manyToOne(PatientSchema).mapToPk().fieldName('patient_id'),
    professionalId: p.manyToOne(ProfessionalProfileSchema).mapToPk().fieldName('professional_id'),
    treatment: p.string().length(200),
    startsAt: p.datetime(),
    /** startsAt + durationMinutes, stored so the exclusion constraint can index the range. */
    endsAt: p.datetime(),
    durationMinutes: p.integer(),
    status: p.string().length(32),
    context: p.json<AppointmentContext>(),
    bookedByUserId: p.manyToOne(UserSchema).mapToPk().fieldName('booked_by_user_id'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    version: p.integer().version(),
  }),
  indexes: [
    { properties: ['orgId', 'professionalId', 'startsAt'] },
    { properties: ['orgId', 'patientId', 'startsAt'] },
  ],
  checks: [
    {
      name: noDoubleBookingConstraint,
      expression: `exclude using gist ("professional_id" with =, tstzrange("starts_at", "ends_at", '[)') with &&) where ("status" in (${bookedStatuses.map((s) => `'${s}'`).join(', ')}))`,
    },
  ],
});
export type Appointment = InferEntity<typeof AppointmentSchema>;

/** One accepted appointment transition: the history the audit trail's field names cannot tell. */
export const AppointmentTransitionSchema = defineEntity({
  name: 'AppointmentTransition',
  tableName: 'appointment_transitions',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    appointmentId: p.manyToOne(AppointmentSchema).mapToPk().fieldName('appointment_id').index(),
    event: p.string().length(60),
    fromStatus: p.string().length(32).nullable(),
    toStatus: p.string().length(32),
    actorUserId: p.uuid().nullable(),
    actorRole: p.string().length(32).nullable(),
    at: p.datetime().onCreate(() => new Date()),
  }),
});
export type AppointmentTransition = InferEntity<typeof AppointmentTransitionSchema>;
