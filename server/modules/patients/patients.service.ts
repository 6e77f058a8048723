import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { assignChanged } from '../../shared/assign-changed';
import { cursorPart, decodeCursor, encodeCursor } from '../../shared/cursor';
import { normalisePhone, phoneCountryOf, phoneProblem } from '../../shared/phone';
import { ConflictError, ForbiddenError, invalid, NotFoundError, ValidationError, type FieldError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { tenantFilter } from '../../db/orm';
import { recordAudit } from '../audit/audit.service';
import type { AccountMail } from '../auth/account-mail';
import { endUserSessions } from '../auth';
import { normaliseEmail } from '../auth/auth.service';
import { MembershipSchema } from '../auth/membership.entity';
import { assertPasswordPolicy, hashPassword } from '../auth/password';
import { UserSchema } from '../auth/user.entity';
import { OrgSchema } from '../orgs/org.entity';
import { AppointmentSchema } from '../appointments/appointment.entity';
import { clinicDay, dayBounds } from '../appointments/clinic-calendar';
import { applyAppointmentEvent } from '../appointments/appointment-transitions';
import { professionalOfUser, professionalsById } from '../professionals/professionals.service';
import { VisitSchema } from '../visits/visit.entity';
import { finalVisitStatuses } from '../visits/visit-statuses';
import { PatientSchema, type Patient } from './patient.entity';
import type { Allergy, AllergiesChangeBody, NewPatientBody, NewTreatmentBody, PatientChangesBody, SelfRegistrationBody } from './patients.schemas';
import { TreatmentRecordSchema, type TreatmentRecord } from './treatment-record.entity';
import { ageOn, dateOfBirthProblem, formatRecordNumber, likeContaining } from './patient-rules';

export type NewPatient = Static<typeof NewPatientBody>;
export type PatientChanges = Static<typeof PatientChangesBody>;
/** The record's own fields as a body may give them: never its org, number, login, version or deletion mark. */
type PatientFields = Partial<NewPatient>;
/** The record's fields of `T`, and nothing else `T` carries (a password, a version). */
type OwnFields<T> = { [K in keyof PatientFields & keyof T]: T[K] };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a patient may change on their own record from the portal; the rest is the desk's job. */
const selfEditable = new Set(['phone', 'email', 'address', 'consentEmail', 'consentWhatsapp', 'hideOnPublicScreens', 'version']);

/** Registers a patient at the desk, numbering the record from the clinic's counter. */
export async function registerPatient({ em, caller }: Scope, input: NewPatient) {
  const fields = cleanPatientFields(input, caller.timeZone);
  return em.transactional(async (tx) => {
    const patient = await createPatientRow(tx, caller.orgId, fields, null);
    recordAudit(tx, caller, { action: 'patient.create', entityType: 'Patient', entityId: patient.id, changedFields: providedFields(fields) });
    await tx.flush();
    return publicPatient(patient, caller.timeZone);
  });
}

export type SelfRegistration = Static<typeof SelfRegistrationBody>;

/**
 * What self-registration answers, whether the address was new or already had an account: the
 * answer must not tell a stranger which addresses have accounts (staff of any org included). A new
 * address gets its login at once, so the patient can sign in straight away; the owner of a taken
 * one is told by email instead.
 */
export const selfRegistrationAnswer = {
  status: 'check_email',
  message:
    'Thank you. If this email address was new to Cuspid, your patient account is ready: sign in with it and your password. If it already had a Cuspid account, we have emailed that address to say what to do next.',
} as const;

/**
 * A patient signs up at a clinic's portal: a login (user + patient membership) and the record, in
 * one transaction. Public, so the clinic is checked here: it must exist, be a clinic and be active.
 * An address that already has an account gets `registrationAttempt` mail after the request, and the
 * caller the same answer; the password is hashed either way, so the time taken does not tell either.
 */
export async function selfRegisterPatient(
  em: EntityManager,
  orgId: string,
  request: { requestId: string; ip: string },
  input: SelfRegistration,
  mail: Pick<AccountMail, 'registrationAttempt'>,
): Promise<typeof selfRegistrationAnswer> {
  const email = normaliseEmail(input.email);
  if (!uuidPattern.test(orgId)) throw new NotFoundError('Clinic');
  const org = await em.findOne(OrgSchema, { id: orgId });
  if (!org || org.kind !== 'clinic' || !org.active) throw new NotFoundError('Clinic');
  assertPasswordPolicy(input.password, 'password', [email, input.fullName, org.name]);
  const fields = cleanPatientFields({ ...input, medicalHistory: null }, org.timeZone);
  // No membership bound the tenant filter for this public route; the checked clinic does.
  em.setFilterParams(tenantFilter, { orgId });
  const passwordHash = await hashPassword(input.password);
  const registered = await em
    .transactional(async (tx) => {
      if (await tx.findOne(UserSchema, { email })) return false;
      // TODO(auth module): creating logins belongs to auth/orgs; move behind a service function there.
      const user = tx.create(UserSchema, { email, name: fields.fullName, passwordHash });
      const membership = tx.create(MembershipSchema, { orgId, userId: user.id, role: 'patient' });
      const patient = await createPatientRow(tx, orgId, { ...fields, email }, user.id);
      const caller: Caller = { userId: user.id, orgId, role: 'patient', timeZone: org.timeZone, requestId: request.requestId, ip: request.ip };
      recordAudit(tx, caller, { action: 'patient.selfRegister', entityType: 'Patient', entityId: patient.id, changedFields: providedFields(fields) });
      recordAudit(tx, caller, { action: 'membership.create', entityType: 'Membership', entityId: membership.id, changedFields: ['role'] });
      await tx.flush();
      return true;
    })
    // Two sign-ups with one new address at once: the second loses on the unique email, and is taken.
    .catch(async (error: unknown) => {
      if (error instanceof UniqueConstraintViolationException && (await em.fork().findOne(UserSchema, { email }))) return false;
      throw error;
    });
  if (!registered) mail.registrationAttempt(email, org.name);
  return selfRegistrationAnswer;
}

/** A profile with appointment history, visits and the treatment timeline; staff reads are audited. */
export async function getPatientProfile({ em, caller }: Scope, patientId: string) {
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    auditRead(tx, caller, patient.id, ['profile', 'appointments', 'visits', 'treatments']);
    const appointments = await tx.find(AppointmentSchema, { patientId }, { orderBy: { startsAt: 'desc' }, limit: 200 });
    const visits = await tx.find(VisitSchema, { patientId }, { orderBy: { checkedInAt: 'desc' }, limit: 200 });
    const treatments = await tx.find(TreatmentRecordSchema, { patientId }, { orderBy: { createdAt: 'desc' }, limit: 500 });
    const professionals = await professionalsById(tx, [...appointments.map((a) => a.professionalId), ...visits.map((v) => v.professionalId)]);
    const nameOf = (id: string) => professionals.get(id)?.displayName ?? '';
    const doctorNames = await userNames(tx, treatments.map((t) => t.doctorUserId));
    await tx.flush();
    return {
      patient: publicPatient(patient, caller.timeZone),
      appointments: appointments.map((a) => ({
        id: a.id,
        startsAt: a.startsAt.toISOString(),
        durationMinutes: a.durationMinutes,
        treatment: a.treatment,
        status: a.status,
        professionalId: a.professionalId,
        professionalName: nameOf(a.professionalId),
      })),
      visits: visits.map((v) => ({
        id: v.id,
        checkedInAt: v.checkedInAt.toISOString(),
        status: v.status,
        ticketNumber: v.ticketNumber,
        professionalId: v.professionalId,
        professionalName: nameOf(v.professionalId),
      })),
      treatments: treatments.map((t) => publicTreatment(t, doctorNames)),
    };
  });
}

