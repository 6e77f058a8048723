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

function startOfDay(day: string, timeZone: string): DateTime {
  const start = DateTime.fromISO(day, { zone: timeZone });
  if (!start.isValid) throw new Error(`${day} is not a day in ${timeZone}: ${start.invalidExplanation}`);
  return start;
}
