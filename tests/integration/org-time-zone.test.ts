import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicDay } from '../../server/modules/appointments/clinic-calendar';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { render } from '../../server/modules/notifications/templates';
import { labCaseReminders } from '../../server/modules/reminders/reminders.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { normalVitals, ok, registerPatient, seedClinic, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let superAdmin: string;
let clinic: Clinic;
let otherClinic: SeededOrg;

/**
 * A zone whose day is not the server's right now: UTC+14 from 10:00 UTC, UTC-11 before 11:00 UTC.
 * The tests run in UTC, so a zone with the same day would pass even if the server's zone were used.
 */
const now = new Date();
const farZone = clinicDay(now, 'Pacific/Kiritimati') !== clinicDay(now, serverTimeZone) ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  superAdmin = (await tokensFor(call, platform)).super_admin;
  clinic = await seedClinic(t, call);
  otherClinic = await seedOrg(t.orm, 'clinic', ['org_admin']);
});
afterAll(() => t.close());

const sql = <Row>(query: string, params: unknown[]) => t.orm.em.getConnection().execute<Row[]>(query, params);
const newOrg = (extra: Record<string, unknown>) => ({
  kind: 'clinic',
  name: `Zoned ${Math.random().toString(36).slice(2, 8)}`,
  staffLimits: {},
  admin: { email: `zoned.${Math.random().toString(36).slice(2, 10)}@example.test`, name: 'Zoned Admin', password: 'Zoned-admin-2026' },
  ...extra,
});

