import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError } from '../../shared/errors';
import type { Caller } from '../../shared/scope';
import { clinicDay } from '../appointments/clinic-calendar';
import { PatientSchema } from '../patients/patient.entity';
import { professionalsById } from '../professionals/professionals.service';
import { VisitSchema, type Visit } from './visit.entity';
import { finalVisitStatuses } from './visit-statuses';

/**
 * Rules that span several visits: one open visit per patient, one patient with (or walking to) a
 * doctor at a time. visitMachine sees one visit only, so they live here, each behind an advisory
 * lock that the deciding transaction holds until it commits: two desks or two clicks racing for
 * the same patient or the same doctor are served one after the other, and the second sees the
 * first's visit.
 */

/** How the refusals name a visit's status to the desk and the doctor. */
const statusWords: Record<string, string> = {
  checked_in: 'checked in',
  waiting: 'waiting',
  called: 'called',
  in_consultation: 'in consultation',
  consultation_done: 'seen, not yet closed',
  printed: 'prescription printed, medicines not yet handed over',
  dispensed: 'medicines handed over, not yet closed',
};

/** Serialises check-ins of one patient until the calling transaction ends. */
export async function lockPatientVisits(em: EntityManager, orgId: string, patientId: string): Promise<void> {
  await advisoryLock(em, `visit-patient:${orgId}:${patientId}`);
}

/** Serialises calls and consultation starts of one doctor until the calling transaction ends. */
export async function lockDoctorRoom(em: EntityManager, orgId: string, doctorUserId: string): Promise<void> {
  await advisoryLock(em, `visit-doctor:${orgId}:${doctorUserId}`);
}

/**
 * 409 `open_visit` when the patient already has a visit in this clinic that is not over (waiting,
 * with a doctor, at the pharmacy...): a second ticket would put them in two queues at once. A
 * follow-up goes through the open visit (requeue) instead. Call under lockPatientVisits.
 */
export async function assertNoOpenVisit(em: EntityManager, caller: Caller, patientId: string): Promise<void> {
  const open = await em.findOne(VisitSchema, { patientId, status: { $nin: [...finalVisitStatuses] } }, { orderBy: { checkedInAt: 'desc' } });
  if (!open) return;
  const summary = await visitSummary(em, open);
  const professional = (await professionalsById(em, [open.professionalId])).get(open.professionalId)!;
  const when = String(open.ticketDay) === clinicDay(new Date(), caller.timeZone) ? 'today' : `since ${String(open.ticketDay)}`;
  throw new ConflictError(
    'open_visit',
    `${summary.patientName} already has an open visit ${when} (${open.ticketNumber} with ${professional.displayName}, ${statusWords[open.status] ?? open.status}). Finish or cancel it before checking them in again.`,
    { openVisit: summary },
  );
}

/**
 * 409 when the doctor already has a patient in consultation (`consultation_open`) or called and on
 * the way in (`patient_called`), other than `visitId`: a doctor sees one patient at a time, and the
 * display must not send two patients to the same room. `statuses` says which of the two block.
 * Call under lockDoctorRoom.
 */
export async function assertDoctorFree(
  em: EntityManager,
  doctorUserId: string,
  next: { action: 'calling the next patient' | 'starting another consultation'; statuses: readonly ('called' | 'in_consultation')[]; visitId?: string },
): Promise<void> {
  const busy = await em.find(
    VisitSchema,
    { doctorUserId, status: { $in: [...next.statuses] }, ...(next.visitId ? { id: { $ne: next.visitId } } : {}) },
    { orderBy: { calledAt: 'asc' } },
  );
  const blocking = busy.find((v) => v.status === 'in_consultation') ?? busy[0];
  if (!blocking) return;
  const summary = await visitSummary(em, blocking);
  if (blocking.status === 'in_consultation') {
    throw new ConflictError(
      'consultation_open',
      `You are still in consultation with ${summary.patientName} (${summary.ticketNumber}). Complete it before ${next.action}.`,
      { openVisit: summary },
    );
  }
  throw new ConflictError(
    'patient_called',
    `${summary.patientName} (${summary.ticketNumber}) is already called. Start their consultation or mark them as not come before ${next.action}.`,
    { openVisit: summary },
  );
}

/** What a refusal says about the visit in the way: enough for a screen to point at it. */
async function visitSummary(em: EntityManager, visit: Visit) {
  const patient = await em.findOneOrFail(PatientSchema, { id: visit.patientId });
  return { id: visit.id, ticketNumber: visit.ticketNumber, status: visit.status, patientName: patient.fullName, professionalId: visit.professionalId };
}

async function advisoryLock(em: EntityManager, key: string): Promise<void> {
  await em.getConnection().execute('select pg_advisory_xact_lock(hashtext(?))', [key], 'get', em.getTransactionContext());
}
