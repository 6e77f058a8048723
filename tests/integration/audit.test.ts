import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let admin: string;
let otherAdmin: string;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
  const other = await seedOrg(t.orm, 'lab', ['org_admin']);
  admin = (await tokensFor(call, lab)).org_admin;
  otherAdmin = (await tokensFor(call, other)).org_admin;
  await call({ method: 'PATCH', url: `/api/v1/orgs/${other.orgId}`, token: otherAdmin, payload: { name: 'Other Lab renamed' } });
});
afterAll(() => t.close());

const auditUrl = () => `/api/v1/orgs/${lab.orgId}/audit`;

describe('audit trail', () => {
  it('writes one row per mutation with actor, fields, request id and ip', async () => {
    const hired = await call({
      method: 'POST',
      url: `/api/v1/orgs/${lab.orgId}/staff`,
      token: admin,
      headers: { 'x-request-id': 'req-hire-1' },
      payload: { email: 'new.designer@lab.test', name: 'New Designer', role: 'designer', password: 'Designer-pass-1' },
    });
    expect(hired.statusCode).toBe(201);
    expect(hired.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const trail = await call({ method: 'GET', url: auditUrl(), token: admin, query: { action: 'staff.create' } });
    expect(trail.statusCode).toBe(200);
    expect(trail.json().items).toEqual([
      expect.objectContaining({
        action: 'staff.create',
        entityType: 'Membership',
        entityId: hired.json().member.id,
        actorUserId: lab.members.org_admin.userId,
        actorRole: 'org_admin',
        changedFields: ['role', 'active'],
        // The server's own id, never the one the client sent.
        requestId: hired.headers['x-request-id'],
        ip: '127.0.0.1',
        orgId: lab.orgId,
      }),
    ]);
  });

  it('writes nothing when the mutation is refused', async () => {
    const before = (await call({ method: 'GET', url: auditUrl(), token: admin })).json().items.length;
    const refused = await call({ method: 'PATCH', url: `/api/v1/orgs/${lab.orgId}/staff/${lab.members.org_admin.membershipId}`, token: admin, payload: { active: false } });
    expect(refused.statusCode).toBe(409);
    const after = (await call({ method: 'GET', url: auditUrl(), token: admin })).json().items.length;
    expect(after).toBe(before);
  });

  it('pages newest first with a cursor and filters by entity', async () => {
    for (const name of ['Lab A', 'Lab B', 'Lab C']) await call({ method: 'PATCH', url: `/api/v1/orgs/${lab.orgId}`, token: admin, payload: { name } });
    const first = await call({ method: 'GET', url: auditUrl(), token: admin, query: { entityType: 'Org', limit: '2' } });
    expect(first.json().items).toHaveLength(2);
    expect(first.json().nextCursor).toBeTruthy();
    const second = await call({ method: 'GET', url: auditUrl(), token: admin, query: { entityType: 'Org', limit: '2', cursor: first.json().nextCursor } });
    expect(second.json().items).toHaveLength(1);
    expect(second.json().nextCursor).toBeNull();
    const ids = [...first.json().items, ...second.json().items].map((e: { id: string }) => e.id);
    expect(new Set(ids).size).toBe(3);
    const bad = await call({ method: 'GET', url: auditUrl(), token: admin, query: { cursor: 'garbage' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields[0].field).toBe('query.cursor');
  });

  it('shows only the acting org’s rows', async () => {
    const items = (await call({ method: 'GET', url: auditUrl(), token: admin, query: { limit: '200' } })).json().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((e: { orgId: string }) => e.orgId === lab.orgId)).toBe(true);
  });

  it('is refused to a designer', async () => {
    const designer = (await tokensFor(call, { ...lab, members: { designer: lab.members.designer } as SeededOrg['members'] })).designer;
    expect((await call({ method: 'GET', url: auditUrl(), token: designer })).statusCode).toBe(403);
  });

  it('cannot be updated, deleted or truncated, even by the database owner', async () => {
    const connection = t.orm.em.getConnection();
    await expect(connection.execute("update audit_events set action = 'tampered'")).rejects.toThrow(/append-only/);
    await expect(connection.execute('delete from audit_events')).rejects.toThrow(/append-only/);
    await expect(connection.execute('truncate audit_events')).rejects.toThrow(/append-only/);
    const [{ count }] = await connection.execute<{ count: string }[]>("select count(*) from audit_events where action = 'tampered'");
    expect(Number(count)).toBe(0);
  });
});
