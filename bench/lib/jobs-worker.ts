/**
 * Child process: one BullMQ worker. `notifications` runs the real notifications worker
 * (startNotificationsWorker with its shipped concurrency and batched SQL, SmtpSender to SMTP,
 * WhatsAppCloudSender to the WhatsApp-shaped provider); `noop` is the bare BullMQ baseline (a
 * processor that returns at once) at BENCH_CONCURRENCY. It counts completions, the SQL statements
 * its pg clients send, and each job's add-to-start and add-to-finish times (BullMQ's stamps).
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { openOrm } from '../../server/db/orm';
import { startNotificationsWorker } from '../../server/modules/notifications/notifications.queue';
import { SmtpSender, WhatsAppCloudSender } from '../../server/modules/notifications/providers';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { announce, serveRequests } from './child';
import { instrumentProcess, instrumentQueries } from './instruments';
import { startProfiling, type Breakdown } from './profile';

const mode = process.env.BENCH_JOB_MODE ?? 'noop';
const prefix = process.env.BENCH_BULL_PREFIX!;
const queueName = process.env.BENCH_QUEUE ?? 'notifications';
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });

let worker: Worker | null = null;
let completed = 0;
let failed = 0;
let firstStart = Number.NaN;
let lastFinish = Number.NaN;
let addToStart: number[] = [];
let addToFinish: number[] = [];
let email: SmtpSender | null = null;
let stopProfile: (() => Promise<Breakdown>) | null = null;
const orm = mode === 'notifications' ? await openOrm(process.env.BENCH_DATABASE_URL!, Number(process.env.BENCH_POOL ?? 10)) : null;

function watch(w: Worker): void {
  w.on('completed', (job: Job) => {
    completed++;
    if (job.processedOn) {
      firstStart = Number.isNaN(firstStart) ? job.processedOn : Math.min(firstStart, job.processedOn);
      addToStart.push(job.processedOn - job.timestamp);
    }
    if (job.finishedOn) addToFinish.push(job.finishedOn - job.timestamp);
    lastFinish = Number.isNaN(lastFinish) ? (job.finishedOn ?? Date.now()) : Math.max(lastFinish, job.finishedOn ?? Date.now());
  });
  w.on('failed', () => failed++);
}

/** Where a notification job's CPU goes, by who is on the stack: the two sends, the SQL, BullMQ. */
const jobGroups: Record<string, (url: string) => boolean> = {
  'nodemailer (email send)': (url) => url.includes('/node_modules/nodemailer/'),
  'undici fetch (WhatsApp send)': (url) => url.includes('/undici'),
  'SQL (@mikro-orm, knex, pg)': (url) => /\/node_modules\/(@mikro-orm|knex|tarn|pg)/.test(url),
  'bullmq + ioredis': (url) => /\/node_modules\/(bullmq|ioredis)\//.test(url),
  dataloader: (url) => url.includes('/node_modules/dataloader/'),
  'server/modules/notifications': (url) => url.includes('/server/modules/notifications/'),
};

const lag = monitorEventLoopDelay({ resolution: 1 });
serveRequests(
  {
    ...instrumentProcess(lag),
    ...instrumentQueries(),
    'profile-start': async () => {
      stopProfile = await startProfiling(jobGroups);
    },
    'profile-stop': async () => {
      const summary = await stopProfile?.();
      stopProfile = null;
      return summary;
    },
    start: async () => {
      if (mode === 'notifications') {
        email = new SmtpSender(process.env.BENCH_SMTP_URL!);
        const senders = { email, whatsapp: new WhatsAppCloudSender(process.env.BENCH_WHATSAPP_URL!, 'bench-token') };
        worker = startNotificationsWorker(orm!, senders, connection, prefix, pino({ level: 'error' }) as never) as Worker;
      } else {
        worker = new Worker(queueName, async () => null, { connection, prefix, concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1) });
      }
      watch(worker);
      await worker.waitUntilReady();
    },
    reset: () => {
      completed = 0;
      failed = 0;
      firstStart = Number.NaN;
      lastFinish = Number.NaN;
      addToStart = [];
      addToFinish = [];
    },
    /** Waits until `count` jobs ended (or `timeoutMs`); answers the throughput figures. */
    drain: async (args) => {
      const { count, timeoutMs } = args as { count: number; timeoutMs: number };
      const deadline = Date.now() + timeoutMs;
      while (completed + failed < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return { completed, failed, seconds: (lastFinish - firstStart) / 1000, addToStart, addToFinish, concurrency: worker?.opts.concurrency };
    },
  },
  async () => {
    await worker?.close();
    email?.close();
    await orm?.close();
    await connection.quit().catch(() => undefined);
  },
);
announce('ready', { pid: process.pid });
