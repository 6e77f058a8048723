import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApprovalStatus, CaseEventType, CaseStatus, DeliveryStatus } from '../../../workflows/case.machine';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';
import type { LabCase } from './lab-case.entity';

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

/** Queues the change for the lab board and, when the case has one, its dentist's screen, in the change's transaction. */
export function emitCaseChanged(
  em: EntityManager,
  type: CaseWireEvent,
  labCase: LabCase,
  change: { version: number | null; event?: CaseEventType; changedFields: string[]; previousDentistUserId?: string | null },
): void {
  const payload: CaseChangedV1 = {
    caseId: labCase.id,
    caseNumber: labCase.caseNumber,
    status: labCase.status,
    state: labCase.status === 'completed' ? `completed.${labCase.deliveryStatus}` : labCase.status,
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
  emitScreenEvent(em, { orgId: labCase.orgId, type, rooms: targets, payload: { ...payload } });
}
