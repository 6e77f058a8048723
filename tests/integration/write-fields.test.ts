import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import type { OrgKind } from '../../server/modules/orgs/org.entity';
import { tenantFilter } from '../../server/db/orm';
import { isAllowed } from '../../server/modules/auth/permissions';
import type { DisplayChanges } from '../../server/modules/displays/displays.service';
import { updateDisplay } from '../../server/modules/displays/displays.service';
import type { PatientChanges } from '../../server/modules/patients/patients.service';
import { updatePatient } from '../../server/modules/patients/patients.service';
import type { Access } from '../../server/plugins/auth';
import { closedBodiesPlugin } from '../../server/plugins/closed-bodies';
import type { Scope } from '../../server/shared/scope';
import { serverTimeZone } from '../../server/shared/time-zone';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { installWriteCounter, type WriteCounter } from '../helpers/write-counter';
import { ok, patientPayload } from './clinic-support';

/**
 * Every write names its fields. The walker takes every POST, PUT and PATCH with a JSON body from the
 * OpenAPI document, builds a body its schema accepts, adds every column name of every entity (both
 * spellings, `orgId` and `org_id`) that the body does not document, at every object of the body,
 * and expects a 400 naming exactly those fields and no write to any table, from a caller the route
 * lets in. A new route is walked the day it is added.
 */
let t: TestApp;
let call: Call;
let counter: WriteCounter;
interface Clinic {
  org: SeededOrg;
  tokens: Record<Role, string>;
  url: (path: string) => string;
}
let clinic: Clinic;
let otherClinic: Clinic;

async function seedClinic(): Promise<Clinic> {
  const org = await seedOrg(t.orm, 'clinic', ['org_admin', 'receptionist', 'doctor', 'medical_staff', 'patient']);
  return { org, tokens: await tokensFor(call, org), url: (path) => `/api/v1/orgs/${org.orgId}${path}` };
}

const registerPatient = (c: Clinic) => ok(call({ method: 'POST', url: c.url('/patients'), token: c.tokens.receptionist, payload: patientPayload() }), 201);

interface Member {
  label: string;
  role: Role;
  orgId: string;
  kind: OrgKind;
  token: string | null;
}
let members: Member[];

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  clinic = await seedClinic();
  otherClinic = await seedClinic();
  const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  const labTokens = await tokensFor(call, lab);
  const platformTokens = await tokensFor(call, platform);
  const clinicMember = (role: Role): Member => ({ label: `clinic ${role}`, role, orgId: clinic.org.orgId, kind: 'clinic', token: clinic.tokens[role] });
  const labMember = (role: Role): Member => ({ label: `lab ${role}`, role, orgId: lab.orgId, kind: 'lab', token: labTokens[role] });
  // The admins first, as the brief of each route is written for them; the other roles for routes only they may call.
  members = [
    clinicMember('org_admin'),
    labMember('org_admin'),
    { label: 'platform super_admin', role: 'super_admin', orgId: platform.orgId, kind: 'platform', token: platformTokens.super_admin },
    ...(['receptionist', 'doctor', 'medical_staff', 'patient'] as const).map(clinicMember),
    ...(['designer', 'dentist'] as const).map(labMember),
  ];
  counter = await installWriteCounter(t.orm);
});
afterAll(() => t.close());

// ---- the body sampler --------------------------------------------------------------------------

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
}

const formatted: Record<string, () => string> = {
  uuid: () => randomUUID(),
  date: () => '2031-03-14',
  'date-time': () => '2031-03-14T10:30:00.000Z',
  email: () => 'walker@example.test',
  time: () => '10:30:00',
  uri: () => 'https://example.test/',
};

