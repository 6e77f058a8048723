import type { EntityManager } from '@mikro-orm/postgresql';
import { attempt, type Persisted } from '../../../workflows/attempt';
import { visitMachine, type VisitContext, type VisitEvent } from '../../../workflows/visit.machine';
import { ConflictError } from '../../shared/errors';
import type { Caller } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { PatientSchema } from '../patients/patient.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import { announceVisitStatus } from '../public-screens/public-screens.service';
import { emitScreenEvent, endSockets } from '../realtime/outbox';
import { rooms, socketRooms } from '../realtime/rooms';
import { VisitTransitionSchema, type Visit } from './visit.entity';
import { isOpenVisit, queuedVisitStatuses } from './visit-statuses';

/** Wire types of the clinic screens. */
export const visitUpdated = 'visit.updated.v1';
export const queueChanged = 'queue.changed.v1';

export function persistedVisit(visit: Visit): Persisted<VisitContext> {
  return { value: visit.status, context: visit.context };
}

/** 409 `stale_version` when the client acted on an older version of the visit than the one stored. */
export function assertVisitVersion(visit: Visit, version: number | undefined): void {
  if (version !== undefined && version !== visit.version) {
    throw new ConflictError('stale_version', 'Someone else changed this visit first; reload and try again', { version: visit.version });
  }
}

/**
 * The only writer of a visit's status: asks visitMachine, refuses with 409 and the events allowed
 * now, else applies the new state and writes the history row, the audit row and the screen events
 * in the caller's unit of work. The optimistic version check happens at flush.
 */
export async function applyVisitEvent(
  em: EntityManager,
  caller: Caller,
  visit: Visit,
  event: VisitEvent,
  options: { version?: number; changedFields?: string[] } = {},
): Promise<string[]> {
  assertVisitVersion(visit, options.version);
  const before = persistedVisit(visit);
  const result = attempt(visitMachine, before, event);
  if (!result.accepted) {
    throw new ConflictError('transition_refused', `A visit that is ${result.from.replace('_', ' ')} cannot take ${event.type}`, { allowed: result.allowed });
  }
  visit.status = result.value;
  visit.context = result.context;
  // The column mirrors the machine so queues can sort and filter on it.
  visit.calledAt = result.context.calledAt ? new Date(result.context.calledAt) : null;
  // Every transition bumps the version, even one that changes no column (a recall), so a second
  // writer holding the same version is refused (409 stale_version) instead of repeating it.
  visit.updatedAt = new Date();
  em.create(VisitTransitionSchema, {
    orgId: visit.orgId,
    visitId: visit.id,
    event: event.type,
    fromStatus: before.value,
    toStatus: result.value,
    actorUserId: caller.userId,
    actorRole: caller.role,
  });
  recordAudit(em, caller, { action: event.type, entityType: 'Visit', entityId: visit.id, changedFields: ['status', ...(options.changedFields ?? [])] });
  await announceVisit(em, visit, { from: before, events: result.actions });
  // The status page's token ends with the visit: its sockets go, after the page's last status.
  if (!isOpenVisit(visit.status)) endSockets(em, { orgId: visit.orgId, rooms: [socketRooms.visitStatus(visit.id)], reason: 'visit.ended' });
  return result.actions;
}

/** The version the row will have once this unit of work is flushed: 1 for a visit being created. */
function versionAfterFlush(visit: Visit): number {
  return typeof visit.version === 'number' ? visit.version + 1 : 1;
}

const inPharmacy = ({ value, context }: Persisted<VisitContext>) =>
  (value === 'consultation_done' && context.hasPrescription) || value === 'printed' || value === 'dispensed';
const inQueue = (value: string) => (queuedVisitStatuses as readonly string[]).includes(value) || value === 'in_consultation';

/**
 * Screen events for a visit that was created or moved. Staff rooms get the patient's name (staff
 * screens show it); the patient's status page and the displays get public-screens' payloads. Never vitals, notes
 * or history: the outbox is read by every screen in the room.
 */
export async function announceVisit(em: EntityManager, visit: Visit, change: { from: Persisted<VisitContext> | null; events: string[] }): Promise<void> {
  const patient = await em.findOneOrFail(PatientSchema, { id: visit.patientId });
  const professional = await em.findOneOrFail(ProfessionalProfileSchema, { id: visit.professionalId });
  const now = persistedVisit(visit);
  const staffRooms = [rooms.reception(visit.orgId), rooms.doctorQueue(visit.orgId, visit.doctorUserId)];
  if (inPharmacy(now) || (change.from && inPharmacy(change.from))) staffRooms.push(rooms.pharmacy(visit.orgId));
  const common = {
    visitId: visit.id,
    status: visit.status,
    ticketNumber: visit.ticketNumber,
    priority: visit.priority,
    professionalId: visit.professionalId,
    doctorUserId: visit.doctorUserId,
    room: professional.room,
    checkedInAt: visit.checkedInAt.toISOString(),
    calledAt: visit.calledAt?.toISOString() ?? null,
    hasPrescription: visit.context.hasPrescription,
    version: versionAfterFlush(visit),
    events: change.events,
  };
  emitScreenEvent(em, {
    orgId: visit.orgId,
    type: visitUpdated,
    rooms: staffRooms,
    payload: { ...common, patientId: patient.id, patientName: patient.fullName, recordNumber: patient.recordNumber },
  });
  if (inQueue(now.value) || (change.from && inQueue(change.from.value))) {
    emitScreenEvent(em, {
      orgId: visit.orgId,
      type: queueChanged,
      rooms: [rooms.reception(visit.orgId), rooms.doctorQueue(visit.orgId, visit.doctorUserId)],
      payload: { professionalId: visit.professionalId, doctorUserId: visit.doctorUserId, visitId: visit.id, status: visit.status },
    });
    // The queue moved: queue.changed has the public-screens job refresh the displays and the pages
    // of everyone waiting, after this commits. A visit that left the queue is not among them, so
    // its own page is written here.
    if (!(queuedVisitStatuses as readonly string[]).includes(visit.status)) await announceVisitStatus(em, visit);
  } else {
    await announceVisitStatus(em, visit);
  }
}