/** The portal: the calling patient's own record. */
export async function getOwnPatient({ em, caller }: Scope) {
  return publicPatient(await ownPatient(em, caller), caller.timeZone);
}

/** Updates a record; the patient may change only their contact details and consents. */
export async function updatePatient({ em, caller }: Scope, patientId: string, changes: PatientChanges) {
  if (caller.role === 'patient') {
    const locked = Object.keys(changes).filter((key) => changes[key as keyof PatientChanges] !== undefined && !selfEditable.has(key));
    if (locked.length) throw new ForbiddenError(`Only the clinic may change ${locked.join(', ')}`);
  }
  const { version } = changes;
  const fields = cleanPatientFields(changes, caller.timeZone, true);
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    if (version !== undefined && version !== patient.version) {
      throw new ConflictError('stale_version', 'Someone else changed this patient first; reload and try again', { version: patient.version });
    }
    const changed = assignChanged(patient, fields);
    if (changed.length) recordAudit(tx, caller, { action: 'patient.update', entityType: 'Patient', entityId: patient.id, changedFields: changed });
    await tx.flush();
    return publicPatient(patient, caller.timeZone);
  });
}

export type AllergiesChange = Static<typeof AllergiesChangeBody>;

/** The patient's allergies and the record's version, for the desk's and the doctor's allergy editors; staff reads are audited. */
export async function getAllergies({ em, caller }: Scope, patientId: string) {
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    auditRead(tx, caller, patient.id, ['allergies']);
    await tx.flush();
    return { allergies: patient.allergies, version: patient.version ?? 1 };
  });
}

