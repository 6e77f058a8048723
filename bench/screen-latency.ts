/**
 * screen-latency: a change at the desk or in the doctor's room -> the waiting-room display. The
 * real server as people run it, workers included: `npm start` on its embedded PGlite
 * (server/start.ts, a fresh data directory with the demo clinic) and server/main.ts on PostgreSQL
 * (a bench database with the same demo data). A display subscribed (the app's LiveClient, in this
 * process); N check-ins (desk) and N calls (Dr. Jefferson's call-next) through the API, one at a
 * time; each figure is the time from the API's response to the first display event that shows the
 * change (the ticket in "next", the ticket first in "now calling"), split at the board's
 * generatedAt into the time until the public-screens refresh read it (the dispatcher's first hop,
 * the refresh job's start, the worker) and from there to the display (the refresh's
 * commit, the dispatcher's second hop, Redis, the socket). Before each measured change the display
 * is left quiet for a while, so no earlier change's refresh carries it.
 * Baseline, same run: the embedded database polled only (OUTBOX_LISTEN=false, the path before the
 * dispatcher heard PGlite's NOTIFYs). Target: p95 under 300 ms on both databases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveClient, type Envelope } from '../client/src/lib/live/live-client';
import { isWireEvent } from '../client/src/lib/live/wire-events';
import { migrate, openOrm } from '../server/db/orm';
import { seedDemo } from '../server/demo/seed-demo';
import { newDisplayToken } from '../server/modules/displays/displays.service';
import type { DisplayBoard } from '../server/modules/public-screens/public-screens.service';
import { load, noteLoad, nowMs, quantile, quick, repoDir, round, sleep, stats, table, writeResult } from './lib/common';
import { createBenchDatabase, deleteRedisKeys, redisUrl } from './lib/database';
import { freePort } from '../tests/helpers/free-port';

const name = 'screen-latency';
const startedLoad = noteLoad(name);
const changes = Number(process.env.BENCH_SCREEN_CHANGES ?? (quick ? 5 : 20));
/** Quiet before each measured change: longer than the slowest path's two polls, its refresh job and the estimate's refresh after it. */
const quietMs = Number(process.env.BENCH_SCREEN_QUIET_MS ?? 3500);
const demoPassword = 'Cuspid-demo-2026';

interface Server {
  base: string;
  displayToken: string;
  /** How the server says its dispatcher is woken (its startup log). */
  wokenBy: string;
  stop(): Promise<void>;
}

