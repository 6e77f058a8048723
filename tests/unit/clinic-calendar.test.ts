import { describe, expect, it } from 'vitest';
import { freeSlots } from '../../server/modules/appointments/booking-rules';
import { clinicDay, dayBounds } from '../../server/modules/appointments/clinic-calendar';
import { localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { canonicalTimeZone } from '../../server/shared/time-zone';

// The tests run in the server's zone (UTC here): each case uses a zone with another offset, so it
// fails if the calendar falls back to the process's zone.
const saoPaulo = 'America/Sao_Paulo'; // UTC-3, no daylight saving since 2019
const london = 'Europe/London';
const utc = (iso: string) => new Date(`${iso}Z`);

describe('clinicDay', () => {
  it('names the day of an instant in the given zone, not the server’s', () => {
    const lateEvening = utc('2026-03-03T01:30:00'); // 22:30 on the 2nd in São Paulo
    expect(clinicDay(lateEvening, 'UTC')).toBe('2026-03-03');
    expect(clinicDay(lateEvening, saoPaulo)).toBe('2026-03-02');
    expect(localToday(saoPaulo, lateEvening)).toBe('2026-03-02');
    expect(localToday('UTC', lateEvening)).toBe('2026-03-03');
  });
});

describe('dayBounds', () => {
  it('starts and ends a day at the zone’s midnight', () => {
    expect(dayBounds('2026-03-02', saoPaulo)).toEqual({ start: utc('2026-03-02T03:00:00'), end: utc('2026-03-03T03:00:00') });
    expect(dayBounds('2026-03-02', 'UTC')).toEqual({ start: utc('2026-03-02T00:00:00'), end: utc('2026-03-03T00:00:00') });
  });

  it('is 23 hours long when the clocks go forward and 25 when they go back', () => {
    const spring = dayBounds('2026-03-29', london);
    expect(spring).toEqual({ start: utc('2026-03-29T00:00:00'), end: utc('2026-03-29T23:00:00') });
    const autumn = dayBounds('2026-10-25', london);
    expect(autumn).toEqual({ start: utc('2026-10-24T23:00:00'), end: utc('2026-10-26T00:00:00') });
  });
});

describe('freeSlots', () => {
  const day = '2026-03-02';
  const professional = 'Dr. Ana Costa';

  it('cuts the clinic’s 08:00-18:00 into 30-minute slots on its own clocks', () => {
    const slots = freeSlots(day, [], { now: utc('2026-03-01T00:00:00'), timeZone: saoPaulo, professional });
    expect(slots).toHaveLength(20);
    expect(slots[0]).toEqual({ startsAt: utc('2026-03-02T11:00:00'), endsAt: utc('2026-03-02T11:30:00') });
    expect(slots.at(-1)).toEqual({ startsAt: utc('2026-03-02T20:30:00'), endsAt: utc('2026-03-02T21:00:00') });
  });

  it('drops slots that overlap a booking (touching is not overlapping) or have begun', () => {
    // 08:10 in São Paulo; a booking 09:15-10:00 there.
    const slots = freeSlots(day, [{ startsAt: utc('2026-03-02T12:15:00'), endsAt: utc('2026-03-02T13:00:00') }], { now: utc('2026-03-02T11:10:00'), timeZone: saoPaulo, professional });
    const starts = slots.map((s) => s.startsAt.toISOString().slice(11, 16));
    expect(starts).not.toContain('11:00');
    expect(starts).not.toContain('12:00');
    expect(starts).not.toContain('12:30');
    expect(starts).toContain('11:30');
    expect(starts).toContain('13:00');
  });

  it('opens at 08:00 on the clinic’s clocks on the days the clocks change', () => {
    const spring = freeSlots('2026-03-29', [], { now: utc('2026-03-28T00:00:00'), timeZone: london, professional });
    expect(spring).toHaveLength(20);
    expect(spring[0]!.startsAt).toEqual(utc('2026-03-29T07:00:00')); // 08:00 BST
    expect(spring.at(-1)!.endsAt).toEqual(utc('2026-03-29T17:00:00')); // 18:00 BST
    const autumn = freeSlots('2026-10-25', [], { now: utc('2026-10-24T00:00:00'), timeZone: london, professional });
    expect(autumn[0]!.startsAt).toEqual(utc('2026-10-25T08:00:00')); // 08:00 GMT
    const dayBefore = freeSlots('2026-03-28', [], { now: utc('2026-03-27T00:00:00'), timeZone: london, professional });
    expect(dayBefore[0]!.startsAt).toEqual(utc('2026-03-28T08:00:00')); // 08:00 GMT
  });
});

describe('canonicalTimeZone', () => {
  it('spells a zone as the zone database does and refuses what names no zone', () => {
    expect(canonicalTimeZone('america/sao_paulo')).toBe(saoPaulo);
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
    expect(canonicalTimeZone('+03:00')).toBeNull();
  });
});
