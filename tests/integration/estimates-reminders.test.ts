import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { listen, startBackground, until, watch } from '../helpers/live';
import { seedOrg, tokensFor } from '../helpers/factories';
import { clinicApp, ok, registerPatient, onDay, walkIn, type Clinic } from './clinic-support';
import { recomputeWaitEstimate } from '../../server/modules/estimates/estimates.service';
import { appointmentReminders, labCaseReminders } from '../../server/modules/reminders/reminders.service';
import { jobKey } from '../../server/modules/notifications/notification-rules';
import { tenantFilter } from '../../server/db/orm';

let t: TestApp;
let call: Call;
let c: Clinic;
let stopBackground: () => Promise<void>;
let url: string;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  url = await listen(t.app);
  stopBackground = await startBackground(t);
});
afterAll(async () => {
  await stopBackground();
  await t.close();
});

/** Sees one patient through a consultation, then stretches it to `minutes` (the history the estimator learns from). */
async function consultation(minutes: number) {
  const patient = await registerPatient(call, c);
  const visit = await walkIn(call, c, patient.id);
  await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
  await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/start`), token: c.drA.token, payload: {} }));
  await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/complete`), token: c.drA.token, payload: {} }));
  await t.orm.em.getConnection().execute("update consultation_sessions set started_at = completed_at - make_interval(mins => ?) where visit_id = ?", [minutes, visit.id]);
}

describe('wait estimates', () => {
  it('learn from the doctor’s consultations, reach reception live, and are quoted at check-in', async () => {
    for (const minutes of [20, 20, 20]) await consultation(minutes);
    const reception = watch(url, { token: c.tokens.receptionist }, { kind: 'reception', orgId: c.org.orgId });
    await reception.waitForSnapshot();
    const first = await walkIn(call, c, (await registerPatient(call, c)).id);
    await walkIn(call, c, (await registerPatient(call, c)).id);
    // Debounced: the two check-ins settle into one recomputation that reaches the reception.
    await until(() => reception.events.some((e) => e.type === 'estimates.updated.v1'), 15_000, 'an estimate');
    const estimate = reception.events.find((e) => e.type === 'estimates.updated.v1')!.payload as { newArrival: { p50: number; p90: number }; byVisit: Record<string, { p50: number }> };
    expect(estimate.byVisit[first.id]).toEqual({ p50: 0, p90: 0 });
    expect(estimate.newArrival.p50).toBe(40);
    const third = await walkIn(call, c, (await registerPatient(call, c)).id);
    expect(third.quotedWaitMinutes).toBe(40);
    const queue = await ok(call({ method: 'GET', url: c.url('/queue/reception'), token: c.tokens.receptionist }));
    const mine = queue.professionals.find((p: { professionalId?: string; id?: string }) => (p.professionalId ?? p.id) === c.drA.professionalId);
    expect(JSON.stringify(mine)).toContain('"quotedWaitMinutes":40');
    reception.stop();
  });

  it('counts the consultation in progress by how long it has run', async () => {
    const em = t.orm.em.fork();
    em.setFilterParams(tenantFilter, { orgId: c.org.orgId });
    const called = await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
    await ok(call({ method: 'POST', url: c.url(`/visits/${called.id}/start`), token: c.drA.token, payload: {} }));
    await t.orm.em.getConnection().execute("update consultation_sessions set started_at = now() - interval '15 minutes' where visit_id = ?", [called.id]);
    const stored = await recomputeWaitEstimate(em, c.org.orgId, c.drA.professionalId);
    expect(stored!.basis.inProgressElapsed).toBe(15);
    // Fifteen minutes into a 20-minute habit: about five to go for the next patient, 25 for the one after.
    expect(Object.values(stored!.byVisit).map((range) => range.p50).sort((a, b) => a - b)).toEqual([5, 25]);
  });

  it('quote an urgent check-in next and leave room for more urgent patients in the quotes behind it', async () => {
    const em = () => {
      const fork = t.orm.em.fork();
      fork.setFilterParams(tenantFilter, { orgId: c.org.orgId });
      return fork;
    };
    const before = await recomputeWaitEstimate(em(), c.org.orgId, c.drA.professionalId);
    const urgent = await walkIn(call, c, (await registerPatient(call, c)).id, c.drA.professionalId, { priority: 1 });
    const after = await recomputeWaitEstimate(em(), c.org.orgId, c.drA.professionalId);
    const waiting = Object.entries(before!.byVisit).sort(([, a], [, b]) => a.p50 - b.p50);
    expect(waiting.map(([, range]) => range.p50)).toEqual([5, 25]);
    // The urgent patient goes in next; one of today's check-ins was urgent, so the two behind allow for another.
    expect(after!.byVisit[urgent.id]!.p50).toBe(5);
    expect(after!.byVisit[waiting[0]![0]]!.p50).toBeGreaterThanOrEqual(25);
    expect(after!.byVisit[waiting[1]![0]]!.p50).toBeGreaterThan(45);
  });
});

describe('reminders', () => {
  it('remind a lab of cases due within a day and overdue, once per day, and mark them on the board', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, lab)).org_admin;
    const due = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const soon = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: admin, payload: { patientName: 'Due Soon', material: 'Emax', caseType: 'Veneer', dueDate: due(1) } }), 201);
    await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: admin, payload: { patientName: 'Later', material: 'Emax', caseType: 'Veneer', dueDate: due(9) } }), 201);
    const late = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: admin, payload: { patientName: 'Overdue', material: 'PMMA', caseType: 'Bridge', dueDate: due(2) } }), 201);
    await t.orm.em.getConnection().execute('update lab_cases set due_date = current_date - 2 where id = ?', [late.id]);
    const jobs = (await labCaseReminders(t.orm.em.fork())).filter((j) => j.orgId === lab.orgId);
    expect(jobs.map((j) => [j.subjectId, j.template, j.recipient]).sort()).toEqual([[late.id, 'case.overdue', 'lab_admins'], [soon.id, 'case.dueSoon', 'lab_admins']].sort());
    const again = (await labCaseReminders(t.orm.em.fork())).filter((j) => j.orgId === lab.orgId);
    expect(again.map(jobKey).sort()).toEqual(jobs.map(jobKey).sort());
    const marks = await t.orm.em.getConnection().execute<{ payload: { caseId: string; risk: string } }[]>("select payload from outbox_events where org_id = ? and type = 'case.reminded.v1'", [lab.orgId]);
    expect(marks.map((m) => m.payload.risk).sort()).toEqual(['due_soon', 'due_soon', 'overdue', 'overdue']);
  });

  it('remind patients of tomorrow’s appointments the day before', async () => {
    const patient = await registerPatient(call, c, { consentEmail: true });
    const tomorrow = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Check-up', startsAt: onDay(1, 10) } }), 201);
    await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Later', startsAt: onDay(3, 10) } }), 201);
    const jobs = (await appointmentReminders(t.orm.em.fork())).filter((j) => j.orgId === c.org.orgId);
    expect(jobs.map((j) => [j.subjectId, j.channel, j.template])).toEqual([
      [tomorrow.id, 'email', 'appointment.reminder'],
      [tomorrow.id, 'whatsapp', 'appointment.reminder'],
    ]);
  });
});
