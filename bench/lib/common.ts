/**
 * What every scenario shares: the --quick flag, the machine's description, the load average at
 * the time of a run, percentiles, a plain text table, and the result file bench/results/<name>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = resolve(benchDir, '..');

/** `--quick`: a short smoke pass (smaller sizes, shorter windows); figures are then indicative only. */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The 1, 5 and 15 minute load averages, rounded: other engineers' test suites share these two cores. */
export function load(): [number, number, number] {
  return loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
}

/** Linux PSI: the share of the last 10 s in which some runnable task waited for a CPU (null where unavailable). */
export function cpuPressure(): number | null {
  try {
    const match = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Versions of what the figures depend on. */
export function machine() {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(resolve(repoDir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: version('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-Atc', 'show server_version', 'postgres']),
    redis: version('redis-cli', ['-h', '127.0.0.1', 'info', 'server']).match(/redis_version:(\S+)/)?.[1] ?? 'unknown',
    packages: Object.fromEntries(['fastify', 'socket.io', 'ws', 'bufferutil', 'bullmq', 'xstate', '@mikro-orm/core', 'autocannon'].map((p) => [p, pkg(p)])),
  };
}

/** The value at quantile q (0..1) of unsorted numbers, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function stats(values: number[], digits = 2) {
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    n: values.length,
    mean: r(values.reduce((a, b) => a + b, 0) / (values.length || 1)),
    p50: r(quantile(values, 0.5)),
    p90: r(quantile(values, 0.9)),
    p99: r(quantile(values, 0.99)),
    max: r(values.length ? Math.max(...values) : Number.NaN),
  };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** Prints rows as an aligned text table. */
export function table(title: string, rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return `${title}: (no rows)`;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : String(round(v))) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => cell(row[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  const text = [`\n${title}`, line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(columns.map((c) => cell(row[c]))))].join('\n');
  console.log(text);
  return text;
}

/**
 * Writes bench/results/<name>.json with the machine, the load before and after, and the figures.
 * Returns the file path.
 */
export function writeResult(name: string, startedLoad: [number, number, number], body: Record<string, unknown>): string {
  const file = resolve(benchDir, 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const result = { benchmark: name, at: new Date().toISOString(), quick, machine: machine(), loadAverage: { start: startedLoad, end: load() }, cpuPressureAvg10: { start: startPressure, end: cpuPressure() }, ...body };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWritten to ${file} (load average at start ${startedLoad.join(' / ')}, at end ${load().join(' / ')})`);
  return file;
}

/** Warns when the machine is busy before a run: figures taken then are worth re-running. */
let startPressure: number | null = null;
export function noteLoad(name: string): [number, number, number] {
  const now = load();
  startPressure = cpuPressure();
  const busy = now[0] > cpus().length * 0.75;
  console.log(`[${name}] load average ${now.join(' / ')} on ${cpus().length} cores, CPU pressure ${startPressure ?? 'n/a'}%${busy ? ' (busy: other work is running; figures will be noisy)' : ''}`);
  return now;
}

/** Monotonic nanoseconds as a number of milliseconds; CLOCK_MONOTONIC is system-wide, so processes on one machine compare. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
