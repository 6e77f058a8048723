/**
 * The clinic's calendar. Days, working hours and ticket days are the clinic's local ones; orgs do
 * not carry a time zone yet, so the server process's zone (TZ) is the clinic's.
 */

export const workingHours = { opens: 8, closes: 18 } as const;
export const slotMinutes = 30;

/** The clinic day of an instant, 'YYYY-MM-DD'. */
export function clinicDay(instant: Date): string {
  const y = instant.getFullYear();
  const m = String(instant.getMonth() + 1).padStart(2, '0');
  const d = String(instant.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** The first instant of a clinic day and of the next one. */
export function dayBounds(day: string): { start: Date; end: Date } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { start: new Date(y, m - 1, d), end: new Date(y, m - 1, d + 1) };
}

export interface Interval {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The bookable slots of a day: working hours cut into `slotMinutes` slots, minus every slot that
 * overlaps a booked interval or has already begun at `now`.
 */
export function freeSlots(day: string, booked: Interval[], now: Date): Interval[] {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const slots: Interval[] = [];
  for (let minute = workingHours.opens * 60; minute < workingHours.closes * 60; minute += slotMinutes) {
    const startsAt = new Date(y, m - 1, d, 0, minute);
    const endsAt = new Date(y, m - 1, d, 0, minute + slotMinutes);
    if (startsAt < now) continue;
    if (booked.some((b) => b.startsAt < endsAt && startsAt < b.endsAt)) continue;
    slots.push({ startsAt, endsAt });
  }
  return slots;
}
