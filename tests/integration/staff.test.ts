import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { login, seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import type { Role } from '../../workflows/roles';

let t: TestApp;
let call: Call;
let clinic: SeededOrg;
let otherClinic: SeededOrg;
let admin: string;
let otherAdmin: string;
let superAdmin: string;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  clinic = await seedOrg(t.orm, 'clinic', ['org_admin', 'doctor'], { staffLimits: { doctor: 2, receptionist: 1 } });
  otherClinic = await seedOrg(t.orm, 'clinic', ['org_admin', 'receptionist']);
  const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  admin = (await tokensFor(call, clinic)).org_admin;
  otherAdmin = (await tokensFor(call, otherClinic)).org_admin;
  superAdmin = (await tokensFor(call, platform)).super_admin;
});
afterAll(() => t.close());

const staffUrl = () => `/api/v1/orgs/${clinic.orgId}/staff`;
const hire = (role: Role, email: string, token = admin) =>
  call({ method: 'POST', url: staffUrl(), token, payload: { email, name: `New ${role}`, role, password: 'Strong-pass-42' } });

describe('staff management', () => {
  it('lets super_admin create a clinic with its first admin, who can log in', async () => {
    const created = await call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: superAdmin,
      payload: { kind: 'clinic', name: 'Hillside Clinic', staffLimits: { doctor: 3 }, admin: { email: 'boss@hillside.test', name: 'Boss', password: 'Hillside-admin-1' } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'clinic', name: 'Hillside Clinic', staffLimits: { doctor: 3 } });
    const session = await login(call, 'boss@hillside.test', 'Hillside-admin-1');
    const me = await call({ method: 'GET', url: '/api/v1/auth/me', token: session.accessToken });
    expect(me.json().memberships[0]).toMatchObject({ orgId: created.json().id, role: 'org_admin' });
  });

  it('refuses limits for roles the kind of org does not have', async () => {
    const response = await call({
      method: 'POST',
      url: '/api/v1/orgs',
      token: superAdmin,
      payload: { kind: 'lab', name: 'Odd Lab', staffLimits: { doctor: 1 }, admin: { email: 'odd@lab.test', name: 'Odd', password: 'Odd-lab-admin-1' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([{ field: 'staffLimits.doctor', message: expect.any(String) }]);
  });

  it('hires up to the plan limit, then answers 409 naming the limit', async () => {
    expect((await hire('doctor', 'doc2@clinic.test')).statusCode).toBe(201);
    const third = await hire('doctor', 'doc3@clinic.test');
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ error: 'staff_limit_reached', limit: 2 });
    expect(third.json().message).toContain('at most 2 active doctor');
  });

  it('lets only one of two racing hires take the last seat', async () => {
    const results = await Promise.all([hire('receptionist', 'r1@clinic.test'), hire('receptionist', 'r2@clinic.test')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });

  it('deactivates to free a seat and refuses reactivation past the limit', async () => {
    const list = await call({ method: 'GET', url: staffUrl(), token: admin, query: { role: 'doctor' } });
    expect(list.json().limits).toEqual(expect.arrayContaining([{ role: 'doctor', limit: 2, active: 2 }]));
    const doctor = list.json().items[0];
    const off = await call({ method: 'PATCH', url: `${staffUrl()}/${doctor.id}`, token: admin, payload: { active: false } });
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
    expect((await hire('doctor', 'doc4@clinic.test')).statusCode).toBe(201);
    const back = await call({ method: 'PATCH', url: `${staffUrl()}/${doctor.id}`, token: admin, payload: { active: true } });
    expect(back.statusCode).toBe(409);
  });

  it('keeps a deactivated member out', async () => {
    const hired = await hire('medical_staff', 'gone@clinic.test');
    expect(hired.statusCode).toBe(201);
    await login(call, 'gone@clinic.test', 'Strong-pass-42');
    const off = await call({ method: 'PATCH', url: `${staffUrl()}/${hired.json().member.id}`, token: admin, payload: { active: false } });
    expect(off.statusCode).toBe(200);
    const response = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'gone@clinic.test', password: 'Strong-pass-42' } });
    expect(response.statusCode).toBe(401);
  });

  it('never deactivates the last org_admin', async () => {
    const response = await call({ method: 'PATCH', url: `${staffUrl()}/${clinic.members.org_admin.membershipId}`, token: admin, payload: { active: false } });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toBe('last_admin');
  });

  it('refuses roles the org kind does not have and weak passwords, naming the field', async () => {
    const designer = await hire('designer', 'designer@clinic.test');
    expect(designer.statusCode).toBe(400);
    expect(designer.json().fields[0].field).toBe('role');
    const weak = await call({ method: 'POST', url: staffUrl(), token: admin, payload: { email: 'weak@clinic.test', name: 'Weak', role: 'doctor', password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().fields[0].field).toBe('password');
  });

  it('answers 404 for another clinic’s staff member', async () => {
    const foreign = otherClinic.members.receptionist.membershipId;
    const response = await call({ method: 'PATCH', url: `${staffUrl()}/${foreign}`, token: admin, payload: { role: 'doctor' } });
    expect(response.statusCode).toBe(404);
    const viaOwnOrg = await call({ method: 'PATCH', url: `/api/v1/orgs/${otherClinic.orgId}/staff/${foreign}`, token: otherAdmin, payload: { role: 'receptionist' } });
    expect(viaOwnOrg.statusCode).toBe(200);
  });

  it('answers 400 naming every bad field', async () => {
    const response = await call({ method: 'POST', url: staffUrl(), token: admin, payload: { email: 'not-an-email', role: 'wizard' } });
    expect(response.statusCode).toBe(400);
    const fields = response.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'name', 'role']));
  });
});

describe("a lab's designers", () => {
  it('names every designer, former ones included, to whoever works on the cases, without contact details', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist'], { staffLimits: { designer: 3 } });
    const tokens = await tokensFor(call, lab);
    const url = `/api/v1/orgs/${lab.orgId}/designers`;
    const hired = await call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/staff`, token: tokens.org_admin, payload: { email: 'leaving@lab.test', name: 'Aaron Leaving', role: 'designer', password: 'Strong-pass-42' } });
    expect(hired.statusCode).toBe(201);
    const left = await call({ method: 'PATCH', url: `/api/v1/orgs/${lab.orgId}/staff/${hired.json().member.id}`, token: tokens.org_admin, payload: { active: false } });
    expect(left.statusCode).toBe(200);
    for (const role of ['org_admin', 'designer', 'dentist'] as const) {
      const response = await call({ method: 'GET', url, token: tokens[role] });
      expect(response.statusCode, role).toBe(200);
      expect(response.json(), role).toEqual([
        { id: hired.json().member.user.id, name: 'Aaron Leaving', active: false },
        { id: lab.members.designer.userId, name: 'designer person', active: true },
      ]);
    }
  });

  it('answers 401 without a token, 404 to another org, 403 to clinic roles', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const url = `/api/v1/orgs/${lab.orgId}/designers`;
    expect((await call({ method: 'GET', url })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url, token: admin })).statusCode).toBe(404);
    const receptionist = (await tokensFor(call, otherClinic)).receptionist;
    expect((await call({ method: 'GET', url: `/api/v1/orgs/${otherClinic.orgId}/designers`, token: receptionist })).statusCode).toBe(403);
  });
});
