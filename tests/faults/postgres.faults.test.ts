import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../server/db/orm';
import { seedOrg, testPassword, type SeededOrg } from '../helpers/factories';
import { watch } from '../helpers/live';
import { testRedisUrl } from '../helpers/test-app';
import { freshDatabase, postgresOutage, spawnServer, until, type PostgresOutage, type ServerProcess } from './support';

/**
 * Issue 9: "PostgreSQL restarted -> requests answer 503 with a clear body during the outage and the
 * server recovers by itself." A real server process (`server/main.ts`, with its outbox dispatcher
 * and workers) loses PostgreSQL: as root with pg_ctlcluster (CI) the cluster itself is stopped and
 * started; otherwise, or with CUSPID_FAULTS_PG=proxy, a TCP proxy between the server and PostgreSQL
 * is cut. Either way PostgreSQL is running again when this file ends.
 */
let outage: PostgresOutage;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: ServerProcess;
let lab: SeededOrg;
let token: string;

const dueIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

beforeAll(async () => {
  outage = await postgresOutage();
  db = await freshDatabase();
  const orm = await openOrm(db.url, 1);
  lab = await seedOrg(orm, 'lab', ['org_admin', 'designer']);
  await orm.close();
  server = await spawnServer({
    DATABASE_URL: outage.appUrl(db.url),
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `test:${db.name}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    STORAGE_DIR: `/tmp/cuspid-test-storage/${db.name}`,
  });
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: lab.members.org_admin.email, password: testPassword }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
});
afterAll(async () => {
  // PostgreSQL first: whatever failed above, the cluster must be up for everything after this file.
  await outage?.close();
  await server?.stop();
  await db?.drop();
});

describe(`PostgreSQL taken away from a running server`, () => {
  it('answers 503 service_unavailable while it is gone, and recovers by itself when it is back', async () => {
    const casesPath = `/api/v1/orgs/${lab.orgId}/cases`;
    const newCase = (name: string) => ({ patientName: name, material: 'Zirconia', caseType: 'Crown', dueDate: dueIn(5) });
    expect((await api('POST', casesPath, newCase('Before Outage'))).status).toBe(201);
    const board = watch(server.url, { token }, { kind: 'lab-board', orgId: lab.orgId });
    await board.waitForSnapshot();

    await outage.stop();
    const statuses = new Map<number, number>();
    const bodies: Record<string, unknown>[] = [];
    const deadline = Date.now() + 4000;
    let tried = 0;
    while (Date.now() < deadline) {
      for (const [method, path, body] of [
        ['GET', casesPath, undefined],
        ['POST', casesPath, newCase('During Outage')],
        ['GET', `/api/v1/orgs/${lab.orgId}/board`, undefined],
        ['GET', '/api/v1/auth/me', undefined],
      ] as const) {
        const answer = await api(method, path, body);
        tried++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        bodies.push(answer.body);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const readiness = await fetch(`${server.url}/api/v1/health`);
    const liveness = await fetch(`${server.url}/health`);
    const stoppedFor = Date.now();
    await outage.start();
    const restartedAt = Date.now();

    expect(Object.fromEntries(statuses)).toEqual({ 503: tried });
    for (const body of bodies) {
      expect(body).toEqual({ error: 'service_unavailable', message: 'The database is unavailable; retry in a few seconds' });
    }
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: 'degraded', postgres: { ok: false }, redis: { ok: true } });
    expect(liveness.status).toBe(200);

    // Back by itself: no restart of the server process, the first requests may still find dead connections.
    let recovered = 0;
    const during: number[] = [];
    await until(async () => {
      const answer = await api('GET', casesPath);
      during.push(answer.status);
      if (answer.status === 200) recovered = Date.now();
      return answer.status === 200;
    }, 30_000, 'the API to answer again');
    expect(during.every((status) => status === 200 || status === 503)).toBe(true);
    const created = await api('POST', casesPath, newCase('After Outage'));
    expect(created.status).toBe(201);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    // The outbox dispatcher (and its LISTEN) recovered too: the change reaches the live board.
    await until(() => board.events.some((e) => e.payload.caseId === created.body.id), 20_000, 'the new case on the live board');
    const [list] = [await api('GET', `${casesPath}?limit=50`)];
    const names = (list.body.items as { patientName: string }[]).map((c) => c.patientName).sort();
    // Nothing written during the outage, nothing lost around it.
    expect(names).toEqual(['After Outage', 'Before Outage']);
    console.info(
      `faults/postgres (${outage.mode}): ${tried} requests during a ${((stoppedFor - (deadline - 4000)) / 1000).toFixed(1)} s outage, ` +
        `all 503 service_unavailable, 0 other 5xx; recovered ${((recovered - restartedAt) / 1000).toFixed(1)} s after PostgreSQL accepted connections again, ` +
        `${during.filter((s) => s === 503).length} more 503s on the way; live board caught the next change`,
    );
    board.stop();
  });
});
