import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { login, seedOrg, testPassword, tokensFor, type SeededOrg } from '../helpers/factories';
import { startSmtp, type Mail } from '../helpers/smtp';
import { until } from '../helpers/until';

/**
 * Identity is global, memberships are per org: an org admin manages who works for them, never a
 * person's account. These are the attacks that once took accounts of other orgs over.
 */
let t: TestApp;
let call: Call;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const mails: Mail[] = [];
let attacker: SeededOrg;
let victim: SeededOrg;
let platform: SeededOrg;
let attackerAdmin: string;
let superAdmin: string;

beforeAll(async () => {
  smtp = await startSmtp(mails);
  t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://clinic.example' });
  call = caller(t.app);
  attacker = await seedOrg(t.orm, 'clinic', ['org_admin', 'receptionist'], { staffLimits: { doctor: 1 } });
  victim = await seedOrg(t.orm, 'clinic', ['org_admin', 'doctor', 'receptionist']);
  platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  attackerAdmin = (await tokensFor(call, attacker)).org_admin;
  superAdmin = (await tokensFor(call, platform)).super_admin;
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const staffUrl = (org: SeededOrg) => `/api/v1/orgs/${org.orgId}/staff`;

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return t.orm.em.getConnection().execute<T[]>(query, params);
}

async function mailTo(address: string, subject: RegExp): Promise<Mail> {
  let found: Mail | undefined;
  await until(() => (found = mails.find((m) => m.to.includes(address) && subject.test(m.subject))) !== undefined, 5000, `a mail to ${address}`);
  return found!;
}

describe('adding a person who already has an account', () => {
  it('invites them instead of taking the account over, and says nothing about it', async () => {
    const target = victim.members.receptionist;
    const added = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: target.email.toUpperCase(), name: 'Whoever', role: 'doctor', password: 'Taken-over-2026!' } });
    expect(added.statusCode).toBe(202);
    expect(added.json()).toEqual({ status: 'invited', invitation: { id: expect.any(String), email: target.email, role: 'doctor', createdAt: expect.any(String), expiresAt: expect.any(String) } });
    expect(added.body).not.toContain('person');
    expect(added.body).not.toContain(target.userId);
    // The given password was not set: the owner's own still works, the attacker's does not.
    await login(call, target.email);
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: target.email, password: 'Taken-over-2026!' } })).statusCode).toBe(401);
    // Not a member until they accept: the attacker's staff list does not hold them.
    const staff = await call({ method: 'GET', url: staffUrl(attacker), token: attackerAdmin });
    expect(staff.json().items.map((m: { user: { email: string } }) => m.user.email)).not.toContain(target.email);
    const pending = await call({ method: 'GET', url: `${staffUrl(attacker)}/invitations`, token: attackerAdmin });
    expect(pending.json()).toEqual([expect.objectContaining({ email: target.email, role: 'doctor' })]);
    const mail = await mailTo(target.email, /invited you/);
    expect(mail.body).toContain('https://clinic.example/');
  });

  it('cannot reach the platform operator either', async () => {
    const added = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: platform.members.super_admin.email, name: 'Boss', role: 'receptionist', password: 'Taken-over-2026!' } });
    expect(added.statusCode).toBe(202);
    await login(call, platform.members.super_admin.email);
  });

  it('refuses a password, name or email in a membership change', async () => {
    const own = attacker.members.receptionist;
    for (const payload of [{ password: 'Taken-over-2026!' }, { name: 'Renamed' }, { email: 'x@example.test' }, { userId: victim.members.doctor.userId }, { role: 'doctor', password: 'Taken-over-2026!' }]) {
      const response = await call({ method: 'PATCH', url: `${staffUrl(attacker)}/${own.membershipId}`, token: attackerAdmin, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(Object.keys(payload).filter((k) => k !== 'role')));
    }
    const [user] = await sql<{ name: string }>('select name from users where id = ?', [own.userId]);
    expect(user!.name).toBe('receptionist person');
    await login(call, own.email);
  });

  it('answers 404 for another org’s membership id', async () => {
    const response = await call({ method: 'PATCH', url: `${staffUrl(attacker)}/${victim.members.doctor.membershipId}`, token: attackerAdmin, payload: { active: false } });
    expect(response.statusCode).toBe(404);
    const [membership] = await sql<{ active: boolean }>('select active from memberships where id = ?', [victim.members.doctor.membershipId]);
    expect(membership!.active).toBe(true);
  });

  it('lets only the invited person see and accept, within the plan limit, and tells both orgs', async () => {
    const target = victim.members.doctor;
    const invited = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: target.email, name: 'Dr Who', role: 'doctor' } });
    expect(invited.statusCode).toBe(202);
    const invitationId = invited.json().invitation.id;
    // Someone else, signed in, neither sees nor accepts it.
    const bystander = (await login(call, victim.members.org_admin.email)).accessToken;
    expect((await call({ method: 'GET', url: '/api/v1/invitations', token: bystander })).json()).toEqual([]);
    expect((await call({ method: 'POST', url: `/api/v1/invitations/${invitationId}/accept`, token: bystander })).statusCode).toBe(404);

    const own = (await login(call, target.email)).accessToken;
    const mine = await call({ method: 'GET', url: '/api/v1/invitations', token: own });
    expect(mine.json()).toEqual([expect.objectContaining({ id: invitationId, orgId: attacker.orgId, orgKind: 'clinic', role: 'doctor', orgName: expect.any(String) })]);
    const accepted = await call({ method: 'POST', url: `/api/v1/invitations/${invitationId}/accept`, token: own });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ orgId: attacker.orgId, role: 'doctor' });
    const me = await call({ method: 'GET', url: '/api/v1/auth/me', token: own });
    expect(me.json().memberships.map((m: { orgId: string }) => m.orgId)).toEqual(expect.arrayContaining([victim.orgId, attacker.orgId]));
    expect((await call({ method: 'POST', url: `/api/v1/invitations/${invitationId}/accept`, token: own })).statusCode).toBe(404);

    // The org that lost nothing still hears that its doctor's memberships changed.
    const victimTrail = await sql<{ action: string }>("select action from audit_events where org_id = ? and entity_id = ?", [victim.orgId, target.userId]);
    expect(victimTrail.map((r) => r.action)).toContain('account.membershipChanged');

    // The seat is taken: the attacker's doctor limit (1) now refuses another invitation's acceptance.
    const second = victim.members.org_admin;
    const again = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: second.email, name: 'X', role: 'doctor' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('staff_limit_reached');
  });

  it('refuses a second open invitation, and a withdrawn one cannot be accepted', async () => {
    const target = victim.members.org_admin;
    const first = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: target.email, name: 'X', role: 'receptionist' } });
    expect(first.statusCode).toBe(202);
    const twice = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: target.email, name: 'X', role: 'receptionist' } });
    expect(twice.statusCode).toBe(409);
    const id = first.json().invitation.id;
    expect((await call({ method: 'DELETE', url: `${staffUrl(attacker)}/invitations/${id}`, token: attackerAdmin })).statusCode).toBe(204);
    const own = (await login(call, target.email)).accessToken;
    expect((await call({ method: 'POST', url: `/api/v1/invitations/${id}/accept`, token: own })).statusCode).toBe(404);
    // Another org's admin cannot withdraw (or learn of) the attacker's invitations.
    const victimAdmin = (await login(call, victim.members.org_admin.email)).accessToken;
    expect((await call({ method: 'DELETE', url: `${staffUrl(victim)}/invitations/${id}`, token: victimAdmin })).statusCode).toBe(404);
  });

  it('still creates a login for a new person, with a password that passes the policy', async () => {
    const weak = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: 'new.desk@example.test', name: 'New Desk', role: 'receptionist', password: 'Welcome2026' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().fields).toEqual([{ field: 'password', message: expect.stringContaining('too easy to guess') }]);
    const added = await call({ method: 'POST', url: staffUrl(attacker), token: attackerAdmin, payload: { email: 'new.desk@example.test', name: 'New Desk', role: 'receptionist', password: 'Gingival-margin-77' } });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ status: 'added', member: { role: 'receptionist', user: { email: 'new.desk@example.test', name: 'New Desk' } } });
    await login(call, 'new.desk@example.test', 'Gingival-margin-77');
  });
});