/**
 * Replaces the patient's allergies (the desk at check-in, the doctor during a consultation). The
 * version read is required: two people editing the list at once must not drop each other's entries.
 */
export async function setAllergies({ em, caller }: Scope, patientId: string, change: AllergiesChange) {
  const problems: FieldError[] = [];
  const allergies = cleanAllergies(change.allergies, problems);
  if (problems.length) throw new ValidationError(problems);
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    if (change.version !== patient.version) {
      throw new ConflictError('stale_version', 'Someone else changed this patient first; reload and try again', { version: patient.version });
    }
    // A list read back unchanged is not a change (assignChanged compares arrays by reference).
    const changed = JSON.stringify(patient.allergies) === JSON.stringify(allergies) ? [] : assignChanged(patient, { allergies });
    if (changed.length) recordAudit(tx, caller, { action: 'patient.update', entityType: 'Patient', entityId: patient.id, changedFields: changed });
    await tx.flush();
    return { allergies: patient.allergies, version: patient.version ?? 1 };
  });
}

/**
 * Removes a patient from the clinic's lists. The row stays, marked deleted: visits, prescriptions
 * and treatment records point at it and medical records must be retained. Refused while a visit is
 * open; upcoming appointments are cancelled and the patient's login leaves the clinic.
 */
export async function deletePatient({ em, caller }: Scope, patientId: string) {
  await em.transactional(async (tx) => {
    const patient = await requirePatient(tx, patientId);
    const open = await tx.count(VisitSchema, { patientId, status: { $nin: [...finalVisitStatuses] } });
    if (open) throw new ConflictError('open_visit', 'The patient has an open visit; close or cancel it first');
    const upcoming = await tx.find(AppointmentSchema, { patientId, status: 'scheduled' });
    const at = new Date().toISOString();
    for (const appointment of upcoming) {
      await applyAppointmentEvent(tx, caller, appointment, { type: 'appointment.cancel', actor: actorOf(caller), at, reason: 'Patient record deleted' }, { changedFields: ['cancelReason'] });
    }
    patient.deletedAt = new Date();
    if (patient.userId) {
      const membership = await tx.findOne(MembershipSchema, { userId: patient.userId, role: 'patient' });
      // TODO(auth module): deactivating a login belongs to auth/orgs; move behind a service function there.
      if (membership?.active) {
        membership.active = false;
        recordAudit(tx, caller, { action: 'membership.update', entityType: 'Membership', entityId: membership.id, changedFields: ['active'] });
        // As for staff taken out of an org: the portal session ends now, not when its tokens expire.
        await endUserSessions(tx, patient.userId, 'removed');
      }
    }
    recordAudit(tx, caller, { action: 'patient.delete', entityType: 'Patient', entityId: patient.id, changedFields: ['deletedAt'] });
    await tx.flush();
  });
}

