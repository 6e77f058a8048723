import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../workflows/roles';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import { AccountMail } from '../../server/modules/auth/account-mail';
import { login, seedOrg, testPassword, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { installWriteCounter, type WriteCounter } from '../helpers/write-counter';
import { startSmtp, type Mail } from '../helpers/smtp';
import { listen, until, watch } from '../helpers/live';
import type { Topic } from '../../client/src/lib/live/live-client';
import { normalVitals, ok, patientPayload, registerPatient, seedClinic, slotFromNow, walkIn, type Clinic } from './clinic-support';

/**
 * Cuspid attacked from outside, as a tester with a login of every role would: ids of another org
 * (in paths, bodies and queries), rows of another person of the same org, query strings shaped to
 * inject filters, tokens that should have ended, answers that tell accounts apart, fields a role
 * should not see, and input meant to make the server fail. Two clinics and two labs, every role in
 * each; every request of the file goes through one recorder, so the last test can say that none
 * answered 5xx or echoed SQL or a stack.
 */
let t: TestApp;
let call: Call;
let counter: WriteCounter;
let url: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
/** Every mail the server sent: reset links reach only the inbox they were sent to. */
const mails: Mail[] = [];

/** Every answer of the file: the figures, and the final check that none was a 5xx or leaked internals. */
const seen: { method: string; url: string; status: number; body: string }[] = [];

interface Portal {
  patientId: string;
  userId: string;
  email: string;
  token: string;
  refreshToken: string;
}

interface ClinicWorld {
  c: Clinic;
  name: string;
  /** Portal patients with a login: p1 has drA's finished visit with a prescription; p2 an appointment with drA. */
  p1: Portal;
  p2: Portal;
  /** A desk patient seen only by drB (an appointment and a waiting visit). */
  p3: { patientId: string };
  appointments: { a1: string; a2: string; a3: string };
  /** v1: p1 with drA, consultation done, prescription to print; v2: p3 waiting for drB. */
  visits: { v1: string; v2: string };
  /** The status-page token of p3's waiting visit: for p3's phone only. */
  v2StatusToken: string;
  itemId: string;
  displayId: string;
  displayToken: string;
  invitationId: string;
}

interface LabWorld {
  org: SeededOrg;
  name: string;
  tokens: Record<Role, string>;
  url: (path: string) => string;
  designer2: { userId: string; token: string };
  dentist2: { userId: string; token: string };
  /** dentist's own case, assigned to designer; another dentist's case, New, with an attachment. */
  ownCase: string;
  otherCase: string;
  attachmentId: string;
  otherPatientName: string;
}

let platform: SeededOrg;
let superToken: string;
let A: ClinicWorld;
let B: ClinicWorld;
let labA: LabWorld;
let labB: LabWorld;

const portalPassword = 'Quartz-lantern-9147';
const dueDate = () => addDays(localToday(serverTimeZone), 10);
const asciiStl = Buffer.from('solid crown\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n    endloop\n  endfacet\nendsolid crown\n');

async function selfRegister(c: Clinic): Promise<Portal> {
  const email = `portal.${randomBytes(4).toString('hex')}@example.test`;
  const { medicalHistory: _history, ...fields } = patientPayload();
  await ok(call({ method: 'POST', url: c.url('/patients/self-register'), payload: { ...fields, email, password: portalPassword } }), 202);
  const session = await login(call, email, portalPassword);
  const me = await ok(call({ method: 'GET', url: c.url('/patients/me'), token: session.accessToken }));
  const who = await ok(call({ method: 'GET', url: '/api/v1/auth/me', token: session.accessToken }));
  return { patientId: me.id, userId: who.user.id, email, token: session.accessToken, refreshToken: session.refreshToken };
}

async function seedClinicWorld(name: string): Promise<ClinicWorld> {
  const c = await seedClinic(t, call, name);
  const p1 = await selfRegister(c);
  const p2 = await selfRegister(c);
  const p3 = { patientId: (await registerPatient(call, c)).id };
  const book = async (patientId: string, professionalId: string, n: number) =>
    (await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId, professionalId, treatment: 'Check-up', startsAt: slotFromNow(n) } }), 201)).id as string;
  const appointments = { a1: await book(p1.patientId, c.drA.professionalId, 0), a2: await book(p2.patientId, c.drA.professionalId, 1), a3: await book(p3.patientId, c.drB.professionalId, 2) };
  const v1 = (await walkIn(call, c, p1.patientId, c.drA.professionalId)).id as string;
  await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
  await ok(call({ method: 'POST', url: c.url(`/visits/${v1}/start`), token: c.drA.token, payload: {} }));
  const prescription = await ok(
    call({ method: 'POST', url: c.url(`/visits/${v1}/prescription/items`), token: c.drA.token, payload: { medicine: 'Ibuprofen', dosage: '400 mg', frequency: 'every 8 hours', duration: '3 days' } }),
    201,
  );
  await ok(call({ method: 'POST', url: c.url(`/visits/${v1}/complete`), token: c.drA.token, payload: {} }));
  const waiting = await walkIn(call, c, p3.patientId, c.drB.professionalId);
  const display = await ok(call({ method: 'POST', url: c.url('/displays'), token: c.tokens.org_admin, payload: { name: 'Lobby' } }), 201);
  return {
    c,
    name,
    p1,
    p2,
    p3,
    appointments,
    visits: { v1, v2: waiting.id },
    v2StatusToken: waiting.statusToken,
    itemId: prescription.items[0].id,
    displayId: display.id,
    displayToken: display.token,
    invitationId: '',
  };
}

async function seedLabWorld(name: string): Promise<LabWorld> {
  const org = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist'], { name });
  const tokens = await tokensFor(call, org);
  const labUrl = (path: string) => `/api/v1/orgs/${org.orgId}${path}`;
  const hire = async (role: Role) => {
    const email = `${role}.${randomBytes(4).toString('hex')}@example.test`;
    const added = await ok(call({ method: 'POST', url: labUrl('/staff'), token: tokens.org_admin, payload: { email, name: `Second ${role}`, role, password: 'Second-member-2026' } }), 201);
    return { userId: added.member.user.id as string, token: (await login(call, email, 'Second-member-2026')).accessToken };
  };
  const designer2 = await hire('designer');
  const dentist2 = await hire('dentist');
  const crown = { material: 'Zirconia', caseType: 'Crown', toothNumbers: ['11'], shade: 'A2', dueDate: dueDate() };
  const ownCase = await ok(call({ method: 'POST', url: labUrl('/cases'), token: tokens.dentist, payload: { ...crown, patientName: `Own Patient ${name}` } }), 201);
  await ok(call({ method: 'POST', url: labUrl(`/cases/${ownCase.id}/events`), token: tokens.designer, payload: { type: 'case.assignDesigner', version: 1 } }));
  const otherPatientName = `Hidden Patient ${randomBytes(3).toString('hex')}`;
  const otherCase = await ok(call({ method: 'POST', url: labUrl('/cases'), token: tokens.org_admin, payload: { ...crown, patientName: otherPatientName, dentistUserId: dentist2.userId } }), 201);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(asciiStl)]), 'crown.stl');
  const attachment = await ok(call({ method: 'POST', url: labUrl(`/cases/${otherCase.id}/attachments`), token: tokens.designer, payload: form }), 201);
  return { org, name, tokens, url: labUrl, designer2, dentist2, ownCase: ownCase.id, otherCase: otherCase.id, attachmentId: attachment.id, otherPatientName };
}

beforeAll(async () => {
  smtp = await startSmtp(mails);
  t = await createTestApp({ SMTP_URL: smtp.url });
  const inject = caller(t.app);
  call = async (options) => {
    const response = await inject(options);
    seen.push({ method: String(options.method ?? 'GET'), url: String(options.url), status: response.statusCode, body: response.body });
    return response;
  };
  url = await listen(t.app);
  platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  superToken = (await tokensFor(call, platform)).super_admin;
  A = await seedClinicWorld('Clinic Alpha');
  B = await seedClinicWorld('Clinic Bravo');
  labA = await seedLabWorld('Lab Alpha');
  labB = await seedLabWorld('Lab Bravo');
  // Each clinic has invited lab Alpha's designer (an existing account) to its desk.
  for (const w of [A, B]) {
    const invited = await ok(call({ method: 'POST', url: w.c.url('/staff'), token: w.c.tokens.org_admin, payload: { email: labA.org.members.designer.email, name: 'Invited', role: 'receptionist' } }), 202);
    w.invitationId = invited.invitation.id;
  }
  counter = await installWriteCounter(t.orm);
}, 120_000);
afterAll(async () => {
  await t.close();
  await smtp.close();
});

// ---------------------------------------------------------------------------------------------

