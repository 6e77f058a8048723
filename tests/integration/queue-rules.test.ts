import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { clinicApp, slotFromNow, normalVitals, ok, registerPatient, walkIn, type Clinic } from './clinic-support';

/**
 * The queue rules the server holds whatever the screens show: one open visit per patient, one
 * patient called or in consultation per doctor, and neither can be beaten by two requests at once.
 */
let t: TestApp;
let call: Call;
let c: Clinic;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
});
afterAll(() => t.close());

const post = (path: string, token: string, payload: object = {}) => call({ method: 'POST', url: c.url(path), token, payload });
const sql = <T>(text: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(text, params);
const count = async (text: string, params: unknown[]) => Number((await sql<{ n: string }>(text, params))[0]!.n);
const statusOf = async (visitId: string) => (await sql<{ status: string }>('select status from visits where id = ?', [visitId]))[0]!.status;

/** What a check-in leaves behind for a patient: visits, vitals, check-in audit rows, screen events. */
async function footprint(patientId: string) {
  return {
    visits: await count('select count(*) as n from visits where patient_id = ?', [patientId]),
    vitals: await count('select count(*) as n from patient_vitals pv join visits v on v.id = pv.visit_id where v.patient_id = ?', [patientId]),
    checkInAudits: await count("select count(*) as n from audit_events a join visits v on v.id::text = a.entity_id where a.action = 'visit.checkIn' and v.patient_id = ?", [patientId]),
    outbox: await count("select count(*) as n from outbox_events where org_id = ? and payload->>'patientId' = ?", [c.org.orgId, patientId]),
  };
}

/**
 * A doctor's visit moved straight to 'called' in the database: the state an earlier version of the
 * server let a doctor reach (several patients called at once), which the start rule must still hold.
 */
async function forceCalled(visitId: string) {
  const at = new Date().toISOString();
  await sql(`update visits set status = 'called', called_at = ?, context = jsonb_set(context, '{calledAt}', to_jsonb(?::text)) where id = ?`, [at, at, visitId]);
}

describe('check-in of a patient with an open visit', () => {
  it('is refused with 409 open_visit naming the visit, writes nothing, and works again once the visit is over', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Ana Souza' });
    const first = await walkIn(call, c, patient.id, c.drA.professionalId);
    const before = await footprint(patient.id);

    const again = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: normalVitals });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({
      error: 'open_visit',
      openVisit: { id: first.id, ticketNumber: first.ticketNumber, status: 'waiting', patientName: 'Ana Souza' },
    });
    expect(again.json().message).toBe(`Ana Souza already has an open visit today (${first.ticketNumber} with doctor person, waiting). Finish or cancel it before checking them in again.`);
    expect(await footprint(patient.id)).toEqual(before);
    // Dr. B's ticket counter did not move either.
    expect(await count("select count(*) as n from visit_ticket_counters where org_id = ? and prefix = 'B'", [c.org.orgId])).toBe(0);

    // Seen but not closed is still open; closed is over.
    await ok(post('/queue/me/call-next', c.drA.token));
    await ok(post(`/visits/${first.id}/start`, c.drA.token));
    const inRoom = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: {} });
    expect(inRoom.json()).toMatchObject({ error: 'open_visit', openVisit: { status: 'in_consultation' } });
    expect(inRoom.json().message).toContain(`(${first.ticketNumber} with doctor person, in consultation)`);
    await ok(post(`/visits/${first.id}/complete`, c.drA.token));
    const seen = await post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drB.professionalId, vitals: {} });
    expect(seen.json()).toMatchObject({ error: 'open_visit', openVisit: { status: 'consultation_done' } });
    await ok(post(`/visits/${first.id}/events`, c.tokens.receptionist, { type: 'close' }));
    const next = await walkIn(call, c, patient.id, c.drB.professionalId);
    expect(next.status).toBe('waiting');
    await ok(post(`/visits/${next.id}/events`, c.tokens.receptionist, { type: 'cancel' }));
  });

  it('from an appointment leaves the appointment booked', async () => {
    const patient = await registerPatient(call, c);
    const walkedIn = await walkIn(call, c, patient.id, c.drB.professionalId);
    const appointment = await ok(post('/appointments', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt: slotFromNow(1) }), 201);
    const before = await footprint(patient.id);
    const refused = await post('/visits/check-in', c.tokens.receptionist, { appointmentId: appointment.id, vitals: {} });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'open_visit', openVisit: { id: walkedIn.id } });
    expect(await footprint(patient.id)).toEqual(before);
    const [row] = await sql<{ status: string; version: number }>('select status, version from appointments where id = ?', [appointment.id]);
    expect(row).toEqual({ status: 'scheduled', version: appointment.version });
    await ok(post(`/visits/${walkedIn.id}/events`, c.tokens.receptionist, { type: 'cancel' }));
  });

  it('lets exactly one of ten concurrent check-ins of the same patient through', async () => {
    const patient = await registerPatient(call, c);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post('/visits/check-in', c.tokens.receptionist, { patientId: patient.id, professionalId: i % 2 ? c.drA.professionalId : c.drB.professionalId, vitals: { pulse: 70 } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses, responses.map((r) => r.body).join('\n')).toEqual([201, ...Array(9).fill(409)]);
    const winner = responses.find((r) => r.statusCode === 201)!.json();
    for (const lost of responses.filter((r) => r.statusCode === 409)) expect(lost.json()).toMatchObject({ error: 'open_visit', openVisit: { id: winner.id } });
    expect(await footprint(patient.id)).toMatchObject({ visits: 1, vitals: 1, checkInAudits: 1 });
    await ok(post(`/visits/${winner.id}/events`, c.tokens.receptionist, { type: 'cancel' }));
  });
});

