import { assertEvent, assign, emit, getNextTransitions, setup } from 'xstate';
import { allowedEvents, permitter, restore } from './attempt';
import type { Persisted, StateValueString } from './attempt';
import type { Actor, Caller } from './roles';

/** Why a delivered restoration comes back; a fixed list so remakes can be counted by cause. */
export const remakeReasons = [
  'fit',
  'shade_mismatch',
  'contacts',
  'occlusion',
  'margin',
  'fracture',
  'design_change',
  'other',
] as const;
export type RemakeReason = (typeof remakeReasons)[number];

/** The board's columns, in order, with their labels; each is a top-level state of caseMachine. */
export const caseStatuses = [
  { status: 'new', label: 'New' },
  { status: 'in_progress', label: 'In Progress' },
  { status: 'pending_approval', label: 'Pending Approval' },
  { status: 'completed', label: 'Completed' },
  { status: 'sent_to_outsource', label: 'Sent to Outsource' },
] as const;
export type CaseStatus = (typeof caseStatuses)[number]['status'];

export type ApprovalStatus = 'not_submitted' | 'pending' | 'approved' | 'changes_requested';
export type DeliveryStatus = 'not_shipped' | 'shipped' | 'delivered';

export interface CaseContext {
  /** Adjustments plus remakes; it only grows, because it is the lab's quality record for the case. */
  redoCount: number;
  approvalStatus: ApprovalStatus;
  /** Set exactly while the case is completed; a remake clears it. */
  completedAt: string | null;
  assignedDesignerId: string | null;
  /** Stays true after the work comes back, so outsourced cases can still be told apart. */
  isOutsourced: boolean;
  outsourcedTo: string | null;
  /** The dentist's latest adjustment request. */
  adjustmentNotes: string | null;
  /** Mirrors the completed substate; 'not_shipped' outside completed. */
  deliveryStatus: DeliveryStatus;
  lastRemake: { reason: RemakeReason; details: string; at: string } | null;
}

export type CaseEvent =
  | { type: 'case.assignDesigner'; actor: Caller; designerId: string }
  | { type: 'case.submitForApproval'; actor: Caller }
  | { type: 'case.approve'; actor: Caller; at: string }
  | { type: 'case.requestAdjustment'; actor: Caller; notes: string }
  | { type: 'case.outsource'; actor: Caller; outsourcedTo: string }
  | { type: 'case.returnFromOutsource'; actor: Caller }
  | { type: 'case.ship'; actor: Caller }
  | { type: 'case.deliver'; actor: Caller }
  | { type: 'case.remake'; actor: Caller; reason: RemakeReason; details: string; at: string };
export type CaseEventType = CaseEvent['type'];

/** Domain events a case transition emits, named for the outbox and notifications. */
export type CaseDomainEvent = {
  type:
    | 'CaseDesignerAssigned'
    | 'CaseSubmitted'
    | 'CaseApproved'
    | 'CaseAdjustmentRequested'
    | 'CaseOutsourced'
    | 'CaseReturnedFromOutsource'
    | 'CaseShipped'
    | 'CaseDelivered'
    | 'CaseRemakeRequested';
};

/** Which roles may send each case event. */
export const caseEventRoles: Record<CaseEventType, readonly Actor[]> = {
  'case.assignDesigner': ['org_admin', 'designer'],
  'case.submitForApproval': ['designer', 'org_admin'],
  'case.approve': ['dentist', 'org_admin'],
  'case.requestAdjustment': ['dentist', 'org_admin'],
  'case.outsource': ['org_admin'],
  'case.returnFromOutsource': ['org_admin', 'designer'],
  'case.ship': ['org_admin'],
  'case.deliver': ['org_admin', 'dentist'],
  'case.remake': ['dentist', 'org_admin'],
};

const permit = permitter<CaseContext, CaseEvent>(caseEventRoles);
const announce = (type: CaseDomainEvent['type']) => ({ type: 'announce', params: { type } }) as const;
const filled = (text: string | undefined) => typeof text === 'string' && text.trim() !== '';

// Transitions used by two states are hoisted; their assigns are named in setup(), where they type-check
// without the event narrowing an inline transition gets.
const assignDesigner = {
  guard: permit('case.assignDesigner', {
    // A designer picks up unassigned work for themselves; handing a case to someone else, or taking
    // it from another designer, is the lab manager's call.
    valid: (e, c) =>
      filled(e.designerId) &&
      (e.actor.role !== 'designer' || (e.designerId === e.actor.userId && (c.assignedDesignerId ?? e.actor.userId) === e.actor.userId)),
  }),
  actions: ['recordDesigner', announce('CaseDesignerAssigned')],
} as const;

const outsource = {
  target: 'sent_to_outsource',
  guard: permit('case.outsource', { valid: (e) => filled(e.outsourcedTo) }),
  actions: ['recordOutsource', announce('CaseOutsourced')],
} as const;

