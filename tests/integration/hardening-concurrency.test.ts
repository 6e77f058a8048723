import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { ok, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';

/**
 * Issue 9, concurrency: many staff acting on one case or one visit at once. Already proven
 * elsewhere: two racing case writers (lab-cases.test.ts), 50 concurrent check-ins get consecutive
 * tickets (clinic-visits.test.ts), one of 10 concurrent bookings of a slot (clinic-booking.test.ts).
 */
let t: TestApp;
let call: Call;
let lab: SeededOrg;
let tokens: Record<Role, string>;
let c: Clinic;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  tokens = await tokensFor(call, lab);
  c = await seedClinic(t, call);
});
afterAll(() => t.close());

const sql = <T>(text: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(text, params);
const dueIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const caseUrl = (caseId: string) => `/api/v1/orgs/${lab.orgId}/cases/${caseId}`;

interface Outcome {
  status: number;
  error?: string;
  version?: number;
}
const outcome = (response: { statusCode: number; json: () => { error?: string; version?: number } }): Outcome => {
  const body = response.json();
  return { status: response.statusCode, error: body.error, version: response.statusCode === 200 ? body.version : undefined };
};

/** Clients that do not all read at the same instant, so rounds interleave. */
const jitter = () => new Promise((r) => setTimeout(r, Math.random() * 40));

const summary = (outcomes: Outcome[]) => {
  const tally = new Map<string, number>();
  for (const o of outcomes) tally.set(o.status === 200 ? '200' : `409 ${o.error}`, (tally.get(o.status === 200 ? '200' : `409 ${o.error}`) ?? 0) + 1);
  return [...tally].map(([k, n]) => `${n} x ${k}`).join(', ');
};

/** The 200s carry the versions they created: each version may be won once, and they follow on. */
function expectOneWinnerPerVersion(outcomes: Outcome[], from: number): number {
  const won = outcomes.filter((o) => o.status === 200).map((o) => o.version!).sort((a, b) => a - b);
  expect(won).toEqual(Array.from({ length: won.length }, (_, i) => from + 1 + i));
  for (const lost of outcomes.filter((o) => o.status !== 200)) {
    expect(lost.status).toBe(409);
    expect(['stale_version', 'transition_refused']).toContain(lost.error);
  }
  return won.length;
}

describe('20 concurrent events on one lab case', () => {
  it('let exactly one through at a version, the other 19 answer 409', async () => {
    const created = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: tokens.org_admin, payload: { patientName: 'Race Case', material: 'Zirconia', caseType: 'Crown', dueDate: dueIn(5), dentistUserId: lab.members.dentist.userId } }), 201);
    await ok(call({ method: 'POST', url: `${caseUrl(created.id)}/events`, token: tokens.designer, payload: { type: 'case.assignDesigner', version: 1 } }));
    // Everyone read version 2 (in progress) and acts on it at once, with different intentions.
    const intentions = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? { token: tokens.designer, payload: { type: 'case.submitForApproval', version: 2 } }
        : { token: tokens.org_admin, payload: { type: 'case.outsource', version: 2, outsourcedTo: `Partner ${i}` } },
    );
    const outcomes = (await Promise.all(intentions.map(({ token, payload }) => call({ method: 'POST', url: `${caseUrl(created.id)}/events`, token, payload })))).map(outcome);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 409)).toHaveLength(19);
    expectOneWinnerPerVersion(outcomes, 2);
    const history = await sql<{ version: number }>('select version from case_transitions where case_id = ? order by version', [created.id]);
    expect(history.map((h) => h.version)).toEqual([2, 3]);
    console.info(`concurrency/case: 20 events at version 2 -> ${summary(outcomes)}`);
  });

  it('keep a gap-free history under 20 clients retrying against each other', async () => {
    const created = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: tokens.org_admin, payload: { patientName: 'Churn Case', material: 'Emax', caseType: 'Veneer', dueDate: dueIn(6), dentistUserId: lab.members.dentist.userId } }), 201);
    await ok(call({ method: 'POST', url: `${caseUrl(created.id)}/events`, token: tokens.designer, payload: { type: 'case.assignDesigner', version: 1 } }));
    // Each client reads the case and sends what its state allows: the designer submits, the admin
    // sends it back. Three rounds each, all at once.
    const client = async () => {
      const outcomes: Outcome[] = [];
      for (let round = 0; round < 3; round++) {
        await jitter();
        const current = (await call({ method: 'GET', url: caseUrl(created.id), token: tokens.org_admin })).json();
        const event =
          current.status === 'in_progress'
            ? { token: tokens.designer, payload: { type: 'case.submitForApproval', version: current.version } }
            : { token: tokens.org_admin, payload: { type: 'case.requestAdjustment', version: current.version, notes: 'Tighten the contact' } };
        outcomes.push(outcome(await call({ method: 'POST', url: `${caseUrl(created.id)}/events`, token: event.token, payload: event.payload })));
      }
      return outcomes;
    };
    const outcomes = (await Promise.all(Array.from({ length: 20 }, client))).flat();
    const won = expectOneWinnerPerVersion(outcomes, 2);
    expect(won).toBeGreaterThan(1);
    const history = await sql<{ version: number; from_state: string; to_state: string }>('select version, from_state, to_state from case_transitions where case_id = ? order by version', [created.id]);
    // No holes: versions 2..n, and each step starts where the one before ended.
    expect(history.map((h) => h.version)).toEqual(Array.from({ length: won + 1 }, (_, i) => 2 + i));
    for (let i = 1; i < history.length; i++) expect(history[i]!.from_state).toBe(history[i - 1]!.to_state);
    const [row] = await sql<{ version: number }>('select version from lab_cases where id = ?', [created.id]);
    expect(row!.version).toBe(2 + won);
    const audits = await sql<{ n: string }>("select count(*) as n from audit_events where entity_id = ? and action = 'case.transition'", [created.id]);
    expect(Number(audits[0]!.n)).toBe(won + 1);
    console.info(`concurrency/case: 20 clients x 3 rounds -> ${summary(outcomes)}; history versions 2..${2 + won}, no hole`);
  }, 30_000);
});

