import { assign, emit, setup } from 'xstate';
import { permitter } from './attempt';
import type { Actor, Caller } from './roles';

export interface AppointmentContext {
  startsAt: string;
  rescheduleCount: number;
  finishedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
}

/** What an appointment is booked with: its start. */
export interface AppointmentInput {
  startsAt: string;
}

export type AppointmentEvent =
  | { type: 'appointment.reschedule'; actor: Caller; startsAt: string }
  | { type: 'appointment.checkIn'; actor: Caller }
  | { type: 'appointment.cancel'; actor: Caller; at: string; reason?: string }
  | { type: 'appointment.noShow'; actor: Caller }
  | { type: 'appointment.finish'; actor: Caller; at: string };
export type AppointmentEventType = AppointmentEvent['type'];

/** Domain events an appointment transition emits, named for the outbox and patient notifications. */
export type AppointmentDomainEvent = {
  type:
    | 'AppointmentRescheduled'
    | 'AppointmentCheckedIn'
    | 'AppointmentCancelled'
    | 'AppointmentMarkedNoShow'
    | 'AppointmentFinished';
};

/** Which roles may send each appointment event; whether a patient owns the appointment is the server's check. */
export const appointmentEventRoles: Record<AppointmentEventType, readonly Actor[]> = {
  'appointment.reschedule': ['receptionist', 'org_admin', 'patient'],
  'appointment.checkIn': ['receptionist', 'org_admin'],
  'appointment.cancel': ['receptionist', 'org_admin', 'patient'],
  'appointment.noShow': ['receptionist', 'org_admin'],
  'appointment.finish': ['receptionist', 'org_admin', 'doctor'],
};

const permit = permitter<AppointmentContext, AppointmentEvent>(appointmentEventRoles);
const announce = (type: AppointmentDomainEvent['type']) => ({ type: 'announce', params: { type } }) as const;

/** A booked slot with a professional, from booking to check-in and the end of the visit. */
export const appointmentMachine = setup({
  types: {
    context: {} as AppointmentContext,
    events: {} as AppointmentEvent,
    input: {} as AppointmentInput,
    emitted: {} as AppointmentDomainEvent,
  },
  actions: {
    announce: emit((_, domainEvent: AppointmentDomainEvent) => domainEvent),
  },
}).createMachine({
  id: 'appointment',
  initial: 'scheduled',
  context: ({ input }) => ({
    startsAt: input.startsAt,
    rescheduleCount: 0,
    finishedAt: null,
    cancelledAt: null,
    cancelReason: null,
  }),
  states: {
    /** Booked and ahead. */
    scheduled: {
      on: {
        'appointment.reschedule': {
          guard: permit('appointment.reschedule', { valid: (e) => !Number.isNaN(Date.parse(e.startsAt)) }),
          actions: [
            assign({
              startsAt: ({ event }) => event.startsAt,
              rescheduleCount: ({ context }) => context.rescheduleCount + 1,
            }),
            announce('AppointmentRescheduled'),
          ],
        },
        'appointment.checkIn': {
          target: 'checked_in',
          guard: permit('appointment.checkIn'),
          actions: announce('AppointmentCheckedIn'),
        },
        'appointment.cancel': {
          target: 'cancelled',
          guard: permit('appointment.cancel'),
          actions: [
            assign({ cancelledAt: ({ event }) => event.at, cancelReason: ({ event }) => event.reason?.trim() || null }),
            announce('AppointmentCancelled'),
          ],
        },
        'appointment.noShow': {
          target: 'no_show',
          guard: permit('appointment.noShow'),
          actions: announce('AppointmentMarkedNoShow'),
        },
      },
    },
    /** The patient has arrived; the visit runs in visitMachine. */
    checked_in: {
      on: {
        'appointment.finish': {
          target: 'finished',
          guard: permit('appointment.finish'),
          actions: [assign({ finishedAt: ({ event }) => event.at }), announce('AppointmentFinished')],
        },
      },
    },
    /** Seen and done. */
    finished: { type: 'final' },
    /** Called off before check-in. */
    cancelled: { type: 'final' },
    /** The patient never checked in. */
    no_show: { type: 'final' },
  },
});
