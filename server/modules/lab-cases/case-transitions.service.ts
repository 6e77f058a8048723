import type { EntityManager } from '@mikro-orm/postgresql';
import { attempt } from '../../../workflows/attempt';
import { caseMachine, caseStatuses, statusOf, type CaseEvent, type CaseEventType, type RemakeReason } from '../../../workflows/case.machine';
import { ConflictError, ValidationError, type FieldError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { UserSchema } from '../auth/user.entity';
import { CaseTransitionSchema } from './case-transition.entity';
import { actorOf, assignState, persistedCase } from './case-state';
import type { LabCase } from './lab-case.entity';
import { caseWireEvents, emitCaseChanged } from './lab-cases.events';
import { activeMember, caseDetail, findCase, staleVersion } from './lab-cases.service';

/** A request to move a case: the machine event without its sender and time, plus the version the sender saw. */
export interface CaseCommand {
  type: CaseEventType;
  version: number;
  designerId?: string;
  notes?: string;
  outsourcedTo?: string;
  reason?: RemakeReason;
  details?: string;
}

const stateLabel = (value: string) => {
  const column = caseStatuses.find((c) => c.status === statusOf(value))!;
  return value.includes('.') ? `${column.label} (${value.split('.')[1]!.replace('_', ' ')})` : column.label;
};

/**
 * Applies one caseMachine event to a loaded, already stored case inside the caller's transaction:
 * the machine decides; the new state goes to the columns and is flushed first, with the version
 * check, so a concurrent writer that got there first fails it (409 stale_version) before anything
 * else is written; then the transition row, the audit row and the board event are queued for the
 * caller's final flush. Refusal throws 409 `transition_refused` with the events the sender may send
 * instead.
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
  const changedFields = assignState(labCase, result);
  // Every transition bumps the version, even one that changes no column (reassigning the same
  // designer), so history versions stay unique and a concurrent writer always notices.
  labCase.updatedAt = new Date();
  await em.flush();
  em.create(CaseTransitionSchema, {
    orgId: labCase.orgId,
    caseId: labCase.id,
    from: result.from,
    to: result.value,
    eventType: event.type,
    payload: payloadOf(event),
    actorUserId: caller.userId,
    actorRole: caller.role,
    designerId: labCase.assignedDesignerId ?? null,
    at: 'at' in event ? new Date(event.at) : new Date(),
    version: labCase.version,
  });
  recordAudit(em, caller, { action: 'case.transition', entityType: 'LabCase', entityId: labCase.id, changedFields });
  emitCaseChanged(em, caseWireEvents.updated, labCase, { version: labCase.version, event: event.type, changedFields });
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
      else if (!(await activeMember(em, designerId, 'designer'))) problems.push({ field: 'designerId', message: 'is not an active designer of this lab' });
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
 * Sends an event to a case on behalf of the caller, if they saw its latest version: one transaction
 * holds the new state, the history row, the audit row and the board event. A concurrent writer that
 * got there first makes the flush fail its version check (409 stale_version) and nothing is kept.
 */
export async function sendCaseEvent({ em, caller }: Scope, caseId: string, command: CaseCommand) {
  return em.transactional(async (tx) => {
    const labCase = await findCase(tx, caller, caseId);
    if (labCase.version !== command.version) throw staleVersion(labCase.version);
    const event = await toMachineEvent(tx, caller, command, new Date().toISOString());
    await applyCaseEvent(tx, caller, labCase, event);
    await tx.flush();
    return caseDetail(labCase, caller);
  });
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
