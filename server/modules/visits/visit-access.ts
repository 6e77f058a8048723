import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { allowedEvents } from '../../../workflows/attempt';
import { visitMachine } from '../../../workflows/visit.machine';
import { NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/scope';
import { clinicDay } from '../appointments/clinic-calendar';
import { PatientSchema } from '../patients/patient.entity';
import { ageOn } from '../patients/patient-rules';
import { isAssignedDoctor } from '../patients/patients.service';
import { professionalsById } from '../professionals/professionals.service';
import { VisitSchema, type Visit } from './visit.entity';
import { persistedVisit } from './visit-transitions';

/**
 * Row locks on visits must name the visit's own alias: the tenant filter joins the patient and the
 * professional, and a bare FOR UPDATE would lock those rows too, serialising (or, with SKIP LOCKED,
 * hiding) every other visit of the same doctor.
 */
export const visitLock = { lockTableAliases: ['v0'] };

/** Loads a visit of this clinic, or 404. `lock` takes its row lock, serialising work on one visit. */
export async function requireVisit(em: EntityManager, visitId: string, options: { lock?: boolean } = {}): Promise<Visit> {
  const visit = await em.findOne(VisitSchema, { id: visitId }, options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, ...visitLock } : {});
  if (!visit) throw new NotFoundError('Visit');
  return visit;
}

/**
 * A visit the caller may see: the desk, the admin and the pharmacy see the clinic's visits; a doctor
 * the visits of patients assigned to them; a patient their own. Anything else reads as 404.
 */
export async function requireVisibleVisit(em: EntityManager, caller: Caller, visitId: string, options: { lock?: boolean } = {}): Promise<Visit> {
  const visit = await requireVisit(em, visitId, options);
  if (!(await maySeeVisit(em, caller, visit))) throw new NotFoundError('Visit');
  return visit;
}

/** A visit the calling doctor is conducting: theirs, or 404. */
export async function requireOwnVisit(em: EntityManager, caller: Caller, visitId: string, options: { lock?: boolean } = {}): Promise<Visit> {
  const visit = await requireVisit(em, visitId, options);
  if (visit.doctorUserId !== caller.userId) throw new NotFoundError('Visit');
  return visit;
}

async function maySeeVisit(em: EntityManager, caller: Caller, visit: Visit): Promise<boolean> {
  switch (caller.role) {
    case 'org_admin':
    case 'receptionist':
    case 'medical_staff':
      return true;
    case 'doctor':
      return visit.doctorUserId === caller.userId || isAssignedDoctor(em, caller.userId, visit.patientId);
    case 'patient': {
      const patient = await em.findOne(PatientSchema, { id: visit.patientId });
      return patient?.userId === caller.userId;
    }
    default:
      return false;
  }
}

/** Visits as the staff screens show them, with the events the caller may send now. */
export async function visitViews(em: EntityManager, caller: Caller, visits: Visit[]) {
  const patientIds = [...new Set(visits.map((v) => v.patientId))];
  const patients = patientIds.length ? await em.find(PatientSchema, { id: { $in: patientIds } }) : [];
  const patientById = new Map(patients.map((p) => [p.id, p]));
  const professionals = await professionalsById(em, visits.map((v) => v.professionalId));
  const today = clinicDay(new Date(), caller.timeZone);
  return visits.map((visit) => {
    const patient = patientById.get(visit.patientId)!;
    const professional = professionals.get(visit.professionalId)!;
    return {
      id: visit.id,
      patientId: visit.patientId,
      patientName: patient.fullName,
      recordNumber: patient.recordNumber,
      age: ageOn(patient.dateOfBirth, today),
      gender: patient.gender,
      professionalId: visit.professionalId,
      professionalName: professional.displayName,
      room: professional.room,
      doctorUserId: visit.doctorUserId,
      appointmentId: visit.appointmentId ?? null,
      ticketNumber: visit.ticketNumber,
      priority: visit.priority,
      status: visit.status,
      checkedInAt: visit.checkedInAt.toISOString(),
      calledAt: visit.calledAt?.toISOString() ?? null,
      expiresAt: visit.expiresAt.toISOString(),
      validityDays: visit.validityDays,
      hasPrescription: visit.context.hasPrescription,
      quotedWaitMinutes: visit.quotedWaitMinutes ?? null,
      version: visit.version,
      allowed: allowedEvents(visitMachine, persistedVisit(visit), { role: caller.role, userId: caller.userId }),
    };
  });
}

export async function visitView(em: EntityManager, caller: Caller, visit: Visit) {
  return (await visitViews(em, caller, [visit]))[0]!;
}
