import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { allowedEvents, initial } from '../../../workflows/attempt';
import { appointmentMachine, type AppointmentEvent } from '../../../workflows/appointment.machine';
import { ConflictError, invalid, NotFoundError, ValidationError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { PatientSchema } from '../patients/patient.entity';
import { ownPatient, requirePatient } from '../patients/patients.service';
import type { ProfessionalProfile } from '../professionals/professional-profile.entity';
import { professionalOfUser, professionalsById, requireActiveProfessional, requireProfessional } from '../professionals/professionals.service';
import { VisitSchema } from '../visits/visit.entity';
import { afterConsultationStatuses } from '../visits/visit-statuses';
import type { CancelBody, NewAppointmentBody, RescheduleBody, VersionBody } from './appointments.schemas';
import { AppointmentSchema, bookedStatuses, noDoubleBookingConstraint, type Appointment } from './appointment.entity';
import { announceAppointment, applyAppointmentEvent, persistedAppointment } from './appointment-transitions';
import { bookingRefusals, freeSlots, noShowFrom, noShowRefusal, standardDurationMinutes, type Booking } from './booking-rules';
import { clinicDay, dayBounds, slotMinutes } from './clinic-calendar';

const minute = 60_000;

export type NewAppointment = Static<typeof NewAppointmentBody>;

/**
 * Books a slot. The desk books for any patient; a patient books for themselves. Both within the
 * booking rule (`bookingRefusals`: 400 naming the field), checked before anything is written. A
 * professional's overlapping booking answers 409: the database's exclusion constraint decides, so
 * of two racing requests exactly one wins.
 */
export async function bookAppointment({ em, caller }: Scope, input: NewAppointment) {
  const startsAt = new Date(input.startsAt);
  const durationMinutes = input.durationMinutes ?? standardDurationMinutes;
  return translateDoubleBooking(() =>
    em.transactional(async (tx) => {
      const patient = caller.role === 'patient' ? await ownPatient(tx, caller) : await requirePatient(tx, requiredPatientId(input.patientId));
      if (caller.role === 'patient' && input.patientId && input.patientId !== patient.id) throw new NotFoundError('Patient');
      const professional = await requireActiveProfessional(tx, input.professionalId);
      assertBookable(caller, professional, { startsAt, durationMinutes });
      const persisted = initial(appointmentMachine, { startsAt: startsAt.toISOString() });
      const appointment = tx.create(AppointmentSchema, {
        orgId: caller.orgId,
        patientId: patient.id,
        professionalId: professional.id,
        treatment: input.treatment.trim(),
        startsAt,
        endsAt: new Date(startsAt.getTime() + durationMinutes * minute),
        durationMinutes,
        status: persisted.value,
        context: persisted.context,
        bookedByUserId: caller.userId,
      });
      recordAudit(tx, caller, {
        action: 'appointment.create',
        entityType: 'Appointment',
        entityId: appointment.id,
        changedFields: ['patientId', 'professionalId', 'treatment', 'startsAt', 'durationMinutes', 'status'],
      });
      await announceAppointment(tx, appointment, ['AppointmentBooked']);
      await tx.flush();
      return appointmentView(tx, caller, appointment);
    }),
  );
}

/** Moves an appointment through appointmentMachine, within the booking rule; still no double booking. */
export async function rescheduleAppointment({ em, caller }: Scope, appointmentId: string, input: Static<typeof RescheduleBody>) {
  const startsAt = new Date(input.startsAt);
  return translateDoubleBooking(() =>
    em.transactional(async (tx) => {
      const appointment = await requireVisibleAppointment(tx, caller, appointmentId);
      const durationMinutes = input.durationMinutes ?? appointment.durationMinutes;
      assertBookable(caller, await requireProfessional(tx, appointment.professionalId), { startsAt, durationMinutes });
      await applyAppointmentEvent(
        tx,
        caller,
        appointment,
        { type: 'appointment.reschedule', actor: actorOf(caller), startsAt: startsAt.toISOString() },
        { version: input.version, changedFields: ['startsAt', 'durationMinutes'] },
      );
      appointment.startsAt = startsAt;
      appointment.durationMinutes = durationMinutes;
      appointment.endsAt = new Date(startsAt.getTime() + durationMinutes * minute);
      await tx.flush();
      return appointmentView(tx, caller, appointment);
    }),
  );
}

export async function cancelAppointment({ em, caller }: Scope, appointmentId: string, input: Static<typeof CancelBody>) {
  return transition({ em, caller }, appointmentId, input.version, { type: 'appointment.cancel', actor: actorOf(caller), at: new Date().toISOString(), reason: input.reason }, ['cancelReason']);
}

/**
 * Marks that the patient did not come, once they are `noShowGraceMinutes` late: earlier answers 409
 * `no_show_too_early` (the appointment is not yet missed), and the slot stays booked.
 */
export async function markAppointmentNoShow({ em, caller }: Scope, appointmentId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    const appointment = await requireVisibleAppointment(tx, caller, appointmentId);
    const tooEarly = noShowRefusal(appointment.startsAt, new Date(), caller.timeZone);
    if (tooEarly) throw new ConflictError('no_show_too_early', tooEarly, { noShowFrom: noShowFrom(appointment.startsAt).toISOString() });
    await applyAppointmentEvent(tx, caller, appointment, { type: 'appointment.noShow', actor: actorOf(caller) }, { version: input.version });
    await tx.flush();
    return appointmentView(tx, caller, appointment);
  });
}

