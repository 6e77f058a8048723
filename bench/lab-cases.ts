/**
 * Lab cases at scale: loads 100k cases into a fresh database (multi-row INSERTs through the pg
 * driver, not the ORM), starts the real app on a port and measures through HTTP:
 * - search latency (p50/p99) over a mix of patient, dentist, account, case number and notes queries;
 * - board snapshot latency (p50/p99), unfiltered and filtered by designer;
 * - transitions per second (case.assignDesigner on distinct New cases, each at its version).
 *
 *   node --import tsx bench/lab-cases.ts
 *
 * Env: BENCH_ADMIN_URL (a database the bench may create databases from; default the test cluster),
 * REDIS_URL, BENCH_CASES (100000), BENCH_SECONDS per latency run (10), BENCH_CONNECTIONS (10),
 * BENCH_TRANSITIONS (4000), BENCH_KEEP_DB=1 to keep the database. Writes bench/results/lab-cases.json.
 */
import autocannon from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { buildApp } from '../server/app';
import { openQueues } from '../server/queues';
import { loadConfig } from '../server/config';
import { migrate, openOrm } from '../server/db/orm';
import { hashPassword } from '../server/modules/auth/password';

const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const caseCount = Number(process.env.BENCH_CASES ?? 100_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const transitionCount = Number(process.env.BENCH_TRANSITIONS ?? 4_000);
const password = 'Bench-lab-cases-1';
const here = dirname(fileURLToPath(import.meta.url));

const databaseName = `cuspid_bench_lab_cases_${process.pid}`;
const databaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

// A deterministic generator, so two runs load the same lab.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const firstNames = ['Maria', 'Thomas', 'Aiko', 'Samuel', 'Lucia', 'James', 'Fatima', 'Peter', 'Grace', 'Daniel', 'Olga', 'Ahmed', 'Emily', 'Noah', 'Sofia', 'Marcus', 'Isabel', 'Hiroshi', 'Chloe', 'Ravi', 'Anna', 'Kwame', 'Elena', 'Liam', 'Yara', 'Jonas', 'Priya', 'Mateo', 'Ingrid', 'Omar'];
const lastNames = ['Gonzalez', 'Becker', 'Tanaka', 'Okoro', 'Romano', 'Connor', 'Al-Sayed', 'Novak', 'Mensah', 'Kim', 'Petrova', 'Hassan', 'Clarke', 'Williams', 'Lindqvist', 'Brown', 'Costa', 'Sato', 'Martin', 'Patel', 'Schmidt', 'Asante', 'Popescu', 'Murphy', 'Haddad', 'Nielsen', 'Iyer', 'Fernandez', 'Berg', 'Khalil', 'Kowalska', 'Dubois', 'Rossi', 'Yilmaz', 'Andersson', 'Moreau', 'Silva', 'Nakamura', 'Wagner', 'Horvat'];
const materials = ['Zirconia', 'Emax', 'PMMA', 'PFM', 'Gold', 'Cobalt-chrome', 'Clear aligner'];
const caseTypes = ['Crown', 'Bridge', 'Veneer', 'Implant crown', 'Inlay', 'Onlay', 'Night guard', 'Surgical guide', 'Aligner'];
const shades = ['A1', 'A2', 'A3', 'A3.5', 'B1', 'B2', 'C1', 'D2'];
const teeth = ['11', '12', '13', '14', '15', '16', '17', '21', '22', '23', '24', '25', '26', '27', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '47'];
const notes = ['Match adjacent teeth', 'Screw-retained on Straumann BLT', 'Patient bruxes, full contour', 'Thin margins, handle with care', 'Rush: wedding on Saturday', 'Shade photo attached', null, null, null];
const partners = ['Precision Milling Partners', 'Northside Dental Studio'];

/** Where 100k cases of a busy lab sit: most are delivered history, a working set is open. */
const statusMix: [number, string, string][] = [
  [0.08, 'new', 'not_shipped'],
  [0.1, 'in_progress', 'not_shipped'],
  [0.05, 'pending_approval', 'not_shipped'],
  [0.02, 'sent_to_outsource', 'not_shipped'],
  [0.04, 'completed', 'not_shipped'],
  [0.03, 'completed', 'shipped'],
  [0.68, 'completed', 'delivered'],
];

function day(offset: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

interface People {
  orgId: string;
  adminEmail: string;
  designerIds: string[];
  dentists: { id: string; name: string }[];
}

async function createDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${databaseName}" with (force)`);
  await admin.query(`create database "${databaseName}"`);
  await admin.end();
}

async function dropDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${databaseName}" with (force)`);
  await admin.end();
}

