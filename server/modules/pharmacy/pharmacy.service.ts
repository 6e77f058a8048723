import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { allowedEvents } from '../../../workflows/attempt';
import { visitMachine } from '../../../workflows/visit.machine';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { clinicDay } from '../appointments/clinic-calendar';
import { OrgSchema } from '../orgs/org.entity';
import { PatientSchema } from '../patients/patient.entity';
import { ageOn } from '../patients/patient-rules';
import { auditRead, ownPatient } from '../patients/patients.service';
import { prescriptionOf, prescriptionsOf } from '../prescriptions/prescriptions.service';
import { professionalsById, requireProfessional } from '../professionals/professionals.service';
import { VisitSchema, type Visit } from '../visits/visit.entity';
import type { VersionBody } from '../visits/visits.schemas';
import { requireVisit, visitView } from '../visits/visit-access';
import { afterConsultationStatuses } from '../visits/visit-statuses';
import { applyVisitEvent, persistedVisit } from '../visits/visit-transitions';
import { DispenseRecordSchema } from './dispense-record.entity';
import { renderPrescriptionPage } from './prescription-page';

/** Visits whose prescription waits for the pharmacy: to print, or printed and to hand over. Oldest first. */
export async function pharmacyQueue({ em, caller }: Scope) {
  const visits = (await em.find(VisitSchema, { status: { $in: ['consultation_done', 'printed'] } }, { orderBy: { updatedAt: 'asc' } })).filter(
    (v) => v.context.hasPrescription,
  );
  const prescriptions = await prescriptionsOf(em, visits.map((v) => v.id));
  const professionals = await professionalsById(em, visits.map((v) => v.professionalId));
  const patientIds = [...new Set(visits.map((v) => v.patientId))];
  const patients = new Map((patientIds.length ? await em.find(PatientSchema, { id: { $in: patientIds } }) : []).map((p) => [p.id, p]));
  return visits.map((visit) => {
    const patient = patients.get(visit.patientId)!;
    return {
      visitId: visit.id,
      ticketNumber: visit.ticketNumber,
      patientId: patient.id,
      patientName: patient.fullName,
      recordNumber: patient.recordNumber,
      dateOfBirth: patient.dateOfBirth,
      professionalName: professionals.get(visit.professionalId)?.displayName ?? '',
      status: visit.status,
      printedAt: visit.context.printedAt,
      version: visit.version,
      allowed: allowedEvents(visitMachine, persistedVisit(visit), { role: caller.role, userId: caller.userId }),
      items: (prescriptions.get(visit.id)?.items ?? []).filter((i) => i.status === 'active'),
    };
  });
}

/** Marks the prescription printed (visit.print) and opens this session's dispense record. */
export async function printPrescription({ em, caller }: Scope, visitId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    const visit = await requireVisit(tx, visitId, { lock: true });
    const now = new Date();
    await applyVisitEvent(tx, caller, visit, { type: 'visit.print', actor: actorOf(caller), at: now.toISOString() }, { version: input.version, changedFields: ['printedAt'] });
    const prescription = await prescriptionOf(tx, visit.id);
    if (!prescription) throw new ConflictError('no_prescription', 'This visit has no prescription to print');
    const record = tx.create(DispenseRecordSchema, {
      orgId: visit.orgId,
      prescriptionId: prescription.id,
      sessionNumber: visit.context.sessionCount,
      printedAt: now,
      printedByUserId: caller.userId,
    });
    recordAudit(tx, caller, { action: 'pharmacy.print', entityType: 'DispenseRecord', entityId: record.id, changedFields: ['printedAt', 'printedByUserId'] });
    await tx.flush();
    return visitView(tx, caller, visit);
  });
}

/** Hands the medicines over (visit.dispense): only a printed prescription can be dispensed. */
export async function dispensePrescription({ em, caller }: Scope, visitId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    const visit = await requireVisit(tx, visitId, { lock: true });
    const now = new Date();
    await applyVisitEvent(tx, caller, visit, { type: 'visit.dispense', actor: actorOf(caller), at: now.toISOString() }, { version: input.version, changedFields: ['dispensedAt'] });
    const prescription = await prescriptionOf(tx, visit.id);
    const record = prescription && (await tx.findOne(DispenseRecordSchema, { prescriptionId: prescription.id, sessionNumber: visit.context.sessionCount }));
    if (!record) throw new ConflictError('not_printed', 'The prescription has no print record for this session');
    record.dispensedAt = now;
    record.dispensedByUserId = caller.userId;
    recordAudit(tx, caller, { action: 'pharmacy.dispense', entityType: 'DispenseRecord', entityId: record.id, changedFields: ['dispensedAt', 'dispensedByUserId'] });
    await tx.flush();
    return visitView(tx, caller, visit);
  });
}

/** The printable page for the pharmacy (audited as a read of the patient's record). */
export async function pharmacyPrescriptionPage({ em, caller }: Scope, visitId: string) {
  return em.transactional(async (tx) => {
    const visit = await requireVisit(tx, visitId);
    const html = await renderFor(tx, visit);
    auditRead(tx, caller, visit.patientId, ['prescription']);
    await tx.flush();
    return html;
  });
}

/** The patient downloads the prescription of one of their own visits once the consultation is done. */
export async function ownPrescriptionPage({ em, caller }: Scope, visitId: string) {
  const patient = await ownPatient(em, caller);
  const visit = await em.findOne(VisitSchema, { id: visitId, patientId: patient.id });
  if (!visit) throw new NotFoundError('Visit');
  return renderFor(em, visit);
}

async function renderFor(em: EntityManager, visit: Visit): Promise<string> {
  const prescription = await prescriptionOf(em, visit.id);
  const active = prescription?.items.filter((i) => i.status === 'active') ?? [];
  // Before the consultation is complete the prescription is still being written.
  if (!prescription || !active.length || !(afterConsultationStatuses as readonly string[]).includes(visit.status)) throw new NotFoundError('Prescription');
  const org = await em.findOneOrFail(OrgSchema, { id: visit.orgId });
  const patient = await em.findOneOrFail(PatientSchema, { id: visit.patientId });
  const professional = await requireProfessional(em, visit.professionalId);
  const today = clinicDay(new Date(), org.timeZone);
  return renderPrescriptionPage({
    clinicName: org.name,
    patientName: patient.fullName,
    recordNumber: patient.recordNumber,
    patientAge: ageOn(patient.dateOfBirth, today),
    date: clinicDay(visit.context.printedAt ? new Date(visit.context.printedAt) : visit.updatedAt, org.timeZone),
    doctorName: professional.displayName,
    specialty: professional.specialty,
    councilNumber: professional.councilNumber,
    ticketNumber: visit.ticketNumber,
    items: active,
  });
}

function actorOf(caller: Caller) {
  return { role: caller.role, userId: caller.userId };
}
