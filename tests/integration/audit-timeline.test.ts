import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../workflows/roles';
import { clinicDay } from '../../server/modules/appointments/clinic-calendar';
import { localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import type { AuditPage, TimelineEntry } from '../../server/modules/audit/audit.service';
import type { Call, TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { clinicApp, ok, registerPatient, seedClinic, slotFromNow, walkIn, type Clinic } from './clinic-support';

/**
 * The org's audit trail as a timeline an admin can read: names instead of ids, a person's run of
 * reads of one record as one entry, and filters by patient (through every record of theirs), user,
 * action and day (in the org's zone), all applied by the server.
 */
let t: TestApp;
let call: Call;
let c: Clinic;
let other: Clinic;
let lab: SeededOrg;
let labTokens: Record<Role, string>;
let ana: { id: string };
let neighbour: { id: string };
let strangerOfOtherClinic: { id: string };
let visitId: string;
let appointmentId: string;

const timeline = async (query: Record<string, string> = {}, orgId = c.org.orgId, token = c.tokens.org_admin): Promise<AuditPage> =>
  ok(call({ method: 'GET', url: `/api/v1/orgs/${orgId}/audit`, token, query: { limit: '200', ...query } }));
const entriesOf = (page: AuditPage, action: string) => page.items.filter((entry) => entry.action === action);
const sql = <T>(text: string, values: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(text, values);

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  other = await seedClinic(t, call, 'Other clinic');
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
  labTokens = await tokensFor(call, lab);

  ana = await registerPatient(call, c, { fullName: 'Ana Souza' });
  neighbour = await registerPatient(call, c, { fullName: 'Nuno Neighbour' });
  strangerOfOtherClinic = await registerPatient(call, other, { fullName: 'Olga Elsewhere' });

  // The desk opens Ana's record three times in a row, then searches for her.
  for (let i = 0; i < 3; i++) await ok(call({ method: 'GET', url: c.url(`/patients/${ana.id}`), token: c.tokens.receptionist }));
  await ok(call({ method: 'GET', url: c.url('/patients'), query: { q: 'Souza' }, token: c.tokens.receptionist }));
  appointmentId = (await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: ana.id, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt: slotFromNow(3) } }), 201)).id;
  visitId = (await walkIn(call, c, ana.id)).id;
  await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
  // Someone else's record, read by the same desk: never in Ana's timeline.
  await ok(call({ method: 'GET', url: c.url(`/patients/${neighbour.id}`), token: c.tokens.receptionist }));
  // The admin moves the pharmacist to the desk, and invites a person who already has an account.
  await ok(call({ method: 'PATCH', url: c.url(`/staff/${c.org.members.medical_staff.membershipId}`), token: c.tokens.org_admin, payload: { role: 'receptionist' } }));
  await ok(call({ method: 'POST', url: c.url('/staff'), token: c.tokens.org_admin, payload: { email: other.org.members.doctor.email, name: 'Whoever', role: 'doctor', password: 'Invited-doctor-2026' } }), 202);
});
afterAll(() => t.close());