interface Actor {
  label: string;
  token: string;
  /** The org the actor belongs to, whose routes they call. */
  orgId: string;
  kind: 'clinic' | 'lab';
}

function clinicActors(w: ClinicWorld): Actor[] {
  const roles: Role[] = ['org_admin', 'receptionist', 'doctor', 'medical_staff', 'patient'];
  return [
    ...roles.map((role) => ({ label: `${w.name} ${role}`, token: w.c.tokens[role], orgId: w.c.org.orgId, kind: 'clinic' as const })),
    { label: `${w.name} drB`, token: w.c.drB.token, orgId: w.c.org.orgId, kind: 'clinic' },
    { label: `${w.name} portal p1`, token: w.p1.token, orgId: w.c.org.orgId, kind: 'clinic' },
  ];
}

function labActors(l: LabWorld): Actor[] {
  return [
    ...(['org_admin', 'designer', 'dentist'] as Role[]).map((role) => ({ label: `${l.name} ${role}`, token: l.tokens[role], orgId: l.org.orgId, kind: 'lab' as const })),
    { label: `${l.name} designer2`, token: l.designer2.token, orgId: l.org.orgId, kind: 'lab' },
    { label: `${l.name} dentist2`, token: l.dentist2.token, orgId: l.org.orgId, kind: 'lab' },
  ];
}

/** The real ids of a clinic and a lab, by the path parameter that names them. */
function idsOf(w: ClinicWorld, l: LabWorld): Record<string, string> {
  return {
    patientId: w.p1.patientId,
    appointmentId: w.appointments.a1,
    visitId: w.visits.v1,
    itemId: w.itemId,
    professionalId: w.c.drA.professionalId,
    displayId: w.displayId,
    membershipId: w.c.org.members.receptionist.membershipId,
    invitationId: w.invitationId,
    caseId: l.otherCase,
    attachmentId: l.attachmentId,
    notificationId: randomUUID(),
  };
}

/** A body each write route accepts, so a refusal comes from the row, not from validation. */
function validBody(method: string, path: string): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  const bodies: Record<string, unknown> = {
    'PATCH /api/v1/orgs/{orgId}/patients/{patientId}': { phone: '+55 11 91234-0000' },
    'PUT /api/v1/orgs/{orgId}/patients/{patientId}/allergies': { allergies: [{ substance: 'Latex' }], version: 1 },
    'POST /api/v1/orgs/{orgId}/patients/{patientId}/treatments': { diagnosis: 'Caries on 36' },
    'PATCH /api/v1/orgs/{orgId}/appointments/{appointmentId}/reschedule': { startsAt: slotFromNow(5) },
    'POST /api/v1/orgs/{orgId}/appointments/{appointmentId}/cancel': { reason: 'Attacker' },
    'POST /api/v1/orgs/{orgId}/visits/{visitId}/events': { type: 'cancel' },
    'POST /api/v1/orgs/{orgId}/visits/{visitId}/prescription/items': { medicine: 'Paracetamol', dosage: '1 g', frequency: 'every 6 hours', duration: '2 days' },
    'PATCH /api/v1/orgs/{orgId}/professionals/{professionalId}': { room: 'Attic' },
    'PATCH /api/v1/orgs/{orgId}/displays/{displayId}': { name: 'Hijacked' },
    'PATCH /api/v1/orgs/{orgId}/staff/{membershipId}': { active: false },
    'PATCH /api/v1/orgs/{orgId}/cases/{caseId}': { version: 1, notes: 'Attacker' },
    'POST /api/v1/orgs/{orgId}/cases/{caseId}/events': { type: 'case.approve', version: 1 },
  };
  if (path.endsWith('/attachments')) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(asciiStl)]), 'evil.stl');
    return form;
  }
  return bodies[`${method} ${path}`] ?? {};
}

interface Operation {
  method: string;
  path: string;
}

