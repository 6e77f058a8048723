import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTimeZone } from '../../server/shared/time-zone';
import { login } from '../helpers/factories';
import { startDispatcher } from '../helpers/live';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { until } from '../helpers/until';
import { ok, patientPayload, registerPatient, seedClinic, type Clinic } from './clinic-support';

/**
 * A zone where it is late morning now (10:00-13:59) and whose offset is not the server's: whatever
 * the hour the tests run, the clinic's day has slots behind and ahead, and a rule that read the
 * server's clock instead of the clinic's would be caught.
 */
function lateMorningZone(): string {
  const utcHour = DateTime.utc().hour;
  const serverOffset = DateTime.now().setZone(serverTimeZone).offset / 60;
  for (const hour of [11, 12, 10, 13]) {
    const offset = ((hour - utcHour + 36) % 24) - 12;
    if (offset !== serverOffset) return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  }
  throw new Error('four different offsets cannot all be the server’s');
}

const zone = lateMorningZone();
/** A wall-clock time in the clinic, `days` from its today. */
const at = (time: string, days = 0) => {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return DateTime.now().setZone(zone).plus({ days }).set({ hour, minute, second: 0, millisecond: 0 }).toISO()!;
};
const clinicDate = (days: number) => DateTime.now().setZone(zone).plus({ days }).toISODate()!;
const same = (a: string, b: string) => Date.parse(a) === Date.parse(b);

let t: TestApp;
let call: Call;
let c: Clinic;
let patient: { id: string };
let self: { id: string; token: string };
const outOfHours = "is outside Dr. Ngozi Okafor's working hours (08:00–18:00)";

async function zonedClinic(name: string): Promise<Clinic> {
  const clinic = await seedClinic(t, call, name);
  await ok(call({ method: 'PATCH', url: `/api/v1/orgs/${clinic.org.orgId}`, token: clinic.tokens.org_admin, payload: { timeZone: zone } }));
  return clinic;
}

/** A patient who signed up at the clinic's portal, with their token. */
async function portalPatient(clinic: Clinic, email: string) {
  const { medicalHistory: _omit, ...fields } = patientPayload({ email });
  await ok(call({ method: 'POST', url: clinic.url('/patients/self-register'), payload: { ...fields, password: 'Portal-Patient-2026' } }), 202);
  const token = (await login(call, email, 'Portal-Patient-2026')).accessToken;
  const me = await ok(call({ method: 'GET', url: clinic.url('/patients/me'), token }));
  return { id: me.id as string, token };
}

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  c = await zonedClinic('Lagoa Dental');
  patient = await registerPatient(call, c);
  self = await portalPatient(c, 'booking.rules.patient@example.test');
});
afterAll(() => t.close());

