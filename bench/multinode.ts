/**
 * multinode: two server processes on one database and one Redis (the Redis adapter and emitter, a
 * dispatcher in each as main.ts starts it; one publishes at a time). Half the LiveClients connect
 * to process A, half to B; changes go through A's HTTP API at 10 per second. Reported: the fan-out
 * figure (change -> last client) over all clients and per process, and the latency two processes
 * add over one.
 * Baseline, same run, same client processes and clients count: one server process with every client.
 */
import { randomBytes } from 'node:crypto';
import { noteLoad, quick, round, sleep, table, writeResult, load } from './lib/common';
import { startChild, type Child } from './lib/child';
import { createBenchDatabase, rawClient } from './lib/database';
import { collect, connectClients, driveChanges, settle, type FanoutFigures } from './lib/fanout-run';
import { loadCases, loginToken, seedLab } from './lib/lab-fixture';

const name = 'multinode';
const startedLoad = noteLoad(name);
const clientsTotal = Number(process.env.BENCH_MULTINODE_CLIENTS ?? (quick ? 400 : 4000));
const rate = 10;
const seconds = quick ? 4 : 10;

const database = await createBenchDatabase(name);
const children: Child[] = [];
const start = async (entry: string, env: Record<string, string> = {}) => {
  const child = startChild(entry, env);
  children.push(child);
  return child;
};
try {
  const db = await rawClient(database.url);
  const lab = await seedLab(db);
  await loadCases(db, lab, 40, 'open');
  const caseIds = (await db.query<{ id: string }>('select id from lab_cases where org_id = $1 order by case_number', [lab.orgId])).rows.map((r) => r.id);
  await db.end();
  const jwtSecret = randomBytes(32).toString('hex');
  const serverEnv = { BENCH_DATABASE_URL: database.url, BENCH_REDIS_PREFIX: database.redisPrefix, BENCH_JWT_SECRET: jwtSecret };

  const a = await start('app-server', serverEnv);
  const b = await start('app-server', serverEnv);
  const [readyA, readyB] = await Promise.all([a.next<{ port: number }>('ready'), b.next<{ port: number }>('ready')]);
  const urlA = `http://127.0.0.1:${readyA.port}`;
  const urlB = `http://127.0.0.1:${readyB.port}`;
  const token = await loginToken(urlA, lab.adminEmail);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const versions = new Map(caseIds.map((id) => [id, 1]));
  let next = 0;
  const send = () => {
    const caseId = caseIds[next % caseIds.length]!;
    const designerId = lab.designerIds[next++ % lab.designerIds.length]!;
    const version = versions.get(caseId)!;
    const done = fetch(`${urlA}/api/v1/orgs/${lab.orgId}/cases/${caseId}/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'case.assignDesigner', version, designerId }) }).then(async (response) => {
      const body = (await response.json()) as { version?: number; details?: { version?: number } };
      const now = body.version ?? body.details?.version;
      if (now) versions.set(caseId, now);
      return response.ok;
    });
    return { key: `${caseId}@${version + 1}`, done };
  };
  const clientProcesses = await Promise.all([start('socket-clients'), start('socket-clients')]);
  await Promise.all(clientProcesses.map((c) => c.next('ready')));
  const topic = { kind: 'lab-board', orgId: lab.orgId };

  /** One window of changes through A, measured over all clients and per client process. */
  const window = async (servers: Child[], changesPerSecond: number, duration: number) => {
    await driveChanges(changesPerSecond, Math.max(1, 0.5 * changesPerSecond) / changesPerSecond, send);
    await settle(clientProcesses);
    await Promise.all(clientProcesses.map((c) => c.call('records-start')));
    await Promise.all(servers.map((s) => s.call('broadcasts-start')));
    await Promise.all(servers.map((s) => s.call('lag-start')));
    const changes = await driveChanges(changesPerSecond, duration, send);
    const lags = await Promise.all(servers.map((s) => s.call<{ p99: number }>('lag-stop')));
    const all = await collect(clientProcesses, clientsTotal, changes, servers);
    const perProcess: FanoutFigures[] = [];
    for (const c of clientProcesses) perProcess.push((await collect([c], clientsTotal / 2, changes, [])).figures);
    await settle(clientProcesses);
    return { all: all.figures, perProcess, lagP99: lags.map((l) => l.p99), load1: load()[0] };
  };
  const slowSeconds = quick ? 3 : 8;

  console.log(`multinode: ${clientsTotal} clients, ${rate} changes/s for ${seconds} s`);
  console.log('  one process: every client on A');
  await connectClients(clientProcesses, clientsTotal, { url: urlA, mode: 'live', auth: { token }, topic, concurrency: 50 });
  const singleSlow = await window([a], 1, slowSeconds);
  const single = await window([a], rate, seconds);
  await Promise.all(clientProcesses.map((c) => c.call('close-all')));
  await sleep(2000);

  console.log('  two processes: half the clients on A, half on B; changes through A');
  // Client process 0 connects to A, client process 1 to B.
  await connectClients(clientProcesses, clientsTotal, { url: [urlA, urlB], mode: 'live', auth: { token }, topic, concurrency: 50 });
  const sockets = await Promise.all([a.call<number>('sockets'), b.call<number>('sockets')]);
  const twoSlow = await window([a, b], 1, slowSeconds);
  const two = await window([a, b], rate, seconds);

  const line = (label: string, f: FanoutFigures, extra: Record<string, unknown> = {}) => ({
    run: label,
    clients: f.clients,
    'last p50 ms': f.lastMs.p50,
    'last p99 ms': f.lastMs.p99,
    'last max ms': f.lastMs.max,
    'first p50 ms': f.firstMs.p50,
    'http p50 ms': f.httpMs.p50,
    'pipeline p50 ms': f.pipelineMs?.p50,
    delivered: f.delivered,
    ...extra,
  });
  const rows = [
    line('1/s: one process (A), all clients', singleSlow.all, { load1: singleSlow.load1 }),
    line('1/s: two processes, all clients', twoSlow.all, { 'added p50 ms': round(twoSlow.all.lastMs.p50 - singleSlow.all.lastMs.p50), 'added p99 ms': round(twoSlow.all.lastMs.p99 - singleSlow.all.lastMs.p99), load1: twoSlow.load1 }),
    line('1/s: two processes, clients on A', twoSlow.perProcess[0]!),
    line('1/s: two processes, clients on B', twoSlow.perProcess[1]!, { 'B - A p50 ms': round(twoSlow.perProcess[1]!.lastMs.p50 - twoSlow.perProcess[0]!.lastMs.p50) }),
    line(`${rate}/s: one process (A), all clients`, single.all, { load1: single.load1 }),
    line(`${rate}/s: two processes, all clients`, two.all, { 'added p50 ms': round(two.all.lastMs.p50 - single.all.lastMs.p50), 'added p99 ms': round(two.all.lastMs.p99 - single.all.lastMs.p99), load1: two.load1 }),
    line(`${rate}/s: two processes, clients on A`, two.perProcess[0]!),
    line(`${rate}/s: two processes, clients on B`, two.perProcess[1]!, { 'B - A p50 ms': round(two.perProcess[1]!.lastMs.p50 - two.perProcess[0]!.lastMs.p50) }),
  ];
  table(`multinode: ${clientsTotal} LiveClients, changes through A at 1/s (${slowSeconds} s) and ${rate}/s (${seconds} s) (sockets A/B: ${sockets.join('/')})`, rows);
  writeResult(name, startedLoad, {
    settings: { clientsTotal, rate, seconds, socketsPerProcess: sockets },
    oneProcess: { atOnePerSecond: singleSlow, atRate: single },
    twoProcesses: { atOnePerSecond: twoSlow, atRate: two },
    addedMs: {
      atOnePerSecond: { p50: round(twoSlow.all.lastMs.p50 - singleSlow.all.lastMs.p50), p99: round(twoSlow.all.lastMs.p99 - singleSlow.all.lastMs.p99) },
      atRate: { p50: round(two.all.lastMs.p50 - single.all.lastMs.p50), p99: round(two.all.lastMs.p99 - single.all.lastMs.p99) },
    },
    table: rows,
  });
} finally {
  for (const child of children.reverse()) await child.stop().catch(() => undefined);
  await database.drop();
}
