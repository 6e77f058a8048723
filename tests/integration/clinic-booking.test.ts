import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { clinicApp, dayOf, normalVitals, ok, onDay, registerPatient, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;
let patients: { id: string }[];

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  patients = [];
  for (let i = 0; i < 12; i++) patients.push(await registerPatient(call, c));
});
afterAll(() => t.close());

const book = (patientId: string, startsAt: string, extra: Record<string, unknown> = {}) =>
  call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt, ...extra } });

describe('booking without double booking', () => {
  it('refuses an overlapping booking of the same professional with 409, and allows adjacent slots and other professionals', async () => {
    await ok(book(patients[0]!.id, onDay(2, 9, 0), { durationMinutes: 60 }), 201);
    const exact = await book(patients[1]!.id, onDay(2, 9, 0));
    expect(exact.statusCode).toBe(409);
    expect(exact.json().error).toBe('double_booking');
    expect((await book(patients[1]!.id, onDay(2, 9, 30))).statusCode).toBe(409);
    expect((await book(patients[1]!.id, onDay(2, 8, 30), { durationMinutes: 60 })).statusCode).toBe(409);
    await ok(book(patients[1]!.id, onDay(2, 10, 0)), 201);
    await ok(book(patients[1]!.id, onDay(2, 8, 30)), 201);
    await ok(book(patients[2]!.id, onDay(2, 9, 0), { professionalId: c.drB.professionalId }), 201);
  });

  it('lets exactly one of 10 concurrent bookings of one slot through', async () => {
    // Patients of their own: the winner is random, and the other tests count the shared patients' bookings.
    const racers = [];
    for (let i = 0; i < 10; i++) racers.push(await registerPatient(call, c));
    const results = await Promise.all(racers.map((p) => book(p.id, onDay(3, 14, 0))));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, ...Array(9).fill(409)]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().error === 'double_booking')).toBe(true);
    const list = await ok(call({ method: 'GET', url: c.url('/appointments'), token: c.tokens.receptionist, query: { professionalId: c.drA.professionalId, date: dayOf(3) } }));
    expect(list).toHaveLength(1);
  });

  it('keeps rescheduling within the rule, and frees a slot on cancel', async () => {
    const a = await ok(book(patients[3]!.id, onDay(4, 11, 0)), 201);
    const b = await ok(book(patients[4]!.id, onDay(4, 12, 0)), 201);
    const clash = await call({ method: 'PATCH', url: c.url(`/appointments/${b.id}/reschedule`), token: c.tokens.receptionist, payload: { startsAt: onDay(4, 11, 0), version: b.version } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toBe('double_booking');
    const moved = await ok(call({ method: 'PATCH', url: c.url(`/appointments/${b.id}/reschedule`), token: c.tokens.receptionist, payload: { startsAt: onDay(4, 15, 0), durationMinutes: 45, version: b.version } }));
    expect(moved).toMatchObject({ status: 'scheduled', startsAt: onDay(4, 15, 0), durationMinutes: 45, version: 2 });
    const stale = await call({ method: 'PATCH', url: c.url(`/appointments/${b.id}/reschedule`), token: c.tokens.receptionist, payload: { startsAt: onDay(4, 16, 0), version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toBe('stale_version');
    await ok(call({ method: 'POST', url: c.url(`/appointments/${a.id}/cancel`), token: c.tokens.receptionist, payload: { reason: 'Patient called' } }));
    await ok(book(patients[5]!.id, onDay(4, 11, 0)), 201);
    const again = await call({ method: 'POST', url: c.url(`/appointments/${a.id}/cancel`), token: c.tokens.receptionist, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'transition_refused', allowed: [] });
  });

  it('shows free slots in working hours minus bookings; a no-show waits for the appointment, and cancelling frees the slot', async () => {
    const day = dayOf(5);
    const before = await ok(call({ method: 'GET', url: c.url(`/professionals/${c.drA.professionalId}/free-slots`), token: c.tokens.patient, query: { date: day } }));
    expect(before.slots).toHaveLength(20);
    expect(before.slots[0].startsAt).toBe(onDay(5, 8, 0));
    expect(before.slots.at(-1).endsAt).toBe(onDay(5, 18, 0));
    const booked = await ok(book(patients[6]!.id, onDay(5, 10, 0), { durationMinutes: 60 }), 201);
    const after = await ok(call({ method: 'GET', url: c.url(`/professionals/${c.drA.professionalId}/free-slots`), token: c.tokens.receptionist, query: { date: day } }));
    expect(after.slots).toHaveLength(18);
    expect(after.slots.map((s: { startsAt: string }) => s.startsAt)).not.toContain(onDay(5, 10, 0));
    expect(after.slots.map((s: { startsAt: string }) => s.startsAt)).not.toContain(onDay(5, 10, 30));
    const early = await call({ method: 'POST', url: c.url(`/appointments/${booked.id}/no-show`), token: c.tokens.receptionist, payload: {} });
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().error).toBe('no_show_too_early');
    expect((await ok(call({ method: 'GET', url: c.url(`/professionals/${c.drA.professionalId}/free-slots`), token: c.tokens.receptionist, query: { date: day } }))).slots).toHaveLength(18);
    expect((await call({ method: 'POST', url: c.url(`/appointments/${booked.id}/no-show`), token: c.tokens.doctor, payload: {} })).statusCode).toBe(403);
    await ok(call({ method: 'POST', url: c.url(`/appointments/${booked.id}/cancel`), token: c.tokens.receptionist, payload: {} }));
    expect((await ok(call({ method: 'GET', url: c.url(`/professionals/${c.drA.professionalId}/free-slots`), token: c.tokens.receptionist, query: { date: day } }))).slots).toHaveLength(20);
  });
});

describe('appointment lists and finishing', () => {
  it("lists by patient, by professional and by day; a doctor sees only their own; today's open ones", async () => {
    const byPatient = await ok(call({ method: 'GET', url: c.url('/appointments'), token: c.tokens.receptionist, query: { patientId: patients[1]!.id } }));
    expect(byPatient.length).toBe(2);
    const drBAll = await ok(call({ method: 'GET', url: c.url('/appointments'), token: c.drB.token }));
    expect(drBAll.every((a: { professionalId: string }) => a.professionalId === c.drB.professionalId)).toBe(true);
    expect(await ok(call({ method: 'GET', url: c.url('/appointments'), token: c.drB.token, query: { professionalId: c.drA.professionalId } }))).toEqual([]);
    // (Unless today's working hours are over: then today has no slot left to book.)
    const [firstFree] = (await ok(call({ method: 'GET', url: c.url(`/professionals/${c.drA.professionalId}/free-slots`), token: c.tokens.receptionist, query: { date: dayOf(0) } }))).slots;
    if (firstFree) {
      const todays = await ok(book(patients[7]!.id, firstFree.startsAt, { durationMinutes: 5 }), 201);
      const today = await ok(call({ method: 'GET', url: c.url('/appointments/today'), token: c.tokens.org_admin, query: { professionalId: c.drA.professionalId } }));
      expect(today.map((a: { id: string }) => a.id)).toContain(todays.id);
    }
  });

  it('finishes an appointment only after its consultation is done', async () => {
    const appointment = await ok(book(patients[8]!.id, onDay(1, 16, 0)), 201);
    const notYet = await call({ method: 'POST', url: c.url(`/appointments/${appointment.id}/finish`), token: c.tokens.receptionist, payload: {} });
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json().allowed).toEqual(expect.arrayContaining(['appointment.checkIn', 'appointment.cancel']));
    const visit = await ok(call({ method: 'POST', url: c.url('/visits/check-in'), token: c.tokens.receptionist, payload: { appointmentId: appointment.id, vitals: normalVitals } }), 201);
    const early = await call({ method: 'POST', url: c.url(`/appointments/${appointment.id}/finish`), token: c.tokens.receptionist, payload: {} });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toBe('consultation_not_done');
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/start`), token: c.drA.token, payload: {} }));
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/complete`), token: c.drA.token, payload: {} }));
    expect((await call({ method: 'POST', url: c.url(`/appointments/${appointment.id}/finish`), token: c.drB.token, payload: {} })).statusCode).toBe(404);
    const finished = await ok(call({ method: 'POST', url: c.url(`/appointments/${appointment.id}/finish`), token: c.tokens.receptionist, payload: {} }));
    expect(finished).toMatchObject({ status: 'finished', allowed: [] });
    const twice = await call({ method: 'POST', url: c.url('/visits/check-in'), token: c.tokens.receptionist, payload: { appointmentId: appointment.id, vitals: normalVitals } });
    expect(twice.statusCode).toBe(409);
  });
});
