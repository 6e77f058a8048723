import { DateTime } from 'luxon';
import type { FieldError } from '../../shared/errors';
import { dayBounds, slotMinutes, workingHours, type Interval } from './clinic-calendar';

/**
 * The one booking rule, shared by the free-slots calendar, booking and rescheduling. Pure: the
 * caller passes the instant it calls "now", and every wall-clock reading is in the org's zone.
 */

/** A patient books for themselves online; the desk (receptionist, admin) books for anyone. */
export type Booker = 'patient' | 'staff';

/** The length a patient books: one slot of the calendar. */
export const standardDurationMinutes = slotMinutes;
/** The lengths the desk may choose. */
export const staffDurationMinutes = { min: 5, max: 240, step: 5 } as const;
/** The desk may still enter a slot that began moments ago: the patient is standing at the counter. */
export const staffGraceMinutes = 5;
/** How far ahead anyone may book. */
export const bookingHorizon = { years: 1 } as const;
/** A no-show is marked once the patient is this late, never before the appointment has begun. */
export const noShowGraceMinutes = 10;

export interface Booking {
  startsAt: Date;
  durationMinutes: number;
}

export interface BookingContext {
  booker: Booker;
  now: Date;
  /** The org's IANA zone: working hours and the slot grid are its wall clock. */
  timeZone: string;
  /** The professional's name as the desk knows it, for the refusal's words. */
  professional: string;
}

const minute = 60_000;
const hhmm = (minuteOfDay: number) => `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
const opensAt = workingHours.opens * 60;
const closesAt = workingHours.closes * 60;
const hoursText = `${hhmm(opensAt)}–${hhmm(closesAt)}`;
const gridExample = [0, 1, 2].map((i) => hhmm(opensAt + i * slotMinutes)).join(', ');

/**
 * Why `booking` may not be made: at most one message per field (`startsAt`, `durationMinutes`),
 * worded for the desk; none when it may. A patient may take exactly a slot the calendar offers
 * (`freeSlots`); the desk may also choose another length and enter a slot that began moments ago.
 * Whether the professional is free then is the database's call (no double booking).
 */
export function bookingRefusals(booking: Booking, context: BookingContext): FieldError[] {
  const refusals: FieldError[] = [];
  const start = startRefusal(booking, context);
  if (start) refusals.push({ field: 'startsAt', message: start });
  // An overrun is worth saying only of a start that is itself acceptable.
  const duration = lengthRefusal(booking, context) ?? (start ? null : overrunRefusal(booking, context));
  if (duration) refusals.push({ field: 'durationMinutes', message: duration });
  return refusals;
}

function startRefusal({ startsAt }: Booking, { booker, now, timeZone, professional }: BookingContext): string | null {
  const earliest = booker === 'patient' ? now.getTime() : now.getTime() - staffGraceMinutes * minute;
  if (startsAt.getTime() < earliest) return 'is in the past';
  const latest = DateTime.fromJSDate(now, { zone: timeZone }).plus(bookingHorizon);
  if (startsAt.getTime() > latest.toMillis()) return `is more than a year ahead (the calendar runs to ${latest.setLocale('en-GB').toFormat('d LLL yyyy')})`;
  const local = DateTime.fromJSDate(startsAt, { zone: timeZone });
  const minuteOfDay = local.hour * 60 + local.minute;
  if (minuteOfDay < opensAt || minuteOfDay >= closesAt) return `is outside ${professional}'s working hours (${hoursText})`;
  if (local.second !== 0 || local.millisecond !== 0 || (minuteOfDay - opensAt) % slotMinutes !== 0) {
    return `is not one of the calendar's times (every ${slotMinutes} minutes: ${gridExample}, …)`;
  }
  return null;
}

function lengthRefusal({ durationMinutes }: Booking, { booker }: BookingContext): string | null {
  if (booker === 'patient') return durationMinutes === standardDurationMinutes ? null : `must be ${standardDurationMinutes} minutes: a booking online takes one slot`;
  const { min, max, step } = staffDurationMinutes;
  if (!Number.isInteger(durationMinutes) || durationMinutes < min || durationMinutes > max || durationMinutes % step !== 0) {
    return `must be ${min} to ${max} minutes, in steps of ${step}`;
  }
  return null;
}

function overrunRefusal({ startsAt, durationMinutes }: Booking, { timeZone, professional }: BookingContext): string | null {
  const local = DateTime.fromJSDate(startsAt, { zone: timeZone });
  const closing = local.set({ hour: workingHours.closes, minute: 0, second: 0, millisecond: 0 });
  const end = local.plus({ minutes: durationMinutes });
  return end > closing ? `would end at ${end.toFormat('HH:mm')}, after ${professional}'s working hours (${hoursText})` : null;
}

/**
 * The calendar's bookable slots of a day: working hours (wall-clock hours in `timeZone`) cut into
 * `slotMinutes` slots, each one the booking rule lets a patient take at `now`, minus every slot
 * that overlaps a booked interval. So every slot offered books, and a patient books nothing else.
 */
export function freeSlots(day: string, booked: Interval[], context: Omit<BookingContext, 'booker'>): Interval[] {
  const { start } = dayBounds(day, context.timeZone);
  const midnight = DateTime.fromJSDate(start, { zone: context.timeZone });
  const slots: Interval[] = [];
  for (let minuteOfDay = opensAt; minuteOfDay < closesAt; minuteOfDay += slotMinutes) {
    // Set the wall clock rather than add minutes to midnight: on a daylight-saving change day the
    // clinic still opens at 08:00 on its clocks.
    const startsAt = midnight.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 }).toJSDate();
    const endsAt = new Date(startsAt.getTime() + standardDurationMinutes * minute);
    if (bookingRefusals({ startsAt, durationMinutes: standardDurationMinutes }, { ...context, booker: 'patient' }).length) continue;
    if (booked.some((b) => b.startsAt < endsAt && startsAt < b.endsAt)) continue;
    slots.push({ startsAt, endsAt });
  }
  return slots;
}

/** The first instant an appointment starting at `startsAt` can be marked a no-show. */
export function noShowFrom(startsAt: Date): Date {
  return new Date(startsAt.getTime() + noShowGraceMinutes * minute);
}

/**
 * Why a no-show may not be marked yet, or null once it may: the patient is `noShowGraceMinutes`
 * late (so never before the appointment's day, and never for one still ahead).
 */
export function noShowRefusal(startsAt: Date, now: Date, timeZone: string): string | null {
  const from = noShowFrom(startsAt);
  if (now >= from) return null;
  const at = (instant: Date) => DateTime.fromJSDate(instant, { zone: timeZone });
  return `Too early to mark a no-show: the appointment starts at ${at(startsAt).setLocale('en-GB').toFormat("HH:mm 'on' d LLL yyyy")}; it can be marked from ${at(from).toFormat('HH:mm')}, ${noShowGraceMinutes} minutes after it begins`;
}
