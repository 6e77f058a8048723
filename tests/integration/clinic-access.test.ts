import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, seedOrg, tokensFor } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { auditRows, slotFromNow, ok, patientPayload, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;
let other: Clinic;
/** Assigned to Dr. A through a walk-in visit; Dr. B has never seen them. */
let assigned: { id: string };
/** Assigned to Dr. B through an appointment only. */
let bookedWithB: { id: string };
/** A patient with a portal login, and their token. */
let self: { id: string; token: string };

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  c = await seedClinic(t, call, 'Riverside');
  other = await seedClinic(t, call, 'Hillside');
  assigned = await registerPatient(call, c);
  await walkIn(call, c, assigned.id);
  bookedWithB = await registerPatient(call, c);
  await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: bookedWithB.id, professionalId: c.drB.professionalId, treatment: 'Braces check', startsAt: slotFromNow(48) } }), 201);
  self = await selfRegister('self.patient@example.test');
});
afterAll(() => t.close());

function selfSignUp(email: string) {
  const { medicalHistory: _omit, ...fields } = patientPayload({ email });
  return { ...fields, password: 'Self-Patient-2026' };
}

/** Signs up at the portal, then signs in: the answer names no record, the patient's own read does. */
async function selfRegister(email: string) {
  await ok(call({ method: 'POST', url: c.url('/patients/self-register'), payload: selfSignUp(email) }), 202);
  const token = (await login(call, email, 'Self-Patient-2026')).accessToken;
  const me = await ok(call({ method: 'GET', url: c.url('/patients/me'), token }));
  return { id: me.id as string, token };
}

const get = (path: string, token: string) => call({ method: 'GET', url: c.url(path), token });
const post = (path: string, token: string, payload: object) => call({ method: 'POST', url: c.url(path), token, payload });

