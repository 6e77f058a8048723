import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { clinicDay } from '../appointments/clinic-calendar';
import { PatientSchema } from '../patients/patient.entity';
import type { ProfessionalProfile } from '../professionals/professional-profile.entity';
import { professionalsForQueue, professionalOfUser, requireProfessional } from '../professionals/professionals.service';
import { VisitSchema, type Visit } from '../visits/visit.entity';
import { visitLock, visitView } from '../visits/visit-access';
import { assertDoctorFree, lockDoctorRoom } from '../visits/visit-rules';
import { queuedVisitStatuses } from '../visits/visit-statuses';
import { applyVisitEvent } from '../visits/visit-transitions';
import { queueLine } from '../../../workflows/queue-order';
import { averageWaitMinutes, queueSummaryMessage } from './queue-summary';

/** Every doctor's queue for the reception desk, with how long each patient has waited. */
export async function receptionQueue({ em }: Scope) {
  const visits = await em.find(VisitSchema, { status: { $in: [...queuedVisitStatuses, 'in_consultation'] } });
  const professionals = await professionalsForQueue(em, [...new Set(visits.map((v) => v.professionalId))]);
  const now = new Date();
  const entries = await queueEntries(em, visits, now);
  return {
    generatedAt: now.toISOString(),
    professionals: professionals.map((professional) => professionalQueue(professional, visits, entries, now)),
  };
}

/** The calling doctor's queue: who is called, who waits in calling order, and who is with them now. */
export async function myQueue({ em, caller }: Scope) {
  return doctorQueue(em, caller.userId);
}

/** One doctor's queue, as their own screen and the reception's view of it show it. */
export async function doctorQueue(em: EntityManager, doctorUserId: string) {
  const professional = await ownProfile(em, doctorUserId);
  const visits = await em.find(VisitSchema, { doctorUserId, status: { $in: [...queuedVisitStatuses, 'in_consultation'] } });
  const now = new Date();
  return professionalQueue(professional, visits, await queueEntries(em, visits, now), now);
}

/**
 * Calls the head of the calling doctor's waiting queue (visit.call). 409 `consultation_open` or
 * `patient_called` while the doctor still has a patient in the room or on the way in (two clicks
 * call one patient, the second is refused), 409 `queue_empty` when nobody waits.
 */
export async function callNext({ em, caller }: Scope) {
  return em.transactional(async (tx) => {
    await ownProfile(tx, caller.userId);
    await lockDoctorRoom(tx, caller.orgId, caller.userId);
    await assertDoctorFree(tx, caller.userId, { action: 'calling the next patient', statuses: ['called', 'in_consultation'] });
    // The head by the queue rule every screen shows; a visit the desk is moving right now is skipped.
    const waiting = await tx.find(VisitSchema, { doctorUserId: caller.userId, status: 'waiting' }, { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, ...visitLock });
    const [head] = queueLine(waiting).waiting;
    if (!head) throw new ConflictError('queue_empty', 'No patient is waiting in your queue', { allowed: [] });
    await applyVisitEvent(tx, caller, head, { type: 'visit.call', actor: { role: caller.role, userId: caller.userId }, at: new Date().toISOString() }, { changedFields: ['calledAt'] });
    await tx.flush();
    return visitView(tx, caller, head);
  });
}

/** Seed 004's line for one professional's queue today, with the figures it is built from. */
export async function queueSummary({ em, caller }: Scope, professionalId: string) {
  const professional = await requireProfessional(em, professionalId);
  const { waiting } = queueLine(await em.find(VisitSchema, { professionalId, ticketDay: clinicDay(new Date(), caller.timeZone), status: { $in: [...queuedVisitStatuses] } }));
  const average = averageWaitMinutes(waiting.map((v) => v.checkedInAt), new Date());
  return {
    professionalId,
    doctorName: professional.displayName,
    waiting: waiting.length,
    averageWaitMinutes: average,
    message: queueSummaryMessage(waiting.length, professional.displayName, average),
  };
}

async function ownProfile(em: EntityManager, userId: string): Promise<ProfessionalProfile> {
  const profile = await professionalOfUser(em, userId);
  if (!profile) throw new NotFoundError('Professional profile');
  return profile;
}

type QueueEntry = Awaited<ReturnType<typeof queueEntries>> extends Map<string, infer E> ? E : never;

async function queueEntries(em: EntityManager, visits: Visit[], now: Date) {
  const patientIds = [...new Set(visits.map((v) => v.patientId))];
  const patients = patientIds.length ? await em.find(PatientSchema, { id: { $in: patientIds } }) : [];
  const byId = new Map(patients.map((p) => [p.id, p]));
  return new Map(
    visits.map((visit) => {
      const patient = byId.get(visit.patientId)!;
      return [
        visit.id,
        {
          visitId: visit.id,
          ticketNumber: visit.ticketNumber,
          patientId: patient.id,
          patientName: patient.fullName,
          recordNumber: patient.recordNumber,
          status: visit.status,
          priority: visit.priority,
          checkedInAt: visit.checkedInAt.toISOString(),
          calledAt: visit.calledAt?.toISOString() ?? null,
          waitedMinutes: Math.max(0, Math.floor((now.getTime() - visit.checkedInAt.getTime()) / 60_000)),
          quotedWaitMinutes: visit.quotedWaitMinutes ?? null,
          version: visit.version,
        },
      ] as const;
    }),
  );
}

function professionalQueue(professional: ProfessionalProfile, visits: Visit[], entries: Map<string, QueueEntry>, now: Date) {
  const line = queueLine(visits.filter((v) => v.professionalId === professional.id));
  return {
    professionalId: professional.id,
    doctorUserId: professional.userId,
    displayName: professional.displayName,
    specialty: professional.specialty,
    room: professional.room,
    ticketPrefix: professional.ticketPrefix,
    waiting: line.waiting.length,
    averageWaitMinutes: averageWaitMinutes(line.waiting.map((v) => v.checkedInAt), now),
    visits: [...line.called, ...line.waiting].map((v) => entries.get(v.id)!),
    inConsultation: line.withDoctor.map((v) => entries.get(v.id)!),
  };
}
