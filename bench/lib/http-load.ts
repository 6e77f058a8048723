/**
 * HTTP load with autocannon from the bench's own process against a server child (never the same
 * event loop), bounded by duration or count, to 127.0.0.1 only; with the server's CPU time, its SQL
 * statement count and the load average recorded around each run.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { load, round } from './common';
import { startChild, type Child } from './child';

export interface LoadFigures {
  connections: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  durationS: number;
  serverCores: number;
  queriesPerRequest: number | null;
  load1: number;
}

export interface AppServer {
  child: Child;
  base: string;
  helloBase: string | null;
}

export async function startAppServer(databaseUrl: string, redisPrefix: string, env: Record<string, string> = {}): Promise<AppServer> {
  const child = startChild('app-server', { BENCH_DATABASE_URL: databaseUrl, BENCH_REDIS_PREFIX: redisPrefix, BENCH_JWT_SECRET: randomBytes(32).toString('hex'), ...env });
  const ready = await child.next<{ port: number; helloPort: number | null }>('ready');
  return { child, base: `http://127.0.0.1:${ready.port}`, helloBase: ready.helloPort ? `http://127.0.0.1:${ready.helloPort}` : null };
}

/** One autocannon run with the server's CPU and statement counts around it. */
export async function run(server: Child | null, options: autocannon.Options): Promise<LoadFigures> {
  if (!/^http:\/\/127\.0\.0\.1:/.test(String(options.url))) throw new Error('load goes to 127.0.0.1 only');
  if (!options.duration && !options.amount) throw new Error('a run is bounded by duration or amount');
  await server?.call('cpu-start');
  await server?.call('queries-start').catch(() => undefined);
  const result = await autocannon({ timeout: 30, ...options });
  const cpu = server ? await server.call<{ cores: number }>('cpu-stop') : null;
  const queries = server ? await server.call<number>('queries-stop').catch(() => null) : null;
  const requests = result.requests.total;
  return {
    connections: options.connections ?? 10,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: round(requests / (result.duration || 1), 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: round(result.latency.average),
    durationS: round(result.duration, 1),
    serverCores: cpu ? round(cpu.cores) : Number.NaN,
    queriesPerRequest: queries !== null && requests ? round(queries / requests, 1) : null,
    load1: load()[0],
  };
}

export function row(name: string, f: LoadFigures, extra: Record<string, unknown> = {}) {
  return {
    run: name,
    conns: f.connections,
    'req/s': f.reqPerSec,
    'p50 ms': f.p50,
    'p99 ms': f.p99,
    'max ms': f.max,
    'non-2xx': f.non2xx + f.errors,
    'server cores': f.serverCores,
    'SQL/req': f.queriesPerRequest,
    ...extra,
    load1: f.load1,
  };
}