describe('a person’s own password', () => {
  it('changes only with the current one, ends every other session and is audited in each org', async () => {
    const person = victim.members.receptionist;
    const other = await login(call, person.email);
    const mine = await login(call, person.email);
    const wrong = await call({ method: 'POST', url: '/api/v1/auth/password', token: mine.accessToken, payload: { currentPassword: 'not-it-at-all-1', newPassword: 'Periapical-lesion-31' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fields).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
    const weak = await call({ method: 'POST', url: '/api/v1/auth/password', token: mine.accessToken, payload: { currentPassword: testPassword, newPassword: 'Password2026!' } });
    expect(weak.statusCode).toBe(400);
    const changed = await call({ method: 'POST', url: '/api/v1/auth/password', token: mine.accessToken, payload: { currentPassword: testPassword, newPassword: 'Periapical-lesion-31' } });
    expect(changed.statusCode).toBe(200);
    const fresh = changed.json();
    // The other device's refresh token and access token no longer work; this device's new pair does.
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: other.refreshToken } })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: '/api/v1/auth/me', token: other.accessToken })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: '/api/v1/auth/me', token: fresh.accessToken })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: fresh.refreshToken } })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: person.email, password: testPassword } })).statusCode).toBe(401);
    await login(call, person.email, 'Periapical-lesion-31');
    const trail = await sql<{ org_id: string }>("select org_id from audit_events where action = 'account.changePassword' and entity_id = ?", [person.userId]);
    expect(trail.map((r) => r.org_id)).toEqual([victim.orgId]);
  });

  it('is reset only through a one-time link mailed to the owner', async () => {
    const person = victim.members.org_admin;
    const session = await login(call, person.email);
    const known = await call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: person.email } });
    const unknown = await call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'nobody.here@example.test' } });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());
    const mail = await mailTo(person.email, /Reset your Cuspid password/);
    const token = decodeURIComponent(/#token=([^\s]+)/.exec(mail.body)![1]!);
    expect(mail.body).toContain('https://clinic.example/reset-password#token=');
    // Only a hash is stored.
    const stored = await sql<{ token_hash: string }>('select token_hash from password_resets');
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    const weak = await call({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, newPassword: 'qwertyuiop12' } });
    expect(weak.statusCode).toBe(400);
    const done = await call({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, newPassword: 'Alveolar-ridge-88' } });
    expect(done.statusCode).toBe(204);
    await login(call, person.email, 'Alveolar-ridge-88');
    expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    const reused = await call({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, newPassword: 'Another-ridge-99' } });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().fields[0].field).toBe('token');
    await login(call, person.email, 'Alveolar-ridge-88');
  });

  it('refuses an expired link and a made-up one', async () => {
    const person = victim.members.doctor;
    await call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: person.email } });
    const mail = await mailTo(person.email, /Reset your Cuspid password/);
    const token = decodeURIComponent(/#token=([^\s]+)/.exec(mail.body)![1]!);
    await sql("update password_resets set expires_at = now() - interval '1 minute' where user_id = ?", [person.userId]);
    for (const attempt of [token, 'made-up-token']) {
      const response = await call({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token: attempt, newPassword: 'Alveolar-ridge-88' } });
      expect(response.statusCode).toBe(400);
    }
    await login(call, person.email);
  });

  it('lets a person rename themselves, and nobody else', async () => {
    const person = attacker.members.receptionist;
    const own = (await login(call, person.email)).accessToken;
    const renamed = await call({ method: 'PATCH', url: '/api/v1/auth/me', token: own, payload: { name: '  Ana Souza ' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().name).toBe('Ana Souza');
    const sneaky = await call({ method: 'PATCH', url: '/api/v1/auth/me', token: own, payload: { name: 'Ana', email: 'x@example.test', active: true } });
    expect(sneaky.statusCode).toBe(400);
    expect(sneaky.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['active', 'email']);
  });
});