describe('a doctor with a patient called or in consultation', () => {
  it('cannot call another patient until the one called is seen; after completing, the next call works', async () => {
    const [x, y] = [await registerPatient(call, c, { fullName: 'Xavier Lima' }), await registerPatient(call, c, { fullName: 'Yara Melo' })];
    const vx = await walkIn(call, c, x.id, c.drB.professionalId);
    const vy = await walkIn(call, c, y.id, c.drB.professionalId);
    expect((await ok(post('/queue/me/call-next', c.drB.token))).id).toBe(vx.id);

    const whileCalled = await post('/queue/me/call-next', c.drB.token);
    expect(whileCalled.statusCode).toBe(409);
    expect(whileCalled.json()).toMatchObject({ error: 'patient_called', openVisit: { id: vx.id, ticketNumber: vx.ticketNumber, status: 'called' } });
    expect(whileCalled.json().message).toBe(`Xavier Lima (${vx.ticketNumber}) is already called. Start their consultation or mark them as not come before calling the next patient.`);
    expect(await statusOf(vy.id)).toBe('waiting');

    await ok(post(`/visits/${vx.id}/start`, c.drB.token));
    const whileConsulting = await post('/queue/me/call-next', c.drB.token);
    expect(whileConsulting.statusCode).toBe(409);
    expect(whileConsulting.json()).toMatchObject({ error: 'consultation_open', openVisit: { id: vx.id, ticketNumber: vx.ticketNumber, status: 'in_consultation' } });
    expect(whileConsulting.json().message).toBe(`You are still in consultation with Xavier Lima (${vx.ticketNumber}). Complete it before calling the next patient.`);
    expect(await statusOf(vy.id)).toBe('waiting');
    expect(await count("select count(*) as n from visit_transitions where visit_id = ? and event = 'visit.call'", [vy.id])).toBe(0);

    await ok(post(`/visits/${vx.id}/complete`, c.drB.token));
    const next = await ok(post('/queue/me/call-next', c.drB.token));
    expect(next).toMatchObject({ id: vy.id, status: 'called' });
    await ok(post(`/visits/${vy.id}/events`, c.drB.token, { type: 'noShow' }));
  });

  it('cannot start a second consultation while one is open', async () => {
    const [x, y] = [await registerPatient(call, c, { fullName: 'Xenia Prado' }), await registerPatient(call, c)];
    const vx = await walkIn(call, c, x.id, c.drB.professionalId);
    const vy = await walkIn(call, c, y.id, c.drB.professionalId);
    await ok(post('/queue/me/call-next', c.drB.token));
    await ok(post(`/visits/${vx.id}/start`, c.drB.token));
    await forceCalled(vy.id);

    const second = await post(`/visits/${vy.id}/start`, c.drB.token);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: 'consultation_open', openVisit: { id: vx.id, ticketNumber: vx.ticketNumber } });
    expect(second.json().message).toBe(`You are still in consultation with Xenia Prado (${vx.ticketNumber}). Complete it before starting another consultation.`);
    expect(await statusOf(vy.id)).toBe('called');
    expect(await count('select count(*) as n from consultation_sessions where visit_id = ?', [vy.id])).toBe(0);

    await ok(post(`/visits/${vx.id}/complete`, c.drB.token));
    await ok(post(`/visits/${vy.id}/start`, c.drB.token));
    await ok(post(`/visits/${vy.id}/complete`, c.drB.token));
  });

  it('lets exactly one of ten concurrent calls through', async () => {
    const patients = await Promise.all(Array.from({ length: 3 }, () => registerPatient(call, c)));
    const visits = [];
    for (const p of patients) visits.push(await walkIn(call, c, p.id, c.drB.professionalId));
    const responses = await Promise.all(Array.from({ length: 10 }, () => post('/queue/me/call-next', c.drB.token)));
    expect(responses.map((r) => r.statusCode).sort(), responses.map((r) => r.body).join('\n')).toEqual([200, ...Array(9).fill(409)]);
    const called = responses.find((r) => r.statusCode === 200)!.json();
    for (const lost of responses.filter((r) => r.statusCode === 409)) expect(lost.json()).toMatchObject({ error: 'patient_called', openVisit: { id: called.id } });
    expect(await count("select count(*) as n from visits where doctor_user_id = ? and status = 'called'", [c.drB.userId])).toBe(1);
    for (const visit of visits) await ok(post(`/visits/${visit.id}/events`, c.tokens.receptionist, { type: visit.id === called.id ? 'noShow' : 'cancel' }));
  });

  it('lets exactly one of two concurrent consultation starts through', async () => {
    const patients = [await registerPatient(call, c), await registerPatient(call, c)];
    const visits = [];
    for (const p of patients) visits.push(await walkIn(call, c, p.id, c.drB.professionalId));
    for (const visit of visits) await forceCalled(visit.id);
    const responses = await Promise.all(visits.map((visit) => post(`/visits/${visit.id}/start`, c.drB.token)));
    expect(responses.map((r) => r.statusCode).sort(), responses.map((r) => r.body).join('\n')).toEqual([200, 409]);
    expect(responses.find((r) => r.statusCode === 409)!.json().error).toBe('consultation_open');
    expect(await count("select count(*) as n from visits where doctor_user_id = ? and status = 'in_consultation'", [c.drB.userId])).toBe(1);
    const started = responses.find((r) => r.statusCode === 200)!.json().visit;
    await ok(post(`/visits/${started.id}/complete`, c.drB.token));
    for (const visit of visits.filter((v) => v.id !== started.id)) await ok(post(`/visits/${visit.id}/events`, c.drB.token, { type: 'noShow' }));
  });

  it('does not stop another doctor from calling', async () => {
    const [x, y] = [await registerPatient(call, c), await registerPatient(call, c)];
    const vx = await walkIn(call, c, x.id, c.drA.professionalId);
    const vy = await walkIn(call, c, y.id, c.drB.professionalId);
    await ok(post('/queue/me/call-next', c.drA.token));
    await ok(post(`/visits/${vx.id}/start`, c.drA.token));
    expect((await ok(post('/queue/me/call-next', c.drB.token))).id).toBe(vy.id);
    await ok(post(`/visits/${vx.id}/complete`, c.drA.token));
    await ok(post(`/visits/${vy.id}/events`, c.drB.token, { type: 'noShow' }));
  });
});
