import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { VisitContext } from '../../../workflows/visit.machine';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import { PatientSchema } from '../patients/patient.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import { AppointmentSchema } from '../appointments/appointment.entity';

/**
 * A patient's stay at the clinic from check-in to close, with a daily queue ticket. `status` and
 * `context` are written only from visitMachine.
 */
export const VisitSchema = defineEntity({
  name: 'Visit',
  tableName: 'visits',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    patientId: p.manyToOne(PatientSchema).mapToPk().fieldName('patient_id'),
    professionalId: p.manyToOne(ProfessionalProfileSchema).mapToPk().fieldName('professional_id'),
    doctorUserId: p.manyToOne(UserSchema).mapToPk().fieldName('doctor_user_id'),
    /** One visit per appointment; null for a walk-in. */
    appointmentId: p.manyToOne(AppointmentSchema).mapToPk().fieldName('appointment_id').nullable().unique(),
    validityDays: p.integer().default(7),
    /** After this instant no new consultation session may start (follow-ups included). */
    expiresAt: p.datetime(),
    /** The clinic day the ticket belongs to; tickets restart every day. */
    ticketDay: p.date(),
    ticketNumber: p.string().length(12),
    /** 0 normal, 1 urgent: urgent visits go first in the doctor's queue. */
    priority: p.smallint().default(0),
    checkedInAt: p.datetime(),
    calledAt: p.datetime().nullable(),
    status: p.string().length(32),
    context: p.json<VisitContext>(),
    /** The latest estimate the wait-time worker gave this visit, in minutes. */
    quotedWaitMinutes: p.integer().nullable(),
    /** A capability for the patient's live status page: who holds it may watch this visit only. */
    statusToken: p.string().length(64).unique().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    version: p.integer().version(),
  }),
  uniques: [{ properties: ['orgId', 'ticketDay', 'ticketNumber'] }],
  indexes: [{ properties: ['orgId', 'doctorUserId', 'status'] }, { properties: ['orgId', 'patientId', 'checkedInAt'] }, { properties: ['orgId', 'status'] }, { properties: ['orgId', 'professionalId', 'checkedInAt'] }],
});
export type Visit = InferEntity<typeof VisitSchema>;

/** The last ticket number of one prefix on one clinic day; its row lock serialises concurrent check-ins. */
export const TicketCounterSchema = defineEntity({
  name: 'TicketCounter',
  tableName: 'visit_ticket_counters',
  properties: (p) => ({
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').primary(),
    day: p.date().primary(),
    prefix: p.string().length(1).primary(),
    lastNumber: p.integer(),
  }),
});
export type TicketCounter = InferEntity<typeof TicketCounterSchema>;

/**
 * Vital signs taken at check-in, one set per visit. Health data: shown to the clinic's staff and
 * the patient, never in outbox payloads, logs or audit values.
 */
export const PatientVitalsSchema = defineEntity({
  name: 'PatientVitals',
  tableName: 'patient_vitals',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    visitId: p.oneToOne(VisitSchema).mapToPk().fieldName('visit_id').owner(),
    heightCm: p.decimal('number').precision(4).scale(1).nullable(),
    weightKg: p.decimal('number').precision(5).scale(2).nullable(),
    systolic: p.smallint().nullable(),
    diastolic: p.smallint().nullable(),
    pulse: p.smallint().nullable(),
    temperatureC: p.decimal('number').precision(3).scale(1).nullable(),
    recordedByUserId: p.manyToOne(UserSchema).mapToPk().fieldName('recorded_by_user_id'),
    recordedAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type PatientVitals = InferEntity<typeof PatientVitalsSchema>;

/** One accepted visit transition, in order: the visit's history as its screens showed it. */
export const VisitTransitionSchema = defineEntity({
  name: 'VisitTransition',
  tableName: 'visit_transitions',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    visitId: p.manyToOne(VisitSchema).mapToPk().fieldName('visit_id').index(),
    event: p.string().length(60),
    fromStatus: p.string().length(32).nullable(),
    toStatus: p.string().length(32),
    actorUserId: p.uuid().nullable(),
    actorRole: p.string().length(32).nullable(),
    at: p.datetime().onCreate(() => new Date()),
  }),
});
export type VisitTransition = InferEntity<typeof VisitTransitionSchema>;