/** Ends an appointment once its visit's consultation is done (the machine allows it from checked in). */
export async function finishAppointment({ em, caller }: Scope, appointmentId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    const appointment = await requireVisibleAppointment(tx, caller, appointmentId);
    const visit = await tx.findOne(VisitSchema, { appointmentId: appointment.id });
    if (appointment.status === 'checked_in' && (!visit || !(afterConsultationStatuses as readonly string[]).includes(visit.status))) {
      throw new ConflictError('consultation_not_done', 'The appointment can finish once its consultation is done', { allowed: [] });
    }
    await applyAppointmentEvent(tx, caller, appointment, { type: 'appointment.finish', actor: actorOf(caller), at: new Date().toISOString() }, { version: input.version, changedFields: ['finishedAt'] });
    await tx.flush();
    return appointmentView(tx, caller, appointment);
  });
}

export interface AppointmentFilter {
  patientId?: string;
  professionalId?: string;
  date?: string;
  status?: string;
}

/** By patient, by professional and/or by day; a doctor sees only their own appointments. */
export async function listAppointments({ em, caller }: Scope, filter: AppointmentFilter) {
  const where: Record<string, unknown> = {};
  if (filter.patientId) where.patientId = filter.patientId;
  if (filter.professionalId) where.professionalId = filter.professionalId;
  if (filter.status) where.status = filter.status;
  if (filter.date) {
    const { start, end } = dayBounds(filter.date, caller.timeZone);
    where.startsAt = { $gte: start, $lt: end };
  }
  if (caller.role === 'doctor') {
    const own = await professionalOfUser(em, caller.userId);
    if (!own || (filter.professionalId && filter.professionalId !== own.id)) return [];
    where.professionalId = own.id;
  }
  const appointments = await em.find(AppointmentSchema, where, { orderBy: [{ startsAt: 'asc' }, { id: 'asc' }], limit: 500 });
  return appointmentViews(em, caller, appointments);
}

/** Today's open appointments (scheduled or checked in), per professional when one is named. */
export async function todaysAppointments(scope: Scope, filter: { professionalId?: string }) {
  const open = await listAppointments(scope, { professionalId: filter.professionalId, date: clinicDay(new Date(), scope.caller.timeZone) });
  return open.filter((a) => a.status === 'scheduled' || a.status === 'checked_in');
}

/** The booking calendar: a professional's free slots on one day, each one the booking rule accepts from a patient. */
export async function professionalFreeSlots({ em, caller }: Scope, professionalId: string, date: string) {
  const professional = await requireProfessional(em, professionalId);
  const { start, end } = dayBounds(date, caller.timeZone);
  const booked = await em.find(AppointmentSchema, {
    professionalId: professional.id,
    status: { $in: [...bookedStatuses] },
    startsAt: { $lt: end },
    endsAt: { $gt: start },
  });
  const slots = professional.active ? freeSlots(date, booked, { now: new Date(), timeZone: caller.timeZone, professional: professional.displayName }) : [];
  return {
    professionalId: professional.id,
    date,
    slotMinutes,
    slots: slots.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })),
  };
}

/** The portal: the calling patient's upcoming appointments. */
export async function myUpcomingAppointments({ em, caller }: Scope) {
  const patient = await ownPatient(em, caller);
  const appointments = await em.find(
    AppointmentSchema,
    { patientId: patient.id, status: { $in: ['scheduled', 'checked_in'] }, endsAt: { $gte: new Date() } },
    { orderBy: { startsAt: 'asc' } },
  );
  return appointmentViews(em, caller, appointments);
}