function sampleString(schema: JsonSchema): string {
  if (schema.format && formatted[schema.format]) return formatted[schema.format]!();
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Infinity;
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : null;
  const fits = (s: string) => s.length >= min && s.length <= max && (!pattern || pattern.test(s));
  const candidates = ['Walker', 'A', 'en', 'x'].map((c) => c.padEnd(Math.max(min, c.length), c.at(-1)));
  const found = candidates.find(fits) ?? (pattern ? fc.sample(fc.stringMatching(pattern), { numRuns: 200, seed: 7 }).find(fits) : undefined);
  if (found === undefined) throw new Error(`the walker cannot make a string for ${JSON.stringify(schema)}`);
  return found;
}

/** A value `schema` accepts: every documented property filled, the first non-null branch of a union. */
function sample(schema: JsonSchema): unknown {
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum.find((v) => v !== null);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return sample(branches.find((b) => b.type !== 'null') ?? branches[0]!);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map(sample));
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sample(property)]));
    case 'array':
      return schema.maxItems === 0 ? [] : Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, () => sample(schema.items ?? {}));
    case 'integer':
    case 'number': {
      const least = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      return schema.maximum !== undefined ? Math.min(least, schema.maximum) : least;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return sampleString(schema);
    default:
      return 'walker';
  }
}

/** Every object of a body where unknown fields can be planted: the body itself and the objects and array items under it. */
function plantSites(schema: JsonSchema, at: (string | number)[] = []): { at: (string | number)[]; documented: Set<string> }[] {
  const sites: { at: (string | number)[]; documented: Set<string> }[] = [];
  const isObject = schema.type === 'object' || schema.properties !== undefined;
  // A record's keys are its data (patternProperties, or a schema for additionalProperties in OpenAPI 3.0): nothing there is undocumented.
  const isRecord = schema.patternProperties !== undefined || typeof schema.additionalProperties === 'object';
  if (isObject && !isRecord) {
    sites.push({ at, documented: new Set(Object.keys(schema.properties ?? {})) });
    for (const [name, property] of Object.entries(schema.properties ?? {})) sites.push(...plantSites(property, [...at, name]));
  }
  if (schema.type === 'array' && schema.items && schema.maxItems !== 0) sites.push(...plantSites(schema.items, [...at, 0]));
  return sites;
}

function objectAt(body: unknown, at: (string | number)[]): Record<string, unknown> {
  return at.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], body) as Record<string, unknown>;
}

// ---- the columns an attacker would try ---------------------------------------------------------

/** Every property of every entity, under both its names, with a value an attacker would send. */
function entityColumns(targetOrgId: string): Map<string, unknown> {
  const attack: Record<string, unknown> = { kind: 'platform', role: 'super_admin', staffLimits: { doctor: 10_000 }, status: 'completed', active: true };
  const columns = new Map<string, unknown>();
  for (const meta of t.orm.getMetadata().getAll().values()) {
    for (const prop of meta.props) {
      const value =
        prop.name in attack
          ? attack[prop.name]
          : prop.kind === 'm:1' || prop.type === 'uuid' || /Id$/.test(prop.name)
            ? targetOrgId
            : prop.runtimeType === 'Date'
              ? '2000-01-01T00:00:00.000Z'
              : prop.runtimeType === 'number'
                ? 999
                : prop.runtimeType === 'boolean'
                  ? false
                  : prop.runtimeType === 'string'
                    ? 'planted'
                    : {};
      for (const name of [prop.name, ...(prop.fieldNames ?? [])]) if (!columns.has(name)) columns.set(name, value);
    }
  }
  return columns;
}

// ---- the routes --------------------------------------------------------------------------------

interface WriteRoute {
  method: string;
  path: string;
  body: JsonSchema;
  pathParams: { name: string; schema: JsonSchema }[];
  query: { name: string; schema: JsonSchema }[];
  access: Access;
}

