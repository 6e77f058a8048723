import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../server/logger';
import { errorsPlugin } from '../../server/plugins/errors';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { listen, startDispatcher, until, watch } from '../helpers/live';
import { LiveClient, type Topic } from '../../client/src/lib/live/live-client';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { ok, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';
import { seedOrg, testPassword } from '../helpers/factories';

/**
 * Issue 9, security: the CORS allowlist, and public-screen tokens that open their own screen and
 * nothing else. Already proven elsewhere: expired, forged and alg-none tokens, refresh-token reuse,
 * login lockout without account enumeration, the password policy (auth.test.ts, staff.test.ts);
 * other-org tokens on HTTP (permissions.test.ts) and sockets (realtime.test.ts); the permission
 * table for every route and role (permissions.test.ts); CSP and nosniff (health.test.ts); a display
 * token refused the reception topic and /queue/reception (public-screens.test.ts).
 */
const allowed = 'https://desk.cuspid.example';
const foreign = 'https://evil.example';

let t: TestApp;
let open: TestApp;
let call: Call;
let c: Clinic;
let url: string;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  t = await createTestApp({ CORS_ORIGINS: `${allowed}, https://other-desk.cuspid.example` });
  open = await createTestApp();
  call = caller(t.app);
  c = await seedClinic(t, call);
  url = await listen(t.app);
  dispatcher = await startDispatcher(t);
});
afterAll(async () => {
  await dispatcher.stop();
  await t.close();
  await open.close();
});