describe('seed 003: who may register a patient', () => {
  it('lets org_admin and receptionist register', async () => {
    for (const role of ['org_admin', 'receptionist'] as const) await ok(post('/patients', c.tokens[role], patientPayload()), 201);
  });

  it('refuses doctor, medical_staff and patient with 403', async () => {
    for (const role of ['doctor', 'medical_staff', 'patient'] as const) expect((await post('/patients', c.tokens[role], patientPayload())).statusCode, role).toBe(403);
    expect((await post('/patients', self.token, patientPayload())).statusCode).toBe(403);
  });

  it('numbers records per clinic and normalises the phone, refusing what is not E.164', async () => {
    const first = await registerPatient(call, other);
    expect(first.recordNumber).toBe('P-000001');
    const bad = await post('/patients', c.tokens.receptionist, patientPayload({ phone: '011 5555', dateOfBirth: '2999-01-01' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['dateOfBirth', 'phone']);
  });

  it('lets a patient self-register only at an active clinic, with the password policy', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const atLab = await call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/patients/self-register`, payload: selfSignUp('lab.patient@example.test') });
    expect(atLab.statusCode).toBe(404);
    const weak = await call({ method: 'POST', url: c.url('/patients/self-register'), payload: { ...selfSignUp('weak@example.test'), password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().fields[0].field).toBe('password');
    const again = await call({ method: 'POST', url: c.url('/patients/self-register'), payload: selfSignUp('self.patient@example.test') });
    expect(again.statusCode).toBe(202);
    const junkOrg = await call({ method: 'POST', url: '/api/v1/orgs/not-a-uuid/patients/self-register', payload: selfSignUp('x@example.test') });
    expect(junkOrg.statusCode).toBe(404);
  });
});

describe('seed 003: who may view a profile', () => {
  it('lets org_admin and receptionist view any patient', async () => {
    for (const role of ['org_admin', 'receptionist'] as const) {
      const profile = await ok(get(`/patients/${bookedWithB.id}`, c.tokens[role]));
      expect(profile.patient.id).toBe(bookedWithB.id);
    }
  });

  it('lets a doctor view assigned patients only (a visit or an appointment with them); others read as 404', async () => {
    await ok(get(`/patients/${assigned.id}`, c.drA.token));
    await ok(get(`/patients/${bookedWithB.id}`, c.drB.token));
    expect((await get(`/patients/${bookedWithB.id}`, c.drA.token)).statusCode).toBe(404);
    expect((await get(`/patients/${assigned.id}`, c.drB.token)).statusCode).toBe(404);
    expect((await get(`/patients/${assigned.id}/treatments`, c.drB.token)).statusCode).toBe(404);
  });

  it('lets a patient view only themselves', async () => {
    const me = await ok(get('/patients/me', self.token));
    expect(me).toMatchObject({ id: self.id, hasLogin: true });
    await ok(get(`/patients/${self.id}`, self.token));
    expect((await get(`/patients/${assigned.id}`, self.token)).statusCode).toBe(404);
  });

  it('refuses medical_staff with 403', async () => {
    expect((await get(`/patients/${assigned.id}`, c.tokens.medical_staff)).statusCode).toBe(403);
  });

  it('audits every staff read of a record: who looked at whom', async () => {
    await ok(get(`/patients/${assigned.id}`, c.tokens.receptionist));
    const reads = await auditRows(t, c.org.orgId, 'patient.read');
    expect(reads).toContainEqual(
      expect.objectContaining({ entity_type: 'Patient', entity_id: assigned.id, actor_user_id: c.org.members.receptionist.userId, actor_role: 'receptionist', changed_fields: ['profile', 'appointments', 'visits', 'treatments'] }),
    );
    const before = reads.length;
    await ok(get(`/patients/${self.id}`, self.token));
    expect(await auditRows(t, c.org.orgId, 'patient.read')).toHaveLength(before);
  });
});

describe('seed 003: who may book', () => {
  it('lets org_admin and receptionist book for any patient', async () => {
    let slot = 100;
    for (const role of ['org_admin', 'receptionist'] as const) {
      await ok(post('/appointments', c.tokens[role], { patientId: assigned.id, professionalId: c.drA.professionalId, treatment: 'Cleaning', startsAt: slotFromNow((slot += 2)) }), 201);
    }
  });

  it('lets a patient book for themselves only, and refuses doctor and medical_staff', async () => {
    const own = await ok(post('/appointments', self.token, { professionalId: c.drB.professionalId, treatment: 'Whitening', startsAt: slotFromNow(130) }), 201);
    expect(own.patientId).toBe(self.id);
    expect((await post('/appointments', self.token, { patientId: assigned.id, professionalId: c.drB.professionalId, treatment: 'x', startsAt: slotFromNow(132) })).statusCode).toBe(404);
    expect((await post('/appointments', self.token, { professionalId: c.drB.professionalId, treatment: 'x', startsAt: new Date(Date.now() - 60 * 60_000).toISOString() })).statusCode).toBe(400);
    for (const role of ['doctor', 'medical_staff'] as const) {
      expect((await post('/appointments', c.tokens[role], { patientId: assigned.id, professionalId: c.drA.professionalId, treatment: 'x', startsAt: slotFromNow(160) })).statusCode, role).toBe(403);
    }
  });

  it("lets a patient cancel their own appointment but not someone else's", async () => {
    const theirs = await ok(post('/appointments', c.tokens.receptionist, { patientId: assigned.id, professionalId: c.drA.professionalId, treatment: 'x', startsAt: slotFromNow(200) }), 201);
    expect((await post(`/appointments/${theirs.id}/cancel`, self.token, {})).statusCode).toBe(404);
    const own = await ok(post('/appointments', self.token, { professionalId: c.drB.professionalId, treatment: 'x', startsAt: slotFromNow(202) }), 201);
    expect(await ok(post(`/appointments/${own.id}/cancel`, self.token, { reason: 'Travelling' }))).toMatchObject({ status: 'cancelled', cancelReason: 'Travelling' });
  });
});

describe('seed 003: who may update treatment', () => {
  it('lets the assigned doctor add to the timeline', async () => {
    const record = await ok(post(`/patients/${assigned.id}/treatments`, c.drA.token, { diagnosis: 'Caries 36, composite filling', notes: 'Review in 6 months' }), 201);
    expect(record).toMatchObject({ doctorUserId: c.drA.userId, doctorName: 'doctor person' });
    const timeline = await ok(get(`/patients/${assigned.id}/treatments`, c.tokens.receptionist));
    expect(timeline.map((r: { id: string }) => r.id)).toEqual([record.id]);
    const audit = await auditRows(t, c.org.orgId, 'treatment.create');
    expect(audit.at(-1)).toMatchObject({ entity_id: record.id, changed_fields: ['diagnosis', 'notes', 'patientId'] });
  });

  it('hides the patient from an unassigned doctor (404) and refuses every other role (403)', async () => {
    expect((await post(`/patients/${assigned.id}/treatments`, c.drB.token, { diagnosis: 'x' })).statusCode).toBe(404);
    for (const role of ['org_admin', 'receptionist', 'medical_staff', 'patient'] as const) {
      expect((await post(`/patients/${assigned.id}/treatments`, c.tokens[role], { diagnosis: 'x' })).statusCode, role).toBe(403);
    }
  });
});

describe('search, update and delete', () => {
  it('lets only org_admin and receptionist search', async () => {
    for (const role of ['org_admin', 'receptionist'] as const) await ok(get('/patients', c.tokens[role]));
    for (const role of ['doctor', 'medical_staff', 'patient'] as const) expect((await get('/patients', c.tokens[role])).statusCode, role).toBe(403);
  });

  it('lets a patient change contact details but not clinical fields', async () => {
    const changed = await ok(call({ method: 'PATCH', url: c.url(`/patients/${self.id}`), token: self.token, payload: { address: 'Rua Nova 1', consentEmail: false } }));
    expect(changed).toMatchObject({ address: 'Rua Nova 1', consentEmail: false, version: 2 });
    expect((await call({ method: 'PATCH', url: c.url(`/patients/${self.id}`), token: self.token, payload: { medicalHistory: 'none' } })).statusCode).toBe(403);
    expect((await call({ method: 'PATCH', url: c.url(`/patients/${assigned.id}`), token: self.token, payload: { address: 'x' } })).statusCode).toBe(404);
    const stale = await call({ method: 'PATCH', url: c.url(`/patients/${self.id}`), token: c.tokens.receptionist, payload: { address: 'Old', version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toBe('stale_version');
  });

  it('lets only org_admin delete, refusing while a visit is open', async () => {
    expect((await call({ method: 'DELETE', url: c.url(`/patients/${bookedWithB.id}`), token: c.tokens.receptionist })).statusCode).toBe(403);
    const open = await call({ method: 'DELETE', url: c.url(`/patients/${assigned.id}`), token: c.tokens.org_admin });
    expect(open.statusCode).toBe(409);
    expect(open.json().error).toBe('open_visit');
    const gone = await call({ method: 'DELETE', url: c.url(`/patients/${bookedWithB.id}`), token: c.tokens.org_admin });
    expect(gone.statusCode).toBe(204);
    expect((await get(`/patients/${bookedWithB.id}`, c.tokens.org_admin)).statusCode).toBe(404);
    const appointments = await ok(get(`/appointments?patientId=${bookedWithB.id}`, c.tokens.receptionist));
    expect(appointments.map((a: { status: string }) => a.status)).toEqual(['cancelled']);
  });
});

describe('deleting a patient with a portal login', () => {
  it('takes the login out of the clinic and audits it', async () => {
    const registered = await selfRegister('leaving@example.test');
    expect((await call({ method: 'DELETE', url: c.url(`/patients/${registered.id}`), token: c.tokens.org_admin })).statusCode).toBe(204);
    // The portal session ends with the record (401), not only its access to this clinic.
    expect((await get('/patients/me', registered.token)).statusCode).toBe(401);
    const audit = await auditRows(t, c.org.orgId);
    expect(audit.filter((r) => r.entity_id === registered.id).map((r) => r.action)).toEqual(['patient.selfRegister', 'patient.delete']);
    expect(audit.some((r) => r.action === 'membership.update' && r.changed_fields.includes('active'))).toBe(true);
  });
});

describe('seed 004: professionals', () => {
  it('lets only org_admin register and update; every member lists, by specialty without regard to case', async () => {
    for (const role of ['receptionist', 'doctor', 'medical_staff', 'patient'] as const) {
      expect((await post('/professionals', c.tokens[role], { membershipId: c.org.members.doctor.membershipId, specialty: 'x', councilNumber: 'x', room: 'x', ticketPrefix: 'C' })).statusCode, role).toBe(403);
      expect((await call({ method: 'PATCH', url: c.url(`/professionals/${c.drA.professionalId}`), token: c.tokens[role], payload: { room: 'Room 9' } })).statusCode, role).toBe(403);
      const found = await ok(get('/professionals/specialty/ORTHODONTICS', c.tokens[role]));
      expect(found.map((p: { id: string }) => p.id)).toEqual([c.drB.professionalId]);
    }
    expect((await ok(get('/professionals/specialty/orthodontics', self.token))).map((p: { specialty: string }) => p.specialty)).toEqual(['Orthodontics']);
    const moved = await ok(call({ method: 'PATCH', url: c.url(`/professionals/${c.drA.professionalId}`), token: c.tokens.org_admin, payload: { room: 'Room 3' } }));
    expect(moved.room).toBe('Room 3');
  });

  it('registers only an active doctor of the clinic, once', async () => {
    const notDoctor = await post('/professionals', c.tokens.org_admin, { membershipId: c.org.members.receptionist.membershipId, specialty: 'x', councilNumber: 'x', room: 'x', ticketPrefix: 'C' });
    expect(notDoctor.statusCode).toBe(400);
    expect(notDoctor.json().fields[0].field).toBe('membershipId');
    const twice = await post('/professionals', c.tokens.org_admin, { membershipId: c.org.members.doctor.membershipId, specialty: 'x', councilNumber: 'x', room: 'x', ticketPrefix: 'C' });
    expect(twice.statusCode).toBe(409);
    const foreign = await post('/professionals', c.tokens.org_admin, { membershipId: other.org.members.doctor.membershipId, specialty: 'x', councilNumber: 'x', room: 'x', ticketPrefix: 'C' });
    expect(foreign.statusCode).toBe(400);
  });
});

describe('another clinic', () => {
  it("answers 404 for another clinic's rows, however they are named", async () => {
    const theirPatient = await registerPatient(call, other);
    const theirVisit = await walkIn(call, other, theirPatient.id, other.drA.professionalId);
    expect((await get(`/patients/${theirPatient.id}`, c.tokens.org_admin)).statusCode).toBe(404);
    expect((await get(`/visits/${theirVisit.id}`, c.tokens.receptionist)).statusCode).toBe(404);
    expect((await post(`/visits/${theirVisit.id}/events`, c.tokens.receptionist, { type: 'cancel' })).statusCode).toBe(404);
    expect((await call({ method: 'PATCH', url: c.url(`/professionals/${other.drA.professionalId}`), token: c.tokens.org_admin, payload: { room: 'x' } })).statusCode).toBe(404);
    expect((await post('/visits/check-in', c.tokens.receptionist, { patientId: theirPatient.id, professionalId: c.drA.professionalId, vitals: {} })).statusCode).toBe(404);
    expect((await post('/appointments', c.tokens.receptionist, { patientId: c.drA.professionalId, professionalId: other.drA.professionalId, treatment: 'x', startsAt: slotFromNow(3) })).statusCode).toBe(404);
    // Through the other clinic's URL, a non-member does not even learn that the clinic exists.
    expect((await call({ method: 'GET', url: other.url(`/patients/${theirPatient.id}`), token: c.tokens.org_admin })).statusCode).toBe(404);
    const search = await ok(get(`/patients?q=${encodeURIComponent(theirPatient.fullName)}`, c.tokens.receptionist));
    expect(search.items).toEqual([]);
    const board = await ok(get('/queue/reception', c.tokens.receptionist));
    expect(JSON.stringify(board)).not.toContain(theirVisit.id);
  });

  it('answers 404 for random ids', async () => {
    expect((await get(`/patients/${randomUUID()}`, c.tokens.org_admin)).statusCode).toBe(404);
    expect((await get(`/visits/${randomUUID()}`, c.tokens.org_admin)).statusCode).toBe(404);
  });
});

describe('roles outside the clinic flow', () => {
  it('keeps lab members out of a clinic (404)', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const labAdmin = (await tokensFor(call, lab)).org_admin;
    expect((await get('/patients', labAdmin)).statusCode).toBe(404);
  });
});

describe('hostile input', () => {
  it('answers 400, not 500, for text PostgreSQL cannot store', async () => {
    expect((await get('/professionals/specialty/%00', c.tokens.receptionist)).statusCode).toBe(400);
    expect((await post('/patients', c.tokens.receptionist, patientPayload({ fullName: 'Ana\u0000Lima' }))).statusCode).toBe(400);
    expect((await get(`/patients?q=${encodeURIComponent('a\u0000')}`, c.tokens.receptionist)).statusCode).toBe(400);
    expect((await post('/patients/self-register', c.tokens.receptionist, { ...selfSignUp('nul@example.test'), address: 'x\u0000' })).statusCode).toBe(400);
  });
});
