import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { clinicApp, auditRows, dayOf, normalVitals, ok, onDay, registerPatient, walkIn, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
});
afterAll(() => t.close());

const post = (path: string, token: string, payload: object = {}) => call({ method: 'POST', url: c.url(path), token, payload });
const sql = <T>(text: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute(text, params) as Promise<T>;

/** Takes the next patient of Dr. B's queue (used so tests do not disturb Dr. A's counters). */
async function consult(visitId: string, token = c.drB.token) {
  await ok(post('/queue/me/call-next', token));
  return ok(post(`/visits/${visitId}/start`, token));
}

describe('check-in', () => {
  it('gives 50 concurrent check-ins unique, consecutive tickets (and 50 concurrent registrations consecutive record numbers)', async () => {
    const registrations = await Promise.all(Array.from({ length: 50 }, (_, i) => registerPatient(call, c, { fullName: `Concurrent Patient ${i}` })));
    const numbers = registrations.map((p) => Number(p.recordNumber.slice(2))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => numbers[0]! + i));
    const responses = await Promise.all(
      registrations.map((p) => post('/visits/check-in', c.tokens.receptionist, { patientId: p.id, professionalId: c.drA.professionalId, vitals: { pulse: 70 } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    const tickets = responses.map((r) => r.json().ticketNumber as string).sort();
    expect(tickets).toEqual(Array.from({ length: 50 }, (_, i) => `A-${String(i + 1).padStart(3, '0')}`));
    const board = await ok(call({ method: 'GET', url: c.url('/queue/reception'), token: c.tokens.receptionist }));
    expect(board.professionals.find((p: { professionalId: string }) => p.professionalId === c.drA.professionalId).waiting).toBe(50);
  }, 30_000);

  it('answers 400 naming each bad vital, and writes nothing', async () => {
    const patient = await registerPatient(call, c);
    const bad = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: { ...normalVitals, pulse: 400, temperatureC: 52 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['vitals.pulse', 'vitals.temperatureC']);
    const inverted = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: { systolic: 80, diastolic: 120 } });
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json().fields).toEqual([{ field: 'vitals.diastolic', message: 'must be lower than systolic' }]);
    const half = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: { systolic: 120 } });
    expect(half.json().fields[0].field).toBe('vitals.diastolic');
    const walkInWithoutPatient = await post('/visits/check-in', c.tokens.receptionist, { professionalId: c.drB.professionalId, vitals: {} });
    expect(walkInWithoutPatient.json().fields[0].field).toBe('patientId');
    const [{ count }] = await sql<{ count: string }[]>('select count(*) from visits where patient_id = ?', [patient.id]);
    expect(Number(count)).toBe(0);
  });

  it('lets only the desk check in', async () => {
    const patient = await registerPatient(call, c);
    for (const role of ['doctor', 'medical_staff', 'patient'] as const) {
      expect((await post('/visits/check-in', c.tokens[role], { patientId: patient.id, professionalId: c.drB.professionalId, vitals: {} })).statusCode, role).toBe(403);
    }
  });
});

describe("the doctor's queue", () => {
  it('orders urgent first, then by arrival; call next takes the head; 409 when nobody waits', async () => {
    const [first, second, urgent] = [await registerPatient(call, c), await registerPatient(call, c), await registerPatient(call, c)];
    const v1 = await walkIn(call, c, first.id, c.drB.professionalId);
    const v2 = await walkIn(call, c, second.id, c.drB.professionalId);
    const v3 = await walkIn(call, c, urgent.id, c.drB.professionalId, { priority: 1 });
    expect([v1.ticketNumber, v2.ticketNumber, v3.ticketNumber]).toEqual(['B-001', 'B-002', 'B-003']);
    const queue = await ok(call({ method: 'GET', url: c.url('/queue/me'), token: c.drB.token }));
    expect(queue.visits.map((v: { visitId: string }) => v.visitId)).toEqual([v3.id, v1.id, v2.id]);
    const summary = await ok(call({ method: 'GET', url: c.url('/queue/summary'), token: c.drB.token, query: { professionalId: c.drB.professionalId } }));
    expect(summary.message).toBe('There are 3 patients waiting for their appointments with Dr. Ngozi Okafor today. The average waiting time is ca 0 hours and 0 minutes');
    // One patient called at a time (queue-rules.test.ts): each is marked as not come before the next call.
    for (const head of [v3, v1, v2]) {
      expect((await ok(post('/queue/me/call-next', c.drB.token))).id).toBe(head.id);
      await ok(post(`/visits/${head.id}/events`, c.tokens.receptionist, { type: 'noShow' }));
    }
    const empty = await post('/queue/me/call-next', c.drB.token);
    expect(empty.statusCode).toBe(409);
    expect(empty.json().error).toBe('queue_empty');
  });

  it('calls a patient again at a new call time, which is what makes the display chime again', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    const called = await ok(post('/queue/me/call-next', c.drB.token));
    expect(called.id).toBe(visit.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const recalled = await ok(post(`/visits/${visit.id}/events`, c.drB.token, { type: 'recall', version: called.version }));
    expect(recalled.status).toBe('called');
    expect(Date.parse(recalled.calledAt)).toBeGreaterThan(Date.parse(called.calledAt));
    const [row] = await sql<{ called_at: string }[]>('select called_at from visits where id = ?', [visit.id]);
    expect(new Date(row!.called_at).toISOString()).toBe(recalled.calledAt);
    await ok(post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: 'noShow' }));
  });

  it('refuses a stale version and a refused event with the events allowed now', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    const stale = await post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: 'cancel', version: visit.version + 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toBe('stale_version');
    const refused = await post(`/visits/${visit.id}/events`, c.tokens.medical_staff, { type: 'close' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'transition_refused', allowed: [] });
    const cancelled = await ok(post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: 'cancel', version: visit.version }));
    expect(cancelled).toMatchObject({ status: 'cancelled', allowed: [] });
  });
});

