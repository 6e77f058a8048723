import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { login, seedOrg, testPassword, type SeededOrg } from '../helpers/factories';

let t: TestApp;
let call: Call;
let lab: SeededOrg;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
});
afterAll(() => t.close());

describe('auth', () => {
  it('logs in and tells who I am with my memberships', async () => {
    const { accessToken, refreshToken, expiresIn } = await login(call, lab.members.designer.email);
    expect(refreshToken.length).toBeGreaterThan(30);
    expect(expiresIn).toBe(900);
    const me = await call({ method: 'GET', url: '/api/v1/auth/me', token: accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe(lab.members.designer.email);
    expect(me.json().memberships).toEqual([expect.objectContaining({ orgId: lab.orgId, orgKind: 'lab', role: 'designer' })]);
  });

  it('accepts the email in any case', async () => {
    const session = await login(call, lab.members.designer.email.toUpperCase());
    expect(session.accessToken).toBeTruthy();
  });

  it('refuses a wrong password and an unknown email with the same words', async () => {
    const wrong = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: lab.members.org_admin.email, password: 'nope-nope-1' } });
    const unknown = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ghost@example.test', password: testPassword } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().message).toBe(unknown.json().message);
  });

  it('answers 401 without a token and with a forged one', async () => {
    expect((await call({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    const forged = t.app.jwt.sign({ sub: lab.members.org_admin.userId, typ: 'access', ver: 0 }, { key: 'x'.repeat(40) } as never);
    const response = await call({ method: 'GET', url: '/api/v1/auth/me', token: forged });
    expect(response.statusCode).toBe(401);
  });

  it('refuses an alg-none token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: lab.members.org_admin.userId, typ: 'access', ver: 0, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const response = await call({ method: 'GET', url: '/api/v1/auth/me', token: `${header}.${body}.` });
    expect(response.statusCode).toBe(401);
  });

  it('refuses an expired token', async () => {
    const expired = t.app.jwt.sign({ sub: lab.members.org_admin.userId, typ: 'access', ver: 0 }, { expiresIn: -10 } as never);
    const response = await call({ method: 'GET', url: '/api/v1/auth/me', token: expired });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/expired/);
  });

  it('refuses a token that expires after it was accepted (verified tokens are cached only until their expiry)', async () => {
    const token = t.app.jwt.sign({ sub: lab.members.org_admin.userId, typ: 'access', ver: 0 }, { expiresIn: 1 } as never);
    expect((await call({ method: 'GET', url: '/api/v1/auth/me', token })).statusCode).toBe(200);
    const { exp } = t.app.jwt.decode<{ exp: number }>(token)!;
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    const response = await call({ method: 'GET', url: '/api/v1/auth/me', token });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/expired/);
  });

  it('rotates refresh tokens, and reusing a spent one revokes the whole family', async () => {
    const first = await login(call, lab.members.org_admin.email);
    const second = await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(second.statusCode).toBe(200);
    const rotated = second.json().refreshToken as string;
    expect(rotated).not.toBe(first.refreshToken);

    const replay = await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(replay.statusCode).toBe(401);
    // The legitimate successor died with the family.
    const afterReplay = await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: rotated } });
    expect(afterReplay.statusCode).toBe(401);
  });

  it('lets two concurrent refreshes of one token succeed at most once', async () => {
    const session = await login(call, lab.members.org_admin.email);
    const results = await Promise.all([1, 2].map(() => call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })));
    expect(results.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1);
  });

  it('logs out by revoking the refresh token', async () => {
    const session = await login(call, lab.members.designer.email);
    const logout = await call({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: session.refreshToken } });
    expect(logout.statusCode).toBe(204);
    const refresh = await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } });
    expect(refresh.statusCode).toBe(401);
  });

  it('locks an account after repeated failures without revealing whether it exists', async () => {
    const seededEmail = (await seedOrg(t.orm, 'lab', ['designer'])).members.designer.email;
    const attempts = async (email: string) => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'wrong-password-1' } }));
      return answers;
    };
    const real = await attempts(seededEmail);
    const ghost = await attempts('nobody.here@example.test');
    expect(real.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(ghost.map((r) => r.statusCode)).toEqual(real.map((r) => r.statusCode));
    expect(ghost.at(-1)!.json().message).toBe(real.at(-1)!.json().message);
    // Even the right password waits out the lockout.
    const right = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: seededEmail, password: testPassword } });
    expect(right.statusCode).toBe(429);
  });

  it('names each bad field on a malformed login', async () => {
    const response = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 5 } });
    expect(response.statusCode).toBe(400);
    const fields = response.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });
});
