import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApprovalStatus, CaseEventType, CaseStatus, DeliveryStatus } from '../../../workflows/case.machine';
import { emitScreenEvent, type ScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';
import type { LabCase } from './lab-case.entity';
import { stateValue } from './case-state';

/** Wire events of the lab board, versioned; the client imports these types. */
export const caseWireEvents = {
  created: 'case.created.v1',
  updated: 'case.updated.v1',
  deleted: 'case.deleted.v1',
} as const;
export type CaseWireEvent = (typeof caseWireEvents)[keyof typeof caseWireEvents];

/**
 * What a board needs to move or redraw a card. No patient name or notes: the dentist's room sees
 * only their own cases anyway, but a screen that needs more fetches the case, which checks access.
 */
export interface CaseChangedV1 {
  caseId: string;
  caseNumber: string;
  status: CaseStatus;
  /** The persisted machine value, e.g. 'completed.shipped'. */
  state: string;
  deliveryStatus: DeliveryStatus;
  approvalStatus: ApprovalStatus;
  assignedDesignerId: string | null;
  dentistUserId: string | null;
  dueDate: string;
  redoCount: number;
  isOutsourced: boolean;
  /** The case's version once this change commits; null for a deletion. */
  version: number | null;
  /** The machine event that caused it, for transitions. */
  event: CaseEventType | null;
  changedFields: string[];
}

export interface CaseChange {
  version: number | null;
  event?: CaseEventType;
  changedFields: string[];
  previousDentistUserId?: string | null;
}

/** The screen event of a change: to the lab board and, when the case has one, its dentist's screen. */
export function caseChangedEvent(type: CaseWireEvent, labCase: LabCase, change: CaseChange): ScreenEvent {
  const payload: CaseChangedV1 = {
    caseId: labCase.id,
    caseNumber: labCase.caseNumber,
    status: labCase.status,
    state: stateValue(labCase),
    deliveryStatus: labCase.deliveryStatus,
    approvalStatus: labCase.approvalStatus,
    assignedDesignerId: labCase.assignedDesignerId ?? null,
    dentistUserId: labCase.dentistUserId ?? null,
    dueDate: labCase.dueDate,
    redoCount: labCase.redoCount,
    isOutsourced: labCase.isOutsourced,
    version: change.version,
    event: change.event ?? null,
    changedFields: change.changedFields,
  };
  const targets = [rooms.labBoard(labCase.orgId)];
  // A case handed to another dentist leaves the first one's screen too.
  for (const dentist of new Set([labCase.dentistUserId, change.previousDentistUserId])) {
    if (dentist) targets.push(rooms.dentistCases(labCase.orgId, dentist));
  }
  return { orgId: labCase.orgId, type, rooms: targets, payload: { ...payload } };
}

/** Queues the change's screen event in the change's unit of work. */
export function emitCaseChanged(em: EntityManager, type: CaseWireEvent, labCase: LabCase, change: CaseChange): void {
  emitScreenEvent(em, caseChangedEvent(type, labCase, change));
}
