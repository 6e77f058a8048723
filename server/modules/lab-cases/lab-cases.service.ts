import { LockMode, raw, type EntityDictionary, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import type { Static } from 'typebox';
import { caseStatuses, type CaseStatus } from '../../../workflows/case.machine';
import { defaultShade, shadeProblem, toothProblems } from '../../../workflows/dental-notation';
import type { Role } from '../../../workflows/roles';
import { cursorPart, decodeCursor, encodeCursor } from '../../shared/cursor';
import { ConflictError, NotFoundError, ValidationError, invalid, type FieldError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { UserSchema, type User } from '../auth/user.entity';
import { OrgSchema } from '../orgs/org.entity';
import { CaseAttachmentSchema } from './case-attachment.entity';
import { allowedFor, persistedCase } from './case-state';
import { removeStoredFiles, type AttachmentStorage } from './attachment-storage';
import { caseSearchText, LabCaseSchema, type LabCase } from './lab-case.entity';
import { caseWireEvents, emitCaseChanged } from './lab-cases.events';
import type { CaseChangesBody, NewCaseBody } from './lab-cases.schemas';

/** The lab's calendar day in its time zone, as 'YYYY-MM-DD': due dates and risk are judged against it. */
export function localToday(timeZone: string, now = new Date()): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!;
}

/** The due-date rule of create and edit alike: a case is due today or later in the lab's zone. */
function dueDateProblem(dueDate: string, timeZone: string): FieldError | null {
  return dueDate < localToday(timeZone) ? { field: 'dueDate', message: 'must not be in the past' } : null;
}

export function addDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

export function formatCaseNumber(n: number): string {
  return `CASE-${String(n).padStart(5, '0')}`;
}

/** The row rule: a dentist (a client of the lab) sees and acts on only the cases they are the dentist of. */
export function visibleTo(caller: Caller): { dentistUserId?: string } {
  return caller.role === 'dentist' ? { dentistUserId: caller.userId } : {};
}

/**
 * Loads a case the caller may see, or answers 404: another lab's case and another dentist's case
 * look the same. Plain SQL mapped to the entity: every case request starts here, and the query
 * builder cost more than the query.
 */
export async function findCase(em: EntityManager, caller: Caller, caseId: string, lock?: LockMode.PESSIMISTIC_WRITE): Promise<LabCase> {
  const { dentistUserId } = visibleTo(caller);
  const [row] = await em.getConnection().execute<EntityDictionary<LabCase>[]>(
    `select * from lab_cases where id = ? and org_id = ?${dentistUserId ? ' and dentist_user_id = ?' : ''}${lock ? ' for update' : ''}`,
    dentistUserId ? [caseId, caller.orgId, dentistUserId] : [caseId, caller.orgId],
    'all',
    em.getTransactionContext(),
  );
  if (!row) throw new NotFoundError('Case');
  return em.map(LabCaseSchema, row);
}

export function staleVersion(current: number): ConflictError {
  return new ConflictError('stale_version', 'Someone else changed this case first; reload it and try again', { version: current });
}

/** Every field of a case as the API shows it. */
export function caseView(labCase: LabCase) {
  return {
    id: labCase.id,
    caseNumber: labCase.caseNumber,
    patientName: labCase.patientName,
    accountNumber: labCase.accountNumber ?? null,
    dentistName: labCase.dentistName ?? null,
    dentistUserId: labCase.dentistUserId ?? null,
    dentistryType: labCase.dentistryType,
    toothNumbers: labCase.toothNumbers,
    shadeSystem: labCase.shadeSystem,
    shade: labCase.shade,
    material: labCase.material,
    caseType: labCase.caseType,
    notes: labCase.notes ?? null,
    dueDate: labCase.dueDate,
    status: labCase.status,
    state: persistedCase(labCase).value,
    deliveryStatus: labCase.deliveryStatus,
    approvalStatus: labCase.approvalStatus,
    assignedDesignerId: labCase.assignedDesignerId ?? null,
    isOutsourced: labCase.isOutsourced,
    outsourcedTo: labCase.outsourcedTo ?? null,
    redoCount: labCase.redoCount,
    adjustmentNotes: labCase.adjustmentNotes ?? null,
    lastRemake: labCase.lastRemake ?? null,
    completedAt: labCase.completedAt ? labCase.completedAt.toISOString() : null,
    createdAt: labCase.createdAt.toISOString(),
    updatedAt: labCase.updatedAt.toISOString(),
    version: labCase.version,
  };
}

/** A case with the events the caller may send it now, for the case screen's buttons. */
export function caseDetail(labCase: LabCase, caller: Caller) {
  return { ...caseView(labCase), allowedEvents: allowedFor(labCase, caller) };
}

export type Member = Pick<User, 'id' | 'name'>;

/** An active member of `orgId` in `role`, with an active login; null when there is none. One query: a transition checks its designer with it. */
export async function activeMember(em: EntityManager, orgId: string, userId: string, role: Role): Promise<Member | null> {
  const [member] = await em.getConnection().execute<Member[]>(
    `select u.id, u.name from memberships m join users u on u.id = m.user_id and u.active
      where m.org_id = ? and m.user_id = ? and m.role = ? and m.active`,
    [orgId, userId, role],
    'all',
    em.getTransactionContext(),
  );
  return member ?? null;
}

const trimmed = (text: string | null | undefined): string | null | undefined =>
  text === undefined || text === null ? text : text.trim() || null;

// ---------------------------------------------------------------------------------------------
// Create

export type NewCase = Static<typeof NewCaseBody>;

/**
 * Registers a case in the caller's lab, as New. Checks every field at once (tooth numbers in the
 * lab's notation, shade in the shade system, due date not past, dentist a member) and answers one
 * 400 naming them all; numbers it gap-free when no number is given.
 */
export async function createCase({ em, caller }: Scope, input: NewCase) {
  const org = await em.findOne(OrgSchema, { id: caller.orgId, kind: 'lab' });
  if (!org) throw new NotFoundError('Lab');
  const shadeSystem = input.shadeSystem ?? 'VITA';
  const shade = input.shade?.trim() || defaultShade[shadeSystem];
  const problems: FieldError[] = [];
  for (const problem of toothProblems(org.toothNumbering, input.toothNumbers ?? [])) {
    problems.push({ field: `toothNumbers.${problem.index}`, message: problem.message });
  }
  if (shade === undefined) problems.push({ field: 'shade', message: `is required with ${shadeSystem}` });
  else {
    const problem = shadeProblem(shadeSystem, shade);
    if (problem) problems.push({ field: 'shade', message: problem });
  }
  const dueDate = dueDateProblem(input.dueDate, caller.timeZone);
  if (dueDate) problems.push(dueDate);
  const dentist = await resolveDentist(em, caller, input.dentistUserId, problems);
  if (problems.length) throw new ValidationError(problems);

  return em.transactional(async (tx) => {
    const caseNumber = await claimCaseNumber(tx, caller.orgId, input.caseNumber?.trim() || null);
    const fields = {
      caseNumber,
      patientName: input.patientName.trim(),
      accountNumber: trimmed(input.accountNumber) ?? null,
      dentistName: trimmed(input.dentistName) ?? dentist?.name ?? null,
      dentistUserId: dentist?.id ?? null,
      dentistryType: input.dentistryType ?? 'restoration',
      toothNumbers: input.toothNumbers ?? [],
      shadeSystem,
      shade: shade!,
      material: input.material.trim(),
      caseType: input.caseType.trim(),
      notes: trimmed(input.notes) ?? null,
      dueDate: input.dueDate,
    };
    const labCase = tx.create(LabCaseSchema, { orgId: caller.orgId, ...fields });
    const changedFields = Object.entries(fields).flatMap(([key, value]) => (value === null || (Array.isArray(value) && !value.length) ? [] : [key]));
    recordAudit(tx, caller, { action: 'case.create', entityType: 'LabCase', entityId: labCase.id, changedFields });
    emitCaseChanged(tx, caseWireEvents.created, labCase, { version: 1, changedFields });
    await tx.flush();
    return caseDetail(labCase, caller);
  });
}

/**
 * The dentist a case belongs to. A dentist's own cases are always theirs; others may name an
 * active dentist member of the lab.
 */
async function resolveDentist(em: EntityManager, caller: Caller, dentistUserId: string | null | undefined, problems: FieldError[]): Promise<Member | null> {
  if (caller.role === 'dentist') {
    if (dentistUserId && dentistUserId !== caller.userId) {
      problems.push({ field: 'dentistUserId', message: 'a dentist registers cases for themselves' });
      return null;
    }
    return em.findOneOrFail(UserSchema, { id: caller.userId });
  }
  if (!dentistUserId) return null;
  const dentist = await activeMember(em, caller.orgId, dentistUserId, 'dentist');
  if (!dentist) problems.push({ field: 'dentistUserId', message: 'is not an active dentist of this lab' });
  return dentist;
}

/**
 * Takes the case number in the create's transaction. The counter row's lock (taken by the upsert,
 * held until commit) serialises the creates of one lab, so automatic numbers never collide with
 * each other or with a number given by hand, and a rolled-back create returns its number.
 */
export async function claimCaseNumber(tx: EntityManager, orgId: string, given: string | null): Promise<string> {
  const connection = tx.getConnection();
  const context = tx.getTransactionContext();
  const taken = async (caseNumber: string) =>
    (await connection.execute('select 1 from lab_cases where org_id = ? and case_number = ?', [orgId, caseNumber], 'all', context)).length > 0;
  if (given) {
    await connection.execute(
      'insert into case_number_counters (org_id, last) values (?, 0) on conflict (org_id) do update set last = case_number_counters.last',
      [orgId],
      'run',
      context,
    );
    if (await taken(given)) throw new ConflictError('case_number_taken', `Case number ${given} is already used in this lab`, { field: 'caseNumber' });
    return given;
  }
  for (;;) {
    const [row] = await connection.execute<{ last: number }[]>(
      'insert into case_number_counters (org_id, last) values (?, 1) on conflict (org_id) do update set last = case_number_counters.last + 1 returning last',
      [orgId],
      'all',
      context,
    );
    const caseNumber = formatCaseNumber(row!.last);
    // A number someone typed by hand is skipped, not reused.
    if (!(await taken(caseNumber))) return caseNumber;
  }
}

// ---------------------------------------------------------------------------------------------
// Update and delete

export type CaseChanges = Static<typeof CaseChangesBody>;

/** Edits the descriptive fields of a case (never its workflow state), if the caller saw its latest version. */
export async function updateCase({ em, caller }: Scope, caseId: string, changes: CaseChanges) {
  return em.transactional(async (tx) => {
    const labCase = await findCase(tx, caller, caseId);
    if (labCase.version !== changes.version) throw staleVersion(labCase.version);
    const { version: _version, ...edits } = changes;
    // The schema refuses unknown fields (status, redoCount...); a change naming no editable field is a mistake to name.
    if (Object.values(edits).every((value) => value === undefined)) throw invalid('(root)', 'names no field that can be edited');
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    const problems: FieldError[] = [];
    if (changes.toothNumbers) {
      for (const problem of toothProblems(org.toothNumbering, changes.toothNumbers)) {
        problems.push({ field: `toothNumbers.${problem.index}`, message: problem.message });
      }
    }
    if (changes.shadeSystem !== undefined || changes.shade !== undefined) {
      const system = changes.shadeSystem ?? labCase.shadeSystem;
      const problem = shadeProblem(system, changes.shade?.trim() ?? labCase.shade);
      if (problem) problems.push({ field: 'shade', message: problem });
    }
    // An overdue case keeps its date through other edits; only moving the date is held to the rule.
    if (changes.dueDate !== undefined && changes.dueDate !== labCase.dueDate) {
      const dueDate = dueDateProblem(changes.dueDate, caller.timeZone);
      if (dueDate) problems.push(dueDate);
    }
    let dentist: Member | null | undefined;
    if (changes.dentistUserId !== undefined && changes.dentistUserId !== (labCase.dentistUserId ?? null)) {
      if (caller.role === 'dentist') problems.push({ field: 'dentistUserId', message: 'a dentist cannot hand a case to someone else' });
      else dentist = changes.dentistUserId === null ? null : await resolveDentist(tx, caller, changes.dentistUserId, problems);
    }
    if (problems.length) throw new ValidationError(problems);

    const next: Partial<LabCase> = {
      patientName: changes.patientName?.trim(),
      accountNumber: trimmed(changes.accountNumber),
      // A case handed to a dentist with a login takes their name unless another is given.
      dentistName: changes.dentistName !== undefined ? trimmed(changes.dentistName) : dentist?.name,
      dentistUserId: dentist === undefined ? undefined : (dentist?.id ?? null),
      dentistryType: changes.dentistryType,
      shadeSystem: changes.shadeSystem,
      shade: changes.shade?.trim(),
      material: changes.material?.trim(),
      caseType: changes.caseType?.trim(),
      notes: trimmed(changes.notes),
      dueDate: changes.dueDate,
    };
    const changed: string[] = [];
    const previousDentistUserId = labCase.dentistUserId ?? null;
    const row = labCase as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined || (row[key] ?? null) === value) continue;
      row[key] = value;
      changed.push(key);
    }
    if (changes.toothNumbers && changes.toothNumbers.join() !== labCase.toothNumbers.join()) {
      labCase.toothNumbers = changes.toothNumbers;
      changed.push('toothNumbers');
    }
    if (changed.length) {
      recordAudit(tx, caller, { action: 'case.update', entityType: 'LabCase', entityId: labCase.id, changedFields: changed });
      emitCaseChanged(tx, caseWireEvents.updated, labCase, { version: labCase.version + 1, changedFields: changed, previousDentistUserId });
    }
    await tx.flush();
    return caseDetail(labCase, caller);
  });
}