async function seedPeople(db: pg.Client): Promise<People> {
  const orgId = randomUUID();
  const hash = await hashPassword(password);
  await db.query(`insert into orgs (id, kind, name, staff_limits, tooth_numbering, created_at) values ($1, 'lab', 'Bench Dental Lab', '{}', 'FDI', now())`, [orgId]);
  const addMember = async (role: string, name: string) => {
    const userId = randomUUID();
    const email = `${role}.${randomBytes(3).toString('hex')}@bench.lab`;
    await db.query('insert into users (id, email, password_hash, name, created_at) values ($1, $2, $3, $4, now())', [userId, email, hash, name]);
    await db.query('insert into memberships (id, org_id, user_id, role, created_at) values ($1, $2, $3, $4, now())', [randomUUID(), orgId, userId, role]);
    return { id: userId, email, name };
  };
  const admin = await addMember('org_admin', 'Bench Manager');
  const designers = [];
  for (let i = 0; i < 8; i++) designers.push(await addMember('designer', `Designer ${i + 1}`));
  const dentists = [];
  for (let i = 0; i < 40; i++) dentists.push(await addMember('dentist', `Dr. ${pick(firstNames)} ${pick(lastNames)}`));
  return { orgId, adminEmail: admin.email, designerIds: designers.map((d) => d.id), dentists };
}

/** Inserts the cases in batches of multi-row INSERTs built from arrays (one round trip per batch). */
async function loadCases(db: pg.Client, people: People): Promise<void> {
  const batchSize = 5_000;
  const columns = [
    'id uuid', 'case_number text', 'patient_name text', 'account_number text', 'dentist_name text', 'dentist_user_id uuid',
    'tooth_numbers text', 'shade text', 'material text', 'case_type text', 'notes text', 'due_date date', 'status text',
    'delivery_status text', 'approval_status text', 'assigned_designer_id uuid', 'is_outsourced boolean', 'outsourced_to text',
    'redo_count int', 'completed_at timestamptz', 'created_at timestamptz',
  ];
  for (let start = 0; start < caseCount; start += batchSize) {
    const values: unknown[][] = columns.map(() => []);
    for (let i = start; i < Math.min(caseCount, start + batchSize); i++) {
      let roll = random();
      const [, status, delivery] = statusMix.find(([share]) => (roll -= share) < 0) ?? statusMix.at(-1)!;
      const dentist = pick(people.dentists);
      const completed = status === 'completed';
      const outsourced = status === 'sent_to_outsource' || random() < 0.03;
      const designer = status === 'new' || status === 'sent_to_outsource' ? null : pick(people.designerIds);
      // Open work is due around now; history was due over the last year.
      const due = completed ? -Math.floor(random() * 365) : Math.floor(random() * 40) - 7;
      const row = [
        randomUUID(),
        `CASE-${String(i + 1).padStart(5, '0')}`,
        `${pick(firstNames)} ${pick(lastNames)}`,
        `ACC-${String(10_000 + Math.floor(random() * 90_000))}`,
        dentist.name,
        dentist.id,
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(teeth)).filter((t, k, all) => all.indexOf(t) === k).join(','),
        pick(shades),
        pick(materials),
        pick(caseTypes),
        pick(notes),
        day(due),
        status,
        delivery,
        completed ? 'approved' : status === 'pending_approval' ? 'pending' : 'not_submitted',
        designer,
        outsourced,
        outsourced ? pick(partners) : null,
        random() < 0.06 ? 1 : 0,
        completed ? new Date(Date.now() + (due - 1) * 86_400_000).toISOString() : null,
        new Date(Date.now() + (due - 10) * 86_400_000).toISOString(),
      ];
      row.forEach((value, k) => values[k]!.push(value));
    }
    const unnest = columns.map((c, k) => `$${k + 2}::${c.split(' ')[1]}[]`).join(', ');
    const names = columns.map((c) => c.split(' ')[0]);
    await db.query(
      `insert into lab_cases (org_id, ${names.join(', ')}, dentistry_type, shade_system, updated_at, version)
       select $1, ${names.map((n) => (n === 'tooth_numbers' ? `string_to_array(${n}, ',')` : n)).join(', ')}, 'restoration', 'VITA', created_at, 1
         from unnest(${unnest}) as t(${names.join(', ')})`,
      [people.orgId, ...values],
    );
  }
  await db.query('insert into case_number_counters (org_id, last) values ($1, $2)', [people.orgId, caseCount]);
  // A live database has been vacuumed by now; index-only scans (the board's counts) need the visibility map.
  await db.query('vacuum analyze lab_cases');
}