const sql = <Row>(query: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<Row[]>(query, params);

/** What a booking leaves behind in an org: appointments, their history, audit rows and outbox events (the source of every message). */
async function footprint(orgId: string) {
  const [row] = await sql<Record<string, number>>(
    `select (select count(*)::int from appointments where org_id = ?) as appointments,
            (select count(*)::int from appointment_transitions where org_id = ?) as transitions,
            (select count(*)::int from audit_events where org_id = ? and action like 'appointment.%') as audits,
            (select count(*)::int from outbox_events where org_id = ?) as events`,
    [orgId, orgId, orgId, orgId],
  );
  return row;
}

const book = (token: string, payload: Record<string, unknown>, clinic = c) =>
  call({ method: 'POST', url: clinic.url('/appointments'), token, payload: { professionalId: clinic.drB.professionalId, treatment: 'Check-up', ...payload } });
const desk = (payload: Record<string, unknown>) => book(c.tokens.receptionist, { patientId: patient.id, ...payload });
const online = (payload: Record<string, unknown>) => book(self.token, payload);
const freeSlots = async (date: string, clinic = c) =>
  (await ok(call({ method: 'GET', url: clinic.url(`/professionals/${clinic.drB.professionalId}/free-slots`), token: clinic.tokens.receptionist, query: { date } }))).slots as { startsAt: string; endsAt: string }[];

/** Asserts a 400 naming exactly these fields with these messages. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function refused(response: Promise<{ statusCode: number; body: string; json: () => any }>, fields: Record<string, string>) {
  const r = await response;
  expect(r.statusCode, r.body).toBe(400);
  const body = r.json();
  expect(body.error).toBe('validation_failed');
  expect(Object.fromEntries(body.fields.map((f: { field: string; message: string }) => [f.field, f.message]))).toEqual(fields);
}

describe('the booking rule', () => {
  it('refuses the past, from the desk and from a patient, naming startsAt, and writes nothing', async () => {
    const before = await footprint(c.org.orgId);
    await refused(desk({ startsAt: '2025-11-02T03:00:00Z' }), { startsAt: 'is in the past' });
    await refused(desk({ startsAt: at('08:00') }), { startsAt: 'is in the past' });
    await refused(online({ startsAt: at('08:00') }), { startsAt: 'is in the past' });
    await refused(desk({ startsAt: at('09:30', -1) }), { startsAt: 'is in the past' });
    expect(await footprint(c.org.orgId)).toEqual(before);
  });

  it('refuses outside the professional’s working hours on the clinic’s clocks, naming the field', async () => {
    const before = await footprint(c.org.orgId);
    await refused(desk({ startsAt: at('19:00', 1) }), { startsAt: outOfHours });
    await refused(desk({ startsAt: at('07:30', 1) }), { startsAt: outOfHours });
    await refused(desk({ startsAt: at('03:00', 1), durationMinutes: 30 }), { startsAt: outOfHours });
    await refused(desk({ startsAt: at('17:30', 1), durationMinutes: 60 }), { durationMinutes: "would end at 18:30, after Dr. Ngozi Okafor's working hours (08:00–18:00)" });
    expect(await footprint(c.org.orgId)).toEqual(before);
    const last = await ok(desk({ startsAt: at('17:30', 1) }), 201);
    expect(same(last.startsAt, at('17:30', 1))).toBe(true);
  });

  it('refuses a patient 06:16 for 5 minutes, and a time or a length off the calendar', async () => {
    const before = await footprint(c.org.orgId);
    await refused(online({ startsAt: at('06:16', 1), durationMinutes: 5 }), { startsAt: outOfHours, durationMinutes: 'must be 30 minutes: a booking online takes one slot' });
    await refused(online({ startsAt: at('09:15', 2) }), { startsAt: "is not one of the calendar's times (every 30 minutes: 08:00, 08:30, 09:00, …)" });
    await refused(online({ startsAt: at('09:00', 2), durationMinutes: 60 }), { durationMinutes: 'must be 30 minutes: a booking online takes one slot' });
    expect(await footprint(c.org.orgId)).toEqual(before);
  });

  it('lets the desk choose another length within limits, on the calendar’s times', async () => {
    await refused(desk({ startsAt: at('09:15', 2) }), { startsAt: "is not one of the calendar's times (every 30 minutes: 08:00, 08:30, 09:00, …)" });
    await refused(desk({ startsAt: at('09:00', 2), durationMinutes: 42 }), { durationMinutes: 'must be 5 to 240 minutes, in steps of 5' });
    await refused(desk({ startsAt: at('09:00', 2), durationMinutes: 300 }), { durationMinutes: 'must be 5 to 240 minutes, in steps of 5' });
    expect(await ok(desk({ startsAt: at('09:00', 2), durationMinutes: 45 }), 201)).toMatchObject({ durationMinutes: 45 });
    expect(await ok(desk({ startsAt: at('10:00', 2), durationMinutes: 5 }), 201)).toMatchObject({ durationMinutes: 5 });
  });

  it('refuses more than a year ahead', async () => {
    const yearAhead = DateTime.now().setZone(zone).plus({ years: 1, days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toISO()!;
    const r = await desk({ startsAt: yearAhead });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().fields).toEqual([{ field: 'startsAt', message: expect.stringMatching(/^is more than a year ahead \(the calendar runs to \d{1,2} \w{3,4} \d{4}\)$/) }]);
    expect(await freeSlots(DateTime.fromISO(yearAhead, { setZone: true }).toISODate()!)).toEqual([]);
  });

  it('sends no confirmation for a refused booking, and one for an accepted one', async () => {
    const quiet = await zonedClinic('Quiet Dental');
    const quietPatient = await portalPatient(quiet, 'quiet.patient@example.test');
    const dispatcher = await startDispatcher(t);
    try {
      await refused(book(quietPatient.token, { startsAt: at('06:16', 1), durationMinutes: 5 }, quiet), { startsAt: outOfHours, durationMinutes: 'must be 30 minutes: a booking online takes one slot' });
      await refused(book(quiet.tokens.receptionist, { patientId: quietPatient.id, startsAt: '2025-11-02T03:00:00Z' }, quiet), { startsAt: 'is in the past' });
      const accepted = await ok(book(quietPatient.token, { startsAt: (await freeSlots(clinicDate(1), quiet))[0]!.startsAt }, quiet), 201);
      const confirmations = async () =>
        (await t.queues.notifications.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'])).filter((job) => job.data.orgId === quiet.org.orgId);
      await until(async () => (await confirmations()).length > 0, 10_000, 'the accepted booking’s confirmation');
      const jobs = await confirmations();
      expect(jobs.every((job) => job.data.template === 'appointment.created' && job.data.subjectId === accepted.id), JSON.stringify(jobs.map((j) => j.data))).toBe(true);
      const [outbox] = await sql<{ count: number }>('select count(*)::int as count from outbox_events where org_id = ?', [quiet.org.orgId]);
      expect(outbox!.count).toBe(1);
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('rescheduling', () => {
  it('obeys the same rule and changes nothing when refused', async () => {
    const booked = await ok(desk({ startsAt: at('11:00', 3) }), 201);
    const before = await footprint(c.org.orgId);
    const reschedule = (payload: Record<string, unknown>, token = c.tokens.receptionist) =>
      call({ method: 'PATCH', url: c.url(`/appointments/${booked.id}/reschedule`), token, payload: { version: booked.version, ...payload } });
    await refused(reschedule({ startsAt: at('08:00') }), { startsAt: 'is in the past' });
    await refused(reschedule({ startsAt: '2025-11-02T03:00:00Z' }), { startsAt: 'is in the past' });
    await refused(reschedule({ startsAt: at('18:00', 3) }), { startsAt: outOfHours });
    await refused(reschedule({ startsAt: at('11:10', 3) }), { startsAt: "is not one of the calendar's times (every 30 minutes: 08:00, 08:30, 09:00, …)" });
    await refused(reschedule({ startsAt: at('16:30', 3), durationMinutes: 120 }), { durationMinutes: "would end at 18:30, after Dr. Ngozi Okafor's working hours (08:00–18:00)" });
    expect(await footprint(c.org.orgId)).toEqual(before);
    const [row] = await sql<{ starts_at: string; version: number }>(`select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as starts_at, version from appointments where id = ?`, [booked.id]);
    expect(row).toEqual({ starts_at: booked.startsAt, version: booked.version });
    expect(await ok(reschedule({ startsAt: at('14:00', 3) }))).toMatchObject({ version: booked.version + 1 });
  });

  it('holds a patient to the calendar’s slots', async () => {
    const own = await ok(online({ startsAt: at('15:00', 4) }), 201);
    const reschedule = (payload: Record<string, unknown>) =>
      call({ method: 'PATCH', url: c.url(`/appointments/${own.id}/reschedule`), token: self.token, payload: { version: own.version, ...payload } });
    await refused(reschedule({ startsAt: at('06:16', 4), durationMinutes: 5 }), { startsAt: outOfHours, durationMinutes: 'must be 30 minutes: a booking online takes one slot' });
    await refused(reschedule({ startsAt: at('08:00') }), { startsAt: 'is in the past' });
    expect(same((await ok(reschedule({ startsAt: at('15:30', 4) }))).startsAt, at('15:30', 4))).toBe(true);
  });
});

describe('no-show', () => {
  it('is refused before the appointment has begun (even 60 days ahead), and the slot stays booked', async () => {
    const ahead = await ok(desk({ startsAt: at('10:00', 60) }), 201);
    const r = await call({ method: 'POST', url: c.url(`/appointments/${ahead.id}/no-show`), token: c.tokens.receptionist, payload: { version: ahead.version } });
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json()).toMatchObject({ error: 'no_show_too_early', noShowFrom: ahead.noShowFrom });
    expect(r.json().message).toMatch(/^Too early to mark a no-show: the appointment starts at 10:00 on \d{1,2} \w{3,4} \d{4}; it can be marked from 10:10, 10 minutes after it begins$/);
    const [row] = await sql<{ status: string; version: number }>('select status, version from appointments where id = ?', [ahead.id]);
    expect(row).toEqual({ status: 'scheduled', version: ahead.version });
    expect((await freeSlots(clinicDate(60))).map((s) => s.startsAt).some((s) => same(s, at('10:00', 60)))).toBe(false);
  });

  it('is refused until ten minutes after the start, then marked', async () => {
    const today = (await freeSlots(clinicDate(0)))[0]!;
    const appointment = await ok(desk({ startsAt: today.startsAt }), 201);
    const noShow = () => call({ method: 'POST', url: c.url(`/appointments/${appointment.id}/no-show`), token: c.tokens.receptionist, payload: {} });
    expect((await noShow()).statusCode).toBe(409);
    // The clock moves on: the appointment began a few minutes ago, then a little longer ago.
    const startedAgo = (minutes: number) =>
      sql('update appointments set starts_at = now() - make_interval(mins => ?), ends_at = now() - make_interval(mins => ?) + interval \'30 minutes\' where id = ?', [minutes, minutes, appointment.id]);
    await startedAgo(5);
    const late = await noShow();
    expect(late.statusCode, late.body).toBe(409);
    expect(late.json().error).toBe('no_show_too_early');
    await startedAgo(11);
    expect(await ok(noShow())).toMatchObject({ status: 'no_show' });
  });
});

describe('free slots and booking', () => {
  it('agree in a clinic whose zone is not the server’s: every offered slot books, and a patient books nothing else', async () => {
    const day = clinicDate(5);
    const offered = await freeSlots(day);
    expect(offered).toHaveLength(20);
    expect(same(offered[0]!.startsAt, at('08:00', 5))).toBe(true);
    expect(same(offered.at(-1)!.endsAt, at('18:00', 5))).toBe(true);
    const starts = new Set(offered.map((s) => Date.parse(s.startsAt)));
    const before = await footprint(c.org.orgId);
    for (let minute = 0; minute < 24 * 60; minute += 15) {
      const startsAt = at(`${Math.floor(minute / 60)}:${minute % 60}`, 5);
      if (starts.has(Date.parse(startsAt))) continue;
      const r = await online({ startsAt });
      expect(r.statusCode, `${startsAt}: ${r.body}`).toBe(400);
      expect(r.json().fields.map((f: { field: string }) => f.field)).toEqual(['startsAt']);
    }
    expect(await footprint(c.org.orgId)).toEqual(before);
    for (const slot of offered) expect((await online({ startsAt: slot.startsAt })).statusCode, slot.startsAt).toBe(201);
    expect(await freeSlots(day)).toEqual([]);

    // Today: only what has not begun is offered, and each of those books too.
    const today = await freeSlots(clinicDate(0));
    expect(today.length).toBeGreaterThan(0);
    expect(today.every((s) => Date.parse(s.startsAt) >= Date.now() - 60_000)).toBe(true);
    expect(today.some((s) => same(s.startsAt, at('08:00')))).toBe(false);
    for (const slot of today.slice(0, 3)) expect((await online({ startsAt: slot.startsAt })).statusCode, slot.startsAt).toBe(201);
  });
});
