import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { installWriteCounter, type WriteCounter } from '../helpers/write-counter';
import { ok, patientPayload } from './clinic-support';

/**
 * Input that used to answer 500: forged page cursors, JSON nested deeper than the stack, a
 * multipart upload cut off before its end, wrong-typed fields a body never named. Each answers 400
 * naming the field, and writes nothing.
 */
let t: TestApp;
let call: Call;
let counter: WriteCounter;
let lab: SeededOrg;
let clinic: SeededOrg;
let labTokens: Record<Role, string>;
let clinicTokens: Record<Role, string>;
let caseId: string;

const labUrl = (path: string) => `/api/v1/orgs/${lab.orgId}${path}`;
const clinicUrl = (path: string) => `/api/v1/orgs/${clinic.orgId}${path}`;
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const fieldsOf = (body: string) => (JSON.parse(body) as { fields?: { field: string; message: string }[] }).fields ?? [];

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
  clinic = await seedOrg(t.orm, 'clinic', ['org_admin', 'receptionist']);
  labTokens = await tokensFor(call, lab);
  clinicTokens = await tokensFor(call, clinic);
  const created = await ok(
    call({ method: 'POST', url: labUrl('/cases'), token: labTokens.org_admin, payload: { patientName: 'Aiko Tanaka', material: 'Zirconia', caseType: 'Crown', dueDate: addDays(localToday(serverTimeZone), 10) } }),
    201,
  );
  caseId = created.id;
  counter = await installWriteCounter(t.orm);
});
afterAll(() => t.close());

describe('page cursors', () => {
  const someId = '00000000-0000-4000-8000-000000000000';

  it('answers 400 naming query.cursor for the audit trail, the case list and the patient search', async () => {
    const lists = [
      { url: labUrl('/audit'), token: labTokens.org_admin, parts: ['2026-01-01T00:00:00.000Z', someId], badFirst: ['2026-13-45T00:00:00.000Z', '275760-09-13T00:00:00.000Z', 'yesterday'] },
      { url: labUrl('/cases'), token: labTokens.org_admin, parts: ['2026-01-01', someId], badFirst: ['2026-13-45', '2026-02-30', '0000-00-00'] },
      { url: clinicUrl('/patients'), token: clinicTokens.receptionist, parts: [someId], badFirst: [] },
    ];
    for (const list of lists) {
      const withId = (id: string) => cursorOf([...list.parts.slice(0, -1), id].join('|'));
      const cursors = [
        withId('not-a-uuid'),
        withId('-'.repeat(36)),
        cursorOf([...list.parts, 'x'].join('|')),
        cursorOf('garbage'),
        Buffer.from([0xff, 0xfe, 0x00, 0x7c, 0x80]).toString('base64url'),
        ...list.badFirst.map((bad) => cursorOf([bad, ...list.parts.slice(1)].join('|'))),
      ];
      for (const cursor of cursors) {
        const response = await call({ method: 'GET', url: list.url, token: list.token, query: { cursor } });
        expect(response.statusCode, `${list.url} ${Buffer.from(cursor, 'base64url').toString()}: ${response.body}`).toBe(400);
        expect(fieldsOf(response.body)).toEqual([{ field: 'query.cursor', message: 'is not a cursor this API gave' }]);
      }
    }
  });

  it('still pages with the cursors it gives', async () => {
    for (let i = 0; i < 3; i++) await ok(call({ method: 'PATCH', url: labUrl(`/cases/${caseId}`), token: labTokens.org_admin, payload: { version: i + 1, notes: `note ${i}` } }));
    const first = await ok(call({ method: 'GET', url: labUrl('/audit'), token: labTokens.org_admin, query: { limit: '2' } }));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await ok(call({ method: 'GET', url: labUrl('/audit'), token: labTokens.org_admin, query: { limit: '2', cursor: first.nextCursor } }));
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items.map((e: { id: string }) => e.id)).not.toContain(first.items[0].id);
  });
});

