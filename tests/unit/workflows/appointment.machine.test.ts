import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedEvents, appointmentMachine, attempt, initial } from '../../../workflows';
import type { Actor, AppointmentContext, AppointmentEvent, AppointmentEventType, Caller, Persisted } from '../../../workflows';
import { caller, choose, describeTransitionTable, documentedTransitions, runs, walk } from './support';
import type { Spec } from './support';

const startsAt = '2024-03-04T09:30:00.000Z';
const at = '2024-03-01T10:00:00.000Z';
const reception = caller('receptionist');
const patient = caller('patient');

const booked: AppointmentContext = { startsAt, rescheduleCount: 0, finishedAt: null, cancelledAt: null, cancelReason: null };

const states = {
  scheduled: { value: 'scheduled', context: booked },
  checked_in: { value: 'checked_in', context: booked },
  finished: { value: 'finished', context: { ...booked, finishedAt: at } },
  cancelled: { value: 'cancelled', context: { ...booked, cancelledAt: at } },
  no_show: { value: 'no_show', context: booked },
} satisfies Record<string, Persisted<AppointmentContext>>;

const finalStates = ['finished', 'cancelled', 'no_show'];

// The spec's role table, written out again so a slip in the machine's table shows up here.
const senders: Record<AppointmentEventType, readonly Actor[]> = {
  'appointment.reschedule': ['receptionist', 'org_admin', 'patient'],
  'appointment.checkIn': ['receptionist', 'org_admin'],
  'appointment.cancel': ['receptionist', 'org_admin', 'patient'],
  'appointment.noShow': ['receptionist', 'org_admin'],
  'appointment.finish': ['receptionist', 'org_admin', 'doctor'],
};

function validEvent(type: AppointmentEventType, actor: Caller): AppointmentEvent {
  switch (type) {
    case 'appointment.reschedule':
      return { type, actor, startsAt: '2024-03-05T11:00:00.000Z' };
    case 'appointment.cancel':
      return { type, actor, at, reason: 'Feeling better' };
    case 'appointment.finish':
      return { type, actor, at };
    default:
      return { type, actor };
  }
}

const spec: Spec<typeof appointmentMachine> = {
  machine: appointmentMachine,
  eventTypes: Object.keys(senders) as AppointmentEventType[],
  senders,
  validEvent,
  fixtures: [
    {
      name: 'scheduled',
      persisted: states.scheduled,
      edges: {
        'appointment.reschedule': 'scheduled',
        'appointment.checkIn': 'checked_in',
        'appointment.cancel': 'cancelled',
        'appointment.noShow': 'no_show',
      },
    },
    { name: 'checked_in', persisted: states.checked_in, edges: { 'appointment.finish': 'finished' } },
    { name: 'finished', persisted: states.finished, edges: {} },
    { name: 'cancelled', persisted: states.cancelled, edges: {} },
    { name: 'no_show', persisted: states.no_show, edges: {} },
  ],
};

const send = (persisted: Persisted<AppointmentContext>, event: AppointmentEvent) =>
  attempt(appointmentMachine, persisted, event);