/** A dental lab case from receipt to delivery, including adjustment loops, outsourcing and remakes. */
export const caseMachine = setup({
  types: { context: {} as CaseContext, events: {} as CaseEvent, emitted: {} as CaseDomainEvent },
  actions: {
    announce: emit((_, domainEvent: CaseDomainEvent) => domainEvent),
    recordDesigner: assign(({ event }) => {
      assertEvent(event, 'case.assignDesigner');
      return { assignedDesignerId: event.designerId };
    }),
    recordOutsource: assign(({ event }) => {
      assertEvent(event, 'case.outsource');
      return { isOutsourced: true, outsourcedTo: event.outsourcedTo };
    }),
  },
}).createMachine({
  id: 'case',
  initial: 'new',
  context: {
    redoCount: 0,
    approvalStatus: 'not_submitted',
    completedAt: null,
    assignedDesignerId: null,
    isOutsourced: false,
    outsourcedTo: null,
    adjustmentNotes: null,
    deliveryStatus: 'not_shipped',
    lastRemake: null,
  },
  states: {
    /** Received from the clinic; nobody is working on it yet. */
    new: {
      on: {
        'case.assignDesigner': { ...assignDesigner, target: 'in_progress' },
        'case.outsource': outsource,
      },
    },
    /** A designer is working on it: first design, an adjustment, or a remake. Reassigning keeps it here. */
    in_progress: {
      on: {
        'case.assignDesigner': assignDesigner,
        'case.submitForApproval': {
          target: 'pending_approval',
          // A case back from a partner lab with adjustments requested has nobody's design to submit until a designer takes it.
          guard: permit('case.submitForApproval', { when: (c) => c.assignedDesignerId !== null }),
          actions: [assign({ approvalStatus: 'pending' }), announce('CaseSubmitted')],
        },
        'case.outsource': outsource,
      },
    },
    /** The design waits for the dentist, who approves it or asks for an adjustment. */
    pending_approval: {
      on: {
        'case.approve': {
          target: 'completed',
          guard: permit('case.approve'),
          actions: [assign({ approvalStatus: 'approved', completedAt: ({ event }) => event.at }), announce('CaseApproved')],
        },
        'case.requestAdjustment': {
          target: 'in_progress',
          guard: permit('case.requestAdjustment', { valid: (e) => filled(e.notes) }),
          actions: [
            assign({
              redoCount: ({ context }) => context.redoCount + 1,
              adjustmentNotes: ({ event }) => event.notes,
              approvalStatus: 'changes_requested',
            }),
            announce('CaseAdjustmentRequested'),
          ],
        },
      },
    },
    /** Approved; the substates track delivery, mirrored in context.deliveryStatus for the delivery column. */
    completed: {
      initial: 'not_shipped',
      states: {
        /** Made and approved, still in the lab. */
        not_shipped: {
          on: {
            'case.ship': {
              target: 'shipped',
              guard: permit('case.ship'),
              actions: [assign({ deliveryStatus: 'shipped' }), announce('CaseShipped')],
            },
          },
        },
        /** On its way to the clinic. */
        shipped: {
          on: {
            'case.deliver': {
              target: 'delivered',
              guard: permit('case.deliver'),
              actions: [assign({ deliveryStatus: 'delivered' }), announce('CaseDelivered')],
            },
          },
        },
        /** At the clinic; only a delivered case can come back for a remake, since only then has it been tried in. */
        delivered: {
          on: {
            'case.remake': {
              target: '#case.in_progress',
              guard: permit('case.remake', {
                valid: (e) => remakeReasons.includes(e.reason) && (e.reason !== 'other' || filled(e.details)),
              }),
              actions: [
                assign({
                  redoCount: ({ context }) => context.redoCount + 1,
                  completedAt: null,
                  approvalStatus: 'not_submitted',
                  deliveryStatus: 'not_shipped',
                  lastRemake: ({ event }) => ({ reason: event.reason, details: event.details, at: event.at }),
                }),
                announce('CaseRemakeRequested'),
              ],
            },
          },
        },
      },
    },
    /** Made by a partner lab; it comes back for the dentist's approval like in-house work. */
    sent_to_outsource: {
      on: {
        'case.returnFromOutsource': {
          target: 'pending_approval',
          guard: permit('case.returnFromOutsource'),
          actions: [assign({ approvalStatus: 'pending' }), announce('CaseReturnedFromOutsource')],
        },
      },
    },
  },
});

/** The board column of a persisted case state, e.g. 'completed' for 'completed.shipped'; throws for any other value. */
export function statusOf(value: StateValueString): CaseStatus {
  const column = caseStatuses.find(({ status }) => status === value.split('.')[0]);
  if (!column) throw new Error(`'${value}' is not a case state`);
  return column.status;
}

/** The delivery step of a persisted case state; a case that is not completed counts as not shipped, as its context does. */
export function deliveryOf(value: StateValueString): DeliveryStatus {
  const [status, delivery] = value.split('.');
  return status === 'completed' ? (delivery as DeliveryStatus) : 'not_shipped';
}

/**
 * The event a drop of the card on the `target` column would send, or null if `actor` cannot move
 * it there now. Read off the machine's transitions so the board can never disagree with the server.
 */
export function canMoveTo(persisted: Persisted<CaseContext>, actor: Caller, target: CaseStatus): CaseEventType | null {
  if (statusOf(persisted.value) === target) return null;
  const transitions = getNextTransitions(restore(caseMachine, persisted));
  return (
    allowedEvents(caseMachine, persisted, actor).find((type) =>
      transitions.some((t) => t.eventType === type && t.target?.[0]?.path[0] === target),
    ) ?? null
  );
}
