/**
 * What the board may do with a card, decided by the same caseMachine the server runs
 * (workflows/case.machine.ts): which columns accept a drop, which event a drop sends, what a
 * refused drop is told, and what an event needs from the person moving the card.
 */
import { getNextTransitions } from 'xstate';
import { restore, type Persisted } from '../../../../workflows/attempt';
import {
  canMoveTo,
  caseEventRoles,
  caseMachine,
  caseStatuses,
  remakeReasons,
  type CaseContext,
  type CaseEventType,
  type CaseStatus,
  type RemakeReason,
} from '../../../../workflows/case.machine';
import type { Caller } from '../../../../workflows/roles';
import type { Card, CaseDetail, DueRisk } from '../../lib/api';

export { caseStatuses, remakeReasons, type CaseEventType, type CaseStatus, type RemakeReason };

export const statusLabel = (status: string): string => caseStatuses.find((c) => c.status === status.split('.')[0])?.label ?? status;

const deliveryLabels: Record<string, string> = { not_shipped: 'not shipped', shipped: 'shipped', delivered: 'delivered' };

/** "Completed (shipped)" for a machine value such as 'completed.shipped'. */
export function stateLabel(state: string): string {
  const [status, delivery] = state.split('.');
  return delivery ? `${statusLabel(status!)} (${deliveryLabels[delivery] ?? delivery})` : statusLabel(status!);
}

/** What each event is called on a button. */
export const eventLabels: Record<CaseEventType, string> = {
  'case.assignDesigner': 'Assign designer',
  'case.submitForApproval': 'Submit for approval',
  'case.approve': 'Approve',
  'case.requestAdjustment': 'Request adjustment',
  'case.outsource': 'Send to outsource',
  'case.returnFromOutsource': 'Return from outsource',
  'case.ship': 'Mark shipped',
  'case.deliver': 'Mark delivered',
  'case.remake': 'Request remake',
};

/** The same, as a past-tense line of the history timeline. */
export const eventPast: Record<CaseEventType, string> = {
  'case.assignDesigner': 'assigned a designer',
  'case.submitForApproval': 'submitted for approval',
  'case.approve': 'approved',
  'case.requestAdjustment': 'requested an adjustment',
  'case.outsource': 'sent to outsource',
  'case.returnFromOutsource': 'returned from outsource',
  'case.ship': 'marked shipped',
  'case.deliver': 'marked delivered',
  'case.remake': 'requested a remake',
};

export const remakeReasonLabels: Record<RemakeReason, string> = {
  fit: 'Fit',
  shade_mismatch: 'Shade mismatch',
  contacts: 'Contacts',
  occlusion: 'Occlusion',
  margin: 'Margin',
  fracture: 'Fracture',
  design_change: 'Design change',
  other: 'Other',
};

const rolePlural: Record<string, string> = { org_admin: 'lab managers', designer: 'designers', dentist: 'dentists', system: 'the system' };

/** The machine state of a card as the server persists it. */
export function persistedOf(card: Pick<Card, 'state' | 'redoCount' | 'approvalStatus' | 'assignedDesignerId' | 'isOutsourced' | 'outsourcedTo' | 'deliveryStatus'>): Persisted<CaseContext> {
  return {
    value: card.state,
    context: {
      redoCount: card.redoCount,
      approvalStatus: card.approvalStatus,
      // Not on a card; no guard of caseMachine reads them.
      completedAt: null,
      adjustmentNotes: null,
      lastRemake: null,
      assignedDesignerId: card.assignedDesignerId,
      isOutsourced: card.isOutsourced,
      outsourcedTo: card.outsourcedTo,
      deliveryStatus: card.deliveryStatus,
    },
  };
}

/** The event a drop on `target` sends, per caseMachine, or null when the column does not accept it. */
export function dropEvent(card: Card, actor: Caller, target: CaseStatus): CaseEventType | null {
  try {
    return canMoveTo(persistedOf(card), actor, target);
  } catch {
    return null;
  }
}

/** Each column's answer for one card: the event a drop there sends, or null. */
export function dropTargets(card: Card, actor: Caller): Record<CaseStatus, CaseEventType | null> {
  return Object.fromEntries(caseStatuses.map(({ status }) => [status, dropEvent(card, actor, status)])) as Record<CaseStatus, CaseEventType | null>;
}

const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * Why `card` cannot be dropped on `target` by `actor`, in the lab's words: whose move it is, or
 * where the case can go from here.
 */