describe('consultations', () => {
  it('refuses a new session once the visit has expired (409)', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId, { validityDays: 1 });
    await ok(post('/queue/me/call-next', c.drB.token));
    // A day and a bit later, as far as the visit can tell.
    const past = new Date(Date.now() - 60_000).toISOString();
    await sql(`update visits set expires_at = ?, context = jsonb_set(context, '{expiresAt}', to_jsonb(?::text)) where id = ?`, [past, past, visit.id]);
    const refused = await post(`/visits/${visit.id}/start`, c.drB.token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toBe('visit_expired');
    expect(refused.json().allowed).not.toContain('visit.start');
    const expired = await ok(post(`/visits/${visit.id}/events`, c.tokens.org_admin, { type: 'expire' }));
    expect(expired.status).toBe('expired');
  });

  it('takes prescription items only in an open session of the visit by its doctor', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    const item = { medicine: 'Chlorhexidine 0.12%', dosage: '15 ml', frequency: 'twice a day', duration: '10 days' };
    expect((await post(`/visits/${visit.id}/prescription/items`, c.drB.token, item)).statusCode).toBe(409);
    await consult(visit.id);
    expect((await post(`/visits/${visit.id}/prescription/items`, c.drA.token, item)).statusCode).toBe(404);
    await ok(post(`/visits/${visit.id}/prescription/items`, c.drB.token, item), 201);
    await ok(post(`/visits/${visit.id}/complete`, c.drB.token));
    expect((await post(`/visits/${visit.id}/prescription/items`, c.drB.token, item)).statusCode).toBe(409);
  });

  it('loops back for a follow-up session while the visit is valid; stopping every item lets the visit close', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    const first = await consult(visit.id);
    const added = await ok(post(`/visits/${visit.id}/prescription/items`, c.drB.token, { medicine: 'Paracetamol', dosage: '750 mg', frequency: 'every 6 hours', duration: '2 days' }), 201);
    await ok(post(`/visits/${visit.id}/complete`, c.drB.token));
    const requeued = await ok(post(`/visits/${visit.id}/events`, c.drB.token, { type: 'requeue' }));
    expect(requeued).toMatchObject({ status: 'waiting', hasPrescription: false, calledAt: null });
    const second = await consult(visit.id);
    expect(second.session.sessionNumber).toBe(2);
    const stopped = await ok(post(`/visits/${visit.id}/prescription/items/${added.items[0].id}/stop`, c.drB.token));
    expect(stopped.items[0]).toMatchObject({ status: 'stopped', addedInSessionId: first.session.id, stoppedInSessionId: second.session.id });
    const done = await ok(post(`/visits/${visit.id}/complete`, c.drB.token));
    expect(done.visit).toMatchObject({ status: 'consultation_done', hasPrescription: false });
    const detail = await ok(call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.tokens.receptionist }));
    expect(detail.sessions.map((s: { sessionNumber: number; status: string }) => `${s.sessionNumber}:${s.status}`)).toEqual(['1:completed', '2:completed']);
    await ok(post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: 'close' }));
    const transitions = await sql<{ event: string }[]>('select event from visit_transitions where visit_id = ? order by at, id', [visit.id]);
    expect(transitions.map((r) => r.event)).toEqual(expect.arrayContaining(['visit.queue', 'visit.call', 'visit.start', 'visit.complete', 'visit.requeue', 'visit.close']));
    expect(transitions).toHaveLength(9);
  });
});

