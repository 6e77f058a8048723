import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '../../server/modules/realtime/rooms';
import { login } from '../helpers/factories';
import { startBackground } from '../helpers/live';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { slotFromNow, normalVitals, ok, outbox, seedClinic, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;
let stopBackground: () => Promise<void>;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  c = await seedClinic(t, call, 'Riverside Dental Clinic');
  stopBackground = await startBackground(t);
});
afterAll(async () => {
  await stopBackground();
  await t.close();
});

const statusPageEvents = async (visitId: string) =>
  (await outbox(t, c.org.orgId)).filter((e) => e.type === 'status.updated.v1' && e.rooms.includes(rooms.visitStatus(visitId)));

/** While the patient waits, the public-screens job writes their status page shortly after each change. */
async function statusPageTold(visitId: string, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await statusPageEvents(visitId)).some((e) => e.payload.status === status)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the status page to show ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a day at the clinic', () => {
  it('runs register -> book -> check in -> queue -> call -> consult -> prescribe -> complete -> print -> dispense -> close', async () => {
    const { url, tokens, drA } = c;
    const desk = tokens.receptionist;
    const pharmacist = tokens.medical_staff;

    // Register: the patient signs up at the portal (a login and a record, numbered per clinic); the
    // answer is the same as for a taken address, and she signs in at once.
    await ok(
      call({
        method: 'POST',
        url: url('/patients/self-register'),
        payload: {
          email: 'ana.lima@example.test',
          password: 'Ana-Lima-2026',
          fullName: 'Ana  Lima',
          dateOfBirth: '1990-02-20',
          gender: 'female',
          phone: '+55 (11) 98765-4321',
          consentWhatsapp: true,
        },
      }),
      202,
    );
    const ana = (await login(call, 'ana.lima@example.test', 'Ana-Lima-2026')).accessToken;
    const registered = await ok(call({ method: 'GET', url: url('/patients/me'), token: ana }));
    expect(registered).toMatchObject({ recordNumber: 'P-000001', fullName: 'Ana Lima', phone: '+5511987654321', hasLogin: true, consentWhatsapp: true });
    const patientId = registered.id as string;
    // The desk adds what the patient did not type.
    await ok(call({ method: 'PATCH', url: url(`/patients/${patientId}`), token: desk, payload: { medicalHistory: 'Penicillin-tolerant; mild asthma' } }));

    // Book: the patient books a slot with Dr. A for herself.
    const appointment = await ok(
      call({ method: 'POST', url: url('/appointments'), token: ana, payload: { professionalId: drA.professionalId, treatment: 'Tooth pain, lower left', startsAt: slotFromNow(1) } }),
      201,
    );
    expect(appointment).toMatchObject({ status: 'scheduled', patientId, professionalName: 'doctor person', room: 'Room 1', version: 1 });
    const mine = await ok(call({ method: 'GET', url: url('/patients/me/appointments'), token: ana }));
    expect(mine.map((a: { id: string }) => a.id)).toEqual([appointment.id]);
    const today = await ok(call({ method: 'GET', url: url('/appointments/today'), token: desk, query: { professionalId: drA.professionalId } }));
    // (Unless today's slots are over, when the first one left is on a later day.)
    if (new Date(appointment.startsAt).getDate() === new Date().getDate()) expect(today.map((a: { id: string }) => a.id)).toContain(appointment.id);

    // Check in with vitals: a ticket, and the visit waits in Dr. A's queue.
    const visit = await ok(call({ method: 'POST', url: url('/visits/check-in'), token: desk, payload: { appointmentId: appointment.id, vitals: normalVitals } }), 201);
    expect(visit).toMatchObject({ status: 'waiting', ticketNumber: 'A-001', patientName: 'Ana Lima', appointmentId: appointment.id, priority: 0, validityDays: 7, version: 1 });
    expect(visit.statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const visitId = visit.id as string;
    const visitUrl = url(`/visits/${visitId}`);
    const checkedInAppointment = await ok(call({ method: 'GET', url: url('/appointments'), token: desk, query: { patientId } }));
    expect(checkedInAppointment[0]).toMatchObject({ status: 'checked_in' });

    // The reception's board and the doctor's queue.
    const board = await ok(call({ method: 'GET', url: url('/queue/reception'), token: desk }));
    const drABoard = board.professionals.find((p: { professionalId: string }) => p.professionalId === drA.professionalId);
    expect(drABoard).toMatchObject({ waiting: 1, room: 'Room 1', visits: [{ visitId, ticketNumber: 'A-001', patientName: 'Ana Lima', status: 'waiting', waitedMinutes: 0 }] });
    const queue = await ok(call({ method: 'GET', url: url('/queue/me'), token: drA.token }));
    expect(queue.visits.map((v: { visitId: string }) => v.visitId)).toEqual([visitId]);
    const summary = await ok(call({ method: 'GET', url: url('/queue/summary'), token: desk, query: { professionalId: drA.professionalId } }));
    expect(summary).toMatchObject({ waiting: 1, averageWaitMinutes: 0 });
    expect(summary.message).toBe('There is 1 patient waiting for their appointment with Dr. doctor person today. The average waiting time is ca 0 hours and 0 minutes');
    await statusPageTold(visitId, 'waiting');

    // Call, start, prescribe, complete.
    const called = await ok(call({ method: 'POST', url: url('/queue/me/call-next'), token: drA.token }));
    expect(called).toMatchObject({ id: visitId, status: 'called', version: 2 });
    expect(called.calledAt).toEqual(expect.any(String));
    await statusPageTold(visitId, 'called');
    const started = await ok(call({ method: 'POST', url: `${visitUrl}/start`, token: drA.token, payload: { version: 2 } }));
    expect(started).toMatchObject({ visit: { status: 'in_consultation', version: 3 }, session: { sessionNumber: 1, status: 'open' } });
    const withAmoxicillin = await ok(
      call({ method: 'POST', url: `${visitUrl}/prescription/items`, token: drA.token, payload: { medicine: 'Amoxicillin', dosage: '500 mg', frequency: 'every 8 hours', duration: '7 days' } }),
      201,
    );
    const withBoth = await ok(
      call({ method: 'POST', url: `${visitUrl}/prescription/items`, token: drA.token, payload: { medicine: 'Ibuprofen', dosage: '400 mg', frequency: 'every 6 hours', duration: '3 days' } }),
      201,
    );
    expect(withBoth.id).toBe(withAmoxicillin.id);
    const ibuprofen = withBoth.items.find((i: { medicine: string }) => i.medicine === 'Ibuprofen');
    const stopped = await ok(call({ method: 'POST', url: `${visitUrl}/prescription/items/${ibuprofen.id}/stop`, token: drA.token }));
    expect(stopped.items.map((i: { medicine: string; status: string }) => `${i.medicine}:${i.status}`)).toEqual(['Amoxicillin:active', 'Ibuprofen:stopped']);
    expect(stopped.items[1]).toMatchObject({ addedInSessionId: started.session.id, stoppedInSessionId: started.session.id });

    const detail = await ok(call({ method: 'GET', url: visitUrl, token: drA.token }));
    expect(detail).toMatchObject({ status: 'in_consultation', vitals: { ...normalVitals }, sessions: [{ sessionNumber: 1, status: 'open' }], prescription: { items: [{ medicine: 'Amoxicillin' }, { medicine: 'Ibuprofen' }] } });
    expect(detail.allowed).toEqual(['visit.complete']);

    const completed = await ok(call({ method: 'POST', url: `${visitUrl}/complete`, token: drA.token, payload: {} }));
    expect(completed).toMatchObject({ visit: { status: 'consultation_done', hasPrescription: true }, session: { status: 'completed' } });
    expect(completed.session.completedAt).toEqual(expect.any(String));
    expect((await ok(call({ method: 'GET', url: url('/queue/me'), token: drA.token }))).visits).toEqual([]);
    await ok(call({ method: 'POST', url: url(`/appointments/${appointment.id}/finish`), token: drA.token, payload: {} }));

    // The pharmacy: it waits to be printed; dispensing first is refused with what is allowed.
    const pharmacyQueue = await ok(call({ method: 'GET', url: url('/pharmacy/queue'), token: pharmacist }));
    expect(pharmacyQueue).toEqual([
      expect.objectContaining({ visitId, status: 'consultation_done', patientName: 'Ana Lima', allowed: ['visit.print'], items: [expect.objectContaining({ medicine: 'Amoxicillin' })] }),
    ]);
    const early = await call({ method: 'POST', url: url(`/pharmacy/visits/${visitId}/dispense`), token: pharmacist, payload: {} });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'transition_refused', allowed: ['visit.print'] });
    const printed = await ok(call({ method: 'POST', url: url(`/pharmacy/visits/${visitId}/print`), token: pharmacist, payload: { version: 4 } }));
    expect(printed).toMatchObject({ status: 'printed', version: 5 });
    const page = await call({ method: 'GET', url: url(`/pharmacy/visits/${visitId}/prescription.html`), token: pharmacist });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.startsWith('<!doctype html>')).toBe(true);
    for (const text of ['Riverside Dental Clinic', 'Ana Lima', 'P-000001', 'doctor person', 'CRO-1234', 'Amoxicillin', '500 mg', 'every 8 hours', '7 days']) expect(page.body).toContain(text);
    expect(page.body).not.toContain('Ibuprofen');
    const dispensed = await ok(call({ method: 'POST', url: url(`/pharmacy/visits/${visitId}/dispense`), token: pharmacist, payload: { version: 5 } }));
    expect(dispensed).toMatchObject({ status: 'dispensed', allowed: ['visit.close'] });
    const closed = await ok(call({ method: 'POST', url: `${visitUrl}/events`, token: pharmacist, payload: { type: 'close', version: 6 } }));
    expect(closed).toMatchObject({ status: 'closed', version: 7, allowed: [] });
    expect(await ok(call({ method: 'GET', url: url('/pharmacy/queue'), token: pharmacist }))).toEqual([]);

    // The portal: the past visit and its prescription.
    const portal = await ok(call({ method: 'GET', url: url('/patients/me/visits'), token: ana }));
    expect(portal).toMatchObject({ current: [], past: [{ id: visitId, status: 'closed', ticketNumber: 'A-001', prescriptionReady: true, statusToken: null }] });
    const download = await call({ method: 'GET', url: url(`/patients/me/visits/${visitId}/prescription.html`), token: ana });
    expect(download.statusCode).toBe(200);
    expect(download.body).toContain('Amoxicillin');
    const profile = await ok(call({ method: 'GET', url: url(`/patients/${patientId}`), token: drA.token }));
    expect(profile).toMatchObject({ appointments: [{ id: appointment.id, status: 'finished' }], visits: [{ id: visitId, status: 'closed' }] });

    // What the screens were told, in order, and what they were never told.
    const events = await outbox(t, c.org.orgId);
    const reception = rooms.reception(c.org.orgId);
    const statusesIn = (room: string, type: string) => events.filter((e) => e.type === type && e.rooms.includes(room)).map((e) => e.payload.status);
    expect(statusesIn(reception, 'appointment.updated.v1')).toEqual(['scheduled', 'checked_in', 'finished']);
    expect(statusesIn(reception, 'visit.updated.v1')).toEqual(['waiting', 'called', 'in_consultation', 'consultation_done', 'printed', 'dispensed', 'closed']);
    expect(statusesIn(rooms.doctorQueue(c.org.orgId, drA.userId), 'visit.updated.v1')).toHaveLength(7);
    expect(statusesIn(rooms.pharmacy(c.org.orgId), 'visit.updated.v1')).toEqual(['consultation_done', 'printed', 'dispensed', 'closed']);
    expect(statusesIn(reception, 'queue.changed.v1')).toEqual(['waiting', 'called', 'in_consultation', 'consultation_done']);
    const statusPage = events.filter((e) => e.rooms.includes(rooms.visitStatus(visitId)));
    // A refresh of the queue (after a check-in, a call, a new wait quote) may repeat what the page
    // already shows; never a step back.
    const shown = statusPage.map((e) => e.payload.status).filter((status, i, all) => status !== all[i - 1]);
    expect(shown).toEqual(['waiting', 'called', 'in_consultation', 'consultation_done', 'printed', 'dispensed', 'closed']);
    for (const event of statusPage) {
      expect(event.type).toBe('status.updated.v1');
      expect(Object.keys(event.payload).sort()).toEqual(['calledAt', 'clinicName', 'doctor', 'estimatedWaitMinutes', 'position', 'quotedWaitMinutes', 'room', 'status', 'ticket']);
    }
    const everything = JSON.stringify(events);
    for (const secret of ['Penicillin', 'asthma', 'Amoxicillin', 'Tooth pain', '"systolic"', '+5511987654321']) expect(everything).not.toContain(secret);
    // The temperature as a JSON number: a timestamp's seconds (…:36.641Z) may read 36.6 too.
    expect(everything).not.toMatch(/[:,[]36\.6[,}\]]/);
    expect(events.find((e) => e.payload.status === 'waiting' && e.type === 'visit.updated.v1' && e.rooms.includes(reception))?.payload).toMatchObject({ patientName: 'Ana Lima', ticketNumber: 'A-001', version: 1 });

    // Health data never reaches the logs.
    for (const secret of ['Penicillin', 'asthma', 'Amoxicillin', 'Tooth pain', '98765-4321', 'Ana Lima']) expect(t.logs()).not.toContain(secret);
  });
});
