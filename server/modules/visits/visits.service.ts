import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { randomBytes } from 'node:crypto';
import { initial } from '../../../workflows/attempt';
import { visitMachine, type VisitEvent } from '../../../workflows/visit.machine';
import { NotFoundError, ValidationError, invalid, type FieldError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { checkInAppointment } from '../appointments/appointments.service';
import { clinicDay } from '../appointments/clinic-calendar';
import { sessionsOf } from '../consultations/consultations.service';
import { auditRead, ownPatient, requirePatient } from '../patients/patients.service';
import { prescriptionOf, prescriptionsOf } from '../prescriptions/prescriptions.service';
import { professionalsById, requireActiveProfessional } from '../professionals/professionals.service';
import { WaitEstimateSchema } from '../estimates/wait-estimate.entity';
import { PatientVitalsSchema, VisitSchema, type PatientVitals } from './visit.entity';
import { requireVisibleVisit, visitView } from './visit-access';
import type { CheckInBody, VisitEventBody } from './visits.schemas';
import { assertNoOpenVisit, lockPatientVisits } from './visit-rules';
import { afterConsultationStatuses, isOpenVisit } from './visit-statuses';
import { applyVisitEvent } from './visit-transitions';
import { vitalNames, vitalsProblems } from './vitals';

const day = 86_400_000;

export type CheckIn = Static<typeof CheckInBody>;

/**
 * Checks a patient in, from their appointment or as a walk-in: the visit with its daily ticket, the
 * vitals, and visit.queue, in one transaction, so the visit lands in the doctor's queue as
 * 'waiting' or not at all. 409 `open_visit` while the patient still has a visit that is not over.
 */
export async function checkIn({ em, caller }: Scope, input: CheckIn) {
  const problems: FieldError[] = vitalsProblems(input.vitals);
  if (!input.appointmentId) {
    if (!input.patientId) problems.push({ field: 'patientId', message: 'is required for a walk-in (or give appointmentId)' });
    if (!input.professionalId) problems.push({ field: 'professionalId', message: 'is required for a walk-in (or give appointmentId)' });
  }
  if (problems.length) throw new ValidationError(problems);
  return em.transactional(async (tx) => {
    let patientId: string;
    let professionalId: string;
    let appointmentId: string | null = null;
    if (input.appointmentId) {
      const appointment = await checkInAppointment(tx, caller, input.appointmentId);
      if (input.patientId && input.patientId !== appointment.patientId) throw invalid('patientId', "is not the appointment's patient");
      if (input.professionalId && input.professionalId !== appointment.professionalId) throw invalid('professionalId', "is not the appointment's professional");
      ({ patientId, professionalId } = appointment);
      appointmentId = appointment.id;
    } else {
      patientId = input.patientId!;
      professionalId = input.professionalId!;
    }
    const patient = await requirePatient(tx, patientId);
    await lockPatientVisits(tx, caller.orgId, patient.id);
    await assertNoOpenVisit(tx, caller, patient.id);
    const professional = await requireActiveProfessional(tx, professionalId);
    const now = new Date();
    const ticketDay = clinicDay(now, caller.timeZone);
    const number = await nextTicketNumber(tx, caller.orgId, ticketDay, professional.ticketPrefix);
    const validityDays = input.validityDays ?? 7;
    const expiresAt = new Date(now.getTime() + validityDays * day);
    const persisted = initial(visitMachine, { expiresAt: expiresAt.toISOString() });
    const visit = tx.create(VisitSchema, {
      orgId: caller.orgId,
      patientId: patient.id,
      professionalId: professional.id,
      doctorUserId: professional.userId,
      appointmentId,
      validityDays,
      expiresAt,
      ticketDay,
      ticketNumber: `${professional.ticketPrefix}-${String(number).padStart(3, '0')}`,
      priority: input.priority ?? 0,
      checkedInAt: now,
      status: persisted.value,
      context: persisted.context,
      statusToken: randomBytes(32).toString('base64url'),
      // What the desk tells the patient now, kept beside the actual wait for the staff to compare.
      quotedWaitMinutes: (await tx.findOne(WaitEstimateSchema, { professionalId: professional.id }))?.newArrival.p50 ?? null,
    });
    recordAudit(tx, caller, {
      action: 'visit.checkIn',
      entityType: 'Visit',
      entityId: visit.id,
      changedFields: ['patientId', 'professionalId', 'appointmentId', 'ticketNumber', 'priority', 'validityDays', 'expiresAt'],
    });
    const vitals = tx.create(PatientVitalsSchema, {
      orgId: caller.orgId,
      visitId: visit.id,
      heightCm: input.vitals.heightCm ?? null,
      weightKg: input.vitals.weightKg ?? null,
      systolic: input.vitals.systolic ?? null,
      diastolic: input.vitals.diastolic ?? null,
      pulse: input.vitals.pulse ?? null,
      temperatureC: input.vitals.temperatureC ?? null,
      recordedByUserId: caller.userId,
    });
    recordAudit(tx, caller, { action: 'vitals.record', entityType: 'PatientVitals', entityId: vitals.id, changedFields: vitalNames.filter((n) => input.vitals[n] !== undefined) });
    await applyVisitEvent(tx, caller, visit, { type: 'visit.queue', actor: actorOf(caller) });
    await tx.flush();
    return { ...(await visitView(tx, caller, visit)), statusToken: visit.statusToken };
  });
}

/** A visit with its vitals, sessions and prescription; staff reads are audited as reads of the patient. */
export async function getVisit({ em, caller }: Scope, visitId: string) {
  return em.transactional(async (tx) => {
    const visit = await requireVisibleVisit(tx, caller, visitId);
    auditRead(tx, caller, visit.patientId, ['visit', 'vitals', 'prescription']);
    const vitals = await tx.findOne(PatientVitalsSchema, { visitId: visit.id });
    const view = await visitView(tx, caller, visit);
    const detail = { ...view, vitals: vitals ? publicVitals(vitals) : null, sessions: await sessionsOf(tx, visit.id), prescription: await prescriptionOf(tx, visit.id) };
    await tx.flush();
    return detail;
  });
}

export type VisitCommand = Static<typeof VisitEventBody>['type'];

/**
 * The desk's, doctor's and pharmacy's other moves: cancel, no-show, requeue for a follow-up session,
 * recall on the display, close, expire. visitMachine decides per role and state; a doctor acts only
 * on their own visits.
 */
export async function sendVisitEvent({ em, caller }: Scope, visitId: string, input: Static<typeof VisitEventBody>) {
  return em.transactional(async (tx) => {
    const visit = await requireVisibleVisit(tx, caller, visitId, { lock: true });
    // An assigned doctor may read another doctor's visit of their patient, but not move it.
    if (caller.role === 'doctor' && visit.doctorUserId !== caller.userId) throw new NotFoundError('Visit');
    const actor = actorOf(caller);
    const at = new Date().toISOString();
    const events: Record<VisitCommand, VisitEvent> = {
      cancel: { type: 'visit.cancel', actor },
      noShow: { type: 'visit.noShow', actor },
      requeue: { type: 'visit.requeue', actor, at },
      recall: { type: 'visit.recall', actor, at },
      close: { type: 'visit.close', actor, at },
      expire: { type: 'visit.expire', actor, at },
    };
    await applyVisitEvent(tx, caller, visit, events[input.type], { version: input.version });
    await tx.flush();
    return visitView(tx, caller, visit);
  });
}

/** The portal: the calling patient's open visits (with the status-page token) and past ones. */
export async function myVisits({ em, caller }: Scope) {
  const patient = await ownPatient(em, caller);
  const visits = await em.find(VisitSchema, { patientId: patient.id }, { orderBy: { checkedInAt: 'desc' }, limit: 100 });
  const professionals = await professionalsById(em, visits.map((v) => v.professionalId));
  const prescriptions = await prescriptionsOf(em, visits.map((v) => v.id));
  const views = visits.map((visit) => {
    const professional = professionals.get(visit.professionalId)!;
    const open = isOpenVisit(visit.status);
    const activeItems = prescriptions.get(visit.id)?.items.some((i) => i.status === 'active') ?? false;
    return {
      id: visit.id,
      checkedInAt: visit.checkedInAt.toISOString(),
      status: visit.status,
      ticketNumber: visit.ticketNumber,
      professionalName: professional.displayName,
      specialty: professional.specialty,
      room: professional.room,
      hasPrescription: visit.context.hasPrescription,
      prescriptionReady: activeItems && (afterConsultationStatuses as readonly string[]).includes(visit.status),
      statusToken: open ? visit.statusToken : null,
    };
  });
  return { current: views.filter((v) => isOpenVisit(v.status)), past: views.filter((v) => !isOpenVisit(v.status)) };
}

// ---- internals --------------------------------------------------------------------------------

/**
 * The next ticket of one prefix on one clinic day. The upsert takes the counter row's lock until
 * the check-in commits, so concurrent check-ins get consecutive, distinct numbers and a rolled-back
 * check-in gives its number back.
 */
async function nextTicketNumber(em: EntityManager, orgId: string, ticketDay: string, prefix: string): Promise<number> {
  const row = await em.getConnection().execute<{ last_number: number }>(
    `insert into visit_ticket_counters (org_id, day, prefix, last_number) values (?, ?, ?, 1)
       on conflict (org_id, day, prefix) do update set last_number = visit_ticket_counters.last_number + 1
     returning last_number`,
    [orgId, ticketDay, prefix],
    'get',
    em.getTransactionContext(),
  );
  return row.last_number;
}

function publicVitals(vitals: PatientVitals) {
  return {
    heightCm: vitals.heightCm ?? null,
    weightKg: vitals.weightKg ?? null,
    systolic: vitals.systolic ?? null,
    diastolic: vitals.diastolic ?? null,
    pulse: vitals.pulse ?? null,
    temperatureC: vitals.temperatureC ?? null,
    recordedAt: vitals.recordedAt.toISOString(),
  };
}

function actorOf(caller: Caller) {
  return { role: caller.role, userId: caller.userId };
}