describe('the pharmacy', () => {
  it('refuses to dispense before printing, with the events allowed; only the pharmacy prints', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    await consult(visit.id);
    await ok(post(`/visits/${visit.id}/prescription/items`, c.drB.token, { medicine: 'Ibuprofen <b>400</b>', dosage: '400 mg', frequency: 'if pain', duration: '3 days' }), 201);
    await ok(post(`/visits/${visit.id}/complete`, c.drB.token));
    const early = await post(`/pharmacy/visits/${visit.id}/dispense`, c.tokens.medical_staff);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'transition_refused', allowed: ['visit.print'] });
    expect((await post(`/pharmacy/visits/${visit.id}/print`, c.tokens.receptionist)).statusCode).toBe(403);
    expect((await post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: 'close' })).json()).toMatchObject({ error: 'transition_refused' });
    await ok(post(`/pharmacy/visits/${visit.id}/print`, c.tokens.medical_staff));
    const page = await call({ method: 'GET', url: c.url(`/pharmacy/visits/${visit.id}/prescription.html`), token: c.tokens.org_admin });
    expect(page.body).toContain('Ibuprofen &lt;b&gt;400&lt;/b&gt;');
    expect(page.body).not.toContain('<b>400</b>');
    expect((await auditRows(t, c.org.orgId, 'patient.read')).some((r) => r.entity_id === patient.id && r.changed_fields.includes('prescription'))).toBe(true);
    await ok(post(`/pharmacy/visits/${visit.id}/dispense`, c.tokens.medical_staff));
    const records = await sql<{ printed_at: string; dispensed_at: string; printed_by_user_id: string }[]>(
      'select d.* from dispense_records d join prescriptions p on p.id = d.prescription_id where p.visit_id = ?',
      [visit.id],
    );
    expect(records).toEqual([expect.objectContaining({ printed_by_user_id: c.org.members.medical_staff.userId, printed_at: expect.anything(), dispensed_at: expect.anything() })]);
  });
});

describe('patient search', () => {
  it('finds by part of the name, phone or record number, filters by visit day, doctor and treatment, and pages with a total', async () => {
    const a = await registerPatient(call, c, { fullName: 'Zélia Quintanilha', phone: '+351 912 345 678' });
    const b = await registerPatient(call, c, { fullName: 'Zeno Quintero' });
    await walkIn(call, c, a.id, c.drB.professionalId, { priority: 0 });
    await ok(post('/appointments', c.tokens.receptionist, { patientId: b.id, professionalId: c.drA.professionalId, treatment: 'Root canal', startsAt: onDay(9, 9) }), 201);
    const search = (query: Record<string, string>) => ok(call({ method: 'GET', url: c.url('/patients'), token: c.tokens.receptionist, query }));
    expect((await search({ q: 'quint' })).items.map((p: { id: string }) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect((await search({ q: '912 345' })).items.map((p: { id: string }) => p.id)).toEqual([a.id]);
    expect((await search({ q: b.recordNumber })).items.map((p: { id: string }) => p.id)).toEqual([b.id]);
    expect((await search({ q: 'quint', visitDate: dayOf(0) })).items.map((p: { id: string }) => p.id)).toEqual([a.id]);
    expect((await search({ q: 'quint', doctorUserId: c.drA.userId })).items.map((p: { id: string }) => p.id)).toEqual([b.id]);
    expect((await search({ treatment: 'root CANAL' })).items.map((p: { id: string }) => p.id)).toEqual([b.id]);
    expect((await search({ q: 'Qu%_' })).items).toEqual([]);

    for (let i = 0; i < 25; i++) await registerPatient(call, c, { fullName: `Paging Person ${String(i).padStart(2, '0')}` });
    const page1 = await search({ q: 'paging', pageSize: '10', page: '1' });
    const page2 = await search({ q: 'paging', pageSize: '10', page: '2' });
    const page3 = await search({ q: 'paging', pageSize: '10', page: '3' });
    expect(page1).toMatchObject({ total: 25, page: 1, pageSize: 10 });
    expect([...page1.items, ...page2.items, ...page3.items].map((p: { fullName: string }) => p.fullName)).toEqual(
      Array.from({ length: 25 }, (_, i) => `Paging Person ${String(i).padStart(2, '0')}`),
    );
    expect(page3.nextCursor).toBeNull();
    const viaCursor = await search({ q: 'paging', pageSize: '10', cursor: page1.nextCursor });
    expect(viaCursor).toMatchObject({ total: 25, page: null });
    expect(viaCursor.items.map((p: { id: string }) => p.id)).toEqual(page2.items.map((p: { id: string }) => p.id));
    expect(Buffer.from(page1.nextCursor, 'base64url').toString()).not.toContain('Paging');
    expect((await call({ method: 'GET', url: c.url('/patients'), token: c.tokens.receptionist, query: { cursor: 'bm9wZQ' } })).statusCode).toBe(400);
  });
});