export function refusalReason(card: Card, _actor: Caller, target: CaseStatus): string {
  const from = stateLabel(card.state);
  const to = statusLabel(target);
  if (card.status === target) return `${card.caseNumber} is already in ${to}.`;
  let transitions: { eventType: string; target?: readonly { path: string[] }[] }[] = [];
  try {
    transitions = getNextTransitions(restore(caseMachine, persistedOf(card))) as typeof transitions;
  } catch {
    return `${card.caseNumber} cannot move to ${to} now.`;
  }
  const toTarget = transitions.filter((t) => t.target?.[0]?.path[0] === target);
  if (toTarget.length) {
    const types = [...new Set(toTarget.map((t) => t.eventType as CaseEventType))];
    const who = [...new Set(types.flatMap((type) => caseEventRoles[type] ?? []))].filter((r) => r !== 'system').map((r) => rolePlural[r] ?? r);
    const what = types.map((type) => eventLabels[type].toLowerCase());
    return `Only ${list(who)} can move ${card.caseNumber} from ${from} to ${to} (${list(what)}).`;
  }
  const onward = [...new Set(transitions.map((t) => t.eventType as CaseEventType))].map((type) => eventLabels[type]);
  return onward.length
    ? `${card.caseNumber} cannot go from ${from} to ${to}. Next step: ${list(onward)}.`
    : `${card.caseNumber} cannot go from ${from} to ${to}.`;
}

/** What a person must add before an event can be sent. */
export type EventInput = 'designer' | 'notes' | 'outsourcedTo' | 'remake' | null;

export function inputFor(type: CaseEventType, actor: Caller): EventInput {
  switch (type) {
    case 'case.assignDesigner':
      // A designer picks work up for themselves; only the lab manager hands it to someone.
      return actor.role === 'designer' ? null : 'designer';
    case 'case.requestAdjustment':
      return 'notes';
    case 'case.outsource':
      return 'outsourcedTo';
    case 'case.remake':
      return 'remake';
    default:
      return null;
  }
}

/** The column a card lands in after `type` (for the optimistic move): the machine's own target. */
export function optimisticState(card: Card, type: CaseEventType, target: CaseStatus): string {
  if (type === 'case.approve') return 'completed.not_shipped';
  if (type === 'case.ship') return 'completed.shipped';
  if (type === 'case.deliver') return 'completed.delivered';
  return target === card.status ? card.state : target;
}

/** Today in the lab's calendar as YYYY-MM-DD (the board uses the server's `today` when it has one). */
export function localDay(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The server's rule (lab-cases.service.ts#dueRisk), for cards changed by a live event. */
export function dueRisk(card: Pick<Card, 'dueDate' | 'status'>, today: string): DueRisk | null {
  if (card.status === 'completed') return null;
  if (card.dueDate < today) return 'overdue';
  if (card.dueDate === today) return 'due_today';
  if (card.dueDate <= addDays(today, 2)) return 'due_48h';
  return null;
}

export const riskLabels: Record<DueRisk, string> = { overdue: 'Overdue', due_today: 'Due today', due_48h: 'Due within 48 h' };

/** A card from a full case (after a fetch or an event's answer). */
export function cardOf(detail: CaseDetail, today: string): Card {
  return {
    id: detail.id,
    caseNumber: detail.caseNumber,
    patientName: detail.patientName,
    dentistName: detail.dentistName,
    dentistUserId: detail.dentistUserId,
    material: detail.material,
    caseType: detail.caseType,
    toothNumbers: detail.toothNumbers,
    shade: detail.shade,
    dueDate: detail.dueDate,
    status: detail.status,
    state: detail.state,
    deliveryStatus: detail.deliveryStatus,
    approvalStatus: detail.approvalStatus,
    assignedDesignerId: detail.assignedDesignerId,
    isOutsourced: detail.isOutsourced,
    outsourcedTo: detail.outsourcedTo,
    redoCount: detail.redoCount,
    version: detail.version,
    risk: dueRisk(detail, today),
  };
}

/** The column an event takes a card to, read off the machine (the card's own column for ship, deliver, reassign). */
export function targetOf(card: Card, type: CaseEventType): CaseStatus {
  try {
    const transition = (getNextTransitions(restore(caseMachine, persistedOf(card))) as { eventType: string; target?: readonly { path: string[] }[] }[]).find(
      (t) => t.eventType === type,
    );
    const status = transition?.target?.[0]?.path[0];
    if (status && caseStatuses.some((c) => c.status === status)) return status as CaseStatus;
  } catch {
    // Fall through: the card stays where it is.
  }
  return card.status;
}

/** What a person added to an event (EventInputDialog). */
export interface EventPayload {
  designerId?: string;
  notes?: string;
  outsourcedTo?: string;
  reason?: RemakeReason;
  details?: string;
}