export interface PatientSearch {
  q?: string;
  visitDate?: string;
  doctorUserId?: string;
  treatment?: string;
  page?: number;
  pageSize: number;
  cursor?: string;
}

/**
 * Search by part of the name, phone or record number, filtered by a visit day, a doctor (visits or
 * appointments with them) or a treatment (appointments). Sorted by name; pages by number or by an
 * opaque cursor (the last row's id, so no name ever travels in a URL), with the total. Each answer
 * is audited as a read of the patients it lists.
 */
export async function searchPatients({ em, caller }: Scope, query: PatientSearch) {
  const where: Record<string, unknown>[] = [{ deletedAt: null }];
  if (query.q) {
    const text = query.q.trim();
    const or: Record<string, unknown>[] = [{ fullName: { $ilike: likeContaining(text) } }, { recordNumber: { $ilike: likeContaining(text) } }];
    const digits = text.replace(/\D/g, '');
    if (digits.length >= 3) or.push({ phone: { $like: likeContaining(digits) } });
    where.push({ $or: or });
  }
  if (query.visitDate) {
    const { start, end } = dayBounds(query.visitDate, caller.timeZone);
    where.push({ id: { $in: await patientIdsOf(em, VisitSchema, { checkedInAt: { $gte: start, $lt: end } }) } });
  }
  if (query.doctorUserId) {
    const profile = await professionalOfUser(em, query.doctorUserId);
    const seen = await patientIdsOf(em, VisitSchema, { doctorUserId: query.doctorUserId });
    const booked = profile ? await patientIdsOf(em, AppointmentSchema, { professionalId: profile.id }) : [];
    where.push({ id: { $in: [...new Set([...seen, ...booked])] } });
  }
  if (query.treatment) {
    where.push({ id: { $in: await patientIdsOf(em, AppointmentSchema, { treatment: { $ilike: likeContaining(query.treatment.trim()) } }) } });
  }
  const filter = { $and: where };
  const total = await em.count(PatientSchema, filter);
  const pageSize = query.pageSize;
  let pageWhere = filter;
  let offset = 0;
  if (query.cursor) {
    const [afterId] = decodeCursor(query.cursor, [cursorPart.id]);
    const after = await em.findOne(PatientSchema, { id: afterId });
    if (!after) throw invalid('query.cursor', 'is not a cursor this API gave');
    pageWhere = { $and: [...where, { $or: [{ fullName: { $gt: after.fullName } }, { fullName: after.fullName, id: { $gt: after.id } }] }] };
  } else if (query.page) {
    offset = (query.page - 1) * pageSize;
  }
  const rows = await em.find(PatientSchema, pageWhere, { orderBy: [{ fullName: 'asc' }, { id: 'asc' }], limit: pageSize + 1, offset });
  const items = rows.slice(0, pageSize);
  // Who saw whose name: one row per answer, naming every patient listed (none listed, none seen).
  if (items.length) {
    recordAudit(em, caller, { action: 'patient.search', entityType: 'Patient', entityId: null, entityIds: items.map((patient) => patient.id), changedFields: [...searchSummaryFields] });
    await em.flush();
  }
  const today = clinicDay(new Date(), caller.timeZone);
  return {
    items: items.map((p) => summaryOf(p, today)),
    total,
    page: query.cursor ? null : (query.page ?? 1),
    pageSize,
    nextCursor: rows.length > pageSize ? encodeCursor(items.at(-1)!.id) : null,
  };
}

