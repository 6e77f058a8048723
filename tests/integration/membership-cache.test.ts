import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { until } from '../helpers/until';

let t: TestApp;
let call: Call;
let uncached: TestApp;
let callUncached: Call;
/** Another process's writes: a connection of its own, outside the app's ORM. */
let elsewhere: pg.Client;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  uncached = await createTestApp({ OUTBOX_LISTEN: 'false' });
  callUncached = caller(uncached.app);
  elsewhere = new pg.Client({ connectionString: t.config.databaseUrl });
  await elsewhere.connect();
});
afterAll(async () => {
  await elsewhere.end();
  await uncached.close();
  await t.close();
});

const staffList = (org: SeededOrg, token: string, via = call) => via({ method: 'GET', url: `/api/v1/orgs/${org.orgId}/staff`, token });

/** How many statements the app sends while `run` runs. */
async function statementsDuring(app: TestApp, run: () => Promise<unknown>): Promise<number> {
  const execute = vi.spyOn(app.orm.em.getConnection(), 'execute');
  try {
    await run();
    return execute.mock.calls.length;
  } finally {
    execute.mockRestore();
  }
}

describe('the access check, remembered per process', () => {
  it('checks a member acting again from memory: one statement fewer per request', async () => {
    /** The statements of a designer's second request in `app` (the first one fills the memory). */
    const secondRequest = async (app: TestApp, via: Call) => {
      const lab = await seedOrg(app.orm, 'lab', ['org_admin', 'designer']);
      const token = (await tokensFor(via, lab)).designer;
      const designers = () => via({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/designers`, token });
      expect((await designers()).statusCode).toBe(200);
      return statementsDuring(app, async () => expect((await designers()).statusCode).toBe(200));
    };
    expect(await secondRequest(t, call)).toBe((await secondRequest(uncached, callUncached)) - 1);
  });

  it('refuses at once a member deactivated through this process', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const tokens = await tokensFor(call, lab);
    const url = `/api/v1/orgs/${lab.orgId}/designers`;
    expect((await call({ method: 'GET', url, token: tokens.designer })).statusCode).toBe(200);
    const left = await call({ method: 'PATCH', url: `/api/v1/orgs/${lab.orgId}/staff/${lab.members.designer.membershipId}`, token: tokens.org_admin, payload: { active: false } });
    expect(left.statusCode).toBe(200);
    // Deactivation ends the member's sessions: their token is refused everywhere, not only in this org.
    expect((await call({ method: 'GET', url, token: tokens.designer })).statusCode).toBe(401);
  });

  it('hears role changes, deactivated users and deactivated orgs made by another process', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const tokens = await tokensFor(call, lab);
    expect((await staffList(lab, tokens.org_admin)).statusCode).toBe(200);
    await elsewhere.query("update memberships set role = 'designer' where id = $1", [lab.members.org_admin.membershipId]);
    await until(async () => (await staffList(lab, tokens.org_admin)).statusCode === 403, 5_000, 'the demoted admin to be refused');

    const designers = (token: string) => call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/designers`, token });
    expect((await designers(tokens.designer)).statusCode).toBe(200);
    await elsewhere.query('update users set active = false where id = $1', [lab.members.designer.userId]);
    await until(async () => (await designers(tokens.designer)).statusCode === 401, 5_000, 'the deactivated user to be refused');

    const other = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, other)).org_admin;
    expect((await staffList(other, admin)).statusCode).toBe(200);
    await elsewhere.query('update orgs set active = false where id = $1', [other.orgId]);
    await until(async () => (await staffList(other, admin)).statusCode === 404, 5_000, 'the deactivated org to be refused');
  });

  it('remembers nothing without LISTEN: a change elsewhere applies to the very next request', async () => {
    const lab = await seedOrg(uncached.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(callUncached, lab)).org_admin;
    expect((await staffList(lab, admin, callUncached)).statusCode).toBe(200);
    const other = new pg.Client({ connectionString: uncached.config.databaseUrl });
    await other.connect();
    await other.query("update memberships set role = 'designer' where id = $1", [lab.members.org_admin.membershipId]);
    await other.end();
    expect((await staffList(lab, admin, callUncached)).statusCode).toBe(403);
  });
});
