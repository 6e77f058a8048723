/**
 * Child process: one BullMQ worker. `notifications` runs the real notifications worker
 * (startNotificationsWorker: concurrency 20, the Notification row, consent and address lookups,
 * nodemailer to SMTP, fetch to the WhatsApp-shaped provider); `noop` is the bare BullMQ baseline
 * (a processor that returns at once) at BENCH_CONCURRENCY. BENCH_POOLED_SMTP=1 hands the real worker
 * a pooled nodemailer transport instead of SmtpSender (a fix's expected gain, measured).
 * It counts completions and records each job's add-to-start time (processedOn - timestamp).
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import pino from 'pino';
import { openOrm } from '../../server/db/orm';
import pg from 'pg';
import { notificationJobOptions, notificationsQueueName, startNotificationsWorker } from '../../server/modules/notifications/notifications.queue';
import type { NotificationJob } from '../../server/modules/notifications/notification-rules';
import { render } from '../../server/modules/notifications/templates';
import { SmtpSender, WhatsAppCloudSender, type Sender } from '../../server/modules/notifications/providers';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { announce, serveRequests } from './child';
import { instrumentProcess } from './instruments';

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
let email: SmtpSender | null = null;
const orm = mode === 'notifications' ? await openOrm(process.env.BENCH_DATABASE_URL!, Number(process.env.BENCH_POOL ?? 10)) : null;

function pooledSmtp(url: string): Sender & { close(): void } {
  const transport = createTransport({ url, pool: true, maxConnections: 5, maxMessages: Infinity } as never);
  return {
    send: async (to, message) => {
      await transport.sendMail({ from: 'Cuspid <no-reply@cuspid.app>', to, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}

/**
 * A prototype of the leaner job the report recommends, for its expected gain: the same decisions
 * and the same senders, in three SQL statements on a plain pg pool (claim the row, read every fact
 * in one join, mark it sent) instead of the ORM's eight. Appointment jobs to patients only.
 */
function leanProcessor(pool: pg.Pool, senders: { email: Sender; whatsapp: Sender }) {
  return async (job: Job<NotificationJob>) => {
    const d = job.data;
    const claimed = await pool.query<{ id: string; status: string }>(
      `insert into notifications (id, org_id, key, event_id, template, channel, recipient, subject_type, subject_id, status, attempts, created_at, updated_at)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, 'pending', '[]', now(), now())
       on conflict (key) do update set updated_at = notifications.updated_at returning id, status`,
      [d.orgId, job.id, d.eventId, d.template, d.channel, d.recipient, d.subjectType, d.subjectId],
    );
    const row = claimed.rows[0]!;
    if (row.status === 'sent' || row.status === 'skipped') return row.status;
    const { rows: [f] } = await pool.query<Record<string, string | boolean | Date | null>>(
      `select o.name as org_name, a.treatment, a.starts_at, p.full_name, p.email, p.phone, p.consent_email, p.consent_whatsapp, pp.display_name, pp.room
         from appointments a join patients p on p.id = a.patient_id join professional_profiles pp on pp.id = a.professional_id join orgs o on o.id = a.org_id
        where a.id = $1 and a.org_id = $2`,
      [d.subjectId, d.orgId],
    );
    const consent = d.channel === 'email' ? f?.consent_email : f?.consent_whatsapp;
    const to = d.channel === 'email' ? (f?.email as string | null) : (f?.phone as string);
    if (!f || !consent || !to) {
      await pool.query(`update notifications set status = 'skipped', skip_reason = 'no consent or address', updated_at = now() where id = $1`, [row.id]);
      return 'skipped';
    }
    const name = f.full_name as string;
    const message = render(d.template, { orgName: f.org_name as string, recipientName: name, patientName: name, professionalName: f.display_name as string, room: f.room as string, treatment: f.treatment as string, startsAt: f.starts_at as Date });
    await senders[d.channel].send(to, message);
    await pool.query(`update notifications set status = 'sent', sent_at = now(), updated_at = now(), attempts = attempts || $2::jsonb where id = $1`, [row.id, JSON.stringify([{ at: new Date().toISOString(), outcome: 'sent' }])]);
    return 'sent';
  };
}

function watch(w: Worker): void {
  w.on('completed', (job: Job) => {
    completed++;
    if (job.processedOn) {
      firstStart = Number.isNaN(firstStart) ? job.processedOn : Math.min(firstStart, job.processedOn);
      addToStart.push(job.processedOn - job.timestamp);
    }
    lastFinish = Number.isNaN(lastFinish) ? (job.finishedOn ?? Date.now()) : Math.max(lastFinish, job.finishedOn ?? Date.now());
  });
  w.on('failed', () => failed++);
}

const lag = monitorEventLoopDelay({ resolution: 1 });
serveRequests(
  {
    ...instrumentProcess(lag),
    start: async () => {
      if (mode === 'lean') {
        const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: Number(process.env.BENCH_POOL ?? 10) });
        const senders = { email: pooledSmtp(process.env.BENCH_SMTP_URL!), whatsapp: new WhatsAppCloudSender(process.env.BENCH_WHATSAPP_URL!, 'bench-token') };
        worker = new Worker(notificationsQueueName, leanProcessor(pool, senders), { connection, prefix, concurrency: 20 });
        void notificationJobOptions;
      } else if (mode === 'notifications') {
        const logger = pino({ level: 'error' });
        const pooled = process.env.BENCH_POOLED_SMTP === '1';
        email = pooled ? null : new SmtpSender(process.env.BENCH_SMTP_URL!);
        const senders = {
          email: pooled ? pooledSmtp(process.env.BENCH_SMTP_URL!) : email,
          whatsapp: new WhatsAppCloudSender(process.env.BENCH_WHATSAPP_URL!, 'bench-token'),
        };
        worker = startNotificationsWorker(orm!, senders, connection, prefix, logger as never) as Worker;
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
    },
    /** Waits until `count` jobs ended (or `timeoutMs`); answers the throughput figures. */
    drain: async (args) => {
      const { count, timeoutMs } = args as { count: number; timeoutMs: number };
      const deadline = Date.now() + timeoutMs;
      while (completed + failed < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return { completed, failed, seconds: (lastFinish - firstStart) / 1000, addToStart };
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