/** Deletes a case nobody has started on (New), with its attachments; anything further along is history to keep. */
export async function deleteCase({ em, caller }: Scope, caseId: string, storage: AttachmentStorage): Promise<void> {
  const storedFiles = await em.transactional(async (tx) => {
    // Locked, so a designer picking the case up at this moment either wins or waits for the delete.
    const labCase = await findCase(tx, caller, caseId, LockMode.PESSIMISTIC_WRITE);
    if (labCase.status !== 'new') {
      const label = caseStatuses.find((c) => c.status === labCase.status)!.label;
      throw new ConflictError('case_not_new', `Only a New case can be deleted; ${labCase.caseNumber} is ${label}`);
    }
    const attachments = await tx.find(CaseAttachmentSchema, { caseId: labCase.id });
    for (const attachment of attachments) tx.remove(attachment);
    tx.remove(labCase);
    recordAudit(tx, caller, { action: 'case.delete', entityType: 'LabCase', entityId: labCase.id, changedFields: attachments.length ? ['attachments'] : [] });
    emitCaseChanged(tx, caseWireEvents.deleted, labCase, { version: null, changedFields: [] });
    await tx.flush();
    return attachments.map((a) => a.storageKey);
  });
  await removeStoredFiles(storage, storedFiles);
}

// ---------------------------------------------------------------------------------------------
// Reading: list and search (the board is case-board.service.ts)