export type NewTreatment = Static<typeof NewTreatmentBody>;

/** A doctor adds to the timeline of a patient assigned to them; a linked visit or appointment must be this patient's. */
export async function addTreatment({ em, caller }: Scope, patientId: string, input: NewTreatment) {
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    const problems: FieldError[] = [];
    if (input.visitId && !(await tx.findOne(VisitSchema, { id: input.visitId, patientId }))) problems.push({ field: 'visitId', message: "is not one of this patient's visits" });
    if (input.appointmentId && !(await tx.findOne(AppointmentSchema, { id: input.appointmentId, patientId }))) {
      problems.push({ field: 'appointmentId', message: "is not one of this patient's appointments" });
    }
    if (problems.length) throw new ValidationError(problems);
    const record = tx.create(TreatmentRecordSchema, {
      orgId: caller.orgId,
      patientId: patient.id,
      visitId: input.visitId ?? null,
      appointmentId: input.appointmentId ?? null,
      doctorUserId: caller.userId,
      diagnosis: input.diagnosis.trim(),
      notes: input.notes?.trim() || null,
    });
    recordAudit(tx, caller, { action: 'treatment.create', entityType: 'TreatmentRecord', entityId: record.id, changedFields: providedFields({ ...input, patientId }) });
    await tx.flush();
    return publicTreatment(record, await userNames(tx, [caller.userId]));
  });
}

/** The treatment timeline, newest first. */
export async function listTreatments({ em, caller }: Scope, patientId: string) {
  return em.transactional(async (tx) => {
    const patient = await requireVisiblePatient(tx, caller, patientId);
    auditRead(tx, caller, patient.id, ['treatments']);
    const records = await tx.find(TreatmentRecordSchema, { patientId }, { orderBy: { createdAt: 'desc' } });
    const names = await userNames(tx, records.map((r) => r.doctorUserId));
    await tx.flush();
    return records.map((r) => publicTreatment(r, names));
  });
}

// ---- for other modules -------------------------------------------------------------------------

/** A patient of this clinic that is not deleted, or 404. */
export async function requirePatient(em: EntityManager, patientId: string): Promise<Patient> {
  const patient = await em.findOne(PatientSchema, { id: patientId, deletedAt: null });
  if (!patient) throw new NotFoundError('Patient');
  return patient;
}

/**
 * The patient, if the caller may see them: the desk and the admin always, a doctor only a patient
 * assigned to them (a visit or an appointment with them, past or present), a patient only
 * themselves. Anything else is 404, exactly like a patient who does not exist.
 */
export async function requireVisiblePatient(em: EntityManager, caller: Caller, patientId: string): Promise<Patient> {
  const patient = await requirePatient(em, patientId);
  if (!(await maySeePatient(em, caller, patient))) throw new NotFoundError('Patient');
  return patient;
}

export async function maySeePatient(em: EntityManager, caller: Caller, patient: Patient): Promise<boolean> {
  switch (caller.role) {
    case 'org_admin':
    case 'receptionist':
      return true;
    case 'doctor':
      return isAssignedDoctor(em, caller.userId, patient.id);
    case 'patient':
      return patient.userId === caller.userId;
    default:
      return false;
  }
}

/** A doctor is assigned to a patient once they have had a visit or an appointment with them. */
export async function isAssignedDoctor(em: EntityManager, doctorUserId: string, patientId: string): Promise<boolean> {
  if (await em.count(VisitSchema, { patientId, doctorUserId })) return true;
  const profile = await professionalOfUser(em, doctorUserId);
  return profile ? (await em.count(AppointmentSchema, { patientId, professionalId: profile.id })) > 0 : false;
}

