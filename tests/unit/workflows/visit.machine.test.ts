import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedEvents, attempt, initial, visitMachine } from '../../../workflows';
import type { Actor, Caller, Persisted, VisitContext, VisitEvent, VisitEventType } from '../../../workflows';
import { caller, choose, describeTransitionTable, documentedTransitions, runs, walk } from './support';
import type { Spec } from './support';

const expiresAt = '2024-03-08T00:00:00.000Z';
const at = '2024-03-01T10:00:00.000Z';
const afterExpiry = '2024-03-09T00:00:00.000Z';
// The expiry instant written with another offset: string order says it is earlier, the clock says it is the same.
const expiryElsewhere = '2024-03-07T19:00:00.000-05:00';
const day = 86_400_000;

const doctor = caller('doctor');
const pharmacist = caller('medical_staff');
const reception = caller('receptionist');

const checkedIn: VisitContext = {
  expiresAt,
  sessionCount: 0,
  calledAt: null,
  hasPrescription: false,
  printedAt: null,
  dispensedAt: null,
  closedAt: null,
};
const called: VisitContext = { ...checkedIn, calledAt: at };
const consulting: VisitContext = { ...called, sessionCount: 1 };
const prescribed: VisitContext = { ...consulting, hasPrescription: true };
const printed: VisitContext = { ...prescribed, printedAt: at };
const dispensed: VisitContext = { ...printed, dispensedAt: at };

const states = {
  checked_in: { value: 'checked_in', context: checkedIn },
  waiting: { value: 'waiting', context: checkedIn },
  called: { value: 'called', context: called },
  in_consultation: { value: 'in_consultation', context: consulting },
  prescribed: { value: 'consultation_done', context: prescribed },
  unprescribed: { value: 'consultation_done', context: consulting },
  printed: { value: 'printed', context: printed },
  dispensed: { value: 'dispensed', context: dispensed },
  closed: { value: 'closed', context: { ...dispensed, closedAt: at } },
  cancelled: { value: 'cancelled', context: checkedIn },
  no_show: { value: 'no_show', context: called },
  expired: { value: 'expired', context: checkedIn },
} satisfies Record<string, Persisted<VisitContext>>;

const finalStates = ['closed', 'cancelled', 'no_show', 'expired'];

