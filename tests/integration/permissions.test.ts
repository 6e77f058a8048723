import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import type { OrgKind } from '../../server/modules/orgs/org.entity';
import { isAllowed } from '../../server/modules/auth/permissions';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';

let t: TestApp;
let call: Call;
const orgs: { kind: OrgKind; org: SeededOrg; tokens: Record<Role, string> }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  for (const [kind, roles] of [
    ['platform', ['super_admin']],
    ['lab', ['org_admin', 'designer', 'dentist']],
    ['clinic', ['org_admin', 'doctor', 'receptionist', 'medical_staff', 'patient']],
  ] as const) {
    const org = await seedOrg(t.orm, kind, [...roles]);
    orgs.push({ kind, org, tokens: await tokensFor(call, org) });
  }
});
afterAll(() => t.close());

function fill(url: string, orgId: string): string {
  return url.replace(':orgId', orgId).replace(/:[A-Za-z]+/g, () => randomUUID());
}

describe('the permission table', () => {
  it('is obeyed by every route for every role', async () => {
    const guarded = t.app.routeAccess.filter((r) => typeof r.access === 'object');
    expect(guarded.length).toBeGreaterThan(5);
    const mismatches: string[] = [];
    for (const route of guarded) {
      const action = (route.access as { permission: Parameters<typeof isAllowed>[1] }).permission;
      for (const { kind, org, tokens } of orgs) {
        for (const [role, token] of Object.entries(tokens) as [Role, string][]) {
          const response = await call({ method: route.method as 'GET', url: fill(route.url, org.orgId), token, payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });
          const refused = response.statusCode === 403;
          const allowed = isAllowed(role, action, kind);
          if (allowed === refused || [401, 500].includes(response.statusCode)) {
            mismatches.push(`${route.method} ${route.url} as ${role}: ${response.statusCode} (table says ${allowed ? 'allow' : 'deny'})`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps each kind of org to its own actions: a lab has no patients or waiting room, a clinic no case board', async () => {
    const [, lab, clinic] = orgs;
    const labAdmin = lab!.tokens.org_admin;
    const clinicAdmin = clinic!.tokens.org_admin;
    const refusals = [
      await call({ method: 'POST', url: `/api/v1/orgs/${lab!.org.orgId}/displays`, token: labAdmin, payload: { name: 'Lab lobby' } }),
      await call({ method: 'GET', url: `/api/v1/orgs/${lab!.org.orgId}/patients`, token: labAdmin }),
      await call({ method: 'GET', url: `/api/v1/orgs/${clinic!.org.orgId}/board`, token: clinicAdmin }),
      await call({ method: 'GET', url: `/api/v1/orgs/${clinic!.org.orgId}/cases`, token: clinicAdmin }),
    ];
    expect(refusals.map((r) => r.statusCode)).toEqual([403, 403, 403, 403]);
    const [displays] = await t.orm.em.getConnection().execute<{ count: string }[]>('select count(*) from displays where org_id = ?', [lab!.org.orgId]);
    expect(Number(displays!.count)).toBe(0);
  });

  it('answers 401 on every guarded route without a token', async () => {
    for (const route of t.app.routeAccess.filter((r) => r.access !== 'public')) {
      const response = await call({ method: route.method as 'GET', url: fill(route.url, orgs[1]!.org.orgId) });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('answers 404 when a member of one org names another org', async () => {
    const lab = orgs[1]!;
    const clinic = orgs[2]!;
    const response = await call({ method: 'GET', url: `/api/v1/orgs/${clinic.org.orgId}/staff`, token: lab.tokens.org_admin });
    expect(response.statusCode).toBe(404);
    const junk = await call({ method: 'GET', url: '/api/v1/orgs/not-a-uuid/staff', token: lab.tokens.org_admin });
    expect(junk.statusCode).toBe(404);
  });
});
