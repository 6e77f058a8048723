import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { randomUUID } from 'node:crypto';
import { attempt } from '../../../workflows/attempt';
import { caseMachine, caseStatuses, statusOf, type CaseEvent } from '../../../workflows/case.machine';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { UserSchema } from '../auth/user.entity';
import { CaseTransitionSchema } from './case-transition.entity';
import { actorOf, assignState, persistedCase } from './case-state';
import type { LabCase } from './lab-case.entity';
import { caseChangedEvent, caseWireEvents } from './lab-cases.events';
import { activeMember, caseDetail, findCase, staleVersion } from './lab-cases.service';
import type { CaseEventBody } from './lab-cases.schemas';

/** A request to move a case: the machine event without its sender and time, plus the version the sender saw. */
export type CaseCommand = Static<typeof CaseEventBody>;

const stateLabel = (value: string) => {
  const column = caseStatuses.find((c) => c.status === statusOf(value))!;
  return value.includes('.') ? `${column.label} (${value.split('.')[1]!.replace('_', ' ')})` : column.label;
};

/**
 * The whole write of a transition, as one statement: the state with the version check, then the
 * transition row, the audit row and the board event, each inserted only if the update matched. One
 * statement is atomic on its own, so a request needs no transaction around it, and it costs one
 * round trip instead of a unit of work's flushes (the transition is the lab's hottest write). The
 * outbox insert fires the table's triggers as any other does: the writers' lock, then NOTIFY at
 * commit. The rows are the ones recordAudit and emitScreenEvent would queue.
 */
const transitionStatement = `
  with moved as (
    update lab_cases set status = ?, delivery_status = ?, approval_status = ?, completed_at = ?::timestamptz, redo_count = ?,
           assigned_designer_id = ?::uuid, is_outsourced = ?, outsourced_to = ?, adjustment_notes = ?, last_remake = ?::jsonb,
           updated_at = ?::timestamptz, version = version + 1
     where id = ? and org_id = ? and version = ?
     returning id, org_id, version
  ), history as (
    insert into case_transitions (id, org_id, case_id, from_state, to_state, event_type, payload, actor_user_id, actor_role, designer_id, at, version)
    select ?::uuid, org_id, id, ?, ?, ?, ?::jsonb, ?::uuid, ?, ?::uuid, ?::timestamptz, version from moved
  ), audit as (
    insert into audit_events (id, org_id, actor_user_id, actor_role, action, entity_type, entity_id, changed_fields, request_id, ip, at)
    select ?::uuid, org_id, ?::uuid, ?, 'case.transition', 'LabCase', id::text, array[?]::text[], ?, ?, ?::timestamptz from moved
  ), screen as (
    insert into outbox_events (org_id, type, rooms, payload, created_at)
    select org_id, ?, array[?]::text[], ?::jsonb, ?::timestamptz from moved
  )
  select version from moved`;

/**
 * Applies one caseMachine event to a loaded, stored case: the machine decides, then one statement
 * writes the new state, the transition row, the audit row and the board event together (inside the
 * caller's transaction when there is one). A concurrent writer that got there first leaves the
 * version check nothing to match: 409 stale_version, nothing written. Refusal throws 409
 * `transition_refused` with the events the sender may send instead.
 */
export async function applyCaseEvent(em: EntityManager, caller: Caller, labCase: LabCase, event: CaseEvent) {
  const result = attempt(caseMachine, persistedCase(labCase), event);
  if (!result.accepted) {
    const because = result.allowed.includes(event.type) ? ' with this payload' : '';
    throw new ConflictError(
      'transition_refused',
      `${event.type} is not allowed${because} for a ${caller.role} while the case is ${stateLabel(result.from)}`,
      { allowed: result.allowed, state: result.from },
    );
  }
  const seenVersion = labCase.version;
  const changedFields = assignState(labCase, result);
  // Every transition bumps the version, even one that changes no column (reassigning the same
  // designer), so history versions stay unique and a concurrent writer always notices.
  labCase.version = seenVersion + 1;
  labCase.updatedAt = new Date();
  const at = 'at' in event ? new Date(event.at) : labCase.updatedAt;
  const screen = caseChangedEvent(caseWireEvents.updated, labCase, { version: labCase.version, event: event.type, changedFields });
  const connection = em.getConnection();
  const context = em.getTransactionContext();
  const [moved] = await connection.execute<{ version: number }[]>(
    transitionStatement,
    [
      labCase.status, labCase.deliveryStatus, labCase.approvalStatus, labCase.completedAt ?? null, labCase.redoCount,
      labCase.assignedDesignerId ?? null, labCase.isOutsourced, labCase.outsourcedTo ?? null, labCase.adjustmentNotes ?? null, labCase.lastRemake ?? null,
      labCase.updatedAt,
      labCase.id, labCase.orgId, seenVersion,
      randomUUID(), result.from, result.value, event.type, payloadOf(event), caller.userId, caller.role, labCase.assignedDesignerId ?? null, at,
      randomUUID(), caller.userId, caller.role, changedFields, caller.requestId, caller.ip, labCase.updatedAt,
      screen.type, screen.rooms, screen.payload, labCase.updatedAt,
    ],
    'all',
    context,
  );
  if (!moved) {
    const [current] = await connection.execute<{ version: number }[]>('select version from lab_cases where id = ? and org_id = ?', [labCase.id, labCase.orgId], 'all', context);
    throw current ? staleVersion(current.version) : new NotFoundError('Case');
  }
  // The row is written: the unit of work takes it as stored, so a later flush does not write it again.
  em.merge(labCase, { refresh: true });
  return { from: result.from, to: result.value, changedFields, domainEvents: result.actions };
}