/** The calling patient's own record in this clinic, or 404. */
export async function ownPatient(em: EntityManager, caller: Caller): Promise<Patient> {
  const patient = await em.findOne(PatientSchema, { userId: caller.userId, deletedAt: null });
  if (!patient) throw new NotFoundError('Patient');
  return patient;
}

/** Who on the staff looked at whose record, and which parts: names of sections, never their content. */
export function auditRead(em: EntityManager, caller: Caller, patientId: string, sections: string[]): void {
  if (caller.role === 'patient') return;
  recordAudit(em, caller, { action: 'patient.read', entityType: 'Patient', entityId: patientId, changedFields: sections });
}

/** A patient as the API shows them, with their age on today's date in the clinic's zone. */
export function publicPatient(patient: Patient, timeZone: string) {
  const today = clinicDay(new Date(), timeZone);
  return {
    id: patient.id,
    recordNumber: patient.recordNumber,
    fullName: patient.fullName,
    dateOfBirth: patient.dateOfBirth,
    age: ageOn(patient.dateOfBirth, today),
    gender: patient.gender,
    phone: patient.phone,
    email: patient.email ?? null,
    address: patient.address ?? null,
    medicalHistory: patient.medicalHistory ?? null,
    allergies: patient.allergies,
    consentEmail: patient.consentEmail,
    consentWhatsapp: patient.consentWhatsapp,
    hideOnPublicScreens: patient.hideOnPublicScreens,
    hasLogin: patient.userId !== null && patient.userId !== undefined,
    createdAt: patient.createdAt.toISOString(),
    updatedAt: patient.updatedAt.toISOString(),
    version: patient.version ?? 1,
  };
}

/** What a search shows of each patient it lists (the age comes from the date of birth). */
const searchSummaryFields = ['recordNumber', 'fullName', 'dateOfBirth', 'gender', 'phone'] as const;

function summaryOf(patient: Patient, today: string) {
  return {
    id: patient.id,
    recordNumber: patient.recordNumber,
    fullName: patient.fullName,
    dateOfBirth: patient.dateOfBirth,
    age: ageOn(patient.dateOfBirth, today),
    gender: patient.gender,
    phone: patient.phone,
  };
}