async function operations(): Promise<Operation[]> {
  const document = (await call({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
}

function fill(path: string, orgId: string, ids: Record<string, string>): string {
  return path.replace('{orgId}', orgId).replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? randomUUID()));
}

async function send(actor: Pick<Actor, 'token'>, op: Operation, target: string): Promise<LightMyRequestResponse> {
  const body = validBody(op.method, op.path);
  const query = op.path.endsWith('/free-slots') ? { date: localToday(serverTimeZone) } : undefined;
  return call({ method: op.method as 'GET', url: target, token: actor.token, query, ...(body === undefined ? {} : { payload: body as string }) });
}

/** Runs `requests` and lists every one that wrote to the database. */
async function writesOf(requests: () => Promise<void>): Promise<string[]> {
  const before = await counter.read();
  await requests();
  return counter.writtenSince(before);
}

// ---------------------------------------------------------------------------------------------

describe('ids of another org', () => {
  it('in the path of a route of the caller’s own org: 404 (or 403 for a role the route refuses) for every role, and nothing written', async () => {
    // Every path naming a row by id (a specialty is a name, not a row).
    const ops = (await operations()).filter((op) => op.path.startsWith('/api/v1/orgs/{orgId}/') && /\{(?!orgId|specialty)\w+\}/.test(op.path));
    expect(ops.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    let tried = 0;
    const written = await writesOf(async () => {
      for (const actor of [...clinicActors(A), ...labActors(labA)]) {
        const foreign = idsOf(B, labB);
        for (const op of ops) {
          const response = await send(actor, op, fill(op.path, actor.orgId, foreign));
          tried++;
          if (response.statusCode !== 404 && response.statusCode !== 403) wrong.push(`${actor.label} ${op.method} ${op.path} -> ${response.statusCode} ${response.body.slice(0, 160)}`);
        }
      }
    });
    console.info(`red-team: ${tried} requests with another org's ids in the path`);
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
  }, 240_000);

  it('through the other org’s own path: 404 for every member of another org, lab or clinic', async () => {
    const ops = (await operations()).filter((op) => op.path.startsWith('/api/v1/orgs/{orgId}'));
    const wrong: string[] = [];
    const written = await writesOf(async () => {
      for (const actor of [clinicActors(A)[0]!, clinicActors(A)[6]!, labActors(labA)[0]!, labActors(labA)[2]!]) {
        for (const [targetOrg, ids] of [
          [B.c.org.orgId, idsOf(B, labB)],
          [labB.org.orgId, idsOf(B, labB)],
        ] as const) {
          for (const op of ops.filter((o) => o.path !== '/api/v1/orgs/{orgId}/patients/self-register')) {
            const response = await send(actor, op, fill(op.path, targetOrg, ids));
            if (response.statusCode !== 404) wrong.push(`${actor.label} ${op.method} ${op.path} -> ${response.statusCode}`);
          }
        }
      }
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
  }, 240_000);
});

/** Requests expected to be refused with `status` (and, for a 400, naming `field`); returns every one answered otherwise. */
async function refusals(expectations: { label: string; response: Promise<LightMyRequestResponse>; status: number; field?: string }[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const { label, response, status, field } of expectations) {
    const r = await response;
    const named = field === undefined || (r.json().fields ?? []).some((f: { field: string }) => f.field === field || f.field.startsWith(`${field}.`));
    if (r.statusCode !== status || !named) wrong.push(`${label}: ${r.statusCode} ${r.body.slice(0, 200)}`);
  }
  return wrong;
}

describe('ids of another org in the body or the query of the caller’s own route', () => {
  it('are refused, 404 or 400 naming the field, and nothing is written', async () => {
    const a = A.c;
    const fresh = (await registerPatient(call, a)).id as string;
    const labCase = await ok(call({ method: 'GET', url: labA.url(`/cases/${labA.otherCase}`), token: labA.tokens.org_admin }));
    const display = await ok(call({ method: 'GET', url: a.url('/displays'), token: a.tokens.org_admin }));
    let wrong: string[] = [];
    const written = await writesOf(async () => {
      const post = (path: string, token: string, payload: unknown, method: 'POST' | 'PATCH' = 'POST') => call({ method, url: a.url(path), token, payload: payload as string });
      const booking = (patientId: string | undefined, professionalId: string) => ({ ...(patientId ? { patientId } : {}), professionalId, treatment: 'Check-up', startsAt: slotFromNow(7) });
      wrong = await refusals([
        { label: 'check-in of another clinic’s patient', response: post('/visits/check-in', a.tokens.receptionist, { patientId: B.p1.patientId, professionalId: a.drA.professionalId, vitals: normalVitals }), status: 404 },
        { label: 'check-in with another clinic’s professional', response: post('/visits/check-in', a.tokens.receptionist, { patientId: fresh, professionalId: B.c.drA.professionalId, vitals: normalVitals }), status: 404 },
        { label: 'check-in from another clinic’s appointment', response: post('/visits/check-in', a.tokens.receptionist, { appointmentId: B.appointments.a2, vitals: normalVitals }), status: 404 },
        { label: 'booking another clinic’s patient', response: post('/appointments', a.tokens.receptionist, booking(B.p1.patientId, a.drA.professionalId)), status: 404 },
        { label: 'booking another clinic’s professional', response: post('/appointments', a.tokens.receptionist, booking(fresh, B.c.drA.professionalId)), status: 404 },
        { label: 'a portal patient booking for another clinic’s patient', response: post('/appointments', A.p1.token, booking(B.p1.patientId, a.drA.professionalId)), status: 404 },
        {
          label: 'a professional from another clinic’s doctor',
          response: post('/professionals', a.tokens.org_admin, { membershipId: B.c.org.members.doctor.membershipId, specialty: 'Endodontics', councilNumber: 'CRO-9', room: 'Room 9', ticketPrefix: 'Z' }),
          status: 400,
          field: 'membershipId',
        },
        { label: 'a display of another clinic’s professional', response: post('/displays', a.tokens.org_admin, { name: 'Spy', professionalIds: [B.c.drA.professionalId] }), status: 400, field: 'professionalIds' },
        { label: 'a display of no professional at all', response: post('/displays', a.tokens.org_admin, { name: 'Ghost', professionalIds: [randomUUID()] }), status: 400, field: 'professionalIds' },
        {
          label: 'a display moved onto another clinic’s professional',
          response: post(`/displays/${display[0].id}`, a.tokens.org_admin, { professionalIds: [a.drA.professionalId, B.c.drB.professionalId] }, 'PATCH'),
          status: 400,
          field: 'professionalIds',
        },
        { label: 'a treatment linked to another clinic’s visit', response: post(`/patients/${A.p1.patientId}/treatments`, a.drA.token, { diagnosis: 'Caries', visitId: B.visits.v1 }), status: 400, field: 'visitId' },
        { label: 'a treatment linked to another clinic’s appointment', response: post(`/patients/${A.p1.patientId}/treatments`, a.drA.token, { diagnosis: 'Caries', appointmentId: B.appointments.a1 }), status: 400, field: 'appointmentId' },
        {
          label: 'a case for another lab’s dentist',
          response: call({ method: 'POST', url: labA.url('/cases'), token: labA.tokens.org_admin, payload: { patientName: 'X', material: 'Zirconia', caseType: 'Crown', dueDate: dueDate(), dentistUserId: labB.org.members.dentist.userId } }),
          status: 400,
          field: 'dentistUserId',
        },
        {
          label: 'a case handed to another lab’s dentist',
          response: call({ method: 'PATCH', url: labA.url(`/cases/${labA.otherCase}`), token: labA.tokens.org_admin, payload: { version: labCase.version, dentistUserId: labB.dentist2.userId } }),
          status: 400,
          field: 'dentistUserId',
        },
        {
          label: 'a case given to another lab’s designer',
          response: call({ method: 'POST', url: labA.url(`/cases/${labA.otherCase}/events`), token: labA.tokens.org_admin, payload: { type: 'case.assignDesigner', version: labCase.version, designerId: labB.org.members.designer.userId } }),
          status: 400,
          field: 'designerId',
        },
        {
          label: 'a case given to a clinic’s doctor as designer',
          response: call({ method: 'POST', url: labA.url(`/cases/${labA.otherCase}/events`), token: labA.tokens.org_admin, payload: { type: 'case.assignDesigner', version: labCase.version, designerId: A.c.drA.userId } }),
          status: 400,
          field: 'designerId',
        },
        { label: 'a queue summary of another clinic’s professional', response: call({ method: 'GET', url: a.url('/queue/summary'), token: a.tokens.receptionist, query: { professionalId: B.c.drA.professionalId } }), status: 404 },
        { label: 'the audit export of another clinic’s patient', response: call({ method: 'GET', url: a.url('/audit/export'), token: a.tokens.org_admin, query: { entityType: 'Patient', entityId: B.p1.patientId } }), status: 404 },
        { label: 'the audit export of another lab’s case', response: call({ method: 'GET', url: labA.url('/audit/export'), token: labA.tokens.org_admin, query: { entityType: 'LabCase', entityId: labB.otherCase } }), status: 404 },
      ]);
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
    // The display still lists what it listed.
    expect((await ok(call({ method: 'GET', url: a.url('/displays'), token: a.tokens.org_admin })))[0].professionalIds).toEqual(display[0].professionalIds);
  });

  it('in list filters, find nothing of the other org', async () => {
    const a = A.c;
    const list = async (path: string, token: string, query: Record<string, string>) => ok(call({ method: 'GET', url: path, token, query }));
    expect(await list(a.url('/appointments'), a.tokens.receptionist, { patientId: B.p1.patientId })).toEqual([]);
    expect(await list(a.url('/appointments'), a.tokens.receptionist, { professionalId: B.c.drA.professionalId })).toEqual([]);
    expect(await list(a.url('/appointments/today'), a.tokens.receptionist, { professionalId: B.c.drA.professionalId })).toEqual([]);
    expect((await list(a.url('/patients'), a.tokens.receptionist, { doctorUserId: B.c.drA.userId })).total).toBe(0);
    expect((await list(labA.url('/cases'), labA.tokens.org_admin, { designerId: labB.org.members.designer.userId })).items).toEqual([]);
    // An org id in the query is nobody's filter: the answer is the caller's own org.
    const patients = await list(a.url('/patients'), a.tokens.receptionist, { orgId: B.c.org.orgId, pageSize: '200' });
    const ids = patients.items.map((p: { id: string }) => p.id);
    expect(ids).toContain(A.p1.patientId);
    expect(ids).not.toContain(B.p1.patientId);
    const cases = await list(labA.url('/cases'), labA.tokens.org_admin, { orgId: labB.org.orgId });
    expect(cases.items.map((c: { id: string }) => c.id)).toContain(labA.otherCase);
    expect(cases.items.map((c: { id: string }) => c.id)).not.toContain(labB.otherCase);
  });
});

describe('rows of another person of the same org', () => {
  it('a portal patient reaches only their own record, appointments, visits and prescriptions', async () => {
    const a = A.c;
    const { p1, p2, p3 } = A;
    let wrong: string[] = [];
    const written = await writesOf(async () => {
      wrong = await refusals([
        { label: 'another patient’s record', response: call({ method: 'GET', url: a.url(`/patients/${p2.patientId}`), token: p1.token }), status: 404 },
        { label: 'another patient’s record, changed', response: call({ method: 'PATCH', url: a.url(`/patients/${p2.patientId}`), token: p1.token, payload: { phone: '+55 11 99999-0001' } }), status: 404 },
        { label: 'another patient’s treatments', response: call({ method: 'GET', url: a.url(`/patients/${p3.patientId}/treatments`), token: p1.token }), status: 404 },
        { label: 'another patient’s allergies', response: call({ method: 'GET', url: a.url(`/patients/${p2.patientId}/allergies`), token: p1.token }), status: 404 },
        { label: 'cancelling another patient’s appointment', response: call({ method: 'POST', url: a.url(`/appointments/${A.appointments.a2}/cancel`), token: p1.token, payload: { reason: 'x' } }), status: 404 },
        { label: 'moving another patient’s appointment', response: call({ method: 'PATCH', url: a.url(`/appointments/${A.appointments.a2}/reschedule`), token: p1.token, payload: { startsAt: slotFromNow(8) } }), status: 404 },
        {
          label: 'booking for another patient',
          response: call({ method: 'POST', url: a.url('/appointments'), token: p1.token, payload: { patientId: p2.patientId, professionalId: a.drA.professionalId, treatment: 'x', startsAt: slotFromNow(9) } }),
          status: 404,
        },
        { label: 'another patient’s prescription', response: call({ method: 'GET', url: a.url(`/patients/me/visits/${A.visits.v2}/prescription.html`), token: p1.token }), status: 404 },
        { label: 'a visit through the staff route', response: call({ method: 'GET', url: a.url(`/visits/${A.visits.v1}`), token: p1.token }), status: 403 },
        { label: 'the appointment list', response: call({ method: 'GET', url: a.url('/appointments'), token: p1.token, query: { patientId: p2.patientId } }), status: 403 },
        { label: 'a login without a record', response: call({ method: 'GET', url: a.url('/patients/me/visits'), token: a.tokens.patient }), status: 404 },
      ]);
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
    // The same requests on the patient's own rows work: the refusals above are about whose rows they are.
    expect((await ok(call({ method: 'GET', url: a.url(`/patients/${p1.patientId}`), token: p1.token }))).patient.id).toBe(p1.patientId);
    expect((await call({ method: 'GET', url: a.url(`/patients/me/visits/${A.visits.v1}/prescription.html`), token: p1.token })).statusCode).toBe(200);
  });

  it('a doctor reaches only patients assigned to them, and moves only their own visits', async () => {
    const a = A.c;
    let wrong: string[] = [];
    const written = await writesOf(async () => {
      const drA = a.drA.token;
      wrong = await refusals([
        { label: 'an unassigned patient’s record', response: call({ method: 'GET', url: a.url(`/patients/${A.p3.patientId}`), token: drA }), status: 404 },
        { label: 'an unassigned patient’s allergies', response: call({ method: 'GET', url: a.url(`/patients/${A.p3.patientId}/allergies`), token: drA }), status: 404 },
        { label: 'an unassigned patient’s allergies, replaced', response: call({ method: 'PUT', url: a.url(`/patients/${A.p3.patientId}/allergies`), token: drA, payload: { allergies: [], version: 1 } }), status: 404 },
        { label: 'an unassigned patient’s treatments', response: call({ method: 'GET', url: a.url(`/patients/${A.p3.patientId}/treatments`), token: drA }), status: 404 },
        { label: 'a treatment for an unassigned patient', response: call({ method: 'POST', url: a.url(`/patients/${A.p3.patientId}/treatments`), token: drA, payload: { diagnosis: 'x' } }), status: 404 },
        { label: 'another doctor’s visit', response: call({ method: 'GET', url: a.url(`/visits/${A.visits.v2}`), token: drA }), status: 404 },
        { label: 'another doctor’s visit, marked no-show', response: call({ method: 'POST', url: a.url(`/visits/${A.visits.v2}/events`), token: drA, payload: { type: 'noShow' } }), status: 404 },
        { label: 'another doctor’s visit, started', response: call({ method: 'POST', url: a.url(`/visits/${A.visits.v2}/start`), token: drA, payload: {} }), status: 404 },
        {
          label: 'a prescription on another doctor’s visit',
          response: call({ method: 'POST', url: a.url(`/visits/${A.visits.v2}/prescription/items`), token: drA, payload: { medicine: 'x', dosage: 'x', frequency: 'x', duration: 'x' } }),
          status: 404,
        },
        { label: 'another doctor’s appointment, finished', response: call({ method: 'POST', url: a.url(`/appointments/${A.appointments.a3}/finish`), token: drA, payload: {} }), status: 404 },
        { label: 'an appointment cancelled by a doctor', response: call({ method: 'POST', url: a.url(`/appointments/${A.appointments.a3}/cancel`), token: drA, payload: {} }), status: 403 },
        { label: 'the other doctor’s visit read by drB’s colleague', response: call({ method: 'GET', url: a.url(`/visits/${A.visits.v1}`), token: a.drB.token }), status: 404 },
        { label: 'a medicine stopped on another doctor’s visit', response: call({ method: 'POST', url: a.url(`/visits/${A.visits.v1}/prescription/items/${A.itemId}/stop`), token: a.drB.token }), status: 404 },
      ]);
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
    expect(await ok(call({ method: 'GET', url: a.url('/appointments'), token: a.drA.token, query: { patientId: A.p3.patientId } }))).toEqual([]);
    expect(await ok(call({ method: 'GET', url: a.url('/appointments'), token: a.drA.token, query: { professionalId: a.drB.professionalId } }))).toEqual([]);
    expect((await ok(call({ method: 'GET', url: a.url(`/patients/${A.p3.patientId}`), token: a.drB.token }))).patient.id).toBe(A.p3.patientId);
  });

  it('the pharmacy and the desk reach nothing beyond their work', async () => {
    const a = A.c;
    const pharmacy = a.tokens.medical_staff;
    const desk = a.tokens.receptionist;
    let wrong: string[] = [];
    const written = await writesOf(async () => {
      const get = (path: string, token: string, query?: Record<string, string>) => call({ method: 'GET', url: a.url(path), token, query });
      wrong = await refusals([
        ...['/patients', `/patients/${A.p1.patientId}`, `/patients/${A.p1.patientId}/allergies`, `/patients/${A.p1.patientId}/treatments`, `/visits/${A.visits.v1}`, '/appointments', '/queue/reception', '/staff', '/audit'].map((path) => ({
          label: `the pharmacy reading ${path}`,
          response: get(path, pharmacy),
          status: 403,
        })),
        { label: 'the pharmacy cancelling a waiting visit', response: call({ method: 'POST', url: a.url(`/visits/${A.visits.v2}/events`), token: pharmacy, payload: { type: 'cancel' } }), status: 409 },
        { label: 'the pharmacy changing a record', response: call({ method: 'PATCH', url: a.url(`/patients/${A.p1.patientId}`), token: pharmacy, payload: { phone: '+55 11 99999-0002' } }), status: 403 },
        ...['/staff', '/staff/invitations', '/displays', '/audit', '/notifications'].map((path) => ({ label: `the desk reading ${path}`, response: get(path, desk), status: 403 })),
        { label: 'the desk adding staff', response: call({ method: 'POST', url: a.url('/staff'), token: desk, payload: { email: 'x@example.test', name: 'X', role: 'org_admin', password: 'Desk-escalation-2026' } }), status: 403 },
        { label: 'the desk changing the org', response: call({ method: 'PATCH', url: a.url(''), token: desk, payload: { name: 'Desk Clinic' } }), status: 403 },
        { label: 'the desk deleting a record', response: call({ method: 'DELETE', url: a.url(`/patients/${A.p2.patientId}`), token: desk }), status: 403 },
        { label: 'the desk exporting a trail', response: get('/audit/export', desk, { entityType: 'Patient', entityId: A.p1.patientId }), status: 403 },
        { label: 'the desk on the platform', response: call({ method: 'GET', url: '/api/v1/orgs', token: desk }), status: 403 },
      ]);
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
    const queue = await ok(call({ method: 'GET', url: a.url('/pharmacy/queue'), token: pharmacy }));
    expect(queue.map((entry: { visitId: string }) => entry.visitId)).toEqual([A.visits.v1]);
  });

  it('a dentist reaches only their own cases; a designer takes only unassigned work, for themselves', async () => {
    const l = labA;
    const own = await ok(call({ method: 'GET', url: l.url(`/cases/${l.ownCase}`), token: l.tokens.dentist }));
    const other = await ok(call({ method: 'GET', url: l.url(`/cases/${l.otherCase}`), token: l.dentist2.token }));
    let wrong: string[] = [];
    const written = await writesOf(async () => {
      const dentist = l.tokens.dentist;
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(asciiStl)]), 'mine.stl');
      wrong = await refusals([
        { label: 'another dentist’s case', response: call({ method: 'GET', url: l.url(`/cases/${l.otherCase}`), token: dentist }), status: 404 },
        { label: 'another dentist’s case, edited', response: call({ method: 'PATCH', url: l.url(`/cases/${l.otherCase}`), token: dentist, payload: { version: other.version, notes: 'x' } }), status: 404 },
        { label: 'another dentist’s case, moved', response: call({ method: 'POST', url: l.url(`/cases/${l.otherCase}/events`), token: dentist, payload: { type: 'case.approve', version: other.version } }), status: 404 },
        { label: 'another dentist’s case history', response: call({ method: 'GET', url: l.url(`/cases/${l.otherCase}/history`), token: dentist }), status: 404 },
        { label: 'another dentist’s files', response: call({ method: 'GET', url: l.url(`/cases/${l.otherCase}/attachments`), token: dentist }), status: 404 },
        { label: 'another dentist’s file', response: call({ method: 'GET', url: l.url(`/cases/${l.otherCase}/attachments/${l.attachmentId}`), token: dentist }), status: 404 },
        { label: 'another dentist’s file through my own case', response: call({ method: 'GET', url: l.url(`/cases/${l.ownCase}/attachments/${l.attachmentId}`), token: dentist }), status: 404 },
        { label: 'another dentist’s file, deleted', response: call({ method: 'DELETE', url: l.url(`/cases/${l.otherCase}/attachments/${l.attachmentId}`), token: dentist }), status: 404 },
        { label: 'a file added to another dentist’s case', response: call({ method: 'POST', url: l.url(`/cases/${l.otherCase}/attachments`), token: dentist, payload: form }), status: 404 },
        { label: 'the remake analytics', response: call({ method: 'GET', url: l.url('/cases/analytics/remakes'), token: dentist }), status: 403 },
        { label: 'a case deleted by a designer', response: call({ method: 'DELETE', url: l.url(`/cases/${l.otherCase}`), token: l.tokens.designer }), status: 403 },
        {
          label: 'a designer taking another designer’s case',
          response: call({ method: 'POST', url: l.url(`/cases/${l.ownCase}/events`), token: l.designer2.token, payload: { type: 'case.assignDesigner', version: own.version } }),
          status: 409,
        },
        {
          label: 'a designer handing another designer’s case to themselves by id',
          response: call({ method: 'POST', url: l.url(`/cases/${l.ownCase}/events`), token: l.designer2.token, payload: { type: 'case.assignDesigner', version: own.version, designerId: l.designer2.userId } }),
          status: 409,
        },
        {
          label: 'a designer handing new work to another designer',
          response: call({ method: 'POST', url: l.url(`/cases/${l.otherCase}/events`), token: l.tokens.designer, payload: { type: 'case.assignDesigner', version: other.version, designerId: l.designer2.userId } }),
          status: 409,
        },
      ]);
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
    const visible = async (path: string, query: Record<string, string> = {}) => JSON.stringify(await ok(call({ method: 'GET', url: l.url(path), token: l.tokens.dentist, query })));
    for (const answer of [await visible('/cases'), await visible('/board'), await visible('/cases/search', { query: l.otherPatientName })]) {
      expect(answer).not.toContain(l.otherCase);
      expect(answer).not.toContain(l.otherPatientName);
    }
    expect(await visible('/cases')).toContain(l.ownCase);
  });

  it('an invitation goes to whoever holds the address, not to whoever registered it first', async () => {
    // A stranger signs up at a clinic's portal with the address of someone the clinic is about to hire; no mail is ever read.
    const address = `new.hire.${randomBytes(3).toString('hex')}@example.test`;
    const { medicalHistory: _history, ...fields } = patientPayload();
    await ok(call({ method: 'POST', url: B.c.url('/patients/self-register'), payload: { ...fields, email: address, password: portalPassword } }), 202);
    const squatter = (await login(call, address, portalPassword)).accessToken;
    const invited = await ok(call({ method: 'POST', url: A.c.url('/staff'), token: A.c.tokens.org_admin, payload: { email: address, name: 'New Hire', role: 'org_admin', password: 'Their-own-password-2026' } }), 202);
    for (const answer of ['accept', 'decline']) {
      const refused = await call({ method: 'POST', url: `/api/v1/invitations/${invited.invitation.id}/${answer}`, token: squatter });
      expect(refused.statusCode, answer).toBe(409);
      expect(refused.json().error).toBe('email_unconfirmed');
    }
    expect((await call({ method: 'GET', url: A.c.url('/patients'), token: squatter })).statusCode).toBe(404);
    // The owner of the address takes the account with the mailed link, which ends the stranger's session, and joins.
    await call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: address } });
    let link: RegExpExecArray | null = null;
    await until(() => (link = /#token=([^\s]+)/.exec(mails.find((m) => m.to.includes(address) && /reset/i.test(m.subject))?.body ?? '')) !== null, 5000, 'the reset mail');
    await ok(call({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token: decodeURIComponent(link![1]!), newPassword: 'Owner-takes-it-back-2026' } }), 204);
    expect((await call({ method: 'GET', url: '/api/v1/auth/me', token: squatter })).statusCode).toBe(401);
    const owner = (await login(call, address, 'Owner-takes-it-back-2026')).accessToken;
    expect(await ok(call({ method: 'POST', url: `/api/v1/invitations/${invited.invitation.id}/accept`, token: owner }))).toMatchObject({ orgId: A.c.org.orgId, role: 'org_admin' });
  });

  it('an invitation is seen and answered only by the person it was sent to', async () => {
    const stranger = labA.tokens.dentist;
    const written = await writesOf(async () => {
      for (const action of ['accept', 'decline']) {
        const theirs = await call({ method: 'POST', url: `/api/v1/invitations/${A.invitationId}/${action}`, token: stranger });
        const none = await call({ method: 'POST', url: `/api/v1/invitations/${randomUUID()}/${action}`, token: stranger });
        expect(theirs.statusCode).toBe(404);
        expect(theirs.json()).toEqual(none.json());
      }
      expect(await ok(call({ method: 'GET', url: '/api/v1/invitations', token: stranger }))).toEqual([]);
    });
    expect(written).toEqual([]);
  });
});

describe('query strings', () => {
  it('take no injected operators, arrays or prototype keys as filters, and answer 400 for arrays where one value is expected', async () => {
    const a = A.c;
    const desk = a.tokens.receptionist;
    const get = (path: string, query: string, token = desk) => call({ method: 'GET', url: `${path}?${query}`, token });
    const written = await writesOf(async () => {
      for (const [path, query] of [
        [a.url('/patients'), 'q=Maria&q=Souza'],
        [a.url('/patients'), 'pageSize=10&pageSize=20'],
        [a.url('/appointments'), 'patientId=' + A.p1.patientId + '&patientId=' + B.p1.patientId],
        [labA.url('/cases'), 'status=new&status=completed'],
      ] as const) {
        const response = await get(path, query, path.startsWith(labA.url('')) ? labA.tokens.org_admin : desk);
        expect(response.statusCode, `${path}?${query}`).toBe(400);
      }
      // Bracketed keys are plain names, not operators or nested objects: nothing matches more than it should.
      for (const query of ['q[$ne]=x', 'q[$regex]=.*', 'doctorUserId[$ne]=x', '__proto__[admin]=1', 'constructor[prototype][admin]=1', 'q=%25', 'q=_']) {
        const response = await get(a.url('/patients'), query);
        expect(response.statusCode, query).toBeLessThan(500);
        if (response.statusCode === 200) expect(JSON.stringify(response.json()), query).not.toContain(B.p1.patientId);
      }
      const statuses = await get(a.url('/appointments'), 'status[$ne]=cancelled');
      expect(statuses.statusCode).toBeLessThan(500);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      // A role no member of this clinic has finds nobody, whoever holds it elsewhere.
      expect((await ok(get(a.url('/staff'), 'role=super_admin', a.tokens.org_admin))).items).toEqual([]);
      for (const query of ['role=wizard', 'active=yes', 'role=doctor&role=org_admin']) {
        expect((await get(a.url('/staff'), query, a.tokens.org_admin)).statusCode, query).toBe(400);
      }
      const bracketed = await get(a.url('/staff'), 'role[$ne]=patient', a.tokens.org_admin);
      expect(bracketed.statusCode).toBeLessThan(500);
      expect(bracketed.body).not.toContain(B.c.org.members.org_admin.email);
    });
    // A search that lists patients is audited as a read of them; nothing else may be written.
    expect(written.filter((table) => table !== 'audit_events')).toEqual([]);
  });

  it('path parameters that are no id answer 400 or 404, never 5xx, for every route', async () => {
    const ops = (await operations()).filter((op) => /\{\w+\}/.test(op.path));
    const odd = ['me', '%F0%9F%A6%B7', '%C0%AF', '%', '%zz', '..%2F..%2Fetc%2Fpasswd', 'A'.repeat(3000), '00000000-0000-0000-0000-000000000000', `${A.p1.patientId}%00`, ` ${A.p1.patientId}`, 'null', '-1'];
    const wrong: string[] = [];
    let tried = 0;
    const written = await writesOf(async () => {
      for (const op of ops) {
        for (const value of odd) {
          // The odd value goes where the route names a row; the org is the caller's own when something else is named. A
          // specialty is a name, not an id: any text is one, so it stays a real one.
          const rowParam = op.path.match(/\{(\w+)\}/g)!.find((p) => p !== '{orgId}' && p !== '{specialty}') ?? '{orgId}';
          const target = op.path.replace('{specialty}', 'Orthodontics').replace(/\{\w+\}/g, (p) => (p === rowParam ? value : A.c.org.orgId));
          const response = await call({ method: op.method as 'GET', url: target, token: A.c.tokens.org_admin, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: {} }) });
          tried++;
          if (response.statusCode >= 500 || response.statusCode < 400) wrong.push(`${op.method} ${target.slice(0, 100)} -> ${response.statusCode} ${response.body.slice(0, 120)}`);
        }
      }
    });
    console.info(`red-team: ${tried} requests with odd path parameters`);
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
  }, 120_000);
});

describe('numbers and dates at their extremes', () => {
  it('answer 4xx, never 5xx, and write nothing', async () => {
    const a = A.c;
    const wrong: string[] = [];
    const written = await writesOf(async () => {
      const huge = [2147483648, 9007199254740991, 1e300];
      const versioned: [string, string, Record<string, unknown>, string][] = [
        ['PATCH', a.url(`/appointments/${A.appointments.a2}/reschedule`), { startsAt: slotFromNow(10) }, a.tokens.receptionist],
        ['POST', a.url(`/appointments/${A.appointments.a2}/cancel`), {}, a.tokens.receptionist],
        ['POST', a.url(`/appointments/${A.appointments.a2}/no-show`), {}, a.tokens.receptionist],
        ['POST', a.url(`/appointments/${A.appointments.a2}/finish`), {}, a.tokens.receptionist],
        ['POST', a.url(`/visits/${A.visits.v2}/events`), { type: 'cancel' }, a.tokens.receptionist],
        ['POST', a.url(`/pharmacy/visits/${A.visits.v1}/print`), {}, a.tokens.medical_staff],
        ['POST', a.url(`/pharmacy/visits/${A.visits.v1}/dispense`), {}, a.tokens.medical_staff],
        ['POST', a.url(`/visits/${A.visits.v2}/start`), {}, a.drB.token],
        ['POST', a.url(`/visits/${A.visits.v1}/complete`), {}, a.drA.token],
        ['PATCH', a.url(`/patients/${A.p2.patientId}`), { address: 'Rua 1' }, a.tokens.receptionist],
        ['PUT', a.url(`/patients/${A.p2.patientId}/allergies`), { allergies: [] }, a.tokens.receptionist],
        ['PATCH', labA.url(`/cases/${labA.otherCase}`), { notes: 'x' }, labA.tokens.org_admin],
        ['POST', labA.url(`/cases/${labA.otherCase}/events`), { type: 'case.outsource', outsourcedTo: 'Partner' }, labA.tokens.org_admin],
      ];
      for (const [method, target, body, token] of versioned) {
        for (const version of huge) {
          const response = await call({ method: method as 'POST', url: target, token, payload: { ...body, version } });
          if (response.statusCode >= 500 || response.statusCode < 400) wrong.push(`${method} ${target} version ${version} -> ${response.statusCode} ${response.body.slice(0, 120)}`);
        }
      }
      const queries: [string, Record<string, string>, string][] = [
        [a.url('/patients'), { page: '10000', pageSize: '200' }, a.tokens.receptionist],
        [a.url('/patients'), { page: '0' }, a.tokens.receptionist],
        [a.url('/patients'), { page: '-1' }, a.tokens.receptionist],
        [a.url('/patients'), { pageSize: '-5' }, a.tokens.receptionist],
        [a.url('/patients'), { page: '1e309' }, a.tokens.receptionist],
        [a.url('/patients'), { page: '99999999999999999999' }, a.tokens.receptionist],
        [a.url('/patients'), { visitDate: '0000-01-01' }, a.tokens.receptionist],
        [a.url('/patients'), { visitDate: '9999-12-31' }, a.tokens.receptionist],
        [a.url('/patients'), { visitDate: '10000-01-01' }, a.tokens.receptionist],
        [a.url('/appointments'), { date: '0000-01-01' }, a.tokens.receptionist],
        [a.url('/appointments'), { date: '9999-12-31' }, a.tokens.receptionist],
        [a.url(`/professionals/${a.drA.professionalId}/free-slots`), { date: '0000-01-01' }, A.p1.token],
        [a.url(`/professionals/${a.drA.professionalId}/free-slots`), { date: '9999-12-31' }, A.p1.token],
        [a.url('/audit'), { from: '0000-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' }, a.tokens.org_admin],
        [a.url('/audit'), { day: '0000-01-01' }, a.tokens.org_admin],
        [a.url('/audit'), { limit: '1e300' }, a.tokens.org_admin],
        [labA.url('/cases'), { dueBefore: '0000-01-01', dueAfter: '9999-12-31' }, labA.tokens.org_admin],
        [labA.url('/cases'), { limit: '-1' }, labA.tokens.org_admin],
        [labA.url('/board'), { dueBefore: '0000-01-01', limit: '500' }, labA.tokens.org_admin],
        [labA.url('/cases/analytics/remakes'), { from: '0000-01-01', to: '9999-12-31' }, labA.tokens.org_admin],
        [labA.url('/cases/analytics/remakes'), { from: '9999-12-31', to: '0000-01-01' }, labA.tokens.org_admin],
        [a.url('/notifications'), { limit: '0' }, a.tokens.org_admin],
        // Text that reads as an infinite number must not slip past the limits as one.
        [a.url('/patients'), { page: 'Infinity' }, a.tokens.receptionist],
        [a.url('/patients'), { pageSize: '1e309' }, a.tokens.receptionist],
        [a.url('/audit'), { limit: 'Infinity' }, a.tokens.org_admin],
        [a.url('/notifications'), { limit: '1e400' }, a.tokens.org_admin],
        [labA.url('/cases'), { limit: 'Infinity' }, labA.tokens.org_admin],
        [labA.url('/board'), { limit: '-Infinity' }, labA.tokens.org_admin],
      ];
      for (const [target, query, token] of queries) {
        const response = await call({ method: 'GET', url: target, token, query });
        const infinite = Object.values(query).some((value) => /Infinity|e30\d|e400/.test(value));
        if (response.statusCode >= 500 || (infinite && response.statusCode !== 400)) wrong.push(`GET ${target} ${JSON.stringify(query)} -> ${response.statusCode} ${response.body.slice(0, 120)}`);
      }
      const bodies: [string, string, Record<string, unknown>, string][] = [
        ...['0000-01-01T10:00:00Z', '9999-12-31T10:00:00Z', '+275760-09-13T00:00:00Z', '1970-01-01T00:00:00Z'].map(
          (startsAt) => ['POST', a.url('/appointments'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, treatment: 'x', startsAt }, a.tokens.receptionist] as [string, string, Record<string, unknown>, string],
        ),
        ['PATCH', a.url(`/appointments/${A.appointments.a2}/reschedule`), { startsAt: '0000-01-01T10:00:00Z' }, a.tokens.receptionist],
        ['POST', a.url('/appointments'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, treatment: 'x', startsAt: slotFromNow(11), durationMinutes: 1e300 }, a.tokens.receptionist],
        ['POST', a.url('/patients'), patientPayload({ dateOfBirth: '0000-01-01' }), a.tokens.receptionist],
        ['POST', a.url('/patients'), patientPayload({ dateOfBirth: '9999-12-31' }), a.tokens.receptionist],
        ['PATCH', a.url(`/patients/${A.p2.patientId}`), { dateOfBirth: '0001-01-01' }, a.tokens.receptionist],
        ['POST', a.url('/visits/check-in'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, vitals: { ...normalVitals, weightKg: 1e300 } }, a.tokens.receptionist],
        ['POST', a.url('/visits/check-in'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, vitals: normalVitals, validityDays: 1e300 }, a.tokens.receptionist],
        ['POST', labA.url('/cases'), { patientName: 'X', material: 'Zirconia', caseType: 'Crown', dueDate: '0000-01-01' }, labA.tokens.org_admin],
        ['PATCH', labA.url(`/cases/${labA.otherCase}`), { version: 1, dueDate: '0000-01-01' }, labA.tokens.org_admin],
        ['POST', a.url('/appointments'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, treatment: 'x', startsAt: slotFromNow(11), durationMinutes: 'Infinity' }, a.tokens.receptionist],
        ['POST', a.url('/visits/check-in'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, vitals: normalVitals, validityDays: '1e400' }, a.tokens.receptionist],
        ['POST', a.url('/visits/check-in'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, vitals: { ...normalVitals, weightKg: 'Infinity' } }, a.tokens.receptionist],
        ['POST', a.url('/visits/check-in'), { patientId: A.p2.patientId, professionalId: a.drA.professionalId, vitals: normalVitals, priority: '-Infinity' }, a.tokens.receptionist],
        ['POST', a.url(`/appointments/${A.appointments.a2}/cancel`), { version: 'Infinity' }, a.tokens.receptionist],
        ['PATCH', labA.url(`/cases/${labA.otherCase}`), { version: 'Infinity', notes: 'x' }, labA.tokens.org_admin],
      ];
      for (const [method, target, body, token] of bodies) {
        const response = await call({ method: method as 'POST', url: target, token, payload: body });
        if (response.statusCode >= 500 || response.statusCode < 400) wrong.push(`${method} ${target} ${JSON.stringify(body).slice(0, 80)} -> ${response.statusCode} ${response.body.slice(0, 120)}`);
      }
    });
    expect(wrong).toEqual([]);
    expect(written).toEqual([]);
  });

  it('concurrent requests give one winner and refusals, never 5xx', async () => {
    const a = A.c;
    const times = <T>(n: number, make: () => Promise<T>) => Promise.all(Array.from({ length: n }, make));
    const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode).sort();
    // One appointment cancelled ten times at once.
    const appointment = await ok(call({ method: 'POST', url: a.url('/appointments'), token: a.tokens.receptionist, payload: { patientId: A.p2.patientId, professionalId: a.drB.professionalId, treatment: 'Race', startsAt: slotFromNow(12) } }), 201);
    const cancels = await times(10, () => call({ method: 'POST', url: a.url(`/appointments/${appointment.id}/cancel`), token: a.tokens.receptionist, payload: { version: appointment.version } }));
    expect(statuses(cancels)).toEqual([200, ...Array(9).fill(409)]);
    // One allergy list replaced ten times at once from the same version.
    const allergies = await ok(call({ method: 'GET', url: a.url(`/patients/${A.p2.patientId}/allergies`), token: a.tokens.receptionist }));
    const writes = await times(10, () => call({ method: 'PUT', url: a.url(`/patients/${A.p2.patientId}/allergies`), token: a.tokens.receptionist, payload: { allergies: [{ substance: `Latex ${randomBytes(2).toString('hex')}` }], version: allergies.version } }));
    expect(statuses(writes)).toEqual([200, ...Array(9).fill(409)]);
    // One patient checked in ten times at once.
    const walkInPatient = (await registerPatient(call, a)).id;
    const checkIns = await times(10, () => call({ method: 'POST', url: a.url('/visits/check-in'), token: a.tokens.receptionist, payload: { patientId: walkInPatient, professionalId: a.drB.professionalId, vitals: normalVitals } }));
    expect(statuses(checkIns)).toEqual([201, ...Array(9).fill(409)]);
    // One address registered ten times at once.
    const email = `race.${randomBytes(4).toString('hex')}@example.test`;
    const { medicalHistory: _history, ...fields } = patientPayload();
    const signUps = await times(10, () => call({ method: 'POST', url: a.url('/patients/self-register'), payload: { ...fields, email, password: portalPassword } }));
    expect(statuses(signUps)).toEqual(Array(10).fill(202));
    const [users] = await t.orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from users where email = ?', [email]);
    expect(Number(users!.n)).toBe(1);
    // One refresh token spent ten times at once.
    const session = await login(call, labB.org.members.designer.email);
    const refreshes = await times(10, () => call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } }));
    expect(refreshes.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1);
    expect(refreshes.every((r) => r.statusCode === 200 || r.statusCode === 401)).toBe(true);
    // One invitation accepted ten times at once.
    const invitee = await seedOrg(t.orm, 'lab', ['designer']);
    const invitation = await ok(call({ method: 'POST', url: labB.url('/staff'), token: labB.tokens.org_admin, payload: { email: invitee.members.designer.email, name: 'x', role: 'designer' } }), 202);
    const inviteeToken = (await login(call, invitee.members.designer.email)).accessToken;
    const accepts = await times(10, () => call({ method: 'POST', url: `/api/v1/invitations/${invitation.invitation.id}/accept`, token: inviteeToken }));
    expect(accepts.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(accepts.every((r) => r.statusCode === 200 || r.statusCode === 404 || r.statusCode === 409)).toBe(true);
    // One display's link issued ten times at once: the last one issued is the one that works.
    const display = await ok(call({ method: 'POST', url: a.url('/displays'), token: a.tokens.org_admin, payload: { name: 'Race' } }), 201);
    const rotations = await times(10, () => call({ method: 'POST', url: a.url(`/displays/${display.id}/rotate-token`), token: a.tokens.org_admin }));
    expect(statuses(rotations)).toEqual(Array(10).fill(200));
  });
});

describe('tokens that should have ended', () => {
  it('a refresh token ends with its logout, and with the suspension of its only org', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const [first, second] = [await login(call, lab.members.designer.email), await login(call, lab.members.designer.email)];
    await call({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: first.refreshToken } });
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } })).statusCode).toBe(401);
    const renewed = await ok(call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: second.refreshToken } }));
    await ok(call({ method: 'PATCH', url: `/api/v1/platform/orgs/${lab.orgId}`, token: superToken, payload: { active: false } }));
    // Signing in is refused now; so is keeping the session going.
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: lab.members.designer.email, password: testPassword } })).statusCode).toBe(401);
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: renewed.refreshToken } })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/cases`, token: renewed.accessToken })).statusCode).toBe(404);
    // Turned on again, the same person signs in afresh.
    await ok(call({ method: 'PATCH', url: `/api/v1/platform/orgs/${lab.orgId}`, token: superToken, payload: { active: true } }));
    await login(call, lab.members.designer.email);
  });

  it('a portal login ends with the patient record it belongs to', async () => {
    const patient = await selfRegister(A.c);
    await ok(call({ method: 'DELETE', url: A.c.url(`/patients/${patient.patientId}`), token: A.c.tokens.org_admin }), 204);
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: patient.refreshToken } })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: A.c.url('/patients/me'), token: patient.token })).statusCode).toBeGreaterThanOrEqual(401);
    expect((await call({ method: 'GET', url: '/api/v1/auth/me', token: patient.token })).statusCode).toBe(401);
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: patient.email, password: portalPassword } })).statusCode).toBe(401);
  });

  it('a token signed with the server’s own secret is refused unless it is a current access token', async () => {
    const member = labA.org.members.designer;
    const [{ session_version: version }] = await t.orm.em.getConnection().execute<{ session_version: number }[]>('select session_version from users where id = ?', [member.userId]);
    const sign = (payload: Record<string, unknown>) => t.app.jwt.sign(payload as never);
    const forged = {
      'a refresh-typed token': sign({ sub: member.userId, typ: 'refresh', ver: version }),
      'a token without a type': sign({ sub: member.userId, ver: version }),
      'a token without a version': sign({ sub: member.userId, typ: 'access' }),
      'a version as text': sign({ sub: member.userId, typ: 'access', ver: String(version) }),
      'an older version': sign({ sub: member.userId, typ: 'access', ver: version - 1 }),
      'a subject that is no id': sign({ sub: 'super@cuspid.demo', typ: 'access', ver: version }),
      'a subject that is an object': sign({ sub: { $ne: null }, typ: 'access', ver: version }),
      'a subject nobody is': sign({ sub: randomUUID(), typ: 'access', ver: 0 }),
    };
    const answers: Record<string, number[]> = {};
    for (const [label, token] of Object.entries(forged)) {
      answers[label] = [
        (await call({ method: 'GET', url: '/api/v1/auth/me', token })).statusCode,
        (await call({ method: 'GET', url: labA.url('/cases'), token })).statusCode,
        (await call({ method: 'GET', url: '/api/v1/orgs', token })).statusCode,
      ];
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(forged).map((label) => [label, [401, 401, 401]])));
    // The genuine article, for contrast.
    expect((await call({ method: 'GET', url: labA.url('/cases'), token: sign({ sub: member.userId, typ: 'access', ver: version }) })).statusCode).toBe(200);
    // A socket takes the same tokens no further than the handshake.
    const refused = watch(url, { token: forged['a subject that is no id'] }, { kind: 'lab-board', orgId: labA.org.orgId });
    await until(() => refused.client.state === 'offline' || refused.client.state === 'reconnecting', 5000, 'a refused handshake');
    expect(refused.snapshots).toHaveLength(0);
    refused.stop();
  });

  it('a display token ends with its display, and a status-page token with its visit: on sockets and over HTTP', async () => {
    const a = A.c;
    const display = await ok(call({ method: 'POST', url: a.url('/displays'), token: a.tokens.org_admin, payload: { name: 'Closing soon' } }), 201);
    await ok(call({ method: 'PATCH', url: a.url(`/displays/${display.id}`), token: a.tokens.org_admin, payload: { active: false } }));
    const visit = await walkIn(call, a, (await registerPatient(call, a)).id, a.drB.professionalId);
    await ok(call({ method: 'POST', url: a.url(`/visits/${visit.id}/events`), token: a.tokens.receptionist, payload: { type: 'cancel' } }));
    for (const [auth, topic] of [
      [{ displayToken: display.token }, { kind: 'display' }],
      [{ statusToken: visit.statusToken }, { kind: 'visit-status' }],
    ] as const) {
      const screen = watch(url, auth, topic);
      await until(() => screen.client.state === 'offline' || screen.client.state === 'reconnecting', 5000, `a refused ${topic.kind} handshake`);
      expect(screen.snapshots).toHaveLength(0);
      screen.stop();
      const token = Object.values(auth)[0];
      for (const path of [a.url('/queue/reception'), a.url(`/visits/${visit.id}`), '/api/v1/auth/me']) {
        expect((await call({ method: 'GET', url: path, token })).statusCode).toBe(401);
      }
      expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: token } })).statusCode).toBe(401);
    }
  });
});

describe('live screens', () => {
  it('refuse parameters that are no id, another org’s people and other roles’ screens as not found, and show a dentist only their cases', async () => {
    const probes: [string, string, Topic][] = [
      ['the desk, a doctor that is no id', A.c.tokens.receptionist, { kind: 'doctor-queue', orgId: A.c.org.orgId, doctorUserId: 'not-a-user' }],
      ['the desk, an operator for a doctor', A.c.tokens.receptionist, { kind: 'doctor-queue', orgId: A.c.org.orgId, doctorUserId: { $ne: null } }],
      ['the desk, another clinic’s doctor', A.c.tokens.receptionist, { kind: 'doctor-queue', orgId: A.c.org.orgId, doctorUserId: B.c.drA.userId }],
      ['a doctor, a colleague’s queue', A.c.drA.token, { kind: 'doctor-queue', orgId: A.c.org.orgId, doctorUserId: A.c.drB.userId }],
      ['the desk, an org of dashes', A.c.tokens.receptionist, { kind: 'reception', orgId: '-'.repeat(36) }],
      ['the desk, another clinic', A.c.tokens.receptionist, { kind: 'reception', orgId: B.c.org.orgId }],
      ['the desk, the pharmacy', A.c.tokens.receptionist, { kind: 'pharmacy', orgId: A.c.org.orgId }],
      ['the pharmacy, the desk', A.c.tokens.medical_staff, { kind: 'reception', orgId: A.c.org.orgId }],
      ['a patient, the desk', A.p1.token, { kind: 'reception', orgId: A.c.org.orgId }],
      ['a lab, another lab’s board', labA.tokens.org_admin, { kind: 'lab-board', orgId: labB.org.orgId }],
      ['a dentist, a clinic as a lab', labA.tokens.dentist, { kind: 'lab-board', orgId: A.c.org.orgId }],
    ];
    const answers: Record<string, string> = {};
    for (const [label, token, topic] of probes) {
      const screen = watch(url, { token }, topic);
      await until(() => screen.refusals.length + screen.snapshots.length > 0, 10_000, label);
      answers[label] = screen.refusals[0] ?? 'a snapshot';
      screen.stop();
    }
    expect(answers).toEqual(Object.fromEntries(probes.map(([label]) => [label, 'not_found'])));
    const board = watch(url, { token: labA.tokens.dentist }, { kind: 'lab-board', orgId: labA.org.orgId });
    const snapshot = JSON.stringify(await board.waitForSnapshot());
    board.stop();
    expect(snapshot).toContain(labA.ownCase);
    expect(snapshot).not.toContain(labA.otherCase);
    expect(snapshot).not.toContain(labA.otherPatientName);
  });
});

describe('answers that could tell accounts apart', () => {
  const same = (x: LightMyRequestResponse, y: LightMyRequestResponse) => {
    const { requestId: _x, ...bodyX } = x.json();
    const { requestId: _y, ...bodyY } = y.json();
    const headers = (r: LightMyRequestResponse) => Object.keys(r.headers).filter((h) => h !== 'date' && h !== 'x-request-id').sort().map((h) => `${h}: ${r.headers[h]}`);
    expect(x.statusCode).toBe(y.statusCode);
    expect(bodyX).toEqual(bodyY);
    expect(headers(x)).toEqual(headers(y));
  };

  it('are the same for an account that exists and one that does not: login, reset, registration, invitations, records', async () => {
    const suspended = await seedOrg(t.orm, 'clinic', ['receptionist']);
    await ok(call({ method: 'PATCH', url: `/api/v1/platform/orgs/${suspended.orgId}`, token: superToken, payload: { active: false } }));
    const gone = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    await ok(call({ method: 'PATCH', url: `/api/v1/orgs/${gone.orgId}/staff/${gone.members.designer.membershipId}`, token: (await login(call, gone.members.org_admin.email)).accessToken, payload: { active: false } }));
    const loginAs = (email: string, password: string, remoteAddress: string) => call({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { email, password } });
    const nobody = await loginAs(`nobody.${randomBytes(3).toString('hex')}@example.test`, 'Wrong-password-1', '192.0.2.10');
    same(nobody, await loginAs(labB.org.members.org_admin.email, 'Wrong-password-1', '192.0.2.11'));
    same(nobody, await loginAs(suspended.members.receptionist.email, testPassword, '192.0.2.12'));
    same(nobody, await loginAs(gone.members.designer.email, testPassword, '192.0.2.13'));

    const reset = (email: string) => call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    same(await reset(`nobody.${randomBytes(3).toString('hex')}@example.test`), await reset(labB.org.members.dentist.email));

    const { medicalHistory: _history, ...fields } = patientPayload();
    const register = (email: string) => call({ method: 'POST', url: B.c.url('/patients/self-register'), payload: { ...fields, email, password: portalPassword } });
    same(await register(`new.${randomBytes(3).toString('hex')}@example.test`), await register(labB.org.members.org_admin.email));

    const invitation = (id: string) => call({ method: 'POST', url: `/api/v1/invitations/${id}/accept`, token: labB.tokens.dentist });
    same(await invitation(randomUUID()), await invitation(B.invitationId));

    const record = (id: string) => call({ method: 'GET', url: A.c.url(`/patients/${id}`), token: A.c.tokens.receptionist });
    same(await record(randomUUID()), await record(B.p1.patientId));
    const visitOf = (id: string) => call({ method: 'GET', url: A.c.url(`/visits/${id}`), token: A.c.drA.token });
    same(await visitOf(randomUUID()), await visitOf(A.visits.v2));
  });
});

describe('mail a stranger can make Cuspid send', () => {
  it('reaches an address at most once an hour, however often registration is tried with it', async () => {
    const sent: string[] = [];
    const mail = new AccountMail({ send: async (to) => void sent.push(to) }, 'http://cuspid.test', t.app.log, { redis: t.redis, prefix: t.config.redisPrefix });
    const victim = `victim.${randomBytes(3).toString('hex')}@example.test`;
    const later = `later.${randomBytes(3).toString('hex')}@example.test`;
    for (let i = 0; i < 10; i++) mail.registrationAttempt(victim, A.name);
    mail.registrationAttempt(later, A.name);
    // One Redis connection answers in order: once the later address is mailed, every try at the victim's was decided.
    await until(() => sent.includes(later), 5000, 'the later address’s mail');
    expect(sent).toEqual([victim, later]);
  });
});

describe('fields a caller should not see', () => {
  it('no answer to any role carries a hash, another org’s name, people or patients, a status token not its own, or vitals for the pharmacy', async () => {
    const ops = (await operations()).filter((op) => op.method === 'GET' && op.path.startsWith('/api/v1/orgs/{orgId}') && !op.path.endsWith('/openapi.json'));
    const own = { clinic: idsOf(A, labA), lab: idsOf(A, labA) };
    const otherPeople = [...Object.values(B.c.org.members), ...Object.values(labB.org.members)].map((m) => m.email);
    const forbidden = (actor: Actor): (string | RegExp)[] => [
      /password_?hash|token_?hash|\$argon2|\$2[aby]\$/i,
      B.name,
      labB.name,
      actor.kind === 'clinic' ? labA.name : A.name,
      ...otherPeople,
      B.p1.email,
      B.p1.patientId,
      labB.otherPatientName,
      labB.otherCase,
      A.v2StatusToken,
      B.v2StatusToken,
      ...(actor.label.endsWith('medical_staff') ? [/systolic|diastolic|pulse|temperature|heightCm|weightKg|medicalHistory|diagnosis/] : []),
      ...(actor.kind === 'lab' ? [A.p1.email, 'Maria Souza'] : []),
    ];
    const leaks: string[] = [];
    let tried = 0;
    for (const actor of [...clinicActors(A), ...labActors(labA)]) {
      for (const op of ops) {
        const response = await send(actor, op, fill(op.path, actor.orgId, actor.kind === 'clinic' ? own.clinic : own.lab));
        tried++;
        for (const pattern of forbidden(actor)) {
          if (typeof pattern === 'string' ? response.body.includes(pattern) : pattern.test(response.body)) leaks.push(`${actor.label} ${op.path}: ${String(pattern).slice(0, 40)}`);
        }
      }
      const me = await call({ method: 'GET', url: '/api/v1/auth/me', token: actor.token });
      if (/password|hash/i.test(me.body) || me.body.includes(B.name)) leaks.push(`${actor.label} /auth/me`);
    }
    console.info(`red-team: ${tried} reads scanned for leaks`);
    expect(leaks).toEqual([]);
  }, 240_000);
});

describe('the whole file', () => {
  it('answered no request with a 5xx, and no error body named SQL, a stack or a file', () => {
    const failures = seen.filter((r) => r.status >= 500).map((r) => `${r.method} ${r.url.slice(0, 120)} -> ${r.status}`);
    const internals = seen
      .filter((r) => r.status >= 400 && /\b(select|insert into|update \w+ set|delete from)\b|node_modules|\.ts:\d+|at async |stack|ECONN|sqlstate/i.test(r.body))
      .map((r) => `${r.method} ${r.url.slice(0, 120)} -> ${r.status} ${r.body.slice(0, 160)}`);
    console.info(`red-team: ${seen.length} requests, ${failures.length} answered 5xx`);
    expect(failures).toEqual([]);
    expect(internals).toEqual([]);
  });
});
