/**
 * machines: XState events per second for caseMachine and visitMachine through attempt() (restoring
 * the snapshot from its persisted form each time, as the services do), alone and together with
 * allowedEvents() (a case transition's answer lists the events the caller may send next), and the
 * refusal path. Then their share of a real transition request: a server child serves case
 * transitions at one connection under the CPU profiler; the share of its busy time spent inside
 * xstate or workflows/ is read from the profile, and the wall-clock share is the measured cost of
 * attempt() + allowedEvents() over the request's median latency.
 * Baseline: none external; the anchor is the request itself.
 */
import type { AnyStateMachine } from 'xstate';
import { allowedEvents, attempt, initial, type Persisted } from '../workflows/attempt';
import { caseMachine, type CaseEvent } from '../workflows/case.machine';
import { visitMachine, type VisitEvent } from '../workflows/visit.machine';
import type { Caller } from '../workflows/roles';
import { noteLoad, nowMs, quick, round, sleep, table, writeResult } from './lib/common';
import { createBenchDatabase, rawClient } from './lib/database';
import { run, startAppServer } from './lib/http-load';
import { casesInProgress, loadCases, loginToken, seedLab } from './lib/lab-fixture';

const name = 'machines';
const startedLoad = noteLoad(name);
const window = quick ? 500 : 2000;

const admin: Caller = { role: 'org_admin', userId: '00000000-0000-4000-8000-000000000001' };
const dentist: Caller = { role: 'dentist', userId: '00000000-0000-4000-8000-000000000002' };
const designer: Caller = { role: 'designer', userId: '00000000-0000-4000-8000-000000000003' };
const at = '2026-11-27T10:00:00.000Z';

/** A case's life, looped: design, an adjustment, approval, shipping, delivery, a remake. */
const caseCycle: CaseEvent[] = [
  { type: 'case.submitForApproval', actor: designer },
  { type: 'case.requestAdjustment', actor: dentist, notes: 'Open the contact on 36' },
  { type: 'case.submitForApproval', actor: designer },
  { type: 'case.approve', actor: dentist, at },
  { type: 'case.ship', actor: admin },
  { type: 'case.deliver', actor: dentist },
  { type: 'case.remake', actor: dentist, reason: 'fit', details: '', at },
];
const caseStart: CaseEvent = { type: 'case.assignDesigner', actor: admin, designerId: designer.userId };

const doctor: Caller = { role: 'doctor', userId: '00000000-0000-4000-8000-000000000004' };
const desk: Caller = { role: 'receptionist', userId: '00000000-0000-4000-8000-000000000005' };
const pharmacy: Caller = { role: 'medical_staff', userId: '00000000-0000-4000-8000-000000000006' };
/** A visit's sessions, looped: called, seen with a prescription, printed, dispensed, back to the queue. */
const visitCycle: VisitEvent[] = [
  { type: 'visit.call', actor: doctor, at },
  { type: 'visit.start', actor: doctor, at },
  { type: 'visit.complete', actor: doctor, at, hasPrescription: true },
  { type: 'visit.print', actor: pharmacy, at },
  { type: 'visit.dispense', actor: pharmacy, at },
  { type: 'visit.requeue', actor: desk, at },
];
const visitStart: VisitEvent = { type: 'visit.queue', actor: desk };

interface Rate {
  events: number;
  perSecond: number;
  usPerEvent: number;
}

/** Applies the cycle's events in a loop for `ms`, each from the persisted form; with `listAllowed`, also allowedEvents() after each. */
function measure<M extends AnyStateMachine>(machine: M, start: Persisted<never>, first: { type: string; actor: Caller }, cycle: { type: string; actor: Caller }[], ms: number, listAllowed: boolean): Rate {
  let persisted = start as Persisted<unknown>;
  const step = (event: { type: string; actor: Caller }) => {
    const result = attempt(machine, persisted as never, event as never);
    if (!result.accepted) throw new Error(`${event.type} refused in ${result.from}`);
    persisted = { value: result.value, context: result.context };
    if (listAllowed) allowedEvents(machine, persisted as never, event.actor);
  };
  step(first);
  let events = 0;
  const begin = nowMs();
  let i = 0;
  while (nowMs() - begin < ms) {
    for (let k = 0; k < 100; k++) {
      step(cycle[i++ % cycle.length]!);
      events++;
    }
  }
  const elapsed = nowMs() - begin;
  return { events, perSecond: Math.round((events / elapsed) * 1000), usPerEvent: round((elapsed * 1000) / events, 2) };
}

function measureRefusals<M extends AnyStateMachine>(machine: M, persisted: Persisted<never>, event: { type: string; actor: Caller }, ms: number): Rate {
  let events = 0;
  const begin = nowMs();
  while (nowMs() - begin < ms) {
    for (let k = 0; k < 100; k++) {
      const result = attempt(machine, persisted, event as never);
      if (result.accepted) throw new Error('expected a refusal');
      events++;
    }
  }
  const elapsed = nowMs() - begin;
  return { events, perSecond: Math.round((events / elapsed) * 1000), usPerEvent: round((elapsed * 1000) / events, 2) };
}