describe('appointmentMachine', () => {
  describe('transition table', () => {
    describeTransitionTable(spec);
  });

  describe('effects', () => {
    it('starts scheduled at its booked time', () => {
      expect(initial(appointmentMachine, { startsAt })).toEqual({ value: 'scheduled', context: booked });
    });

    it('moves the appointment and counts each reschedule', () => {
      const moved = '2024-03-05T11:00:00.000Z';
      const first = send(states.scheduled, { type: 'appointment.reschedule', actor: patient, startsAt: moved });
      expect(first).toEqual({
        accepted: true,
        from: 'scheduled',
        value: 'scheduled',
        context: { ...booked, startsAt: moved, rescheduleCount: 1 },
        actions: ['AppointmentRescheduled'],
      });
      if (!first.accepted) return;
      expect(send(first, { type: 'appointment.reschedule', actor: reception, startsAt })).toMatchObject({
        context: { startsAt, rescheduleCount: 2 },
      });
    });

    it('refuses a reschedule to an unreadable time', () => {
      for (const time of ['', 'next Tuesday']) {
        const result = send(states.scheduled, { type: 'appointment.reschedule', actor: patient, startsAt: time });
        expect(result.accepted, time).toBe(false);
      }
    });

    it('records when and why it was cancelled', () => {
      expect(send(states.scheduled, { type: 'appointment.cancel', actor: patient, at, reason: ' Travelling ' })).toEqual({
        accepted: true,
        from: 'scheduled',
        value: 'cancelled',
        context: { ...booked, cancelledAt: at, cancelReason: 'Travelling' },
        actions: ['AppointmentCancelled'],
      });
    });

    it('keeps no reason when none or a blank one is given', () => {
      for (const reason of [undefined, '  ']) {
        expect(send(states.scheduled, { type: 'appointment.cancel', actor: reception, at, reason })).toMatchObject({
          context: { cancelledAt: at, cancelReason: null },
        });
      }
    });

    it('checks in and finishes, stamping the finish', () => {
      expect(send(states.scheduled, { type: 'appointment.checkIn', actor: reception })).toMatchObject({
        value: 'checked_in',
        context: booked,
        actions: ['AppointmentCheckedIn'],
      });
      expect(send(states.checked_in, { type: 'appointment.finish', actor: caller('doctor'), at })).toMatchObject({
        value: 'finished',
        context: { finishedAt: at },
        actions: ['AppointmentFinished'],
      });
    });

    it('marks a no-show', () => {
      expect(send(states.scheduled, { type: 'appointment.noShow', actor: reception })).toMatchObject({
        value: 'no_show',
        actions: ['AppointmentMarkedNoShow'],
      });
    });

    it('refuses check-in from a patient', () => {
      expect(send(states.scheduled, { type: 'appointment.checkIn', actor: patient })).toEqual({
        accepted: false,
        from: 'scheduled',
        allowed: ['appointment.reschedule', 'appointment.cancel'],
      });
    });
  });

  describe('graph', () => {
    it('reaches every state and exactly the documented transitions from a booking', () => {
      const { states: reached, transitions } = walk(spec, initial(appointmentMachine, { startsAt }), (p) => p.value);
      expect([...reached].sort()).toEqual(Object.keys(states).sort());
      expect(transitions).toEqual(documentedTransitions(spec));
    });
  });

  describe('invariants under random commands', () => {
    const time = fc.integer({ min: 0, max: 14 * 86_400_000 }).map((ms) => new Date(Date.parse(at) + ms).toISOString());
    const payload = fc.record({
      startsAt: fc.oneof(time, fc.constantFrom('', 'soon')),
      at: time,
      reason: fc.option(fc.constantFrom('', ' ', 'Travelling'), { nil: undefined }),
    });

    it('keeps counts and stamps consistent and final states closed after every step', () => {
      const visited = new Set(['scheduled']);
      fc.assert(
        fc.property(runs(payload, 30), (run) => {
          let persisted = initial(appointmentMachine, { startsAt });
          for (const [step, fields] of run) {
            const chosen = choose(spec, persisted, step, ['appointment.cancel', 'appointment.noShow']);
            const event = { ...chosen, ...fields } as AppointmentEvent;
            const result = send(persisted, event);
            if (finalStates.includes(persisted.value)) {
              expect(result).toEqual({ accepted: false, from: persisted.value, allowed: [] });
              continue;
            }
            if (!result.accepted) {
              expect(result.allowed).toEqual(allowedEvents(appointmentMachine, persisted, event.actor));
              continue;
            }
            expect(senders[event.type]).toContain(event.actor.role);
            const { value, context } = result;
            const rescheduled = event.type === 'appointment.reschedule' ? 1 : 0;
            expect(context.rescheduleCount).toBe(persisted.context.rescheduleCount + rescheduled);
            expect(context.finishedAt !== null).toBe(value === 'finished');
            expect(context.cancelledAt !== null).toBe(value === 'cancelled');
            persisted = { value, context };
            visited.add(value);
          }
        }),
        { numRuns: 200 },
      );
      // Guards against a generator that never leaves the first state.
      expect(visited.size).toBe(5);
    });
  });
});
