import { DateTime } from 'luxon';

/**
 * The clinic's calendar. Days, working hours and ticket days are the clinic's local ones, in the
 * org's IANA time zone: one server serves clinics in many zones, so its own zone (TZ) means nothing here.
 */

export const workingHours = { opens: 8, closes: 18 } as const;
export const slotMinutes = 30;

/** The clinic day of an instant in `timeZone`, 'YYYY-MM-DD'. */
export function clinicDay(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
}

/** The first instant of a clinic day and of the next one; 23 or 25 hours apart on a daylight-saving change. */
export function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  const start = startOfDay(day, timeZone);
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

export interface Interval {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The bookable slots of a day: working hours (wall-clock hours in `timeZone`) cut into
 * `slotMinutes` slots, minus every slot that overlaps a booked interval or has already begun at `now`.
 */
export function freeSlots(day: string, booked: Interval[], now: Date, timeZone: string): Interval[] {
  const start = startOfDay(day, timeZone);
  const slots: Interval[] = [];
  for (let minute = workingHours.opens * 60; minute < workingHours.closes * 60; minute += slotMinutes) {
    // Set the wall clock rather than add minutes to midnight: on a daylight-saving change day the
    // clinic still opens at 08:00 on its clocks.
    const opensAt = start.set({ hour: Math.floor(minute / 60), minute: minute % 60 });
    const startsAt = opensAt.toJSDate();
    const endsAt = opensAt.plus({ minutes: slotMinutes }).toJSDate();
    if (startsAt < now) continue;
    if (booked.some((b) => b.startsAt < endsAt && startsAt < b.endsAt)) continue;
    slots.push({ startsAt, endsAt });
  }
  return slots;
}

function startOfDay(day: string, timeZone: string): DateTime {
  const start = DateTime.fromISO(day, { zone: timeZone });
  if (!start.isValid) throw new Error(`${day} is not a day in ${timeZone}: ${start.invalidExplanation}`);
  return start;
}