const caseInitial = initial(caseMachine) as Persisted<never>;
const visitInitial = initial(visitMachine, { expiresAt: '2099-01-01T00:00:00.000Z' }) as Persisted<never>;
// Warm-up (JIT).
measure(caseMachine, caseInitial, caseStart, caseCycle, 300, true);
measure(visitMachine, visitInitial, visitStart, visitCycle, 300, true);

const rates = {
  'caseMachine attempt()': measure(caseMachine, caseInitial, caseStart, caseCycle, window, false),
  'caseMachine attempt() + allowedEvents()': measure(caseMachine, caseInitial, caseStart, caseCycle, window, true),
  'caseMachine refusal (attempt() listing allowed)': measureRefusals(caseMachine, caseInitial, { type: 'case.ship', actor: admin }, window),
  'visitMachine attempt()': measure(visitMachine, visitInitial, visitStart, visitCycle, window, false),
  'visitMachine attempt() + allowedEvents()': measure(visitMachine, visitInitial, visitStart, visitCycle, window, true),
  'visitMachine refusal (attempt() listing allowed)': measureRefusals(visitMachine, visitInitial, { type: 'visit.dispense', actor: pharmacy }, window),
};

// A transition request's time, and the machines' part in it.
const database = await createBenchDatabase(name);
let share: Record<string, unknown> = {};
try {
  const db = await rawClient(database.url);
  const lab = await seedLab(db);
  await loadCases(db, lab, quick ? 2_000 : 10_000);
  const caseIds = await casesInProgress(db, lab.orgId, 10_000);
  const server = await startAppServer(database.url, database.redisPrefix);
  try {
    const token = await loginToken(server.base, lab.adminEmail);
    const versions = new Map(caseIds.map((id) => [id, 1]));
    let next = 0;
    const transitions = (duration: number) =>
      run(server.child, {
        url: server.base,
        connections: 1,
        duration,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            setupRequest: (req, context) => {
              const caseId = caseIds[next % caseIds.length]!;
              (context as Record<string, unknown>).caseId = caseId;
              return { ...req, path: `/api/v1/orgs/${lab.orgId}/cases/${caseId}/events`, body: JSON.stringify({ type: 'case.assignDesigner', version: versions.get(caseId), designerId: lab.designerIds[next++ % lab.designerIds.length] }) };
            },
            onResponse: (_status, body, context) => {
              const version = (JSON.parse(body) as { version?: number; details?: { version?: number } }).version;
              if (version) versions.set((context as Record<string, unknown>).caseId as string, version);
            },
          },
        ],
      });
    await transitions(2);
    await sleep(500);
    await server.child.call('profile-start');
    const figures = await transitions(quick ? 3 : 8);
    const profile = await server.child.call<{ busyMs: number; inclusiveShares: Record<string, number> }>('profile-stop');
    const machineUs = rates['caseMachine attempt() + allowedEvents()'].usPerEvent;
    // CPU time (user + system) of the server process per request, from process.cpuUsage() around the run.
    const cpuPerRequestMs = (figures.serverCores * figures.durationS * 1000) / Math.max(1, figures.requests);
    share = {
      requests: figures.requests,
      requestP50Ms: figures.p50,
      requestMeanMs: figures.mean,
      serverCpuPerRequestMs: round(cpuPerRequestMs, 2),
      machineUsPerRequest: machineUs,
      profiledShareOfServerCpuPct: profile.inclusiveShares['xstate + workflows/'] ?? 0,
      wallShareOfRequestPct: round((machineUs / 1000 / figures.mean) * 100, 2),
      visitMachineUsPerRequest: rates['visitMachine attempt() + allowedEvents()'].usPerEvent,
      visitShareOfACaseRequestPct: round((rates['visitMachine attempt() + allowedEvents()'].usPerEvent / 1000 / figures.mean) * 100, 2),
      profile,
    };
    await db.end();
  } finally {
    await sleep(1000);
    await server.child.stop();
  }
} finally {
  await database.drop();
}

const rows = Object.entries(rates).map(([what, r]) => ({ what, 'events/s': r.perSecond, 'us/event': r.usPerEvent, events: r.events }));
table(`machines: xstate ${(await import('xstate/package.json', { with: { type: 'json' } })).default.version}, one core, ${window} ms per line`, rows);
table('machines: share of a case transition request (1 connection)', [
  {
    'request mean ms': share.requestMeanMs,
    'server CPU/request ms': share.serverCpuPerRequestMs,
    'attempt+allowed us': share.machineUsPerRequest,
    'share of server CPU (profile) %': share.profiledShareOfServerCpuPct,
    'share of request wall time %': share.wallShareOfRequestPct,
  },
]);
writeResult(name, startedLoad, { settings: { windowMs: window }, rates, transitionShare: share, table: rows });