describe('20 concurrent events on one visit', () => {
  it('let exactly one through at a version, the other 19 answer 409', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    const called = await ok(call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.tokens.receptionist }));
    expect(called.status).toBe('called');
    const requests = Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0
        ? { token: c.drB.token, payload: { type: 'recall', version: called.version } }
        : { token: c.tokens.receptionist, payload: { type: i % 3 === 1 ? 'noShow' : 'cancel', version: called.version } },
    );
    const outcomes = (await Promise.all(requests.map(({ token, payload }) => call({ method: 'POST', url: c.url(`/visits/${visit.id}/events`), token, payload })))).map(outcome);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 409)).toHaveLength(19);
    expectOneWinnerPerVersion(outcomes, called.version);
    console.info(`concurrency/visit: 20 events at version ${called.version} -> ${summary(outcomes)}`);
    // A winning recall leaves the patient called, and the doctor calls no one else until they are
    // seen or marked as not come: close the turn so the next test starts from a free doctor.
    const after = await ok(call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.tokens.receptionist }));
    if (after.status === 'called') await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/events`), token: c.tokens.receptionist, payload: { type: 'noShow', version: after.version } }));
  });

  it('keep a gap-free history under 20 clients recalling at once, three rounds each', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    const start = (await ok(call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.drB.token }))).version as number;
    const transitionsBefore = (await sql<{ n: string }>('select count(*) as n from visit_transitions where visit_id = ?', [visit.id]))[0]!.n;
    const client = async () => {
      const outcomes: Outcome[] = [];
      for (let round = 0; round < 3; round++) {
        await jitter();
        const current = await ok(call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.drB.token }));
        outcomes.push(outcome(await call({ method: 'POST', url: c.url(`/visits/${visit.id}/events`), token: c.drB.token, payload: { type: 'recall', version: current.version } })));
      }
      return outcomes;
    };
    const outcomes = (await Promise.all(Array.from({ length: 20 }, client))).flat();
    const won = expectOneWinnerPerVersion(outcomes, start);
    expect(won).toBeGreaterThan(1);
    const history = await sql<{ event: string; from_status: string; to_status: string }>('select event, from_status, to_status from visit_transitions where visit_id = ? order by at, id', [visit.id]);
    // Visit history rows carry no version: one row per won event, each starting where the last ended.
    expect(history).toHaveLength(Number(transitionsBefore) + won);
    for (let i = 1; i < history.length; i++) expect(history[i]!.from_status).toBe(history[i - 1]!.to_status);
    const [row] = await sql<{ version: number }>('select version from visits where id = ?', [visit.id]);
    expect(row!.version).toBe(start + won);
    console.info(`concurrency/visit: 20 clients x 3 recalls -> ${summary(outcomes)}; versions ${start + 1}..${start + won}, ${history.length} history rows, no hole`);
  }, 30_000);
});
