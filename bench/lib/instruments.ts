/**
 * Instruments a server child exposes over IPC. Nothing here changes what the server does: the
 * broadcast timer wraps socket.io-adapter's in-memory broadcast (which both the bare server and the
 * Redis adapter end in, for the sockets of this process) to time it.
 */
import type { ELDHistogram } from 'node:perf_hooks';
import pg from 'pg';
import { Server } from 'socket.io';
import { nowMs } from './common';
import { defaultGroups, startProfiling, type Breakdown } from './profile';

const gc = (globalThis as { gc?: () => void }).gc;

export function memoryAfterGc() {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

export function instrumentProcess(lag: ELDHistogram) {
  let cpuStart: NodeJS.CpuUsage | null = null;
  let cpuWall = 0;
  let stopProfile: (() => Promise<Breakdown>) | null = null;
  return {
    memory: () => memoryAfterGc(),
    'lag-start': () => {
      lag.reset();
      lag.enable();
    },
    'lag-stop': () => {
      lag.disable();
      const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
      return { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max), mean: ms(lag.mean) };
    },
    'cpu-start': () => {
      cpuStart = process.cpuUsage();
      cpuWall = nowMs();
    },
    'cpu-stop': () => {
      const used = process.cpuUsage(cpuStart ?? undefined);
      const wall = nowMs() - cpuWall;
      return { userMs: used.user / 1000, systemMs: used.system / 1000, wallMs: wall, cores: (used.user + used.system) / 1000 / wall };
    },
    'profile-start': async () => {
      stopProfile = await startProfiling(defaultGroups);
    },
    'profile-stop': async () => {
      const summary = await stopProfile?.();
      stopProfile = null;
      return summary;
    },
  };
}

type Adapter = ReturnType<Server['of']>['adapter'];

export interface BroadcastTiming {
  /** Monotonic ms when the broadcast began writing (comparable across processes). */
  at: number;
  /** How long writing the packet to every local recipient took. */
  ms: number;
  recipients: number;
  /** The envelope's caseId and version, to match the broadcast with the change that caused it. */
  key: string | null;
}

export function instrumentBroadcasts() {
  let recording = false;
  let timings: BroadcastTiming[] = [];
  // socket.io-adapter's in-memory Adapter, reached through a throwaway Server (it is not a direct
  // dependency; the probe has no HTTP server, so nothing to close); the Redis adapter extends the
  // same class and ends in its broadcast.
  const probe = new Server();
  const proto = Object.getPrototypeOf(probe.of('/').adapter) as Adapter;
  const original = proto.broadcast;
  proto.broadcast = function (this: Adapter, packet: { data?: unknown[] }, opts: { rooms: Set<string> }) {
    if (!recording) return original.call(this, packet as never, opts as never);
    const start = nowMs();
    let recipients = 0;
    for (const room of opts.rooms ?? []) recipients += this.rooms.get(room)?.size ?? 0;
    original.call(this, packet as never, opts as never);
    const payload = (packet.data?.[1] as { payload?: { caseId?: string; version?: number; key?: string } } | undefined)?.payload;
    const key = payload?.key ?? (payload?.caseId ? `${payload.caseId}@${payload.version}` : null);
    timings.push({ at: start, ms: nowMs() - start, recipients, key });
  } as typeof original;
  return {
    handlers: {
      'broadcasts-start': () => {
        timings = [];
        recording = true;
      },
      'broadcasts-stop': () => {
        recording = false;
        return timings;
      },
    },
  };
}

/** Counts the SQL statements every pg client of this process sends (the ORM's and the dispatcher's). */
export function instrumentQueries() {
  let count = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    count++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return {
    'queries-start': () => {
      count = 0;
    },
    'queries-stop': () => count,
  };
}