async function writeRoutes(): Promise<WriteRoute[]> {
  const document = (await call({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  const accessOf = new Map(t.app.routeAccess.map((r) => [`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.access]));
  const routes: WriteRoute[] = [];
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(operations)) {
      const body = op.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
      if (!['post', 'put', 'patch'].includes(method) || !body) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const access = accessOf.get(key);
      if (!access) throw new Error(`${key} is in the OpenAPI document but declares no access`);
      const parameters = (op.parameters ?? []) as { in: string; name: string; required?: boolean; schema: JsonSchema }[];
      routes.push({
        method: method.toUpperCase(),
        path,
        body,
        pathParams: parameters.filter((p) => p.in === 'path'),
        query: parameters.filter((p) => p.in === 'query' && p.required),
        access,
      });
    }
  }
  return routes;
}

/** The members the route's declared access lets in, the admins first; nobody's token for a public route. */
function callersOf(access: Access): Member[] {
  if (access === 'public') return [{ label: 'anonymous', role: 'patient', orgId: clinic.org.orgId, kind: 'clinic', token: null }];
  if (access === 'user') return members;
  return members.filter((m) => isAllowed(m.role, access.permission, m.kind));
}

function urlFor(route: WriteRoute, member: Member): string {
  const path = route.pathParams.reduce(
    (url, p) => url.replace(`{${p.name}}`, encodeURIComponent(p.name === 'orgId' ? member.orgId : String(sample(p.schema)))),
    route.path,
  );
  const query = new URLSearchParams(route.query.map((q) => [q.name, String(sample(q.schema))]));
  return query.size ? `${path}?${query}` : path;
}

/** Refusals of the caller rather than of the body: try the route's next allowed caller. */
const refusedCaller = (status: number) => status === 401 || status === 403 || status === 404;

describe('every write route refuses fields it does not document', () => {
  it('answers 400 naming each planted column, at every level of every body, and writes nothing', async () => {
    const routes = await writeRoutes();
    expect(routes.length).toBeGreaterThan(25);
    const columns = entityColumns(otherClinic.org.orgId);
    const failures: string[] = [];
    let fieldsTried = 0;
    let requests = 0;
    let serverErrors = 0;
    const send = async (route: WriteRoute, member: Member, payload: unknown) => {
      requests++;
      const response = await call({ method: route.method as 'POST', url: urlFor(route, member), token: member.token ?? undefined, payload: payload as object });
      if (response.statusCode >= 500) serverErrors++;
      return response;
    };

    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      let valid: unknown;
      try {
        valid = sample(route.body);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
        continue;
      }
      const sites = plantSites(route.body);
      if (!sites.length) {
        failures.push(`${name}: the body has no object to plant fields in`);
        continue;
      }
      const plants = sites.flatMap((site) => [...columns].filter(([column]) => !site.documented.has(column)).map(([column, value]) => ({ ...site, column, value })));
      const fieldOf = (plant: (typeof plants)[number]) => [...plant.at, plant.column].join('.');
      fieldsTried += plants.length;

      // Every column at once, from the first allowed caller the route lets through to its body.
      const everything = structuredClone(valid);
      for (const plant of plants) objectAt(everything, plant.at)[plant.column] = plant.value;
      let member: Member | undefined;
      let response;
      for (const candidate of callersOf(route.access)) {
        const before = await counter.read();
        response = await send(route, candidate, everything);
        const written = await counter.writtenSince(before);
        if (written.length) failures.push(`${name} as ${candidate.label}: answered ${response.statusCode} and wrote ${written.join(', ')}`);
        member = candidate;
        if (!refusedCaller(response.statusCode)) break;
      }
      if (!member || !response) {
        failures.push(`${name}: no seeded member may call it`);
        continue;
      }
      const answer = response.json() as { error?: string; fields?: { field: string }[] };
      if (response.statusCode !== 400 || answer.error !== 'validation_failed') {
        failures.push(`${name} as ${member.label}: answered ${response.statusCode} ${response.body.slice(0, 200)}`);
        continue;
      }
      const named = (answer.fields ?? []).map((f) => f.field).sort();
      const expected = plants.map(fieldOf).sort();
      if (named.join() !== expected.join()) {
        const missing = expected.filter((f) => !named.includes(f));
        const unexpected = named.filter((f) => !expected.includes(f));
        failures.push(`${name} as ${member.label}: did not name ${missing.slice(0, 10).join(', ') || '-'}; named besides ${unexpected.slice(0, 10).join(', ') || '-'}`);
      }

      // Then each column alone beside the valid body: one unknown field is enough to refuse it.
      const before = await counter.read();
      for (const plant of plants) {
        const one = structuredClone(valid);
        objectAt(one, plant.at)[plant.column] = plant.value;
        const single = await send(route, member, one);
        const fields = single.statusCode === 400 ? ((single.json() as { fields?: { field: string }[] }).fields ?? []).map((f) => f.field) : [];
        if (fields.join() !== fieldOf(plant)) failures.push(`${name} with ${fieldOf(plant)} alone: answered ${single.statusCode} ${single.body.slice(0, 160)}`);
      }
      const written = await counter.writtenSince(before);
      if (written.length) failures.push(`${name}: single planted fields wrote ${written.join(', ')}`);
    }

    console.info(`write-fields: ${routes.length} routes walked, ${fieldsTried} fields tried, ${requests} requests, ${serverErrors} 5xx`);
    expect(failures).toEqual([]);
    expect(serverErrors).toBe(0);
  }, 240_000);
});

// ---- the attacks of the security review, by hand ------------------------------------------------

async function row<T>(sql: string, params: unknown[]): Promise<T> {
  const [found] = await t.orm.em.fork().getConnection().execute<T[]>(sql, params);
  return found!;
}

describe('the reported mass assignments', () => {
  it('refuses to move a display to another org, and the display stays where it was', async () => {
    const display = await ok(call({ method: 'POST', url: clinic.url('/displays'), token: clinic.tokens.org_admin, payload: { name: 'Lobby' } }), 201);
    const before = await row<Record<string, unknown>>('select org_id, name, token_hash, active from displays where id = ?', [display.id]);
    const response = await call({
      method: 'PATCH',
      url: clinic.url(`/displays/${display.id}`),
      token: clinic.tokens.org_admin,
      payload: { name: 'Moved', orgId: otherClinic.org.orgId, tokenHash: 'x'.repeat(64) },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['orgId', 'tokenHash']);
    expect(await row('select org_id, name, token_hash, active from displays where id = ?', [display.id])).toEqual(before);
    // The other clinic's admin cannot see it either.
    expect((await call({ method: 'GET', url: otherClinic.url('/displays'), token: otherClinic.tokens.org_admin })).json()).toEqual([]);
  });

  it("refuses a receptionist's orgId, deletedAt and recordNumber on a patient, and the record is unchanged", async () => {
    const patient = await registerPatient(clinic);
    const columns = 'org_id, record_number, deleted_at, full_name, version';
    const before = await row<Record<string, unknown>>(`select ${columns} from patients where id = ?`, [patient.id]);
    for (const [field, value] of [
      ['orgId', otherClinic.org.orgId],
      ['deletedAt', new Date().toISOString()],
      ['recordNumber', 'P-99999'],
    ] as const) {
      const response = await call({
        method: 'PATCH',
        url: clinic.url(`/patients/${patient.id}`),
        token: clinic.tokens.receptionist,
        payload: { fullName: 'Renamed by the attack', version: patient.version, [field]: value },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', fields: [{ field }] });
    }
    expect(await row(`select ${columns} from patients where id = ?`, [patient.id])).toEqual(before);
    expect((await call({ method: 'GET', url: clinic.url(`/patients/${patient.id}`), token: clinic.tokens.receptionist })).statusCode).toBe(200);
  });

  it('refuses a patient registered straight into another org or with a chosen record number, and creates none', async () => {
    const count = () => row<{ n: string }>('select count(*) as n from patients', []);
    const before = await count();
    const response = await call({
      method: 'POST',
      url: clinic.url('/patients'),
      token: clinic.tokens.receptionist,
      payload: { fullName: 'Planted Patient', dateOfBirth: '1990-01-01', gender: 'female', phone: '+5511912340000', orgId: otherClinic.org.orgId, recordNumber: 'P-00001', userId: clinic.org.members.org_admin.userId },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['orgId', 'recordNumber', 'userId']);
    expect(await count()).toEqual(before);
  });
});

describe('services copy only the fields they name', () => {
  const scopeOf = (c: Clinic, role: Role): Scope => {
    const em = t.orm.em.fork();
    em.setFilterParams(tenantFilter, { orgId: c.org.orgId });
    return { em, caller: { userId: c.org.members[role].userId, orgId: c.org.orgId, role, timeZone: serverTimeZone, requestId: randomUUID(), ip: '127.0.0.1' } };
  };

  it('updateDisplay ignores an org id smuggled past the schema', async () => {
    const display = await ok(call({ method: 'POST', url: clinic.url('/displays'), token: clinic.tokens.org_admin, payload: { name: 'Hall' } }), 201);
    const smuggled = { name: 'Hall 2', orgId: otherClinic.org.orgId } as DisplayChanges;
    expect((await updateDisplay(scopeOf(clinic, 'org_admin'), display.id, smuggled)).name).toBe('Hall 2');
    expect(await row('select org_id, name from displays where id = ?', [display.id])).toEqual({ org_id: clinic.org.orgId, name: 'Hall 2' });
  });

  it('updatePatient ignores an org id, a deletion mark and a record number smuggled past the schema', async () => {
    const patient = await registerPatient(clinic);
    const smuggled = { fullName: 'Ana Lima', orgId: otherClinic.org.orgId, deletedAt: new Date(), recordNumber: 'P-99999', userId: randomUUID() } as PatientChanges;
    expect((await updatePatient(scopeOf(clinic, 'receptionist'), patient.id, smuggled)).fullName).toBe('Ana Lima');
    expect(await row('select org_id, record_number, deleted_at, user_id from patients where id = ?', [patient.id])).toEqual({
      org_id: clinic.org.orgId,
      record_number: patient.recordNumber,
      deleted_at: null,
      user_id: null,
    });
  });
});

describe(closedBodiesPlugin.name, () => {
  const boot = async (body: unknown) => {
    const app = Fastify();
    await app.register(closedBodiesPlugin);
    app.post('/x', { schema: { body } }, async () => ({}));
    try {
      await app.ready();
    } finally {
      await app.close();
    }
  };

  it('refuses to start with a body that accepts unknown fields, at any depth', async () => {
    await expect(boot(Type.Object({ name: Type.String() }))).rejects.toThrow(/POST \/x: .*closed.* at \(body\)/);
    await expect(boot(Type.Object({ admin: Type.Object({ email: Type.String() }) }, { additionalProperties: false }))).rejects.toThrow(/at \.admin/);
    await expect(boot(Type.Object({ items: Type.Array(Type.Object({ id: Type.String() })) }, { additionalProperties: false }))).rejects.toThrow(/at \.items\[\]/);
    await expect(boot(Type.Object({ x: Type.Union([Type.Null(), Type.Object({ y: Type.String() })]) }, { additionalProperties: false }))).rejects.toThrow(/at \.x<anyOf\.1>/);
    await expect(boot(Type.Object({ limits: Type.Record(Type.String(), Type.Integer()) }, { additionalProperties: false }))).rejects.toThrow(/at \.limits/);
  });

  it('starts with bodies closed everywhere', async () => {
    await expect(
      boot(
        Type.Object(
          {
            admin: Type.Object({ email: Type.String() }, { additionalProperties: false }),
            items: Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: false })),
            limits: Type.Record(Type.String(), Type.Integer(), { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
      ),
    ).resolves.toBeUndefined();
  });
});
