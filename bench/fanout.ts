/**
 * fanout: 1k, 5k and 10k LiveClients (WebSocket only) subscribed to one lab board of one server
 * process; case changes through the HTTP API at 10 per second; for each change, the time from
 * sending the request to receipt by the first and the last client, the server's pipeline (HTTP ->
 * transaction -> outbox -> NOTIFY -> dispatcher -> Redis -> adapter) and its write time per
 * recipient, event-loop lag, CPU and memory per socket.
 * Baseline, same run, same client processes: a bare Socket.IO server broadcasting an envelope of
 * the same size to the same number of plain socket.io-client sockets on an HTTP POST.
 * Tunings tried on the baseline (which isolates the Socket.IO layer): releasing each connection's
 * HTTP request (memory per socket), and bufferutil on/off (WebSocket masking) when it is installed
 * to try (it is not a dependency; utf-8-validate is not loaded by ws 8 on Node 20, which has
 * buffer.isUtf8).
 *
 * Clients run in two child processes, servers in their own; the open-files limit is raised for each.
 */
import { randomBytes } from 'node:crypto';
import { load, noteLoad, quick, round, sleep, table, writeResult } from './lib/common';
import { startChild, type Child } from './lib/child';
import { createBenchDatabase, rawClient } from './lib/database';
import { collect, connectClients, driveChanges, settle, type FanoutFigures } from './lib/fanout-run';
import { loadCases, loginToken, seedLab } from './lib/lab-fixture';

const name = 'fanout';
const startedLoad = noteLoad(name);
const sizes = process.env.BENCH_FANOUT_SIZES ? process.env.BENCH_FANOUT_SIZES.split(',').map(Number) : quick ? [200, 1000] : [1000, 5000, 10000];
const tuningSize = quick ? 500 : 5000;
const rate = 10;
const seconds = quick ? 4 : 10;
const clientProcesses = 2;

type Memory = { rss: number; heapUsed: number; external: number };

interface Step {
  figures: FanoutFigures;
  /** The same clients at 1 change per second: the end-to-end figure when the clients are not saturated. */
  slow: FanoutFigures;
  lag: { p50: number; p99: number; max: number };
  serverCores: number;
  clientCores?: number;
  memoryPerSocketKB: { rss: number; heap: number };
  connectSeconds: number;
  load1: number;
}

const startClients = (env: Record<string, string> = {}) => Promise.all(Array.from({ length: clientProcesses }, () => startClient(env)));
async function startClient(env: Record<string, string>): Promise<Child> {
  const child = startChild('socket-clients', env);
  await child.next('ready');
  return child;
}

/** One server, growing from 0 to each size: connect, settle, measure memory, then a window of changes. */
async function measureSizes(
  label: string,
  server: Child,
  clients: Child[],
  connect: (count: number) => Promise<{ seconds: number; opened: number }>,
  send: () => { key: string; done: Promise<boolean> },
  steps: number[],
): Promise<Record<number, Step>> {
  const out: Record<number, Step> = {};
  // Warm the path (JIT, pools) before the empty-server memory reading.
  await driveChanges(rate, 1, send);
  await sleep(500);
  const base = await server.call<Memory>('memory');
  let connected = 0;
  for (const size of steps) {
    const connecting = await connect(size - connected);
    connected += connecting.opened;
    await sleep(1000);
    const memory = await server.call<Memory>('memory');
    // A short warm-up at this size, not recorded.
    await driveChanges(rate, 0.5, send);
    await settle(clients);
    // One change per second first: nothing queues anywhere, so this is the pipeline plus one fan-out.
    await Promise.all(clients.map((c) => c.call('records-start')));
    await server.call('broadcasts-start');
    const slowChanges = await driveChanges(1, quick ? 3 : 5, send);
    const slow = (await collect(clients, connected, slowChanges, [server])).figures;
    await settle(clients);
    // Then the target's rate.
    await Promise.all(clients.map((c) => c.call('records-start')));
    await server.call('broadcasts-start');
    await server.call('lag-start');
    await server.call('cpu-start');
    await Promise.all(clients.map((c) => c.call('cpu-start')));
    const changes = await driveChanges(rate, seconds, send);
    const cpu = await server.call<{ cores: number }>('cpu-stop');
    const clientCpu = await Promise.all(clients.map((c) => c.call<{ cores: number }>('cpu-stop')));
    const lag = await server.call<{ p50: number; p99: number; max: number }>('lag-stop');
    const { figures } = await collect(clients, connected, changes, [server]);
    const drainSeconds = await settle(clients);
    out[size] = {
      figures,
      slow,
      lag,
      serverCores: round(cpu.cores),
      clientCores: round(clientCpu.reduce((a, c) => a + c.cores, 0)),
      memoryPerSocketKB: { rss: round((memory.rss - base.rss) / connected / 1024, 1), heap: round((memory.heapUsed - base.heapUsed) / connected / 1024, 1) },
      connectSeconds: connecting.seconds,
      load1: load()[0],
    };
    void drainSeconds;
    console.log(
      `  ${label} ${connected} clients (connected in ${connecting.seconds} s): at ${rate}/s last p50 ${figures.lastMs.p50} ms p99 ${figures.lastMs.p99} ms, server done p99 ${figures.serverDoneMs?.p99} ms; ` +
        `at 1/s last p50 ${slow.lastMs.p50} ms; write ${figures.usPerRecipient} us/recipient; lag p99 ${lag.p99} ms; ${out[size].memoryPerSocketKB.rss} KB RSS/socket; ` +
        `server ${out[size].serverCores} cores, clients ${out[size].clientCores} cores; delivered ${figures.delivered}`,
    );
  }
  return out;
}

