import { assign, emit, setup } from 'xstate';
import { permitter } from './attempt';
import type { Actor, Caller } from './roles';

export interface VisitContext {
  /** End of the visit's validity days: no session starts at or after it. */
  expiresAt: string;
  sessionCount: number;
  /** When the patient was called for the current session; cleared when they go back to the queue. */
  calledAt: string | null;
  /** Whether the last consultation ended with a prescription, which must be printed and dispensed before closing. */
  hasPrescription: boolean;
  printedAt: string | null;
  dispensedAt: string | null;
  closedAt: string | null;
}

/** What a visit starts from: the end of its validity, after which no session may start. */
export interface VisitInput {
  expiresAt: string;
}

export type VisitEvent =
  | { type: 'visit.queue'; actor: Caller }
  | { type: 'visit.call'; actor: Caller; at: string }
  | { type: 'visit.recall'; actor: Caller; at: string }
  | { type: 'visit.start'; actor: Caller; at: string }
  | { type: 'visit.complete'; actor: Caller; at: string; hasPrescription: boolean }
  | { type: 'visit.requeue'; actor: Caller; at: string }
  | { type: 'visit.print'; actor: Caller; at: string }
  | { type: 'visit.dispense'; actor: Caller; at: string }
  | { type: 'visit.close'; actor: Caller; at: string }
  | { type: 'visit.cancel'; actor: Caller }
  | { type: 'visit.noShow'; actor: Caller }
  | { type: 'visit.expire'; actor: Caller; at: string };
export type VisitEventType = VisitEvent['type'];

/** Domain events a visit transition emits, named for the outbox, the queues and the waiting-room display. */
export type VisitDomainEvent = {
  type:
    | 'VisitQueued'
    | 'VisitCalled'
    | 'VisitRecalled'
    | 'ConsultationStarted'
    | 'ConsultationCompleted'
    | 'VisitRequeued'
    | 'PrescriptionPrinted'
    | 'PrescriptionDispensed'
    | 'VisitClosed'
    | 'VisitCancelled'
    | 'VisitMarkedNoShow'
    | 'VisitExpired';
};

/** Which roles may send each visit event. */
export const visitEventRoles: Record<VisitEventType, readonly Actor[]> = {
  'visit.queue': ['receptionist', 'org_admin', 'medical_staff'],
  'visit.call': ['doctor', 'org_admin'],
  'visit.recall': ['doctor'],
  'visit.start': ['doctor'],
  'visit.complete': ['doctor'],
  'visit.requeue': ['receptionist', 'org_admin', 'doctor'],
  'visit.print': ['medical_staff', 'org_admin'],
  'visit.dispense': ['medical_staff', 'org_admin'],
  'visit.close': ['receptionist', 'org_admin', 'medical_staff', 'doctor'],
  'visit.cancel': ['receptionist', 'org_admin'],
  'visit.noShow': ['receptionist', 'doctor', 'org_admin'],
  'visit.expire': ['system', 'org_admin'],
};

const permit = permitter<VisitContext, VisitEvent>(visitEventRoles);
const announce = (type: VisitDomainEvent['type']) => ({ type: 'announce', params: { type } }) as const;
// Compared as instants, not strings: the same moment can be written with different offsets.
const beforeExpiry = (at: string, { expiresAt }: VisitContext) => Date.parse(at) < Date.parse(expiresAt);

const cancel = { target: 'cancelled', guard: permit('visit.cancel'), actions: announce('VisitCancelled') } as const;
const noShow = { target: 'no_show', guard: permit('visit.noShow'), actions: announce('VisitMarkedNoShow') } as const;
const requeue = {
  target: 'waiting',
  guard: permit('visit.requeue', { valid: (e, c) => beforeExpiry(e.at, c) }),
  actions: ['openSession', announce('VisitRequeued')],
} as const;
const expire = {
  target: 'expired',
  // Not !beforeExpiry: an unreadable time must be refused here as well.
  guard: permit('visit.expire', { valid: (e, c) => Date.parse(e.at) >= Date.parse(c.expiresAt) }),
  actions: announce('VisitExpired'),
} as const;

/**
 * A patient's clinic visit from check-in through consultation and pharmacy; follow-up sessions loop
 * back to the queue while the visit is valid.
 */
