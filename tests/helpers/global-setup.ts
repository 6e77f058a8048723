import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openOrm, migrate } from '../../server/db/orm';
import { adminUrl, databaseUrl, dropDatabase, dropLeftovers, runPrefix, templateName, withAdmin } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    runPrefix: string;
  }
}

/** Migrates one template database per run; every test file clones it (fast) instead of migrating. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `${templateName(process.pid)}_${project.name.replace(/\W/g, '_')}`;
  await withAdmin(async (client) => {
    await dropLeftovers(client);
    await dropDatabase(client, template);
    await client.query(`create database "${template}"`);
  });
  const orm = await openOrm(databaseUrl(template), 1);
  await migrate(orm);
  await orm.close();
  await withTemplate(template, (client) => client.query(revealSensitiveWrites));
  project.provide('templateDatabase', template);
  project.provide('runPrefix', runPrefix(process.pid));
  const scan = logScan.start();
  return async () => {
    try {
      await withAdmin((client) => dropDatabase(client, template));
    } finally {
      await scan.finish();
    }
  };
}

async function withTemplate<T>(template: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(template) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/*
 * The log scan (issue 9: "a scan of all log output of the full test run finds no seeded patient
 * name, phone or note").
 *
 * Logs: every Node process of the run (vitest's workers and every server, worker or script they
 * spawn: they inherit NODE_OPTIONS) preloads a tee that appends each pino line, after redaction, to
 * a file of its own in the run's directory under os.tmpdir(), from pino's `pino_asJson` tracing
 * channel. That covers every createTestApp and secondNode log stream and every spawned server's logs;
 * spawned processes also copy whatever they print to stdout and stderr (stack traces, warnings).
 *
 * Health data: the template database gets triggers that NOTIFY the names, phones, addresses, medical
 * histories and notes of every committed patient, lab case and treatment record. This process LISTENs
 * on every test database of the run from moments after it is cloned (reading the rows already there
 * when it connects) until it is dropped, so it knows every such value any test wrote, by any route.
 *
 * When the last project of the run ends, every log file is searched for every value (as written, as
 * JSON escapes it and as a URL encodes it; phones by their digits): any hit fails the run, naming the
 * file, the line and the column the value came from, never the value itself.
 */
const notifyChannel = 'cuspid_log_scan';

/**
 * NOTIFY payloads stop at 8000 bytes: each value is cut to 300 characters (a prefix finds a leak as
 * well as the whole), and a NOTIFY that fails anyway must never fail the test's own write.
 */
const sensitiveColumns: Record<string, Record<string, string>> = {
  patients: { full_name: 'full_name', phone: 'phone', email: 'email', address: 'address', medical_history: 'medical_history' },
  lab_cases: { patient_name: 'patient_name', notes: 'notes', adjustment_notes: 'adjustment_notes', 'last_remake.details': "last_remake ->> 'details'" },
  treatment_records: { diagnosis: 'diagnosis', notes: 'notes' },
};

const revealSensitiveWrites = Object.entries(sensitiveColumns)
  .map(([table, columns]) => {
    const pairs = Object.entries(columns).map(([column, value]) => `'${table}.${column}', left(new.${value}, 300)`);
    return `
      create function cuspid_log_scan_${table}() returns trigger language plpgsql as $$ begin
        begin
          perform pg_notify('${notifyChannel}', json_build_object(${pairs.join(', ')})::text);
        exception when others then null;
        end;
        return null;
      end $$;
      create trigger cuspid_log_scan after insert or update on ${table} for each row execute function cuspid_log_scan_${table}();`;
  })
  .join('\n');

/** The same columns of the rows already there when this process starts listening to a database. */
const existingSensitiveValues = Object.entries(sensitiveColumns)
  .map(([table, columns]) => `select json_build_object(${Object.entries(columns).map(([column, value]) => `'${table}.${column}', ${value}`).join(', ')})::text as v from ${table}`)
  .join(' union all ');

/** Loaded through NODE_OPTIONS by every Node process of the run; plain JavaScript, no dependencies. */
const teeSource = `
import { subscribe } from 'node:diagnostics_channel';
import { openSync, writeSync } from 'node:fs';
const dir = process.env.CUSPID_LOG_SCAN_DIR;
if (dir) {
  let fd = null;
  const append = (text) => {
    try {
      fd ??= openSync(dir + '/' + process.pid + '.log', 'a');
      writeSync(fd, text);
    } catch {}
  };
  subscribe('tracing:pino_asJson:end', (context) => {
    if (typeof context.result === 'string') append(context.result);
  });
  // vitest's own workers print test results (which may quote data on purpose); anything else's output is a log.
  if (!/vitest[\\\\/]dist/.test(process.argv[1] ?? '')) {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      stream.write = function (chunk, ...rest) {
        append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return write.call(this, chunk, ...rest);
      };
    }
  }
}
`;

interface LogScan {
  start(): { finish(): Promise<void> };
}

/** One scan per vitest process, shared by its projects: the last project to finish runs it. */
const logScan: LogScan = ((globalThis as { cuspidLogScan?: LogScan }).cuspidLogScan ??= createLogScan());