/** The bare Socket.IO server with `env`, measured at `steps`, with fresh client processes. */
async function bareRun(label: string, env: Record<string, string>, clientEnv: Record<string, string>, steps: number[]) {
  const server = startChild('bare-io-server', env);
  const { port } = await server.next<{ port: number }>('ready');
  const url = `http://127.0.0.1:${port}`;
  const clients = await startClients(clientEnv);
  let n = 0;
  try {
    return await measureSizes(
      label,
      server,
      clients,
      (count) => connectClients(clients, count, { url, mode: 'bare', concurrency: 100 }),
      () => {
        const key = `bare-${label}-${n++}`;
        return { key, done: fetch(`${url}/broadcast`, { method: 'POST', body: JSON.stringify({ key }) }).then((r) => r.status === 204) };
      },
      steps,
    );
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop();
  }
}

const database = await createBenchDatabase(name);
try {
  const db = await rawClient(database.url);
  const lab = await seedLab(db);
  // A small board (40 open cases): the snapshot each of 10k subscribers loads stays small.
  await loadCases(db, lab, 40, 'open');
  const { rows } = await db.query<{ id: string }>('select id from lab_cases where org_id = $1 order by case_number', [lab.orgId]);
  await db.end();
  const caseIds = rows.map((r) => r.id);

  console.log(`fanout: sizes ${sizes.join(', ')}; ${rate} changes/s for ${seconds} s per size; ${clientProcesses} client processes`);

  // Baseline first (bare Socket.IO), with the tunings the server uses (bufferutil when installed, request released).
  console.log('Baseline: bare Socket.IO broadcast');
  const bare = await bareRun('bare', { BENCH_RELEASE_REQUEST: '1' }, {}, sizes);

  // The product: the real server, its dispatcher, Redis adapter, LiveClients subscribed to the lab board.
  console.log('Cuspid: lab board, change through the API');
  const server = startChild('app-server', { BENCH_DATABASE_URL: database.url, BENCH_REDIS_PREFIX: database.redisPrefix, BENCH_JWT_SECRET: randomBytes(32).toString('hex') });
  const { port } = await server.next<{ port: number }>('ready');
  const base = `http://127.0.0.1:${port}`;
  const token = await loginToken(base, lab.adminEmail);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const versions = new Map(caseIds.map((id) => [id, 1]));
  let next = 0;
  let errors = 0;
  const send = () => {
    const caseId = caseIds[next % caseIds.length]!;
    const designerId = lab.designerIds[next++ % lab.designerIds.length]!;
    const version = versions.get(caseId)!;
    const key = `${caseId}@${version + 1}`;
    const done = fetch(`${base}/api/v1/orgs/${lab.orgId}/cases/${caseId}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'case.assignDesigner', version, designerId }),
    }).then(async (response) => {
      const body = (await response.json()) as { version?: number; details?: { version?: number } };
      const now = body.version ?? body.details?.version;
      if (now) versions.set(caseId, now);
      if (!response.ok) errors++;
      return response.ok;
    });
    return { key, done };
  };
  const clients = await startClients();
  let ours: Record<number, Step>;
  try {
    ours = await measureSizes(
      'cuspid',
      server,
      clients,
      (count) => connectClients(clients, count, { url: base, mode: 'live', auth: { token }, topic: { kind: 'lab-board', orgId: lab.orgId }, concurrency: 50 }),
      send,
      sizes,
    );
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop();
  }
  if (errors) console.warn(`  ${errors} change requests failed`);

  // Tunings, on the baseline at one size.
  console.log(`Tunings on the bare server at ${tuningSize} clients`);
  const keepRequest = await bareRun('request kept', { BENCH_RELEASE_REQUEST: '0' }, {}, [tuningSize]);
  // bufferutil is not a dependency (it did not help, see docs/BENCHMARKS.md): compared only where someone installed it to try.
  const withBufferutil = bufferutilInstalled();
  const noBufferutil = withBufferutil ? await bareRun('no bufferutil', { BENCH_RELEASE_REQUEST: '1', WS_NO_BUFFER_UTIL: '1' }, { WS_NO_BUFFER_UTIL: '1' }, [tuningSize]) : null;
  const withTunings = bare[tuningSize] ?? (await bareRun('tuned', { BENCH_RELEASE_REQUEST: '1' }, {}, [tuningSize]))[tuningSize]!;

  const rowsOut = sizes.flatMap((size) => {
    const o = ours[size]!;
    const b = bare[size]!;
    return [
      {
        ...sizeRow(size, 'cuspid', o),
        '1/s p99 / bare': round(o.slow.lastMs.p99 / b.slow.lastMs.p99),
        '10/s p99 / bare': round(o.figures.lastMs.p99 / b.figures.lastMs.p99),
        'server-done p99 / bare': round((o.figures.serverDoneMs?.p99 ?? NaN) / (b.figures.serverDoneMs?.p99 ?? NaN)),
        load1: o.load1,
      },
      { ...sizeRow(size, 'bare socket.io', b), load1: b.load1 },
    ];
  });
  table(`fanout: ${rate} changes/s, ${seconds} s per size (latency: HTTP change -> receipt by the last client)`, rowsOut);
  const tuningRows = [
    { variant: `request released (kept)${withBufferutil ? ', bufferutil' : ', bufferutil not installed'}`, ...tuningRow(withTunings) },
    { variant: 'request kept (no release)', ...tuningRow(keepRequest[tuningSize]!) },
    ...(noBufferutil ? [{ variant: 'no bufferutil (WS_NO_BUFFER_UTIL=1)', ...tuningRow(noBufferutil[tuningSize]!) }] : []),
  ];
  table(`fanout tunings on the bare server, ${tuningSize} clients`, tuningRows);

  const largest = sizes.at(-1)!;
  const o = ours[largest]!;
  const bl = bare[largest]!;
  const targets = {
    'p99 under 100 ms at 10 changes/s (largest size, change -> last client)': { value: o.figures.lastMs.p99, target: 100, met: o.figures.lastMs.p99 < 100 },
    'p99 under 100 ms at 10 changes/s (largest size, change -> server wrote to every socket)': { value: o.figures.serverDoneMs?.p99 ?? NaN, target: 100, met: (o.figures.serverDoneMs?.p99 ?? Infinity) < 100 },
    'at most 3x the bare broadcast (p99, change -> last client, 10/s)': { value: round(o.figures.lastMs.p99 / bl.figures.lastMs.p99), target: 3, met: o.figures.lastMs.p99 / bl.figures.lastMs.p99 <= 3 },
    'at most 3x the bare broadcast (p99, change -> last client, 1/s)': { value: round(o.slow.lastMs.p99 / bl.slow.lastMs.p99), target: 3, met: o.slow.lastMs.p99 / bl.slow.lastMs.p99 <= 3 },
    'under 40 KB per socket (RSS)': { value: o.memoryPerSocketKB.rss, target: 40, met: o.memoryPerSocketKB.rss < 40 },
  };
  console.log('Targets:', targets);
  writeResult(name, startedLoad, {
    settings: { sizes, rate, seconds, clientProcesses, tuningSize, bufferutil: withBufferutil },
    cuspid: ours,
    bare,
    tunings: { tuned: withTunings, requestKept: keepRequest[tuningSize], noBufferutil: noBufferutil?.[tuningSize] ?? null },
    targets,
    table: rowsOut,
  });
} finally {
  await database.drop();
}

/** One size's figures for one server; the table's column order follows the keys. */
function sizeRow(clients: number, server: string, step: Step) {
  return {
    clients,
    server,
    '1/s last p50 ms': step.slow.lastMs.p50,
    '1/s last p99 ms': step.slow.lastMs.p99,
    '10/s last p50 ms': step.figures.lastMs.p50,
    '10/s last p99 ms': step.figures.lastMs.p99,
    '10/s server-done p99 ms': step.figures.serverDoneMs?.p99,
    'http p50 ms': step.figures.httpMs.p50,
    'pipeline p50 ms': step.figures.pipelineMs?.p50,
    'write us/recipient': step.figures.usPerRecipient,
    'lag p99 ms': step.lag.p99,
    'server cores': step.serverCores,
    'client cores': step.clientCores,
    'KB/socket rss': step.memoryPerSocketKB.rss,
    'KB/socket heap': step.memoryPerSocketKB.heap,
    delivered: step.figures.delivered,
  };
}

function tuningRow(step: Step) {
  return {
    '1/s last p50 ms': step.slow.lastMs.p50,
    '10/s last p50 ms': step.figures.lastMs.p50,
    '10/s last p99 ms': step.figures.lastMs.p99,
    'write us/recipient': step.figures.usPerRecipient,
    'server cores': step.serverCores,
    'KB/socket rss': step.memoryPerSocketKB.rss,
    'KB/socket heap': step.memoryPerSocketKB.heap,
    load1: step.load1,
  };
}

function bufferutilInstalled(): boolean {
  try {
    import.meta.resolve('bufferutil');
    return true;
  } catch {
    return false;
  }
}