describe('CORS', () => {
  it('answers a listed origin’s preflight and requests, and never an unlisted one', async () => {
    const preflight = (origin: string, app = t) =>
      app.app.inject({ method: 'OPTIONS', url: '/api/v1/auth/me', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const yes = await preflight(allowed);
    expect(yes.statusCode).toBe(204);
    expect(yes.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(yes.headers['access-control-allow-methods'])).toContain('GET');
    expect(yes.headers['access-control-allow-credentials']).toBeUndefined();
    const no = await preflight(foreign);
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
    // A near miss is no match: the list is compared exactly.
    expect((await preflight(`${allowed}.evil.example`)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('http://desk.cuspid.example')).headers['access-control-allow-origin']).toBeUndefined();

    const request = (origin: string, app = t) => app.app.inject({ method: 'GET', url: '/api/v1/health', headers: { origin } });
    expect((await request(allowed)).headers['access-control-allow-origin']).toBe(allowed);
    expect(String((await request(allowed)).headers.vary)).toMatch(/origin/i);
    expect((await request(foreign)).headers['access-control-allow-origin']).toBeUndefined();
    // With no CORS_ORIGINS the API is same-origin only.
    expect((await preflight(allowed, open)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(allowed, open)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('applies the same list to the live sockets', async () => {
    const handshake = (origin: string) => fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await handshake(allowed)).headers.get('access-control-allow-origin')).toBe(allowed);
    expect((await handshake(foreign)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends the security headers on API answers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(String(response.headers['content-security-policy'])).toContain("frame-ancestors 'self'");
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});

describe('login throttling and request limits', () => {
  it('locks an address out after 30 failed logins across accounts, even for a right password', async () => {
    const lab = await seedOrg(open.orm, 'lab', ['designer']);
    const attempt = (email: string, password: string, remoteAddress = '203.0.113.7') =>
      open.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { email, password } });
    const answers = [];
    // Four tries per account stays under the per-account lockout (5): only the address adds up.
    for (let i = 0; i < 30; i++) answers.push((await attempt(`spray.${Math.floor(i / 4)}@example.test`, 'Wrong-password-1')).statusCode);
    expect(answers).toEqual(Array(30).fill(401));
    const locked = await attempt(lab.members.designer.email, testPassword);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().message).toBe('Too many failed login attempts. Wait 15 minutes and try again.');
    // Another address is not held back by this one.
    expect((await attempt(lab.members.designer.email, testPassword, '198.51.100.9')).statusCode).toBe(200);
  }, 60_000);

  it('refuses a JSON body over 1 MB with 413, before reading it into a route', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'x@example.test', password: 'p'.repeat(1024 * 1024) }) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
  });
});

describe('display and status-page tokens', () => {
  let displayToken: string;
  let statusToken: string;
  let visitId: string;
  let otherStatusToken: string;

  beforeAll(async () => {
    displayToken = (await ok(call({ method: 'POST', url: c.url('/displays'), token: c.tokens.org_admin, payload: { name: 'Lobby', privacy: 'ticket' } }), 201)).token;
    const patient = await registerPatient(call, c, { fullName: 'Tomas Tokenholder', phone: '+5511955501234' });
    const visit = await walkIn(call, c, patient.id);
    visitId = visit.id;
    statusToken = visit.statusToken;
    otherStatusToken = (await walkIn(call, c, (await registerPatient(call, c)).id, c.drB.professionalId)).statusToken;
  });

  it('open no HTTP route, as a bearer token or anywhere else', async () => {
    const guarded = t.app.routeAccess.filter((route) => route.access !== 'public');
    expect(guarded.length).toBeGreaterThan(40);
    const answers: string[] = [];
    for (const route of guarded) {
      const path = route.url
        .replace(':orgId', c.org.orgId)
        .replace(':patientId', 'me')
        .replace(':visitId', visitId)
        .replace(/:[A-Za-z]+/g, '00000000-0000-0000-0000-000000000000');
      for (const token of [displayToken, statusToken]) {
        const response = await call({ method: route.method as 'GET', url: path, headers: { authorization: `Bearer ${token}` }, payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });
        if (response.statusCode !== 401) answers.push(`${route.method} ${route.url}: ${response.statusCode}`);
      }
    }
    expect(answers).toEqual([]);
    // The refresh endpoint takes refresh tokens only.
    for (const token of [displayToken, statusToken]) {
      expect((await call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: token } })).statusCode).toBe(401);
    }
  });

  it('open their own screen over a socket, and no other screen of any kind', async () => {
    const topics: Topic[] = [
      { kind: 'lab-board', orgId: c.org.orgId },
      { kind: 'reception', orgId: c.org.orgId },
      { kind: 'doctor-queue', orgId: c.org.orgId, doctorUserId: c.drA.userId },
      { kind: 'pharmacy', orgId: c.org.orgId },
      { kind: 'no-such-screen' },
    ];
    const probe = async (auth: Record<string, unknown>, own: Topic, notOwn: Topic) => {
      const client = new LiveClient({ url, auth: () => auth, transports: ['websocket'] });
      const refusals = new Map<string, string>();
      const snapshots = new Map<string, unknown>();
      for (const topic of [...topics, notOwn, own]) {
        client.watch(topic, { snapshot: (s) => snapshots.set(topic.kind, s), event: () => undefined, refused: (error) => refusals.set(topic.kind, error) });
      }
      await until(() => refusals.size + snapshots.size === topics.length + 2, 10_000, 'every answer');
      client.close();
      return { refusals: Object.fromEntries(refusals), snapshots };
    };
    const display = await probe({ displayToken }, { kind: 'display' }, { kind: 'visit-status' });
    expect(display.refusals).toEqual({ 'lab-board': 'not_found', reception: 'not_found', 'doctor-queue': 'not_found', pharmacy: 'not_found', 'no-such-screen': 'unknown_topic', 'visit-status': 'not_found' });
    expect([...display.snapshots.keys()]).toEqual(['display']);
    const status = await probe({ statusToken }, { kind: 'visit-status', visitId: 'any other visit' }, { kind: 'display' });
    expect(status.refusals).toEqual({ 'lab-board': 'not_found', reception: 'not_found', 'doctor-queue': 'not_found', pharmacy: 'not_found', 'no-such-screen': 'unknown_topic', display: 'not_found' });
    // Whatever the params say, a status token shows its own visit, and no health data.
    const page = status.snapshots.get('visit-status') as Record<string, unknown>;
    expect(page.ticket).toBe((await ok(call({ method: 'GET', url: c.url(`/visits/${visitId}`), token: c.tokens.receptionist }))).ticketNumber);
    expect(JSON.stringify(page)).not.toMatch(/Tomas|Tokenholder|955501234|vitals|medicalHistory/);
  });

  it('are refused by another org’s screens and as user tokens', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    for (const auth of [{ token: displayToken }, { token: statusToken }, { displayToken: statusToken }, { statusToken: displayToken }, { statusToken: otherStatusToken.slice(0, -2) }]) {
      const refused = watch(url, auth, { kind: 'lab-board', orgId: lab.orgId });
      await until(() => refused.client.state === 'offline' || refused.client.state === 'reconnecting', 5000, `a refused handshake for ${Object.keys(auth)[0]}`);
      expect(refused.snapshots).toHaveLength(0);
      refused.stop();
    }
  });
});