describe('the audit timeline', () => {
  it('names the actor, the patient and the other subjects instead of ids', async () => {
    const page = await timeline();
    const checkIn = entriesOf(page, 'visit.checkIn')[0]!;
    expect(checkIn).toMatchObject({ actorName: 'receptionist person', actorRole: 'receptionist', entityId: visitId, patient: { id: ana.id, name: 'Ana Souza' } });
    expect(entriesOf(page, 'vitals.record')[0]!.patient).toEqual({ id: ana.id, name: 'Ana Souza' });
    expect(entriesOf(page, 'appointment.create')[0]).toMatchObject({ entityId: appointmentId, patient: { id: ana.id, name: 'Ana Souza' } });
    expect(entriesOf(page, 'visit.call')[0]).toMatchObject({ actorName: 'doctor person', actorRole: 'doctor', patient: { name: 'Ana Souza' } });
    expect(entriesOf(page, 'staff.update')[0]).toMatchObject({
      actorName: 'org_admin person',
      subject: 'medical_staff person',
      subjectRole: 'receptionist',
      changedFields: ['role'],
      patient: null,
    });
    expect(entriesOf(page, 'staff.invite')[0]).toMatchObject({ subject: other.org.members.doctor.email, subjectRole: 'doctor' });
    const search = entriesOf(page, 'patient.search')[0]!;
    expect(search).toMatchObject({ actorName: 'receptionist person', entityIds: [ana.id], patient: null });
    // Another org's patients are never named here.
    expect(JSON.stringify(page)).not.toContain('Olga Elsewhere');
  });

  it('folds a run of reads of one record by one person into one entry, with every read listed', async () => {
    const reads = entriesOf(await timeline(), 'patient.read');
    const anaReads = reads.filter((entry) => entry.patient?.id === ana.id && entry.actorUserId === c.org.members.receptionist.userId);
    expect(anaReads).toHaveLength(1);
    const run = anaReads[0]!;
    expect(run.reads!.count).toBe(3);
    expect(run.reads!.items).toHaveLength(3);
    expect(run.reads!.items[0]!.id).toBe(run.id);
    expect(run.reads!.firstAt <= run.at).toBe(true);
    expect(run.reads!.items.map((read) => read.at)).toEqual([...run.reads!.items.map((read) => read.at)].sort().reverse());
    // The neighbour's single read stays an entry of its own, unfolded.
    const neighbourRead = reads.find((entry) => entry.patient?.id === neighbour.id)!;
    expect(neighbourRead).toMatchObject({ patient: { name: 'Nuno Neighbour' }, reads: null });
  });

  it('ends a run when 30 minutes have passed since its newest read, and splits no run across pages', async () => {
    const reader = c.org.members.receptionist;
    // A morning long ago: reads of one record at 09:40, 09:30, 09:15, and 09:05, 35 minutes after
    // the run's newest.
    const morning = (minute: number) => `2020-03-02T09:${String(minute).padStart(2, '0')}:00.000Z`;
    for (const minute of [40, 30, 15, 5]) {
      await sql(
        "insert into audit_events (id, org_id, actor_user_id, actor_role, action, entity_type, entity_id, changed_fields, at) values (?, ?, ?, 'receptionist', 'patient.read', 'Patient', ?, '{profile}', ?)",
        [randomUUID(), c.org.orgId, reader.userId, neighbour.id, morning(minute)],
      );
    }
    const day = { day: '2020-03-02' };
    await ok(call({ method: 'PATCH', url: `/api/v1/orgs/${c.org.orgId}`, token: c.tokens.org_admin, payload: { timeZone: 'UTC' } }));
    const whole = await timeline(day);
    expect(whole.items.map((entry) => [entry.at, entry.reads?.count ?? 1])).toEqual([
      [morning(40), 3],
      [morning(5), 1],
    ]);
    expect(whole.items[0]!.reads!.firstAt).toBe(morning(15));

    const paged: TimelineEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await timeline({ ...day, limit: '1', ...(cursor ? { cursor } : {}) });
      expect(page.items).toHaveLength(1);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole.items);
  });

  it('shows a lab case’s number and where each transition moved it', async () => {
    const created = await ok(
      call({
        method: 'POST',
        url: `/api/v1/orgs/${lab.orgId}/cases`,
        token: labTokens.org_admin,
        payload: { patientName: 'Marta Kowalska', toothNumbers: ['11'], shade: 'A2', material: 'Zirconia', caseType: 'Crown', dueDate: localToday(serverTimeZone) },
      }),
      201,
    );
    await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases/${created.id}/events`, token: labTokens.designer, payload: { type: 'case.assignDesigner', version: 1 } }));
    await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases/${created.id}/events`, token: labTokens.designer, payload: { type: 'case.submitForApproval', version: 2 } }));
    const page = await timeline({}, lab.orgId, labTokens.org_admin);
    expect(entriesOf(page, 'case.transition').map((entry) => [entry.actorName, entry.subject, entry.toState])).toEqual([
      ['designer person', created.caseNumber, 'pending_approval'],
      ['designer person', created.caseNumber, 'in_progress'],
    ]);
    expect(entriesOf(page, 'case.create')[0]).toMatchObject({ actorName: 'org_admin person', subject: created.caseNumber, patient: null });
    // The lab case's patient name is the case's business, not the trail's.
    expect(JSON.stringify(page)).not.toContain('Kowalska');
  });

  it('finds by patient every row about them: record, reads, searches that listed them, visits, vitals, appointments', async () => {
    const page = await timeline({ patientId: ana.id });
    expect(page.patient).toEqual({ id: ana.id, name: 'Ana Souza' });
    const actions = page.items.map((entry) => `${entry.entityType}:${entry.action}`);
    for (const expected of ['Patient:patient.create', 'Patient:patient.read', 'Patient:patient.search', 'Appointment:appointment.create', 'Visit:visit.checkIn', 'PatientVitals:vitals.record', 'Visit:visit.call']) {
      expect(actions, expected).toContain(expected);
    }
    expect(page.items.every((entry) => entry.patient?.id === ana.id)).toBe(true);
    expect(page.items.some((entry) => entry.entityId === neighbour.id || entry.action === 'staff.update')).toBe(false);
    // The patient's trail here and in the export are one and the same rows (the export also holds itself).
    const exported = await ok(call({ method: 'GET', url: c.url('/audit/export'), query: { entityType: 'Patient', entityId: ana.id }, token: c.tokens.org_admin }));
    const rowIds = page.items.flatMap((entry) => entry.reads?.items.map((read) => read.id) ?? [entry.id]);
    expect(exported.items.map((row: { id: string }) => row.id).sort()).toEqual(rowIds.sort());
  });

  it('filters by user, by action and by a day of the org’s time zone', async () => {
    const byDoctor = await timeline({ actorUserId: c.drA.userId });
    expect(byDoctor.items.length).toBeGreaterThan(0);
    expect(byDoctor.items.every((entry) => entry.actorUserId === c.drA.userId)).toBe(true);
    expect(byDoctor.items.map((entry) => entry.action)).toContain('visit.call');

    const checkIns = await timeline({ action: 'visit.checkIn' });
    expect(checkIns.items.map((entry) => entry.entityId)).toEqual([visitId]);

    // A zone whose calendar day differs from UTC's at the moment of the check-in, so a server
    // counting days in UTC (or its own zone, UTC here) would find nothing.
    const at = new Date(checkIns.items[0]!.at);
    const zone = at.getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    await ok(call({ method: 'PATCH', url: `/api/v1/orgs/${c.org.orgId}`, token: c.tokens.org_admin, payload: { timeZone: zone } }));
    const localDay = clinicDay(at, zone);
    expect(localDay).not.toBe(at.toISOString().slice(0, 10));
    expect((await timeline({ action: 'visit.checkIn', day: localDay })).items.map((entry) => entry.entityId)).toEqual([visitId]);
    expect((await timeline({ action: 'visit.checkIn', day: at.toISOString().slice(0, 10) })).items).toEqual([]);
    await ok(call({ method: 'PATCH', url: `/api/v1/orgs/${c.org.orgId}`, token: c.tokens.org_admin, payload: { timeZone: 'UTC' } }));
  });

  it('answers 404 for a patient of another org, or none', async () => {
    for (const patientId of [strangerOfOtherClinic.id, randomUUID()]) {
      const response = await call({ method: 'GET', url: c.url('/audit'), query: { patientId }, token: c.tokens.org_admin });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('Olga');
    }
    // And the other clinic's admin finds nothing of this clinic's patient.
    expect((await call({ method: 'GET', url: other.url('/audit'), query: { patientId: ana.id }, token: other.tokens.org_admin })).statusCode).toBe(404);
  });

  it('answers 400 naming each bad parameter', async () => {
    const response = await call({
      method: 'GET',
      url: c.url('/audit'),
      query: { patientId: 'ana', actorUserId: '42', action: 'patient.steal', day: '2026-02-30', colour: 'red', limit: '0' },
      token: c.tokens.org_admin,
    });
    expect(response.statusCode).toBe(400);
    const fields = (response.json().fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['query.action', 'query.actorUserId', 'query.colour', 'query.day', 'query.limit', 'query.patientId']);
  });

  it('reads the names of a page in one statement, however many entries it holds', async () => {
    const connection = t.orm.em.getConnection();
    const statements = async (limit: string) => {
      const spy = vi.spyOn(connection, 'execute');
      try {
        await timeline({ limit });
        return spy.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('audit_events')).length;
      } finally {
        spy.mockRestore();
      }
    };
    const one = await statements('1');
    const many = await statements('40');
    expect(many).toBe(one);
    expect(one).toBe(2);
  });
});