/** server/start.ts or server/main.ts as a process of its own, until its dispatcher has started. */
async function startServerProcess(script: string, env: Record<string, string>, displayToken: () => string): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoDir,
    env: { ...inherited, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', REDIS_URL: redisUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 300_000;
  while (!output.includes('outbox dispatcher started')) {
    if (child.exitCode !== null) throw new Error(`${script} exited early:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${script} did not start:\n${output.slice(-3000)}`);
    await sleep(100);
  }
  const wokenBy = /"wokenBy":"([^"]+)"/.exec(output)?.[1] ?? 'unknown';
  return {
    base,
    displayToken: displayToken(),
    wokenBy,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function api<T>(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Visit {
  id: string;
  ticketNumber: string;
  status: string;
  version: number;
}

interface Measured {
  checkIn: number[];
  call: number[];
  /** Per change: API response -> the refresh reading the board (the board's generatedAt; one machine, one wall clock). */
  untilRefresh: number[];
  /** Per change: the refresh reading the board -> the display's event. */
  fromRefresh: number[];
}

/** N check-ins and N calls, each timed from the API's response to the display event showing it. */
async function measure(server: Server): Promise<Measured> {
  const { base } = server;
  const received: { at: number; wall: number; board: DisplayBoard }[] = [];
  const display = new LiveClient({ url: base, auth: () => ({ displayToken: server.displayToken }), transports: ['websocket'] });
  let snapshot = false;
  display.watch<DisplayBoard>({ kind: 'display' }, {
    snapshot: () => (snapshot = true),
    event: (envelope: Envelope) => {
      if (isWireEvent(envelope, 'display.updated.v1')) received.push({ at: nowMs(), wall: Date.now(), board: envelope.payload });
    },
    refused: (error) => {
      throw new Error(`display refused: ${error}`);
    },
  });
  try {
    while (!snapshot) await sleep(20);
    const desk = (await api<{ accessToken: string }>(base, null, 'POST', '/auth/login', { email: 'desk@riverside.clinic', password: demoPassword })).accessToken;
    const doctor = (await api<{ accessToken: string }>(base, null, 'POST', '/auth/login', { email: 'dr.jefferson@riverside.clinic', password: demoPassword })).accessToken;
    const orgId = (await api<{ memberships: { orgId: string }[] }>(base, desk, 'GET', '/auth/me')).memberships[0]!.orgId;
    const org = (path: string) => `/orgs/${orgId}${path}`;
    type QueueEntry = Omit<Visit, 'id'> & { visitId: string };
    const queue = await api<{ professionalId: string; visits: QueueEntry[]; inConsultation: QueueEntry[] }>(base, doctor, 'GET', org('/queue/me'));
    const finish = async (visit: Visit) => {
      let version = visit.version;
      if (visit.status === 'called') version = (await api<{ visit: Visit }>(base, doctor, 'POST', org(`/visits/${visit.id}/start`), { version })).visit.version;
      await api(base, doctor, 'POST', org(`/visits/${visit.id}/complete`), { version });
    };
    // The demo day leaves the doctor with a patient: free him so that he may call.
    for (const { visitId, ...entry } of [...queue.inConsultation, ...queue.visits.filter((v) => v.status === 'called')]) await finish({ id: visitId, ...entry });

    let lastChange = nowMs();
    const quiet = async () => {
      for (;;) {
        const since = Math.min(nowMs() - lastChange, nowMs() - (received.at(-1)?.at ?? 0));
        if (nowMs() - lastChange >= quietMs && since >= 400) return;
        await sleep(50);
      }
    };
    /** Sends a change and times it to the first display event after it that `shows` it. */
    const untilRefresh: number[] = [];
    const fromRefresh: number[] = [];
    const timed = async <T>(send: () => Promise<T>, shows: (board: DisplayBoard, result: T) => boolean): Promise<{ result: T; ms: number }> => {
      await quiet();
      const seen = received.length;
      const result = await send();
      const answeredAt = nowMs();
      const answeredWall = Date.now();
      lastChange = answeredAt;
      const deadline = answeredAt + 30_000;
      for (;;) {
        const shown = received.slice(seen).find((r) => shows(r.board, result));
        if (shown) {
          const refreshed = Date.parse(shown.board.generatedAt);
          untilRefresh.push(refreshed - answeredWall);
          fromRefresh.push(shown.wall - refreshed);
          return { result, ms: round(shown.at - answeredAt) };
        }
        if (nowMs() > deadline) throw new Error('the display never showed the change');
        await sleep(2);
      }
    };

    const checkIn: number[] = [];
    const call: number[] = [];
    for (let i = 0; i < changes; i++) {
      const patient = await api<{ id: string }>(base, desk, 'POST', org('/patients'), {
        fullName: `Bench Patient ${i} ${randomBytes(2).toString('hex')}`,
        dateOfBirth: '1980-01-01',
        gender: 'female',
        phone: `+55 11 9${String(10_000_000 + Math.floor(Math.random() * 89_999_999)).slice(-8)}`,
        consentEmail: false,
        consentWhatsapp: false,
      });
      lastChange = nowMs();
      const arrival = await timed(
        () => api<Visit>(base, desk, 'POST', org('/visits/check-in'), { patientId: patient.id, professionalId: queue.professionalId, vitals: { pulse: 72 } }),
        (board, visit) => board.next.some((entry) => entry.ticket === visit.ticketNumber),
      );
      checkIn.push(arrival.ms);
      const called = await timed(
        () => api<Visit>(base, doctor, 'POST', org('/queue/me/call-next')),
        (board, visit) => board.nowCalling[0]?.ticket === visit.ticketNumber,
      );
      call.push(called.ms);
      await finish(called.result);
      lastChange = nowMs();
    }
    return { checkIn, call, untilRefresh, fromRefresh };
  } finally {
    display.close();
  }
}

/** `npm start` on a fresh data directory; `pollOnly` is the old path (OUTBOX_LISTEN=false). */
async function embedded(pollOnly: boolean): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cuspid-bench-'));
  const client = mkdtempSync(join(dataDir, 'client-'));
  // start.ts builds the client when none is given; the display here is a socket, not a page.
  writeFileSync(join(client, 'index.html'), '<!doctype html><title>Cuspid</title>');
  const redisPrefix = `bench:${name}:${randomBytes(3).toString('hex')}`;
  const server = await startServerProcess(
    'server/start.ts',
    {
      DATA_DIR: dataDir,
      PGLITE_PORT: String(await freePort()),
      JWT_SECRET: randomBytes(32).toString('hex'),
      CLIENT_DIR: client,
      REDIS_PREFIX: redisPrefix,
      ...(pollOnly ? { OUTBOX_LISTEN: 'false' } : {}),
    },
    () => readFileSync(join(dataDir, 'demo-display-token'), 'utf8').trim(),
  );
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await deleteRedisKeys(redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function postgres(): Promise<Server> {
  const database = await createBenchDatabase(name);
  const displayToken = newDisplayToken();
  const orm = await openOrm(database.url, 1);
  await migrate(orm);
  await seedDemo(orm, displayToken);
  await orm.close();
  const storage = mkdtempSync(join(tmpdir(), 'cuspid-bench-storage-'));
  const server = await startServerProcess(
    'server/main.ts',
    { DATABASE_URL: database.url, REDIS_PREFIX: database.redisPrefix, JWT_SECRET: randomBytes(32).toString('hex'), STORAGE_DIR: storage },
    () => displayToken,
  );
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await database.drop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

const runs: { run: string; start: () => Promise<Server> }[] = [
  { run: 'embedded PGlite (npm start), woken by its NOTIFY', start: () => embedded(false) },
  { run: 'embedded PGlite (npm start), poll only: the old path (baseline)', start: () => embedded(true) },
  { run: 'PostgreSQL (server/main.ts), woken by LISTEN', start: postgres },
];

console.log(`screen-latency: ${changes} check-ins and ${changes} calls per database, ${quietMs} ms quiet before each`);
const withP95 = (values: number[]) => ({ ...stats(values), p95: round(quantile(values, 0.95)) });
type Figures = ReturnType<typeof withP95>;
const results: Record<string, { wokenBy: string; checkIn: Figures; call: Figures; all: Figures; untilRefresh: Figures; fromRefresh: Figures; load1: number }> = {};
for (const { run, start } of runs) {
  console.log(`  ${run}: starting`);
  const server = await start();
  try {
    const figures = await measure(server);
    results[run] = {
      wokenBy: server.wokenBy,
      checkIn: withP95(figures.checkIn),
      call: withP95(figures.call),
      all: withP95([...figures.checkIn, ...figures.call]),
      untilRefresh: withP95(figures.untilRefresh),
      fromRefresh: withP95(figures.fromRefresh),
      load1: load()[0],
    };
  } finally {
    await server.stop();
  }
}

const rows = Object.entries(results).map(([run, r]) => ({
  run,
  'woken by': r.wokenBy,
  'check-in p50 ms': r.checkIn.p50,
  'check-in p95 ms': r.checkIn.p95,
  'call p50 ms': r.call.p50,
  'call p95 ms': r.call.p95,
  'all p50 ms': r.all.p50,
  'all p95 ms': r.all.p95,
  'max ms': r.all.max,
  'until refresh p50 ms': r.untilRefresh.p50,
  'from refresh p50 ms': r.fromRefresh.p50,
  load1: r.load1,
}));
table(`screen-latency: API response -> the display's event, ${changes} check-ins and ${changes} calls each`, rows);
const [embeddedRun, , postgresRun] = runs.map((r) => results[r.run]!);
const targets = {
  'embedded (npm start): change -> display p95 under 300 ms': { value: embeddedRun.all.p95, target: 300, met: embeddedRun.all.p95 < 300 },
  'PostgreSQL: change -> display p95 under 300 ms': { value: postgresRun.all.p95, target: 300, met: postgresRun.all.p95 < 300 },
};
console.log('Targets:', targets);
writeResult(name, startedLoad, { settings: { changes, quietMs }, runs: results, targets, table: rows });