// The spec's role table, written out again so a slip in the machine's table shows up here.
const senders: Record<VisitEventType, readonly Actor[]> = {
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

function validEvent(type: VisitEventType, actor: Caller): VisitEvent {
  switch (type) {
    case 'visit.queue':
    case 'visit.cancel':
    case 'visit.noShow':
      return { type, actor };
    case 'visit.complete':
      return { type, actor, at, hasPrescription: true };
    case 'visit.expire':
      return { type, actor, at: afterExpiry };
    default:
      return { type, actor, at };
  }
}

const open = { 'visit.expire': 'expired' } as const;
const spec: Spec<typeof visitMachine> = {
  machine: visitMachine,
  eventTypes: Object.keys(senders) as VisitEventType[],
  senders,
  validEvent,
  fixtures: [
    {
      name: 'checked_in',
      persisted: states.checked_in,
      edges: { ...open, 'visit.queue': 'waiting', 'visit.cancel': 'cancelled' },
    },
    {
      name: 'waiting',
      persisted: states.waiting,
      edges: { ...open, 'visit.call': 'called', 'visit.cancel': 'cancelled', 'visit.noShow': 'no_show' },
    },
    {
      name: 'called',
      persisted: states.called,
      edges: {
        ...open,
        'visit.recall': 'called',
        'visit.start': 'in_consultation',
        'visit.cancel': 'cancelled',
        'visit.noShow': 'no_show',
      },
    },
    { name: 'in_consultation', persisted: states.in_consultation, edges: { ...open, 'visit.complete': 'consultation_done' } },
    {
      name: 'consultation_done with a prescription',
      persisted: states.prescribed,
      edges: { ...open, 'visit.print': 'printed', 'visit.requeue': 'waiting' },
    },
    {
      name: 'consultation_done without a prescription',
      persisted: states.unprescribed,
      edges: { ...open, 'visit.close': 'closed', 'visit.requeue': 'waiting' },
    },
    { name: 'printed', persisted: states.printed, edges: { ...open, 'visit.dispense': 'dispensed', 'visit.requeue': 'waiting' } },
    { name: 'dispensed', persisted: states.dispensed, edges: { ...open, 'visit.close': 'closed', 'visit.requeue': 'waiting' } },
    { name: 'closed', persisted: states.closed, edges: {} },
    { name: 'cancelled', persisted: states.cancelled, edges: {} },
    { name: 'no_show', persisted: states.no_show, edges: {} },
    { name: 'expired', persisted: states.expired, edges: {} },
  ],
};

const send = (persisted: Persisted<VisitContext>, event: VisitEvent) => attempt(visitMachine, persisted, event);

describe('visitMachine', () => {
  describe('transition table', () => {
    describeTransitionTable(spec);
  });

  describe('effects', () => {
    it('starts checked in with no session, valid until its expiry', () => {
      expect(initial(visitMachine, { expiresAt })).toEqual({ value: 'checked_in', context: checkedIn });
    });

    it('queues a checked-in patient', () => {
      expect(send(states.checked_in, { type: 'visit.queue', actor: reception })).toEqual({
        accepted: true,
        from: 'checked_in',
        value: 'waiting',
        context: checkedIn,
        actions: ['VisitQueued'],
      });
    });

    it('records when the patient was called', () => {
      expect(send(states.waiting, { type: 'visit.call', actor: doctor, at })).toMatchObject({
        value: 'called',
        context: { calledAt: at },
        actions: ['VisitCalled'],
      });
    });

    it('calls again without leaving called, at a new call time, so the display chimes again', () => {
      const recalledAt = '2024-03-01T10:05:00.000Z';
      expect(send(states.called, { type: 'visit.recall', actor: doctor, at: recalledAt })).toEqual({
        accepted: true,
        from: 'called',
        value: 'called',
        context: { ...called, calledAt: recalledAt },
        actions: ['VisitRecalled'],
      });
    });

    it('counts a session when the consultation starts', () => {
      expect(send(states.called, { type: 'visit.start', actor: doctor, at })).toMatchObject({
        value: 'in_consultation',
        context: { sessionCount: 1 },
        actions: ['ConsultationStarted'],
      });
    });

    it('refuses to start a session at or after expiry', () => {
      for (const when of [expiresAt, expiryElsewhere, afterExpiry]) {
        expect(send(states.called, { type: 'visit.start', actor: doctor, at: when }), when).toEqual({
          accepted: false,
          from: 'called',
          allowed: ['visit.recall', 'visit.start', 'visit.noShow'],
        });
      }
    });

    it('refuses to start a session at an unreadable time', () => {
      expect(send(states.called, { type: 'visit.start', actor: doctor, at: 'tomorrow' }).accepted).toBe(false);
    });

    it('records whether the consultation ended with a prescription', () => {
      for (const hasPrescription of [true, false]) {
        expect(send(states.in_consultation, { type: 'visit.complete', actor: doctor, at, hasPrescription })).toMatchObject({
          value: 'consultation_done',
          context: { hasPrescription },
          actions: ['ConsultationCompleted'],
        });
      }
    });

    it('prints and then dispenses a prescription, stamping each', () => {
      const printAt = '2024-03-01T11:00:00.000Z';
      const dispenseAt = '2024-03-01T11:05:00.000Z';
      const first = send(states.prescribed, { type: 'visit.print', actor: pharmacist, at: printAt });
      expect(first).toMatchObject({
        value: 'printed',
        context: { printedAt: printAt, dispensedAt: null },
        actions: ['PrescriptionPrinted'],
      });
      if (!first.accepted) return;
      const second = send(first, { type: 'visit.dispense', actor: pharmacist, at: dispenseAt });
      expect(second).toMatchObject({
        value: 'dispensed',
        context: { printedAt: printAt, dispensedAt: dispenseAt },
        actions: ['PrescriptionDispensed'],
      });
    });

    it('refuses to print when the consultation gave no prescription', () => {
      expect(send(states.unprescribed, { type: 'visit.print', actor: pharmacist, at })).toEqual({
        accepted: false,
        from: 'consultation_done',
        allowed: ['visit.close'],
      });
    });

    it('refuses to dispense before printing', () => {
      expect(send(states.prescribed, { type: 'visit.dispense', actor: pharmacist, at })).toEqual({
        accepted: false,
        from: 'consultation_done',
        allowed: ['visit.print'],
      });
    });

    it('closes a visit without a prescription straight after the consultation', () => {
      expect(send(states.unprescribed, { type: 'visit.close', actor: reception, at })).toMatchObject({
        value: 'closed',
        context: { closedAt: at },
        actions: ['VisitClosed'],
      });
    });

    it('refuses to close a visit whose prescription has not been dispensed', () => {
      for (const persisted of [states.prescribed, states.printed]) {
        expect(send(persisted, { type: 'visit.close', actor: reception, at }).accepted, persisted.value).toBe(false);
      }
    });

    it('requeues for a follow-up session with the last session’s pharmacy stamps cleared', () => {
      expect(send(states.dispensed, { type: 'visit.requeue', actor: reception, at })).toEqual({
        accepted: true,
        from: 'dispensed',
        value: 'waiting',
        context: { ...checkedIn, sessionCount: 1 },
        actions: ['VisitRequeued'],
      });
    });

    it('refuses a follow-up session after expiry', () => {
      expect(send(states.dispensed, { type: 'visit.requeue', actor: reception, at: expiryElsewhere }).accepted).toBe(false);
    });

    it('expires a visit from the system worker once its expiry has passed', () => {
      for (const when of [expiresAt, expiryElsewhere, afterExpiry]) {
        expect(send(states.waiting, { type: 'visit.expire', actor: caller('system'), at: when }), when).toMatchObject({
          accepted: true,
          value: 'expired',
          actions: ['VisitExpired'],
        });
      }
    });

    it('refuses to expire a visit before its expiry', () => {
      expect(send(states.waiting, { type: 'visit.expire', actor: caller('system'), at })).toEqual({
        accepted: false,
        from: 'waiting',
        allowed: ['visit.expire'],
      });
    });

    it('cancels and marks no-shows without touching the context', () => {
      expect(send(states.waiting, { type: 'visit.cancel', actor: reception })).toMatchObject({
        value: 'cancelled',
        context: checkedIn,
        actions: ['VisitCancelled'],
      });
      expect(send(states.called, { type: 'visit.noShow', actor: doctor })).toMatchObject({
        value: 'no_show',
        context: called,
        actions: ['VisitMarkedNoShow'],
      });
    });
  });

  describe('graph', () => {
    it('reaches every state and exactly the documented transitions from check-in', () => {
      const { states: reached, transitions } = walk(
        spec,
        initial(visitMachine, { expiresAt }),
        (p) => `${p.value}:${p.context.hasPrescription}`,
        (event) => (event.type === 'visit.complete' ? [event, { ...event, hasPrescription: false }] : [event]),
      );
      expect([...reached].sort()).toEqual([...new Set(spec.fixtures.map((f) => f.persisted.value))].sort());
      expect(transitions).toEqual(documentedTransitions(spec));
    });
  });

  describe('invariants under random commands', () => {
    const time = fc.oneof(
      fc.constantFrom(expiresAt, expiryElsewhere),
      fc.integer({ min: -3 * day, max: 2 * day }).map((ms) => new Date(Date.parse(expiresAt) + ms).toISOString()),
    );
    const payload = fc.record({ at: time, hasPrescription: fc.boolean() });
    const before = (a: string, b: string) => Date.parse(a) < Date.parse(b);

    it('keeps pharmacy order, session validity and final states after every step', () => {
      const visited = new Set(['checked_in']);
      fc.assert(
        fc.property(runs(payload, 100), (run) => {
          let persisted = initial(visitMachine, { expiresAt });
          let printedThisSession = false;
          for (const [step, fields] of run) {
            const chosen = choose(spec, persisted, step, ['visit.cancel', 'visit.noShow', 'visit.expire']);
            const event = { ...chosen, ...fields } as VisitEvent;
            const result = send(persisted, event);
            if (finalStates.includes(persisted.value)) {
              expect(result).toEqual({ accepted: false, from: persisted.value, allowed: [] });
              continue;
            }
            if (!result.accepted) {
              expect(result.allowed).toEqual(allowedEvents(visitMachine, persisted, event.actor));
              continue;
            }
            expect(senders[event.type]).toContain(event.actor.role);
            const { value, context } = result;
            expect(context.sessionCount).toBe(persisted.context.sessionCount + (event.type === 'visit.start' ? 1 : 0));
            if (event.type === 'visit.start' || event.type === 'visit.requeue') expect(before(event.at, expiresAt)).toBe(true);
            if (event.type === 'visit.expire') expect(before(event.at, expiresAt)).toBe(false);
            if (event.type === 'visit.print') {
              expect(persisted).toMatchObject({ value: 'consultation_done', context: { hasPrescription: true } });
              printedThisSession = true;
            }
            if (event.type === 'visit.dispense') expect(printedThisSession).toBe(true);
            if (event.type === 'visit.requeue') printedThisSession = false;
            const stamped = expect.any(String);
            if (value === 'printed') expect(context).toMatchObject({ printedAt: stamped, dispensedAt: null });
            if (value === 'dispensed') expect(context).toMatchObject({ printedAt: stamped, dispensedAt: stamped });
            if (value === 'closed' && context.hasPrescription) expect(context.dispensedAt).not.toBeNull();
            persisted = { value, context };
            visited.add(value);
          }
        }),
        { numRuns: 300 },
      );
      // Guards against a generator that never gets deep into the visit.
      expect(visited.size).toBe(11);
    });
  });
});
