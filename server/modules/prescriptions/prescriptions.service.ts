import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { requireOpenSession } from '../consultations/consultations.service';
import { requirePatient } from '../patients/patients.service';
import { requireOwnVisit } from '../visits/visit-access';
import { allergyWarnings, normaliseDrugText, type AllergyWarning } from './allergy-check';
import { PrescriptionItemSchema, PrescriptionSchema, type AllergyOverride, type Prescription, type PrescriptionItem } from './prescription.entity';
import type { NewItemBody } from './prescriptions.schemas';

export type NewItem = Static<typeof NewItemBody>;

/**
 * Adds a medicine during an open session of the visit, by the doctor who opened it. The visit's
 * prescription is created with its first item. The visit row is locked, so completing the
 * consultation cannot interleave with a late item. A medicine that matches one of the patient's
 * allergies (itself, its class, or a class that cross-reacts) is refused with 409 allergy_warning
 * until the doctor acknowledges each allergy named; the override is kept on the item and audited.
 */
export async function addPrescriptionItem({ em, caller }: Scope, visitId: string, input: NewItem) {
  const medicine = input.medicine.trim();
  return em.transactional(async (tx) => {
    const visit = await requireOwnVisit(tx, caller, visitId, { lock: true });
    const session = await requireOpenSession(tx, caller, visit.id);
    const patient = await requirePatient(tx, visit.patientId);
    const allergyOverride = acknowledgedOverride(allergyWarnings(medicine, patient.allergies, patient.medicalHistory), input.acknowledgeAllergies ?? []);
    let prescription = await tx.findOne(PrescriptionSchema, { visitId: visit.id });
    if (!prescription) {
      prescription = tx.create(PrescriptionSchema, { orgId: visit.orgId, visitId: visit.id });
      recordAudit(tx, caller, { action: 'prescription.create', entityType: 'Prescription', entityId: prescription.id, changedFields: ['visitId'] });
    }
    const item = tx.create(PrescriptionItemSchema, {
      orgId: visit.orgId,
      prescriptionId: prescription.id,
      medicine,
      dosage: input.dosage.trim(),
      frequency: input.frequency.trim(),
      duration: input.duration.trim(),
      status: 'active',
      addedInSessionId: session.id,
      allergyOverride,
    });
    recordAudit(tx, caller, { action: 'prescription.addItem', entityType: 'PrescriptionItem', entityId: item.id, changedFields: ['medicine', 'dosage', 'frequency', 'duration', 'status'] });
    if (allergyOverride) {
      recordAudit(tx, caller, { action: 'prescription.allergyOverride', entityType: 'PrescriptionItem', entityId: item.id, changedFields: ['medicine', 'allergyOverride'] });
    }
    await tx.flush();
    return publicPrescription(prescription, await tx.find(PrescriptionItemSchema, { prescriptionId: prescription.id }, { orderBy: { createdAt: 'asc' } }));
  });
}

/** Stops an active medicine during an open session; the row stays, marked with the session that stopped it. */
export async function stopPrescriptionItem({ em, caller }: Scope, visitId: string, itemId: string) {
  return em.transactional(async (tx) => {
    const visit = await requireOwnVisit(tx, caller, visitId, { lock: true });
    const session = await requireOpenSession(tx, caller, visit.id);
    const prescription = await tx.findOne(PrescriptionSchema, { visitId: visit.id });
    const item = prescription ? await tx.findOne(PrescriptionItemSchema, { id: itemId, prescriptionId: prescription.id }) : null;
    if (!prescription || !item) throw new NotFoundError('Prescription item');
    if (item.status === 'stopped') throw new ConflictError('item_stopped', `${item.medicine} was already stopped`);
    item.status = 'stopped';
    item.stoppedInSessionId = session.id;
    item.stoppedAt = new Date();
    recordAudit(tx, caller, { action: 'prescription.stopItem', entityType: 'PrescriptionItem', entityId: item.id, changedFields: ['status', 'stoppedInSessionId', 'stoppedAt'] });
    await tx.flush();
    return publicPrescription(prescription, await tx.find(PrescriptionItemSchema, { prescriptionId: prescription.id }, { orderBy: { createdAt: 'asc' } }));
  });
}

/**
 * The override to keep when every allergy warned of is acknowledged by name; null when nothing was
 * warned of. An allergy left unacknowledged refuses the item, naming each warning.
 */
function acknowledgedOverride(warnings: AllergyWarning[], acknowledgements: { substance: string; reason?: string }[]): AllergyOverride[] | null {
  if (!warnings.length) return null;
  const reasons = new Map(acknowledgements.map((a) => [normaliseDrugText(a.substance), a.reason?.trim() || null]));
  const missing = warnings.filter((w) => !reasons.has(normaliseDrugText(w.substance)));
  if (missing.length) {
    throw new ConflictError('allergy_warning', missing.map((w) => w.message).join(' '), { warnings });
  }
  return warnings.map((w) => ({ substance: w.substance, reason: reasons.get(normaliseDrugText(w.substance)) ?? null }));
}

// ---- for other modules -------------------------------------------------------------------------

export async function countActiveItems(em: EntityManager, visitId: string): Promise<number> {
  const prescription = await em.findOne(PrescriptionSchema, { visitId });
  return prescription ? em.count(PrescriptionItemSchema, { prescriptionId: prescription.id, status: 'active' }) : 0;
}

/** The visit's prescription with every item (active and stopped), or null before the first item. */
export async function prescriptionOf(em: EntityManager, visitId: string) {
  const prescription = await em.findOne(PrescriptionSchema, { visitId });
  if (!prescription) return null;
  const items = await em.find(PrescriptionItemSchema, { prescriptionId: prescription.id }, { orderBy: { createdAt: 'asc' } });
  return publicPrescription(prescription, items);
}

/** Prescriptions of several visits, keyed by visit id (the pharmacy's queue). */
export async function prescriptionsOf(em: EntityManager, visitIds: string[]) {
  const result = new Map<string, ReturnType<typeof publicPrescription>>();
  if (!visitIds.length) return result;
  const prescriptions = await em.find(PrescriptionSchema, { visitId: { $in: visitIds } });
  const items = prescriptions.length
    ? await em.find(PrescriptionItemSchema, { prescriptionId: { $in: prescriptions.map((p) => p.id) } }, { orderBy: { createdAt: 'asc' } })
    : [];
  for (const prescription of prescriptions) {
    result.set(prescription.visitId, publicPrescription(prescription, items.filter((i) => i.prescriptionId === prescription.id)));
  }
  return result;
}

export function publicPrescription(prescription: Prescription, items: PrescriptionItem[]) {
  return {
    id: prescription.id,
    visitId: prescription.visitId,
    createdAt: prescription.createdAt.toISOString(),
    items: items.map((item) => ({
      id: item.id,
      medicine: item.medicine,
      dosage: item.dosage,
      frequency: item.frequency,
      duration: item.duration,
      status: item.status,
      addedInSessionId: item.addedInSessionId,
      stoppedInSessionId: item.stoppedInSessionId ?? null,
      createdAt: item.createdAt.toISOString(),
      stoppedAt: item.stoppedAt?.toISOString() ?? null,
    })),
  };
}