describe('an org’s time zone', () => {
  it('is given when the org is created, spelt as the zone database does, and shown on the org', async () => {
    const created = await ok(call({ method: 'POST', url: '/api/v1/orgs', token: superAdmin, payload: newOrg({ timeZone: 'america/sao_paulo' }) }), 201);
    expect(created.timeZone).toBe('America/Sao_Paulo');
    const listed = await ok(call({ method: 'GET', url: '/api/v1/orgs', token: superAdmin }));
    expect(listed.find((o: { id: string }) => o.id === created.id).timeZone).toBe('America/Sao_Paulo');
  });

  it('is the server’s when a new org names none', async () => {
    const created = await ok(call({ method: 'POST', url: '/api/v1/orgs', token: superAdmin, payload: newOrg({}) }), 201);
    expect(created.timeZone).toBe(serverTimeZone);
  });

  it('refuses an unknown zone on creation, naming the field, and creates nothing', async () => {
    const payload = newOrg({ timeZone: 'Mars/Olympus_Mons' });
    const response = await call({ method: 'POST', url: '/api/v1/orgs', token: superAdmin, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([{ field: 'timeZone', message: expect.any(String) }]);
    expect(await sql('select id from orgs where name = ?', [payload.name])).toEqual([]);
    expect(await sql('select id from users where email = ?', [payload.admin.email])).toEqual([]);
  });

  it('is changed by the org’s admin, and an unknown zone changes nothing', async () => {
    const url = clinic.url('');
    const changed = await ok(call({ method: 'PATCH', url, token: clinic.tokens.org_admin, payload: { timeZone: 'Europe/London' } }));
    expect(changed.timeZone).toBe('Europe/London');
    const refused = await call({ method: 'PATCH', url, token: clinic.tokens.org_admin, payload: { timeZone: 'Europe/Atlantis', name: 'Renamed' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().fields).toEqual([{ field: 'timeZone', message: expect.any(String) }]);
    expect(await ok(call({ method: 'GET', url, token: clinic.tokens.org_admin }))).toMatchObject({ timeZone: 'Europe/London', name: changed.name });
  });

  it('answers 404 for another org’s settings', async () => {
    const response = await call({ method: 'PATCH', url: `/api/v1/orgs/${otherClinic.orgId}`, token: clinic.tokens.org_admin, payload: { timeZone: 'Europe/London' } });
    expect(response.statusCode).toBe(404);
    expect(await sql<{ time_zone: string }>('select time_zone from orgs where id = ?', [otherClinic.orgId])).toEqual([{ time_zone: serverTimeZone }]);
  });
});

describe('a clinic far from the server’s zone', () => {
  it('numbers tickets and counts today’s queue by its own day', async () => {
    await ok(call({ method: 'PATCH', url: clinic.url(''), token: clinic.tokens.org_admin, payload: { timeZone: farZone } }));
    const clinicToday = clinicDay(new Date(), farZone);
    const serverToday = clinicDay(new Date(), serverTimeZone);
    expect(clinicToday).not.toBe(serverToday);

    const visits = [];
    for (let i = 0; i < 3; i++) {
      const patient = await registerPatient(call, clinic);
      visits.push(await ok(call({ method: 'POST', url: clinic.url('/visits/check-in'), token: clinic.tokens.receptionist, payload: { patientId: patient.id, professionalId: clinic.drA.professionalId, vitals: normalVitals } }), 201));
    }
    const days = await sql<{ ticket_day: string }>(`select to_char(ticket_day, 'YYYY-MM-DD') as ticket_day from visits where org_id = ?`, [clinic.org.orgId]);
    expect(days.map((d) => d.ticket_day)).toEqual([clinicToday, clinicToday, clinicToday]);
    const counters = await sql<{ day: string; last_number: number }>(`select to_char(day, 'YYYY-MM-DD') as day, last_number from visit_ticket_counters where org_id = ?`, [clinic.org.orgId]);
    expect(counters).toEqual([{ day: clinicToday, last_number: 3 }]);

    // A visit left on the server's day is not the clinic's today: two of the three are in today's queue.
    await sql('update visits set ticket_day = ? where org_id = ? and id = ?', [serverToday, clinic.org.orgId, visits[0].id]);
    const summary = await ok(call({ method: 'GET', url: clinic.url('/queue/summary'), token: clinic.tokens.receptionist, query: { professionalId: clinic.drA.professionalId } }));
    expect(summary.waiting).toBe(2);
  });
});

describe('a lab far from the server’s zone', () => {
  it('judges due dates, their risk and its reminders by its own day', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin'], { timeZone: farZone });
    const token = (await tokensFor(call, lab)).org_admin;
    const labToday = localToday(farZone);
    expect(labToday).not.toBe(localToday(serverTimeZone));
    const created = await call({
      method: 'POST',
      url: `/api/v1/orgs/${lab.orgId}/cases`,
      token,
      payload: { patientName: 'Due Today', material: 'Zirconia', caseType: 'Crown', toothNumbers: ['11'], dueDate: labToday },
    });
    expect(created.statusCode, created.body).toBe(201);
    const board = await ok(call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/board`, token }));
    expect(board.today).toBe(labToday);
    const card = board.columns.flatMap((c: { cards: { patientName: string; risk: string | null }[] }) => c.cards).find((c: { patientName: string }) => c.patientName === 'Due Today');
    expect(card.risk).toBe('due_today');

    // The reminder sweep runs across labs: it too counts this lab's today and tomorrow as due soon.
    await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token, payload: { patientName: 'Due Tomorrow', material: 'PMMA', caseType: 'Temporary', dueDate: addDays(labToday, 1) } }), 201);
    const reminders = (await labCaseReminders(t.orm.em.fork())).filter((job) => job.orgId === lab.orgId);
    expect(reminders.map((job) => [job.template, job.eventId])).toEqual([
      ['case.dueSoon', `reminder-${labToday}`],
      ['case.dueSoon', `reminder-${labToday}`],
    ]);
  });
});

describe('notification times', () => {
  it('are written on the org’s clocks', () => {
    const startsAt = new Date('2026-03-02T13:00:00Z');
    const facts = { orgName: 'Riverside', recipientName: 'Maria', treatment: 'Check-up', professionalName: 'Dr. A', startsAt };
    expect(render('appointment.reminder', { ...facts, timeZone: 'America/Sao_Paulo' }).text).toContain('10:00');
    expect(render('appointment.reminder', { ...facts, timeZone: 'UTC' }).text).toContain('13:00');
  });
});
