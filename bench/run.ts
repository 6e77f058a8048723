/**
 * npm run bench                      every scenario, one after the other
 * npm run bench -- <name> [<name>]   only those (api-read, transition, fanout, multinode, jobs,
 *                                    wait-prediction, machines, screen-latency)
 * npm run bench -- --quick           a short smoke pass (smaller sizes and windows)
 *
 * Each scenario runs in a process of its own (bench/<name>.ts), against real PostgreSQL
 * (127.0.0.1:5432, a bench_* database it creates and drops) and Redis (127.0.0.1:6379, a key prefix
 * of its own, deleted afterwards), prints its table and writes bench/results/<name>.json.
 * See docs/BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { benchDir, load, nowMs, round } from './lib/common';
import { dropLeftoverBenchDatabases } from './lib/database';

export const scenarios = ['machines', 'wait-prediction', 'api-read', 'transition', 'jobs', 'fanout', 'multinode', 'screen-latency'] as const;

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !(scenarios as readonly string[]).includes(n));
if (unknown.length) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${scenarios.join(', ')}`);
  process.exit(2);
}
const selected = names.length ? scenarios.filter((s) => names.includes(s)) : [...scenarios];

await dropLeftoverBenchDatabases();
const outcomes: { scenario: string; ok: boolean; seconds: number; loadStart: number; loadEnd: number }[] = [];
for (const scenario of selected) {
  console.log(`\n=== ${scenario} ${flags.join(' ')} (load ${load().join(' / ')}) ===`);
  const started = nowMs();
  const loadStart = load()[0];
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(benchDir, `${scenario}.ts`), ...flags], { stdio: 'inherit' });
    child.on('exit', (c) => done(c ?? 1));
  });
  outcomes.push({ scenario, ok: code === 0, seconds: round((nowMs() - started) / 1000, 1), loadStart, loadEnd: load()[0] });
}

console.log('\n=== summary ===');
for (const o of outcomes) {
  const file = resolve(benchDir, 'results', `${o.scenario}.json`);
  const targets = o.ok && existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { targets?: Record<string, { value: number; target: number; met: boolean }> }).targets ?? {}) : {};
  const verdicts = Object.entries(targets).map(([what, t]) => `${t.met ? 'met' : 'MISSED'}: ${what} (${t.value} vs ${t.target})`);
  console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.scenario.padEnd(16)} ${String(o.seconds).padStart(6)} s  load ${o.loadStart} -> ${o.loadEnd}${verdicts.length ? `\n       ${verdicts.join('\n       ')}` : ''}`);
}
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