describe('what an org admin may change about their org', () => {
  it('refuses kind, plan limits and active on the org’s own route, and writes nothing', async () => {
    const before = await sql<Record<string, unknown>>('select kind, staff_limits, active, name from orgs where id = ?', [attacker.orgId]);
    for (const payload of [{ kind: 'platform' }, { staffLimits: { doctor: 99 } }, { active: false }, { staffLimits: 'x' }, { name: 'Renamed', kind: 'platform' }, { id: victim.orgId, name: 'x' }]) {
      const response = await call({ method: 'PATCH', url: `/api/v1/orgs/${attacker.orgId}`, token: attackerAdmin, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(await sql('select kind, staff_limits, active, name from orgs where id = ?', [attacker.orgId])).toEqual(before);
    const listed = await call({ method: 'GET', url: '/api/v1/orgs', token: attackerAdmin });
    expect(listed.statusCode).toBe(403);
  });

  it('leaves plan limits and turning an org off to the platform operator', async () => {
    const url = `/api/v1/platform/orgs/${attacker.orgId}`;
    expect((await call({ method: 'PATCH', url, token: attackerAdmin, payload: { staffLimits: { doctor: 99 } } })).statusCode).toBe(403);
    const bad = await call({ method: 'PATCH', url, token: superAdmin, payload: { staffLimits: 'x' } });
    expect(bad.statusCode).toBe(400);
    const wrongRole = await call({ method: 'PATCH', url, token: superAdmin, payload: { staffLimits: { designer: 2 } } });
    expect(wrongRole.statusCode).toBe(400);
    expect((await call({ method: 'PATCH', url, token: superAdmin, payload: { kind: 'lab' } })).statusCode).toBe(400);
    expect((await call({ method: 'PATCH', url: `/api/v1/platform/orgs/${platform.orgId}`, token: superAdmin, payload: { name: 'Mine now' } })).statusCode).toBe(404);
    const raised = await call({ method: 'PATCH', url, token: superAdmin, payload: { staffLimits: { doctor: 3 } } });
    expect(raised.statusCode).toBe(200);
    expect(raised.json()).toMatchObject({ kind: 'clinic', staffLimits: { doctor: 3 } });
    // The platform's own list still answers after every attempt.
    expect((await call({ method: 'GET', url: '/api/v1/orgs', token: superAdmin })).statusCode).toBe(200);
    const [audit] = await sql<{ changed_fields: string[] }>("select changed_fields from audit_events where org_id = ? and action = 'org.update' order by at desc limit 1", [attacker.orgId]);
    expect(audit!.changed_fields).toEqual(['staffLimits']);
  });

  it('signs nobody in to a suspended org, and lets them back when it is turned on again', async () => {
    const suspended = await seedOrg(t.orm, 'lab', ['org_admin']);
    const url = `/api/v1/platform/orgs/${suspended.orgId}`;
    const session = await login(call, suspended.members.org_admin.email);
    expect((await call({ method: 'PATCH', url, token: superAdmin, payload: { active: false } })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: suspended.members.org_admin.email, password: testPassword } })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: `/api/v1/orgs/${suspended.orgId}`, token: session.accessToken })).statusCode).toBe(404);
    expect((await call({ method: 'PATCH', url, token: superAdmin, payload: { active: true } })).statusCode).toBe(200);
    await login(call, suspended.members.org_admin.email);
  });
});