describe('errors of the database and Redis', () => {
  const serialize = loggerOptions('info').serializers!.err as (error: Error) => { message: string };
  const driverError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it('reach the log as their reason only, never the SQL values or the DETAIL line', () => {
    const cases: [string, string][] = [
      // Knex: `<sql with values> - <reason>`, the SQL on one line...
      [`insert into "patients" ("full_name", "phone") values ('Maria Secret', '+5511999990000') - duplicate key value violates unique constraint "patients_phone_unique"`, 'duplicate key value violates unique constraint "patients_phone_unique"'],
      // ...or on several, with values on the first;
      [`select * from patients where full_name ilike '%Maria Secret%'\n   and org_id = 'a' order by 1 - Connection terminated unexpectedly`, 'Connection terminated unexpectedly'],
      // MikroORM appends PostgreSQL's DETAIL, which quotes the row.
      [`insert into "patients" ("phone") values ('+5511999990000') - duplicate key value violates unique constraint "x"\n - detail: Key (phone)=(+5511999990000) already exists.`, 'duplicate key value violates unique constraint "x"'],
      ['Connection terminated unexpectedly', 'Connection terminated unexpectedly'],
    ];
    for (const [message, reason] of cases) {
      const logged = serialize(driverError(message));
      expect(logged.message).toBe(reason);
      expect(JSON.stringify(logged)).not.toMatch(/Maria|999990000/);
    }
  });

  it('answer 503 service_unavailable when the connection died under the query or Redis is gone, else 500', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorsPlugin, { spaFallback: false });
    const failures: Record<string, Error> = {
      terminated: driverError(`select m.org_id, m.role from memberships m\n  where m.user_id = 'x' - Connection terminated unexpectedly`),
      broken: driverError('Client has encountered a connection error and is not queryable'),
      shutdown: driverError('terminating connection due to administrator command', '57P01'),
      classZeroEight: driverError('connection failure', '08006'),
      refused: driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      // A value in the SQL that reads like an outage is not one.
      lookalike: driverError(`update "lab_cases" set "notes" = 'Connection terminated early' - value too long for type character varying(10)`, '22001'),
      bug: driverError(`select x from t - column "x" does not exist`),
      // ioredis giving up on a command (the login throttle while Redis is down).
      redis: Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
    };
    for (const [name, error] of Object.entries(failures)) app.get(`/${name}`, async () => Promise.reject(error));
    const status = async (name: string) => (await app.inject({ method: 'GET', url: `/${name}` })).statusCode;
    for (const name of ['terminated', 'broken', 'shutdown', 'classZeroEight', 'refused']) {
      expect(await status(name), name).toBe(503);
      expect((await app.inject({ method: 'GET', url: `/${name}` })).json()).toEqual({ error: 'service_unavailable', message: 'The database is unavailable; retry in a few seconds' });
    }
    const redis = await app.inject({ method: 'GET', url: '/redis' });
    expect(redis.statusCode).toBe(503);
    expect(redis.json()).toEqual({ error: 'service_unavailable', message: 'A service this needs is unavailable; retry in a few seconds' });
    expect(await status('lookalike')).toBe(500);
    expect(await status('bug')).toBe(500);
    await app.close();
  });
});