export const visitMachine = setup({
  types: {
    context: {} as VisitContext,
    events: {} as VisitEvent,
    input: {} as VisitInput,
    emitted: {} as VisitDomainEvent,
  },
  actions: {
    announce: emit((_, domainEvent: VisitDomainEvent) => domainEvent),
    // Each session's prescription goes through the pharmacy on its own; stamps left from the last
    // session would make the next prescription look printed or dispensed already.
    openSession: assign({ calledAt: null, hasPrescription: false, printedAt: null, dispensedAt: null }),
  },
}).createMachine({
  id: 'visit',
  initial: 'checked_in',
  context: ({ input }) => ({
    expiresAt: input.expiresAt,
    sessionCount: 0,
    calledAt: null,
    hasPrescription: false,
    printedAt: null,
    dispensedAt: null,
    closedAt: null,
  }),
  states: {
    /** At reception with vitals taken, not yet in a doctor's queue. */
    checked_in: {
      on: {
        'visit.queue': { target: 'waiting', guard: permit('visit.queue'), actions: announce('VisitQueued') },
        'visit.cancel': cancel,
        'visit.expire': expire,
      },
    },
    /** In the doctor's queue with a ticket. */
    waiting: {
      on: {
        'visit.call': {
          target: 'called',
          guard: permit('visit.call'),
          actions: [assign({ calledAt: ({ event }) => event.at }), announce('VisitCalled')],
        },
        'visit.cancel': cancel,
        'visit.noShow': noShow,
        'visit.expire': expire,
      },
    },
    /** Shown on the waiting-room display; the doctor may call again before the patient arrives. */
    called: {
      on: {
        // A new call time, so the display shows the ticket on top again and chimes for it.
        'visit.recall': {
          guard: permit('visit.recall'),
          actions: [assign({ calledAt: ({ event }) => event.at }), announce('VisitRecalled')],
        },
        'visit.start': {
          target: 'in_consultation',
          guard: permit('visit.start', { valid: (e, c) => beforeExpiry(e.at, c) }),
          actions: [assign({ sessionCount: ({ context }) => context.sessionCount + 1 }), announce('ConsultationStarted')],
        },
        'visit.cancel': cancel,
        'visit.noShow': noShow,
        'visit.expire': expire,
      },
    },
    /** With the doctor. */
    in_consultation: {
      on: {
        'visit.complete': {
          target: 'consultation_done',
          guard: permit('visit.complete'),
          actions: [assign({ hasPrescription: ({ event }) => event.hasPrescription }), announce('ConsultationCompleted')],
        },
        'visit.expire': expire,
      },
    },
    /** Seen; a prescription goes to the pharmacy, otherwise the visit can close. */
    consultation_done: {
      on: {
        'visit.print': {
          target: 'printed',
          guard: permit('visit.print', { when: (c) => c.hasPrescription }),
          actions: [assign({ printedAt: ({ event }) => event.at }), announce('PrescriptionPrinted')],
        },
        'visit.close': {
          target: 'closed',
          // A prescription must pass through the pharmacy before the visit can close.
          guard: permit('visit.close', { when: (c) => !c.hasPrescription }),
          actions: [assign({ closedAt: ({ event }) => event.at }), announce('VisitClosed')],
        },
        'visit.requeue': requeue,
        'visit.expire': expire,
      },
    },
    /** Prescription label printed in the pharmacy, medicines not yet handed over. */
    printed: {
      on: {
        'visit.dispense': {
          target: 'dispensed',
          guard: permit('visit.dispense'),
          actions: [assign({ dispensedAt: ({ event }) => event.at }), announce('PrescriptionDispensed')],
        },
        'visit.requeue': requeue,
        'visit.expire': expire,
      },
    },
    /** Medicines handed over. */
    dispensed: {
      on: {
        'visit.close': {
          target: 'closed',
          guard: permit('visit.close'),
          actions: [assign({ closedAt: ({ event }) => event.at }), announce('VisitClosed')],
        },
        'visit.requeue': requeue,
        'visit.expire': expire,
      },
    },
    /** Done. */
    closed: { type: 'final' },
    /** Called off before the consultation. */
    cancelled: { type: 'final' },
    /** The patient did not come when waited for or called. */
    no_show: { type: 'final' },
    /** The validity days ran out before the visit closed. */
    expired: { type: 'final' },
  },
});