export interface CaseFilter {
  status?: CaseStatus;
  designerId?: string;
  material?: string;
  caseType?: string;
  /** Part of the dentist's name. */
  dentist?: string;
  /** Due on or before. */
  dueBefore?: string;
  /** Due on or after. */
  dueAfter?: string;
  /** Past due and not completed (true), or the rest (false). */
  overdue?: boolean;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** The filters as an ORM condition, within what the caller may see (the list's and the board's). */
export function filterWhere(caller: Caller, filter: CaseFilter, today: string): FilterQuery<LabCase> {
  const parts: FilterQuery<LabCase>[] = [visibleTo(caller)];
  if (filter.status) parts.push({ status: filter.status });
  if (filter.designerId) parts.push({ assignedDesignerId: filter.designerId });
  if (filter.material) parts.push({ material: filter.material });
  if (filter.caseType) parts.push({ caseType: filter.caseType });
  if (filter.dentist?.trim()) parts.push({ dentistName: { $ilike: `%${escapeLike(filter.dentist.trim())}%` } });
  if (filter.dueBefore) parts.push({ dueDate: { $lte: filter.dueBefore } });
  if (filter.dueAfter) parts.push({ dueDate: { $gte: filter.dueAfter } });
  if (filter.overdue === true) parts.push({ dueDate: { $lt: today }, status: { $ne: 'completed' } });
  if (filter.overdue === false) parts.push({ $or: [{ dueDate: { $gte: today } }, { status: 'completed' }] });
  return { $and: parts } as FilterQuery<LabCase>;
}

const byDueDate = [{ dueDate: 'asc' }, { id: 'asc' }] as const;

/** Cases by due date (then id), filtered, a page at a time with an opaque cursor. */
export async function listCases({ em, caller }: Scope, query: CaseFilter & { limit: number; cursor?: string }) {
  const where = filterWhere(caller, query, localToday(caller.timeZone));
  const parts = [where];
  if (query.cursor) {
    const [dueDate, id] = decodeCursor(query.cursor, [cursorPart.day, cursorPart.id]);
    parts.push({ $or: [{ dueDate: { $gt: dueDate } }, { dueDate, id: { $gt: id } }] } as FilterQuery<LabCase>);
  }
  const rows = await em.find(LabCaseSchema, { $and: parts } as FilterQuery<LabCase>, { orderBy: [...byDueDate], limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items: items.map(caseView), nextCursor: rows.length > query.limit && last ? encodeCursor(last.dueDate, last.id) : null };
}

export async function getCase({ em, caller }: Scope, caseId: string) {
  return caseDetail(await findCase(em, caller, caseId), caller);
}

/** The most cases a search answers with. */
export const searchLimit = 50;

/**
 * Cases whose number, patient, dentist, account number or notes contain the query, ignoring case,
 * soonest due first. Answered from the trigram index on the same expression (queries of three or
 * more characters).
 */
export async function searchCases({ em, caller }: Scope, query: string) {
  const text = query.trim();
  if (!text) throw invalid('query.query', 'is required: say what to look for');
  const matches = { [raw(caseSearchText)]: { $ilike: `%${escapeLike(text)}%` } };
  const rows = await em.find(LabCaseSchema, { $and: [visibleTo(caller), matches] } as FilterQuery<LabCase>, {
    orderBy: [...byDueDate],
    limit: searchLimit,
  });
  return { items: rows.map(caseView) };
}
