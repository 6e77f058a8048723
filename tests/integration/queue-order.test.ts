/**
 * One meaning of "waiting" on every screen: the desk's board, each doctor's queue, the waiting-room
 * display and the patients' status pages read the same queue by the same rule (workflows/queue-order.ts).
 */
import type { Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { listen, watch } from '../helpers/live';
import { clinicApp, ok, registerPatient, walkIn, type Clinic } from './clinic-support';
import { tenantFilter } from '../../server/db/orm';
import { recomputeWaitEstimate } from '../../server/modules/estimates/estimates.service';
import type { DisplayBoard, VisitStatus } from '../../server/modules/public-screens/public-screens.service';
import type { ProfessionalQueueBody, ReceptionQueueBody } from '../../server/modules/queue/queue.schemas';

type ReceptionQueue = Static<typeof ReceptionQueueBody>;
type ProfessionalQueue = Static<typeof ProfessionalQueueBody>;

let t: TestApp;
let call: Call;
let c: Clinic;
let url: string;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  url = await listen(t.app);
});
afterAll(async () => {
  await t.close();
});

type Visit = { id: string; ticketNumber: string; statusToken: string };

async function checkIn(professionalId: string, priority = 0): Promise<Visit> {
  return walkIn(call, c, (await registerPatient(call, c)).id, professionalId, { priority });
}

/** The snapshot a screen gets when it subscribes. */
async function snapshot<T>(auth: Record<string, unknown>, topic: Parameters<typeof watch>[2]): Promise<T> {
  const watched = watch<T>(url, auth, topic);
  try {
    return await watched.waitForSnapshot();
  } finally {
    watched.stop();
  }
}

describe('the queue rule on every screen', () => {
  it('counts and orders the same waiting patients on the desk, the doctor’s screen, the display and the status pages', async () => {
    // Dr A: one patient with the doctor, two waiting with an estimate, then an urgent walk-in the
    // estimator has not seen yet. Dr B: one called (on the way in), one waiting, one urgent.
    const a1 = await checkIn(c.drA.professionalId);
    const a2 = await checkIn(c.drA.professionalId);
    const a3 = await checkIn(c.drA.professionalId);
    const b1 = await checkIn(c.drB.professionalId);
    const b2 = await checkIn(c.drB.professionalId);
    const b3 = await checkIn(c.drB.professionalId, 1);
    expect((await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }))).id).toBe(a1.id);
    await ok(call({ method: 'POST', url: c.url(`/visits/${a1.id}/start`), token: c.drA.token, payload: {} }));
    expect((await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }))).id).toBe(b3.id);
    const em = t.orm.em.fork();
    em.setFilterParams(tenantFilter, { orgId: c.org.orgId });
    await recomputeWaitEstimate(em, c.org.orgId, c.drA.professionalId);
    await recomputeWaitEstimate(em, c.org.orgId, c.drB.professionalId);
    const a4 = await checkIn(c.drA.professionalId, 1);

    // The rule: urgent first, then by check-in; called and with the doctor are apart and not counted.
    const waitingA = [a4, a2, a3].map((v) => v.ticketNumber);
    const waitingB = [b1, b2].map((v) => v.ticketNumber);
    const tickets = (entries: { ticketNumber: string }[]) => entries.map((e) => e.ticketNumber);

    const desk = await snapshot<ReceptionQueue>({ token: c.tokens.receptionist }, { kind: 'reception', orgId: c.org.orgId });
    const deskA = desk.professionals.find((p) => p.professionalId === c.drA.professionalId)!;
    const deskB = desk.professionals.find((p) => p.professionalId === c.drB.professionalId)!;
    expect(deskA).toMatchObject({ waiting: 3, inConsultation: [{ ticketNumber: a1.ticketNumber }] });
    expect(tickets(deskA.visits)).toEqual(waitingA);
    // The called patient heads the list as called, not as a place in line above the waiting.
    expect(deskB.waiting).toBe(2);
    expect(deskB.visits.map((v) => `${v.ticketNumber}:${v.status}`)).toEqual([`${b3.ticketNumber}:called`, ...waitingB.map((ticket) => `${ticket}:waiting`)]);

    for (const [doctor, deskQueue] of [[c.drA, deskA], [c.drB, deskB]] as const) {
      const own = await snapshot<ProfessionalQueue>({ token: doctor.token }, { kind: 'doctor-queue', orgId: c.org.orgId });
      expect(own).toMatchObject({ waiting: deskQueue.waiting, averageWaitMinutes: deskQueue.averageWaitMinutes });
      expect(tickets(own.visits)).toEqual(tickets(deskQueue.visits));
      expect(tickets(own.inConsultation)).toEqual(tickets(deskQueue.inConsultation));
      const summary = await ok(call({ method: 'GET', url: c.url('/queue/summary'), token: c.tokens.receptionist, query: { professionalId: doctor.professionalId } }));
      expect(summary.waiting).toBe(deskQueue.waiting);
    }

    const display = await ok(call({ method: 'POST', url: c.url('/displays'), token: c.tokens.org_admin, payload: { name: 'Waiting room', privacy: 'ticket' } }), 201);
    const board = await snapshot<DisplayBoard>({ displayToken: display.token }, { kind: 'display' });
    expect(new Map(board.doctors.map((d) => [d.room, d.waiting]))).toEqual(new Map([['Room 1', 3], ['Room 2', 2]]));
    for (const [room, waiting] of [['Room 1', waitingA], ['Room 2', waitingB]] as const) {
      expect(board.next.filter((n) => n.room === room).map((n) => [n.ticket, n.position])).toEqual(waiting.map((ticket, i) => [ticket, i + 1]));
    }
    // Each doctor's first, then each one's second...: the urgent walk-in without an estimate is not sent to the end.
    expect(board.next.map((n) => n.ticket)).toEqual([a4.ticketNumber, b1.ticketNumber, a2.ticketNumber, b2.ticketNumber, a3.ticketNumber]);
    const byTicket = new Map(board.next.map((n) => [n.ticket, n]));
    expect(byTicket.get(a4.ticketNumber)!.estimatedWaitMinutes).toBeNull();
    expect(byTicket.get(a2.ticketNumber)!.estimatedWaitMinutes).not.toBeNull();

    for (const [visit, status, position] of [
      [a1, 'in_consultation', null],
      [a4, 'waiting', 1],
      [a2, 'waiting', 2],
      [a3, 'waiting', 3],
      [b3, 'called', null],
      [b1, 'waiting', 1],
      [b2, 'waiting', 2],
    ] as const) {
      const page = await snapshot<VisitStatus>({ statusToken: visit.statusToken }, { kind: 'visit-status' });
      expect({ ticket: page.ticket, status: page.status, position: page.position }).toEqual({ ticket: visit.ticketNumber, status, position });
      if (visit === a4) expect(page.estimatedWaitMinutes).toBeNull();
    }

    // Call next takes the head every screen shows: the urgent walk-in, once the doctor is free.
    await ok(call({ method: 'POST', url: c.url(`/visits/${a1.id}/complete`), token: c.drA.token, payload: {} }));
    expect((await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }))).id).toBe(a4.id);
  });
});