function publicTreatment(record: TreatmentRecord, names: Map<string, string>) {
  return {
    id: record.id,
    patientId: record.patientId,
    appointmentId: record.appointmentId ?? null,
    visitId: record.visitId ?? null,
    doctorUserId: record.doctorUserId,
    doctorName: names.get(record.doctorUserId) ?? '',
    diagnosis: record.diagnosis,
    notes: record.notes ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}

// ---- internals --------------------------------------------------------------------------------

async function createPatientRow(em: EntityManager, orgId: string, fields: NewPatient, userId: string | null): Promise<Patient> {
  const number = await nextRecordNumber(em, orgId);
  return em.create(PatientSchema, {
    orgId,
    recordNumber: formatRecordNumber(number),
    fullName: fields.fullName,
    dateOfBirth: fields.dateOfBirth,
    gender: fields.gender,
    phone: fields.phone,
    email: fields.email ?? null,
    address: fields.address ?? null,
    medicalHistory: fields.medicalHistory ?? null,
    allergies: fields.allergies ?? [],
    consentEmail: fields.consentEmail ?? false,
    consentWhatsapp: fields.consentWhatsapp ?? false,
    hideOnPublicScreens: fields.hideOnPublicScreens ?? false,
    userId,
  });
}

/** Bumps the clinic's counter under its row lock: concurrent registrations get distinct, gap-free numbers. */
async function nextRecordNumber(em: EntityManager, orgId: string): Promise<number> {
  const row = await em.getConnection().execute<{ last_number: number }>(
    `insert into patient_counters (org_id, last_number) values (?, 1)
       on conflict (org_id) do update set last_number = patient_counters.last_number + 1
     returning last_number`,
    [orgId],
    'get',
    em.getTransactionContext(),
  );
  return row.last_number;
}

/**
 * The record's own fields out of `input`, named one by one so nothing else a caller passes can reach
 * the row: text trimmed, the phone in E.164, the date of birth checked; 400 naming every bad field.
 */
function cleanPatientFields<T extends PatientFields>(input: T, timeZone: string, partial = false): OwnFields<T> {
  const problems: FieldError[] = [];
  const out: PatientFields = {
    fullName: input.fullName,
    dateOfBirth: input.dateOfBirth,
    gender: input.gender,
    phone: input.phone,
    email: input.email,
    address: input.address,
    medicalHistory: input.medicalHistory,
    allergies: input.allergies,
    consentEmail: input.consentEmail,
    consentWhatsapp: input.consentWhatsapp,
    hideOnPublicScreens: input.hideOnPublicScreens,
  };
  if (input.fullName !== undefined) {
    out.fullName = input.fullName.trim().replace(/\s+/g, ' ');
    if (!out.fullName) problems.push({ field: 'fullName', message: 'must not be blank' });
  }
  if (input.phone !== undefined) {
    const country = phoneCountryOf(timeZone);
    const phone = normalisePhone(input.phone, country);
    if (phone) out.phone = phone;
    else problems.push({ field: 'phone', message: phoneProblem(country) });
  }
  if (input.allergies !== undefined) out.allergies = cleanAllergies(input.allergies, problems);
  if (input.dateOfBirth !== undefined) {
    const problem = dateOfBirthProblem(input.dateOfBirth, clinicDay(new Date(), timeZone));
    if (problem) problems.push({ field: 'dateOfBirth', message: problem });
  }
  if (input.email) out.email = normaliseEmail(input.email);
  for (const key of ['address', 'medicalHistory'] as const) {
    if (typeof input[key] === 'string') out[key] = (input[key] as string).trim() || null;
  }
  if (!partial && (!input.fullName || !input.phone || !input.dateOfBirth || !input.gender)) {
    for (const key of ['fullName', 'phone', 'dateOfBirth', 'gender'] as const) if (!input[key]) problems.push({ field: key, message: 'is required' });
  }
  if (problems.length) throw new ValidationError(problems);
  return out as OwnFields<T>;
}

/** Each allergy trimmed, with an explicit null for what was not said; one entry per substance (a repeat is a problem named). */
function cleanAllergies(input: NonNullable<NewPatient['allergies']>, problems: FieldError[]): Allergy[] {
  const seen = new Set<string>();
  return input.map((allergy, i) => {
    const substance = allergy.substance.trim().replace(/\s+/g, ' ');
    const key = substance.toLowerCase();
    if (!substance) problems.push({ field: `allergies.${i}.substance`, message: 'must not be blank' });
    else if (seen.has(key)) problems.push({ field: `allergies.${i}.substance`, message: 'is already in the list' });
    seen.add(key);
    return { substance, reaction: allergy.reaction?.trim() || null, severity: allergy.severity ?? null };
  });
}

function providedFields(input: object): string[] {
  return Object.entries(input)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key]) => key);
}

/** Distinct patient ids of visits or appointments matching `where`, read raw (no half-loaded entities in the unit of work). */
async function patientIdsOf(em: EntityManager, schema: typeof VisitSchema | typeof AppointmentSchema, where: Record<string, unknown>): Promise<string[]> {
  const qb = em.createQueryBuilder(schema as typeof VisitSchema).select('patientId', true).where(where);
  await qb.applyFilters();
  const rows = await qb.execute<{ patientId: string }[]>('all');
  // A random id keeps `$in` well-formed when nothing matched; it matches no patient.
  return rows.length ? rows.map((r) => r.patientId) : [randomUUID()];
}

async function userNames(em: EntityManager, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const users = await em.find(UserSchema, { id: { $in: unique } });
  return new Map(users.map((u) => [u.id, u.name]));
}

function actorOf(caller: Caller) {
  return { role: caller.role, userId: caller.userId };
}
