import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { bookingRefusals, freeSlots, noShowRefusal, type Booker } from '../../server/modules/appointments/booking-rules';

// São Paulo is UTC-3 all year, and not the test process's zone: a rule reading the server's clock
// instead of the clinic's fails here.
const timeZone = 'America/Sao_Paulo';
const utc = (iso: string) => new Date(`${iso}Z`);
/** A wall-clock time on Monday 2 March 2026 in São Paulo. */
const local = (hhmm: string) => DateTime.fromISO(`2026-03-02T${hhmm}`, { zone: timeZone }).toJSDate();
const professional = 'Dr. Ana Costa';
const dayBefore = utc('2026-03-01T12:00:00');

function refusals(booker: Booker, startsAt: Date, durationMinutes = 30, now = dayBefore) {
  return Object.fromEntries(bookingRefusals({ startsAt, durationMinutes }, { booker, now, timeZone, professional }).map((r) => [r.field, r.message]));
}

describe('bookingRefusals', () => {
  it.each<[string, Booker, Date, number, Record<string, string>]>([
    ['a slot of the calendar, for a patient', 'patient', local('09:30'), 30, {}],
    ['the first slot of the day', 'patient', local('08:00'), 30, {}],
    ['the last slot of the day', 'patient', local('17:30'), 30, {}],
    ['another length from the desk', 'staff', local('09:00'), 45, {}],
    ['the longest length from the desk', 'staff', local('10:00'), 240, {}],
    ['a 5-minute booking from the desk', 'staff', local('09:00'), 5, {}],
    ['06:16 for 5 minutes from a patient', 'patient', local('06:16'), 5, { startsAt: "is outside Dr. Ana Costa's working hours (08:00–18:00)", durationMinutes: 'must be 30 minutes: a booking online takes one slot' }],
    ['a start off the grid', 'staff', local('09:15'), 30, { startsAt: "is not one of the calendar's times (every 30 minutes: 08:00, 08:30, 09:00, …)" }],
    ['a start with seconds', 'patient', new Date(local('09:00').getTime() + 1000), 30, { startsAt: "is not one of the calendar's times (every 30 minutes: 08:00, 08:30, 09:00, …)" }],
    ['a start at closing time', 'staff', local('18:00'), 30, { startsAt: "is outside Dr. Ana Costa's working hours (08:00–18:00)" }],
    ['an end after closing', 'staff', local('17:30'), 60, { durationMinutes: "would end at 18:30, after Dr. Ana Costa's working hours (08:00–18:00)" }],
    ['a length off the steps', 'staff', local('09:00'), 42, { durationMinutes: 'must be 5 to 240 minutes, in steps of 5' }],
    ['a length over the limit', 'staff', local('08:00'), 245, { durationMinutes: 'must be 5 to 240 minutes, in steps of 5' }],
    ['another length from a patient', 'patient', local('09:00'), 60, { durationMinutes: 'must be 30 minutes: a booking online takes one slot' }],
  ])('%s', (_, booker, startsAt, duration, expected) => {
    expect(refusals(booker, startsAt, duration)).toEqual(expected);
  });

  it('refuses the past: a patient not even a moment, the desk after a few minutes', () => {
    const now = local('09:04');
    expect(refusals('patient', local('09:00'), 30, now)).toEqual({ startsAt: 'is in the past' });
    expect(refusals('staff', local('09:00'), 30, now)).toEqual({});
    expect(refusals('staff', local('09:00'), 30, local('09:06'))).toEqual({ startsAt: 'is in the past' });
    expect(refusals('staff', utc('2025-11-02T06:00:00'), 30, now)).toEqual({ startsAt: 'is in the past' });
  });

  it('refuses more than a year ahead', () => {
    expect(refusals('staff', utc('2027-03-02T12:00:00'), 30, local('09:00'))).toEqual({});
    expect(refusals('staff', utc('2027-03-02T12:30:00'), 30, local('09:00'))).toEqual({ startsAt: 'is more than a year ahead (the calendar runs to 2 Mar 2027)' });
  });

  it('reads the hours on the clinic’s clocks, not the server’s', () => {
    // 08:00 UTC is 05:00 in São Paulo; 11:00 UTC is 08:00 there.
    expect(refusals('staff', utc('2026-03-02T08:00:00'))).toEqual({ startsAt: "is outside Dr. Ana Costa's working hours (08:00–18:00)" });
    expect(refusals('staff', utc('2026-03-02T11:00:00'))).toEqual({});
  });
});

describe('freeSlots', () => {
  it('offers exactly what a patient may book', () => {
    const now = local('10:10');
    const slots = freeSlots('2026-03-02', [], { now, timeZone, professional });
    expect(slots[0]!.startsAt).toEqual(local('10:30'));
    for (const slot of slots) expect(refusals('patient', slot.startsAt, 30, now)).toEqual({});
    const offered = new Set(slots.map((s) => s.startsAt.getTime()));
    for (let t = local('00:00').getTime(); t < local('23:59').getTime(); t += 5 * 60_000) {
      if (!offered.has(t)) expect(refusals('patient', new Date(t), 30, now)).not.toEqual({});
    }
  });

  it('offers nothing beyond the booking horizon', () => {
    expect(freeSlots('2027-03-03', [], { now: local('09:00'), timeZone, professional })).toEqual([]);
  });
});

describe('noShowRefusal', () => {
  it('waits until the patient is ten minutes late', () => {
    const startsAt = local('09:00');
    expect(noShowRefusal(startsAt, utc('2026-01-01T12:00:00'), timeZone)).toBe(
      'Too early to mark a no-show: the appointment starts at 09:00 on 2 Mar 2026; it can be marked from 09:10, 10 minutes after it begins',
    );
    expect(noShowRefusal(startsAt, local('09:09'), timeZone)).not.toBeNull();
    expect(noShowRefusal(startsAt, local('09:10'), timeZone)).toBeNull();
    expect(noShowRefusal(startsAt, utc('2026-03-05T12:00:00'), timeZone)).toBeNull();
  });
});
