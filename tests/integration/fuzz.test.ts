import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor } from '../helpers/factories';
import { installWriteCounter, type WriteCounter } from '../helpers/write-counter';

/**
 * Drives every route of the OpenAPI document with malformed input: broken JSON, wrong types, huge
 * strings, unicode, negative numbers, path traversal and SQL-looking text. Nothing may answer 500,
 * and nothing refused may write (the write counter's statement-level triggers see every committed
 * write to this file's own database).
 */
let t: TestApp;
let call: Call;
let tokens: { lab: string; clinic: string; platform: string };
let orgIds: { lab: string; clinic: string };
let counter: WriteCounter;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
  const clinic = await seedOrg(t.orm, 'clinic', ['org_admin']);
  const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
  tokens = { lab: (await tokensFor(call, lab)).org_admin, clinic: (await tokensFor(call, clinic)).org_admin, platform: (await tokensFor(call, platform)).super_admin };
  orgIds = { lab: lab.orgId, clinic: clinic.orgId };
  counter = await installWriteCounter(t.orm);
});
afterAll(() => t.close());

const hostile = [
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  "' OR 1=1; DROP TABLE users; --",
  '%00',
  '\u0000',
  '𝕮𝖚𝖘𝖕𝖎𝖉 🦷 ﷽',
  '-1',
  '1e309',
  'x'.repeat(20_000),
  '<script>alert(1)</script>',
  '{"$ne":null}',
];

const wrongValue = fc.oneof(
  fc.constantFrom(...hostile),
  fc.integer({ min: -1e9, max: -1 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom(...hostile), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.constantFrom(...hostile), { maxKeys: 3 }),
);

interface Operation {
  method: string;
  path: string;
  bodyProperties: string[];
  queryParameters: string[];
  multipart: boolean;
}

async function operations(): Promise<Operation[]> {
  const document = (await call({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  const found: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      const schema = content['application/json']?.schema;
      found.push({
        method: method.toUpperCase(),
        path,
        bodyProperties: Object.keys(schema?.properties ?? {}),
        queryParameters: (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name),
        multipart: 'multipart/form-data' in content,
      });
    }
  }
  return found;
}

describe('fuzzing every route', () => {
  it('can see a write happen (the probe the fuzz pass relies on)', async () => {
    const before = await counter.read();
    const response = await call({ method: 'PATCH', url: `/api/v1/orgs/${orgIds.lab}`, token: tokens.lab, payload: { name: 'Renamed lab' } });
    expect(response.statusCode).toBe(200);
    expect(await counter.writtenSince(before)).toContain('orgs');
  });

  it('never answers 500 and never writes on refused input', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(8);
    const failures: string[] = [];
    let tried = 0;
    for (const op of ops) {
      const org = op.path.includes('{orgId}') ? (/(case|attachment|board|remake)/.test(op.path) ? 'lab' : 'clinic') : 'platform';
      const token = tokens[org];
      const samples = fc.sample(
        fc.record({
          param: fc.constantFrom(...hostile, '00000000-0000-0000-0000-000000000000'),
          body: fc.oneof(
            fc.constant('{"unterminated": '),
            fc.constant('not json at all'),
            fc.constant(JSON.stringify(hostile)),
            fc.record(Object.fromEntries((op.bodyProperties.length ? op.bodyProperties : ['x']).map((p) => [p, wrongValue]))).map((b) => JSON.stringify(b)),
          ),
          query: fc.record(Object.fromEntries(op.queryParameters.map((p) => [p, fc.constantFrom(...hostile)])), { requiredKeys: [] }),
        }),
        { numRuns: 6, seed: 20261127 },
      );
      for (const sample of samples) {
        const url = op.path
          .replace('{orgId}', org === 'platform' ? orgIds.lab : orgIds[org])
          .replace(/\{(\w+)\}/g, () => encodeURIComponent(sample.param));
        const before = await counter.read();
        const response = await call({
          method: op.method as 'GET',
          url,
          token,
          query: sample.query as Record<string, string>,
          ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: sample.body, headers: { 'content-type': op.multipart ? 'multipart/form-data; boundary=x' : 'application/json' } }),
        });
        tried++;
        const written = await counter.writtenSince(before);
        if (response.statusCode >= 500) failures.push(`${op.method} ${url.slice(0, 120)} -> ${response.statusCode} ${response.body.slice(0, 200)}`);
        else if (response.statusCode >= 400 && written.length) failures.push(`${op.method} ${url.slice(0, 120)} -> ${response.statusCode} but wrote ${written.join(', ')}`);
      }
    }
    console.info(`fuzz: ${tried} requests over ${ops.length} operations, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 120_000);
});
