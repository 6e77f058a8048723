import type { EntityManager } from '@mikro-orm/postgresql';
import { attempt, type Persisted } from '../../../workflows/attempt';
import { appointmentMachine, type AppointmentContext, type AppointmentEvent } from '../../../workflows/appointment.machine';
import { ConflictError } from '../../shared/errors';
import type { Caller } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { PatientSchema } from '../patients/patient.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';
import { AppointmentTransitionSchema, type Appointment } from './appointment.entity';

export const appointmentUpdated = 'appointment.updated.v1';

export function persistedAppointment(appointment: Appointment): Persisted<AppointmentContext> {
  return { value: appointment.status, context: appointment.context };
}

export function assertAppointmentVersion(appointment: Appointment, version: number | undefined): void {
  if (version !== undefined && version !== appointment.version) {
    throw new ConflictError('stale_version', 'Someone else changed this appointment first; reload and try again', { version: appointment.version });
  }
}

/**
 * The only writer of an appointment's status: asks appointmentMachine, refuses with 409 and the
 * events allowed now, else applies the new state with its history, audit and screen event rows in
 * the caller's unit of work.
 */
export async function applyAppointmentEvent(
  em: EntityManager,
  caller: Caller,
  appointment: Appointment,
  event: AppointmentEvent,
  options: { version?: number; changedFields?: string[] } = {},
): Promise<string[]> {
  assertAppointmentVersion(appointment, options.version);
  const before = persistedAppointment(appointment);
  const result = attempt(appointmentMachine, before, event);
  if (!result.accepted) {
    throw new ConflictError('transition_refused', `An appointment that is ${result.from.replace('_', ' ')} cannot take ${event.type}`, { allowed: result.allowed });
  }
  appointment.status = result.value;
  appointment.context = result.context;
  em.create(AppointmentTransitionSchema, {
    orgId: appointment.orgId,
    appointmentId: appointment.id,
    event: event.type,
    fromStatus: before.value,
    toStatus: result.value,
    actorUserId: caller.userId,
    actorRole: caller.role,
  });
  recordAudit(em, caller, { action: event.type, entityType: 'Appointment', entityId: appointment.id, changedFields: ['status', ...(options.changedFields ?? [])] });
  await announceAppointment(em, appointment, result.actions);
  return result.actions;
}

/**
 * The reception's and the professional's screens learn of a booking or a change. The domain events
 * ride along so the notifications worker can tell a booking from a cancellation.
 */
export async function announceAppointment(em: EntityManager, appointment: Appointment, events: string[]): Promise<void> {
  const patient = await em.findOneOrFail(PatientSchema, { id: appointment.patientId });
  const professional = await em.findOneOrFail(ProfessionalProfileSchema, { id: appointment.professionalId });
  emitScreenEvent(em, {
    orgId: appointment.orgId,
    type: appointmentUpdated,
    rooms: [rooms.reception(appointment.orgId), rooms.doctorQueue(appointment.orgId, professional.userId)],
    payload: {
      appointmentId: appointment.id,
      status: appointment.status,
      startsAt: appointment.startsAt.toISOString(),
      endsAt: appointment.endsAt.toISOString(),
      durationMinutes: appointment.durationMinutes,
      professionalId: appointment.professionalId,
      patientId: patient.id,
      patientName: patient.fullName,
      version: typeof appointment.version === 'number' ? appointment.version + 1 : 1,
      events,
    },
  });
}
