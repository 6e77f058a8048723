/**
 * transition: case status changes through the API (auth, XState attempt(), one transaction with the
 * case row, a transition row, an audit row and an outbox row, the optimistic version check), with
 * the outbox dispatcher publishing alongside as in production, at 10 and 50 concurrent clients:
 * transitions per second and latency. Every request is a legal event at the case's current version
 * (case.assignDesigner on in-progress cases, round robin over thousands of cases, so no two requests
 * race for one case); committed rows are counted afterwards.
 * Baseline, same run, same database: `pgbench -b simple-update` at the same client counts
 * (PostgreSQL's own ceiling for a small write transaction here), after `pgbench -i -s 10`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { noteLoad, quantile, quick, round, sleep, table, writeResult, load } from './lib/common';
import { createBenchDatabase, rawClient } from './lib/database';
import { row, run, startAppServer, type LoadFigures } from './lib/http-load';
import { casesInProgress, loadCases, loginToken, seedLab } from './lib/lab-fixture';

const name = 'transition';
const startedLoad = noteLoad(name);
const caseCount = Number(process.env.BENCH_CASES ?? (quick ? 20_000 : 100_000));
const seconds = quick ? 3 : 10;
const clientCounts = [10, 50];

interface Pgbench {
  clients: number;
  tps: number;
  transactions: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
  load1: number;
}

function pgbenchBin(): string {
  for (const candidate of ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('pgbench not found (apt-get install postgresql-client)');
}

function pgbench(database: string, clients: number): Pgbench {
  const prefix = `bench_pgbench_${process.pid}_${clients}`;
  const dir = tmpdir();
  const out = execFileSync(
    pgbenchBin(),
    ['-h', '127.0.0.1', '-U', 'postgres', '-b', 'simple-update', '-c', String(clients), '-j', '2', '-T', String(seconds), '-l', `--log-prefix=${join(dir, prefix)}`, database],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const latencies: number[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith(prefix))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const parts = line.split(' ');
      if (parts.length >= 6) latencies.push(Number(parts[2]) / 1000);
    }
    rmSync(join(dir, file));
  }
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? /tps = ([\d.]+)/.exec(out)?.[1]);
  return {
    clients,
    tps: round(tps, 1),
    transactions: latencies.length,
    p50: round(quantile(latencies, 0.5)),
    p99: round(quantile(latencies, 0.99)),
    max: round(Math.max(...latencies)),
    mean: round(latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1)),
    load1: load()[0],
  };
}

const database = await createBenchDatabase(name);
try {
  const db = await rawClient(database.url);
  const lab = await seedLab(db);
  console.log(`transition: loading ${caseCount.toLocaleString()} cases, then pgbench -i -s 10...`);
  await loadCases(db, lab, caseCount);
  execFileSync(pgbenchBin(), ['-h', '127.0.0.1', '-U', 'postgres', '-i', '-s', '10', '-q', database.name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const caseIds = await casesInProgress(db, lab.orgId, 50_000);
  console.log(`  ${caseIds.length} cases in progress to move`);

  const versions = new Map(caseIds.map((id) => [id, 1]));
  let next = 0;
  let refused = 0;
  let server = await startAppServer(database.url, database.redisPrefix);
  try {
    let token = await loginToken(server.base, lab.adminEmail);
    const request: autocannon.Request = {
      method: 'POST',
      setupRequest: (req, context) => {
        const caseId = caseIds[next % caseIds.length]!;
        const designerId = lab.designerIds[next++ % lab.designerIds.length]!;
        (context as Record<string, unknown>).caseId = caseId;
        return { ...req, path: `/api/v1/orgs/${lab.orgId}/cases/${caseId}/events`, body: JSON.stringify({ type: 'case.assignDesigner', version: versions.get(caseId), designerId }) };
      },
      onResponse: (status, body, context) => {
        try {
          const parsed = JSON.parse(body) as { version?: number; details?: { version?: number } };
          const version = parsed.version ?? parsed.details?.version;
          if (version) versions.set((context as Record<string, unknown>).caseId as string, version);
        } catch {
          // counted as non-2xx by autocannon
        }
        if (status !== 200) refused++;
      },
    };
    const transitions = async (connections: number, duration: number) => {
      // A run that ends drops the responses still in flight, though the server committed them: read
      // the cases' versions again, or the next pass over those cases would be refused as stale.
      const { rows } = await db.query<{ id: string; version: number }>('select id, version from lab_cases where id = any($1)', [caseIds]);
      for (const row of rows) versions.set(row.id, row.version);
      return run(server.child, { url: server.base, connections, duration, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, requests: [request] });
    };
    const backlog = async () => Number((await db.query<{ n: string }>('select count(*) as n from outbox_events where published_at is null')).rows[0]!.n);
    const commits = async () => Number((await db.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()')).rows[0]!.n);

    // Warm-up: JIT, pools, the dispatcher's connection.
    await transitions(5, 2);
    await sleep(1000);
    refused = 0;

    const ours: Record<number, LoadFigures & { backlogAfter: number; drainSeconds: number; transactionsPerRequest: number }> = {};
    const base: Record<number, Pgbench> = {};
    for (const clients of clientCounts) {
      console.log(`  pgbench simple-update, ${clients} clients, ${seconds} s...`);
      base[clients] = pgbench(database.name, clients);
      await sleep(1000);
      console.log(`  transitions through the API, ${clients} clients, ${seconds} s...`);
      const before = await commits();
      const figures = await transitions(clients, seconds);
      const backlogAfter = await backlog();
      const after = await commits();
      // Once the writers stop, how long the dispatcher takes to publish what is left.
      const drainStart = Date.now();
      while ((await backlog()) > 0 && Date.now() - drainStart < 30_000) await sleep(100);
      const drainSeconds = round((Date.now() - drainStart) / 1000, 1);
      ours[clients] = { ...figures, backlogAfter, drainSeconds, transactionsPerRequest: round((after - before) / Math.max(1, figures.requests), 2) };
      await sleep(1000);
    }
    const committed = Number((await db.query<{ n: string }>('select count(*) as n from case_transitions where org_id = $1', [lab.orgId])).rows[0]!.n);
    const refusedInRuns = refused;

    // Where a transition's server time goes: a short profiled run at 10 clients (not one of the figures above).
    await server.child.call('profile-start');
    await transitions(10, Math.min(5, seconds));
    const profile = await server.child.call('profile-stop');
    await sleep(2000);

    // Diagnostic: the same server without its outbox dispatcher, to size the dispatcher's effect on writers.
    await server.child.stop();
    server = await startAppServer(database.url, database.redisPrefix, { BENCH_DISPATCHER: '0' });
    token = await loginToken(server.base, lab.adminEmail);
    await transitions(5, 2);
    const withoutDispatcher: Record<number, LoadFigures> = {};
    for (const clients of clientCounts) {
      console.log(`  diagnostic: transitions with the dispatcher off, ${clients} clients, ${seconds} s...`);
      withoutDispatcher[clients] = await transitions(clients, seconds);
      await sleep(1000);
    }

    await db.end();

    const rows = clientCounts.flatMap((clients) => [
      {
        ...row('transitions (API)', ours[clients]!),
        'x pgbench tps': round(ours[clients]!.reqPerSec / base[clients]!.tps, 3),
        'outbox backlog': ours[clients]!.backlogAfter,
        'drain s': ours[clients]!.drainSeconds,
      },
      { run: 'pgbench simple-update', conns: clients, 'req/s': base[clients]!.tps, 'p50 ms': base[clients]!.p50, 'p99 ms': base[clients]!.p99, 'max ms': base[clients]!.max, load1: base[clients]!.load1 },
      { ...row('diagnostic: dispatcher off', withoutDispatcher[clients]!), 'x pgbench tps': round(withoutDispatcher[clients]!.reqPerSec / base[clients]!.tps, 3) },
    ]);
    table(`transition: ${caseCount.toLocaleString()} cases, ${seconds} s per run (req/s = transitions/s; pgbench: tps)`, rows);
    console.log(`Committed transitions after the measured runs: ${committed}; refused or failed requests in them: ${refusedInRuns}`);
    const ten = ours[10]!;
    const targets = {
      'at least 40% of pgbench simple-update TPS (10 clients)': { value: round(ten.reqPerSec / base[10]!.tps, 3), target: 0.4, met: ten.reqPerSec / base[10]!.tps >= 0.4 },
      'at least 40% of pgbench simple-update TPS (50 clients)': { value: round(ours[50]!.reqPerSec / base[50]!.tps, 3), target: 0.4, met: ours[50]!.reqPerSec / base[50]!.tps >= 0.4 },
      'p99 under 25 ms at 10 clients': { value: ten.p99, target: 25, met: ten.p99 < 25 },
    };
    console.log('Targets:', targets);
    writeResult(name, startedLoad, { settings: { caseCount, seconds, clientCounts, poolMax: 10 }, transitions: ours, pgbench: base, withoutDispatcher, committed, refused: refusedInRuns, profile, targets, table: rows });
  } finally {
    await sleep(2000);
    await server.child.stop();
  }
} finally {
  await database.drop();
}