describe('deeply nested JSON', () => {
  const login = (payload: string) => call({ method: 'POST', url: '/api/v1/auth/login', payload, headers: { 'content-type': 'application/json' } });

  it('refuses 20,000 levels as a 400 on the body, before anything walks it', async () => {
    for (const deep of ['['.repeat(20_000) + ']'.repeat(20_000), `{"email":"a@example.test","password":"x","z":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`]) {
      const response = await login(deep);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', fields: [{ field: '(root)', message: expect.stringMatching(/nested too deeply/) }] });
    }
  });

  it('counts only real nesting: brackets inside strings, and 64 levels, are fine', async () => {
    const bracketsInText = await login(JSON.stringify({ email: `${'['.repeat(5000)}@example.test`, password: '{'.repeat(5000) }));
    expect(bracketsInText.statusCode, bracketsInText.body).toBe(400);
    expect(fieldsOf(bracketsInText.body).map((f) => f.field)).toEqual(['email', 'password']);
    const sixtyFour = `{"email":"a@example.test","password":"x","z":${'['.repeat(63)}${']'.repeat(63)}}`;
    const response = await login(sixtyFour);
    expect(response.statusCode, response.body).toBe(400);
    expect(fieldsOf(response.body).map((f) => f.field)).toEqual(['z']);
  });

  it('names a NUL character however deep the client put it, without recursion', async () => {
    const nested = JSON.parse(`${'{"a":'.repeat(60)}"x\\u0000"${'}'.repeat(60)}`);
    const response = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@example.test', password: 'x', nested } });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual([{ field: `nested.${Array(60).fill('a').join('.')}`, message: 'must not contain NUL characters' }]);
  });

  it("keeps Fastify's own JSON guards: prototype poisoning, an empty body and the size limit", async () => {
    const refusal = async (payload: string) => {
      const response = await login(payload);
      return { status: response.statusCode, error: response.json().error };
    };
    // Refused by the parser itself, not merely as unknown fields by validation.
    expect(await refusal('{"email":"a@example.test","password":"x","__proto__":{"admin":true}}')).toEqual({ status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    expect(await refusal('{"email":"a@example.test","password":"x","constructor":{"prototype":{"admin":true}}}')).toEqual({ status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    expect(await refusal('{"email":')).toEqual({ status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    expect(await refusal('')).toEqual({ status: 400, error: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
    expect(await refusal(`{"email":"a@example.test","password":"${'x'.repeat(1024 * 1024)}"}`)).toEqual({ status: 413, error: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });
});

describe('a multipart upload cut short', () => {
  const upload = (body: string) =>
    call({ method: 'POST', url: labUrl(`/cases/${caseId}/attachments`), token: labTokens.designer, payload: body, headers: { 'content-type': 'multipart/form-data; boundary=XB' } });
  const part = '--XB\r\nContent-Disposition: form-data; name="file"; filename="crown.stl"\r\nContent-Type: application/octet-stream\r\n\r\n';
  const stl = 'solid crown_11\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n    endloop\n  endfacet\nendsolid crown_11\n';

  function storedFiles(): string[] {
    const dir = t.config.storageDir;
    return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
  }

  it('answers 400 wherever the body stops, and keeps no file and no row', async () => {
    const before = await counter.read();
    for (const body of [part + stl, part + stl.slice(0, 20), part.slice(0, 40), '--XB\r\n', `${part}${stl}\r\n--X`]) {
      const response = await upload(body);
      expect(response.statusCode, `${JSON.stringify(body.slice(-20))}: ${response.body}`).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', fields: [{ field: '(root)' }] });
    }
    expect(await counter.writtenSince(before)).toEqual([]);
    expect(storedFiles()).toEqual([]);
  });

  it('still stores the same file when the body ends properly', async () => {
    const response = await upload(`${part}${stl}\r\n--XB--\r\n`);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ kind: 'stl', originalName: 'crown.stl', size: stl.length });
  });
});

describe('wrong-typed and unknown fields on updates', () => {
  it('answers 400 naming the field and commits nothing', async () => {
    const display = await ok(call({ method: 'POST', url: clinicUrl('/displays'), token: clinicTokens.org_admin, payload: { name: 'Lobby' } }), 201);
    const patient = await ok(call({ method: 'POST', url: clinicUrl('/patients'), token: clinicTokens.receptionist, payload: patientPayload() }), 201);
    const cases: { url: string; token: string; payload: Record<string, unknown>; field: string }[] = [
      { url: clinicUrl(`/displays/${display.id}`), token: clinicTokens.org_admin, payload: { name: 'Hall', orgId: 'not-a-uuid' }, field: 'orgId' },
      { url: clinicUrl(`/displays/${display.id}`), token: clinicTokens.org_admin, payload: { professionalIds: 'x' }, field: 'professionalIds.0' },
      { url: clinicUrl(`/displays/${display.id}`), token: clinicTokens.org_admin, payload: { active: 'sometimes' }, field: 'active' },
      { url: clinicUrl(`/patients/${patient.id}`), token: clinicTokens.receptionist, payload: { fullName: 'Ana', deletedAt: 'x' }, field: 'deletedAt' },
      { url: clinicUrl(`/patients/${patient.id}`), token: clinicTokens.receptionist, payload: { version: 'one' }, field: 'version' },
      { url: clinicUrl(`/patients/${patient.id}`), token: clinicTokens.receptionist, payload: { consentEmail: 'maybe' }, field: 'consentEmail' },
      { url: labUrl(`/cases/${caseId}`), token: labTokens.org_admin, payload: { version: 1, notes: 'x', redoCount: 'x' }, field: 'redoCount' },
      { url: labUrl(`/cases/${caseId}`), token: labTokens.org_admin, payload: { version: 1, dueDate: 'soon' }, field: 'dueDate' },
    ];
    for (const { url, token, payload, field } of cases) {
      const before = await counter.read();
      const response = await call({ method: 'PATCH', url, token, payload });
      expect(response.statusCode, `${url} ${JSON.stringify(payload)}: ${response.body}`).toBe(400);
      expect(fieldsOf(response.body).map((f) => f.field)).toContain(field);
      expect(await counter.writtenSince(before)).toEqual([]);
    }
  });
});