/** What a transition row keeps of the event: its payload, without sender and time (stored in their own columns). */
function payloadOf(event: CaseEvent): Record<string, unknown> {
  const { type: _type, actor: _actor, ...rest } = event as CaseEvent & { at?: string };
  delete rest.at;
  return rest;
}

/** Builds the machine event from a command, answering 400 for a payload the event cannot do without. */
async function toMachineEvent(em: EntityManager, caller: Caller, command: CaseCommand, at: string): Promise<CaseEvent> {
  const actor = actorOf(caller);
  const problems: FieldError[] = [];
  const required = (field: 'notes' | 'outsourcedTo', value: string | undefined): string => {
    if (!value?.trim()) problems.push({ field, message: `is required for ${command.type}` });
    return value?.trim() ?? '';
  };
  let event: CaseEvent;
  switch (command.type) {
    case 'case.assignDesigner': {
      // A designer dragging a card to In Progress takes it themselves.
      const designerId = command.designerId ?? (caller.role === 'designer' ? caller.userId : undefined);
      if (!designerId) problems.push({ field: 'designerId', message: 'is required for case.assignDesigner' });
      else if (!(await activeMember(em, caller.orgId, designerId, 'designer'))) problems.push({ field: 'designerId', message: 'is not an active designer of this lab' });
      event = { type: command.type, actor, designerId: designerId ?? '' };
      break;
    }
    case 'case.requestAdjustment':
      event = { type: command.type, actor, notes: required('notes', command.notes) };
      break;
    case 'case.outsource':
      event = { type: command.type, actor, outsourcedTo: required('outsourcedTo', command.outsourcedTo) };
      break;
    case 'case.remake': {
      const details = command.details?.trim() ?? '';
      if (!command.reason) problems.push({ field: 'reason', message: 'is required for case.remake' });
      else if (command.reason === 'other' && !details) problems.push({ field: 'details', message: "is required when the reason is 'other'" });
      event = { type: command.type, actor, reason: command.reason ?? 'other', details, at };
      break;
    }
    case 'case.approve':
      event = { type: command.type, actor, at };
      break;
    default:
      event = { type: command.type, actor };
  }
  if (problems.length) throw new ValidationError(problems);
  return event;
}

/**
 * Sends an event to a case on behalf of the caller, if they saw its latest version: the new state,
 * the history row, the audit row and the board event commit together. A concurrent writer that got
 * there first makes the write fail its version check (409 stale_version) and nothing is kept.
 */
export async function sendCaseEvent({ em, caller }: Scope, caseId: string, command: CaseCommand) {
  const labCase = await findCase(em, caller, caseId);
  if (labCase.version !== command.version) throw staleVersion(labCase.version);
  const event = await toMachineEvent(em, caller, command, new Date().toISOString());
  await applyCaseEvent(em, caller, labCase, event);
  return caseDetail(labCase, caller);
}

/** Every transition of a case, oldest first: who, when, from which state to which, with what payload. */
export async function caseHistory({ em, caller }: Scope, caseId: string) {
  const labCase = await findCase(em, caller, caseId);
  const rows = await em.find(CaseTransitionSchema, { caseId: labCase.id }, { orderBy: { version: 'asc' } });
  const actorIds = [...new Set(rows.flatMap((r) => (r.actorUserId ? [r.actorUserId] : [])))];
  const actors = actorIds.length ? await em.find(UserSchema, { id: { $in: actorIds } }) : [];
  const names = new Map(actors.map((u) => [u.id, u.name]));
  return {
    items: rows.map((r) => ({
      id: r.id,
      from: r.from,
      to: r.to,
      eventType: r.eventType,
      payload: r.payload,
      actorUserId: r.actorUserId ?? null,
      actorName: r.actorUserId ? (names.get(r.actorUserId) ?? null) : null,
      actorRole: r.actorRole,
      at: r.at.toISOString(),
      version: r.version,
    })),
  };
}