function createLogScan(): LogScan {
  const dir = join(tmpdir(), `cuspid-log-scan-${process.pid}`);
  const databasePattern = new RegExp(`^${runPrefix(process.pid)}[0-9a-f]{8}$`);
  /** Sensitive value -> the column it came from. */
  const values = new Map<string, string>();
  const listeners = new Map<string, pg.Client>();
  let projects = 0;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;

  const collect = (json: string) => {
    try {
      for (const [column, value] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
        if (typeof value === 'string') values.set(value, column);
      }
    } catch {
      // A payload cut short is no value to look for.
    }
  };

  async function follow(name: string): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl(name) });
    listeners.set(name, client);
    // Dropping the database (or a PostgreSQL restart in the faults project) ends the session.
    client.on('error', () => listeners.delete(name));
    client.on('end', () => listeners.delete(name));
    client.on('notification', (message) => message.payload && collect(message.payload));
    try {
      await client.connect();
      await client.query(`listen ${notifyChannel}`);
      // Listening first, then reading: a row committed in between is seen at least once.
      const { rows } = await client.query<{ v: string }>(existingSensitiveValues);
      for (const row of rows) collect(row.v);
    } catch {
      listeners.delete(name);
      await client.end().catch(() => undefined);
    }
  }

  let admin: pg.Client | null = null;
  async function poll(): Promise<void> {
    try {
      if (!admin) {
        const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
        client.on('error', () => (admin = null));
        await client.connect();
        admin = client;
      }
      const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${runPrefix(process.pid)}%`]);
      await Promise.all(rows.filter((r) => databasePattern.test(r.datname) && !listeners.has(r.datname)).map((r) => follow(r.datname)));
    } catch {
      // PostgreSQL away (the faults project stops it): the next poll reconnects and rereads.
      await admin?.end().catch(() => undefined);
      admin = null;
    }
  }

  function begin(): void {
    removeLeftoverDirectories();
    mkdirSync(dir, { recursive: true });
    const tee = join(dir, 'tee.mjs');
    writeFileSync(tee, teeSource);
    process.env.CUSPID_LOG_SCAN_DIR = dir;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(tee).href}`.trim();
    const tick = () => {
      timer = setTimeout(() => {
        polling = poll().finally(() => {
          polling = null;
          if (timer) tick();
        });
      }, 200);
      timer.unref();
    };
    tick();
  }

  async function finish(): Promise<void> {
    if (--projects > 0) return;
    const stopping = timer;
    timer = null;
    if (stopping) clearTimeout(stopping);
    await polling;
    await Promise.all([...listeners.values(), ...(admin ? [admin] : [])].map((client) => client.end().catch(() => undefined)));
    const leaks = scan(dir, values);
    const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
    const bytes = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    if (leaks.length) {
      // vitest prints a teardown error but would still exit 0.
      process.exitCode = 1;
      throw new Error(
        `Health data reached the logs (${leaks.length} hits; the logs are kept in ${dir}):\n` +
          leaks.slice(0, 20).map((l) => `  ${l.file}:${l.line} holds ${l.column} (${mask(l.value)})`).join('\n'),
      );
    }
    console.info(`log scan: ${values.size} patient names, phones, addresses and notes searched for in ${files.length} log files (${(bytes / 1e6).toFixed(1)} MB): none found`);
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    start() {
      if (projects++ === 0) begin();
      return { finish };
    },
  };
}

/** Directories of runs whose vitest process is gone, after a day (a failed scan keeps its logs to look at). */
function removeLeftoverDirectories(): void {
  for (const entry of readdirSync(tmpdir())) {
    const match = /^cuspid-log-scan-(\d+)$/.exec(entry);
    if (!match || Number(match[1]) === process.pid) continue;
    const path = join(tmpdir(), entry);
    if (Date.now() - statSync(path).mtimeMs < 86_400_000) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

interface Leak {
  file: string;
  line: number;
  column: string;
  value: string;
}

/** What a value looks like in a log: as written, JSON-escaped, URL-encoded; a phone by its digits. */
function needles(value: string, column: string): string[] {
  if (column.endsWith('.phone')) {
    const digits = value.replace(/\D/g, '');
    return digits.length >= 8 ? [digits] : [];
  }
  const trimmed = value.trim();
  // Short values ("Ann", "A2") and single lower-case words (a board test's case named "today")
  // would match the logs' own vocabulary: paths, messages, keys. Names and notes are longer.
  if (trimmed.length < 5 || /^[a-z]+$/.test(trimmed)) return [];
  return [...new Set([trimmed, JSON.stringify(trimmed).slice(1, -1), encodeURIComponent(trimmed)])];
}

/** Every needle in every log file, bucketed by its first three characters so each file is read once. */
function scan(dir: string, values: Map<string, string>): Leak[] {
  const buckets = new Map<number, { needle: string; value: string; column: string }[]>();
  const key = (text: string, i: number) => text.charCodeAt(i) * 2 ** 32 + text.charCodeAt(i + 1) * 2 ** 16 + text.charCodeAt(i + 2);
  for (const [value, column] of values) {
    for (const needle of needles(value, column)) {
      const bucket = buckets.get(key(needle, 0)) ?? [];
      bucket.push({ needle, value, column });
      buckets.set(key(needle, 0), bucket);
    }
  }
  const leaks: Leak[] = [];
  if (!existsSync(dir)) return leaks;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (let i = 0; i + 3 <= text.length; i++) {
      const bucket = buckets.get(key(text, i));
      if (!bucket) continue;
      for (const candidate of bucket) {
        if (text.startsWith(candidate.needle, i) && leaks.length < 50) {
          const line = text.slice(0, i).split('\n').length;
          leaks.push({ file: join(dir, file), line, column: candidate.column, value: candidate.value });
        }
      }
    }
  }
  return leaks;
}

/** Enough of a value to find it in the test that wrote it, not enough to print health data. */
function mask(value: string): string {
  return value.length <= 4 ? '****' : `${value.slice(0, 2)}${'*'.repeat(Math.min(value.length - 3, 12))}${value.slice(-1)}`;
}