// ---- for other modules -------------------------------------------------------------------------

/** Check-in from an appointment: appointment.checkIn in the visit's transaction. */
export async function checkInAppointment(em: EntityManager, caller: Caller, appointmentId: string): Promise<Appointment> {
  const appointment = await em.findOne(AppointmentSchema, { id: appointmentId });
  if (!appointment) throw new NotFoundError('Appointment');
  await applyAppointmentEvent(em, caller, appointment, { type: 'appointment.checkIn', actor: actorOf(caller) });
  return appointment;
}

// ---- internals --------------------------------------------------------------------------------

async function transition(
  { em, caller }: Scope,
  appointmentId: string,
  version: number | undefined,
  event: AppointmentEvent,
  changedFields: string[] = [],
) {
  return em.transactional(async (tx) => {
    const appointment = await requireVisibleAppointment(tx, caller, appointmentId);
    await applyAppointmentEvent(tx, caller, appointment, event, { version, changedFields });
    await tx.flush();
    return appointmentView(tx, caller, appointment);
  });
}

/** The appointment if the caller may act on it: a patient only their own, a doctor only theirs; otherwise 404. */
async function requireVisibleAppointment(em: EntityManager, caller: Caller, appointmentId: string): Promise<Appointment> {
  const appointment = await em.findOne(AppointmentSchema, { id: appointmentId });
  if (!appointment) throw new NotFoundError('Appointment');
  if (caller.role === 'patient') {
    const patient = await em.findOne(PatientSchema, { id: appointment.patientId });
    if (patient?.userId !== caller.userId) throw new NotFoundError('Appointment');
  }
  if (caller.role === 'doctor') {
    const own = await professionalOfUser(em, caller.userId);
    if (own?.id !== appointment.professionalId) throw new NotFoundError('Appointment');
  }
  return appointment;
}

/** Refuses, before anything is written, a booking the rule does not allow this caller. */
function assertBookable(caller: Caller, professional: ProfessionalProfile, booking: Booking): void {
  const refusals = bookingRefusals(booking, {
    booker: caller.role === 'patient' ? 'patient' : 'staff',
    now: new Date(),
    timeZone: caller.timeZone,
    professional: professional.displayName,
  });
  if (refusals.length) throw new ValidationError(refusals);
}

function requiredPatientId(patientId: string | undefined): string {
  if (!patientId) throw invalid('patientId', 'is required when the desk books');
  return patientId;
}

function actorOf(caller: Caller) {
  return { role: caller.role, userId: caller.userId };
}

function isDoubleBooking(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23P01' && (constraint === undefined || constraint === noDoubleBookingConstraint);
}

async function translateDoubleBooking<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDoubleBooking(error)) {
      throw new ConflictError('double_booking', 'The professional already has an appointment at that time; choose a free slot');
    }
    throw error;
  }
}

async function appointmentView(em: EntityManager, caller: Caller, appointment: Appointment) {
  return (await appointmentViews(em, caller, [appointment]))[0]!;
}

async function appointmentViews(em: EntityManager, caller: Caller, appointments: Appointment[]) {
  const professionals = await professionalsById(em, appointments.map((a) => a.professionalId));
  const patientIds = [...new Set(appointments.map((a) => a.patientId))];
  const patients = patientIds.length ? await em.find(PatientSchema, { id: { $in: patientIds } }) : [];
  const patientById = new Map(patients.map((p) => [p.id, p]));
  return appointments.map((a) => {
    const professional = professionals.get(a.professionalId) as ProfessionalProfile;
    const patient = patientById.get(a.patientId);
    return {
      id: a.id,
      patientId: a.patientId,
      patientName: patient?.fullName ?? '',
      recordNumber: patient?.recordNumber ?? '',
      professionalId: a.professionalId,
      professionalName: professional.displayName,
      specialty: professional.specialty,
      room: professional.room,
      treatment: a.treatment,
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt.toISOString(),
      durationMinutes: a.durationMinutes,
      status: a.status,
      cancelReason: a.context.cancelReason,
      noShowFrom: noShowFrom(a.startsAt).toISOString(),
      version: a.version,
      allowed: allowedEvents(appointmentMachine, persistedAppointment(a), actorOf(caller)),
    };
  });
}