interface Latency {
  requests: number;
  errors: number;
  non2xx: number;
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function summarise(result: autocannon.Result): Latency {
  return {
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

async function main() {
  console.log(`Creating ${databaseName} and loading ${caseCount.toLocaleString()} cases...`);
  await createDatabase();
  const orm = await openOrm(databaseUrl, 20);
  await migrate(orm);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const people = await seedPeople(db);
  const loadStart = performance.now();
  await loadCases(db, people);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  console.log(`Loaded in ${loadSeconds.toFixed(1)} s`);

  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    REDIS_PREFIX: `bench:${databaseName}`,
    STORAGE_DIR: `/tmp/${databaseName}`,
    RUN_WORKERS: 'false',
    DB_POOL_MAX: '20',
  });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const queues = openQueues(config);
  const app = await buildApp({ config, orm, redis, queues });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  try {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: people.adminEmail, password }) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const api = `/api/v1/orgs/${people.orgId}`;

    const run = (title: string, options: Partial<autocannon.Options>) =>
      autocannon({ url: base, connections, duration: seconds, headers, ...options, title } as autocannon.Options);
    /** Latency alone (one client at a time), then under load (`connections` clients at once). */
    const measure = async (title: string, requests: autocannon.Request[]) => {
      console.log(`${title}: 1 connection, then ${connections}, ${seconds} s each...`);
      const alone = summarise(await run(title, { connections: 1, requests }));
      const loaded = summarise(await run(title, { requests }));
      console.log({ alone, loaded });
      return { oneConnection: alone, underLoad: { connections, ...loaded } };
    };

    const queries = ['kowalska', 'Nakamura', 'ACC-4711', 'CASE-04242', 'straumann', 'Dr. Priya', 'wedding', 'horvat', 'ACC-1', 'Sato'];
    const samples = await Promise.all(queries.map(async (q) => {
      const response = await fetch(`${base}${api}/cases/search?query=${encodeURIComponent(q)}`, { headers });
      return [q, ((await response.json()) as { items: unknown[] }).items.length] as const;
    }));
    console.log('Search result sizes:', Object.fromEntries(samples));

    const search = await measure('search', queries.map((q) => ({ method: 'GET', path: `${api}/cases/search?query=${encodeURIComponent(q)}` })));
    const board = await measure('board snapshot', [{ method: 'GET', path: `${api}/board` }]);
    const boardByDesigner = await measure('board snapshot filtered by designer', people.designerIds.map((id) => ({ method: 'GET', path: `${api}/board?designerId=${id}` })));

    const fresh = await db.query<{ id: string }>(`select id from lab_cases where org_id = $1 and status = 'new' order by id limit $2`, [people.orgId, transitionCount]);
    const ids = fresh.rows.map((r) => r.id);
    let next = 0;
    console.log(`Transitions: case.assignDesigner on ${ids.length} New cases, ${connections} connections...`);
    const transitionsResult = await autocannon({
      url: base,
      connections,
      amount: ids.length,
      headers,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const caseId = ids[next++ % ids.length];
            return { ...request, path: `${api}/cases/${caseId}/events`, body: JSON.stringify({ type: 'case.assignDesigner', version: 1, designerId: pick(people.designerIds) }) };
          },
        },
      ],
    } as autocannon.Options);
    const moved = await db.query<{ n: string }>(`select count(*) as n from case_transitions where org_id = $1`, [people.orgId]);
    const transitions = {
      ...summarise(transitionsResult),
      transitionsPerSecond: Math.round(Number(moved.rows[0]!.n) / (transitionsResult.duration || 1)),
      committed: Number(moved.rows[0]!.n),
      durationSeconds: transitionsResult.duration,
    };
    console.log(transitions);

    const results = {
      benchmark: 'lab-cases',
      at: new Date().toISOString(),
      cases: caseCount,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, postgres: (await db.query<{ server_version: string }>('show server_version')).rows[0]!.server_version },
      settings: { connections, secondsPerRun: seconds },
      latencyMs: { search, board, boardByDesigner },
      searchResultSizes: Object.fromEntries(samples),
      transitions,
    };
    const file = resolve(here, 'results/lab-cases.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    const line = (name: string, m: typeof search) =>
      `${name}: p50 ${m.oneConnection.p50} ms, p99 ${m.oneConnection.p99} ms alone; p50 ${m.underLoad.p50} ms, p99 ${m.underLoad.p99} ms at ${connections} connections (${m.underLoad.requestsPerSecond} req/s)`;
    console.log(`\n${line('search', search)}\n${line('board', board)}\n${line('board by designer', boardByDesigner)}\ntransitions: ${transitions.transitionsPerSecond}/s (p50 ${transitions.p50} ms, p99 ${transitions.p99} ms at ${connections} connections)`);
    console.log(`Written to ${file}`);
  } finally {
    await app.close();
    await queues.close();
    await orm.close();
    await db.end();
    const keys = await redis.keys(`${config.redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    if (process.env.BENCH_KEEP_DB !== '1') await dropDatabase();
  }
}

await main();
