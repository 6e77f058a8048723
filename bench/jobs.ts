/**
 * jobs: BullMQ notification jobs per second through one worker process running the real
 * notifications worker (concurrency 20): each job upserts its Notification row, re-reads the
 * appointment, patient (consent, address) and professional, renders the template and sends, half
 * by email through a real SMTP server (smtp-server on 127.0.0.1) and half to a local HTTP server
 * shaped like the WhatsApp Cloud API. Throughput: N jobs queued, then the worker started and timed
 * until the last finishes. Latency: jobs added one at a time at a steady rate below capacity;
 * add-to-start = processedOn - timestamp (BullMQ's own stamps, ms).
 * Baseline, same run and Redis: a bare BullMQ worker with a no-op processor at concurrency 1 and 20.
 * Variant: the same worker with a pooled SMTP transport (one connection reused), to size that fix.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { noteLoad, quantile, quick, round, sleep, table, writeResult, load } from './lib/common';
import { startChild, type Child } from './lib/child';
import { createBenchDatabase, rawClient, redisUrl } from './lib/database';
import { addNotificationJobs, notificationsQueueName } from '../server/modules/notifications/notifications.queue';
import type { NotificationJob } from '../server/modules/notifications/notification-rules';
import { hashPassword } from '../server/modules/auth/password';

const name = 'jobs';
const startedLoad = noteLoad(name);
const noopJobs = quick ? 5_000 : 20_000;
const notificationJobs = quick ? 600 : 2_000;
const latencySeconds = quick ? 3 : 8;

// Providers on loopback: count what arrives.
let emails = 0;
let whatsapps = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      emails++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
const smtpPort = (smtp.server.address() as { port: number }).port;
const whatsapp = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    whatsapps++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"messages":[{"id":"wamid.bench"}]}');
  });
});
await new Promise<void>((resolve) => whatsapp.listen(0, '127.0.0.1', () => resolve()));
const whatsappPort = (whatsapp.address() as { port: number }).port;

interface Drain {
  completed: number;
  failed: number;
  seconds: number;
  addToStart: number[];
}

const database = await createBenchDatabase(name);
const bullPrefix = `${database.redisPrefix}:bull`;
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const children: Child[] = [];
try {
  // A clinic: 5 doctors with 200 appointments each, 500 patients consenting to both channels.
  const db = await rawClient(database.url);
  const orgId = randomUUID();
  await db.query(`insert into orgs (id, kind, name, staff_limits, tooth_numbering, created_at) values ($1, 'clinic', 'Bench Dental Clinic', '{}', 'FDI', now())`, [orgId]);
  const hash = await hashPassword('Bench-jobs-1');
  const professionals: string[] = [];
  let bookerId = '';
  for (let i = 0; i < 6; i++) {
    const userId = randomUUID();
    const membershipId = randomUUID();
    await db.query('insert into users (id, email, password_hash, name, created_at) values ($1, $2, $3, $4, now())', [userId, `staff${i}.${orgId.slice(0, 6)}@bench.clinic`, hash, `Staff ${i}`]);
    await db.query('insert into memberships (id, org_id, user_id, role, created_at) values ($1, $2, $3, $4, now())', [membershipId, orgId, userId, i === 5 ? 'receptionist' : 'doctor']);
    if (i === 5) {
      bookerId = userId;
      continue;
    }
    const professionalId = randomUUID();
    await db.query(
      `insert into professional_profiles (id, org_id, membership_id, user_id, display_name, specialty, council_number, room, ticket_prefix, created_at, updated_at)
       values ($1, $2, $3, $4, $5, 'General dentistry', $6, $7, $8, now(), now())`,
      [professionalId, orgId, membershipId, userId, `Dr. Bench ${i + 1}`, `CRO-${1000 + i}`, `Room ${i + 1}`, String.fromCharCode(65 + i)],
    );
    professionals.push(professionalId);
  }
  const patients: string[] = [];
  for (let i = 0; i < 500; i++) {
    const id = randomUUID();
    await db.query(
      `insert into patients (id, org_id, record_number, full_name, date_of_birth, gender, phone, email, consent_email, consent_whatsapp, created_at, updated_at)
       values ($1, $2, $3, $4, '1980-01-01', 'undisclosed', $5, $6, true, true, now(), now())`,
      [id, orgId, `P${String(i).padStart(6, '0')}`, `Patient ${i}`, `+5511${String(900000000 + i)}`, `patient${i}@bench.example`],
    );
    patients.push(id);
  }
  const appointments: string[] = [];
  const day = Date.UTC(2030, 0, 7, 8);
  for (const [p, professionalId] of professionals.entries()) {
    for (let slot = 0; slot < 200; slot++) {
      const id = randomUUID();
      const startsAt = new Date(day + slot * 30 * 60_000);
      await db.query(
        `insert into appointments (id, org_id, patient_id, professional_id, treatment, starts_at, ends_at, duration_minutes, status, context, booked_by_user_id, created_at, updated_at)
         values ($1, $2, $3, $4, 'Check-up and cleaning', $5, $6, 30, 'scheduled', '{}', $7, now(), now())`,
        [id, orgId, patients[(p * 200 + slot) % patients.length], professionalId, startsAt, new Date(startsAt.getTime() + 30 * 60_000), bookerId],
      );
      appointments.push(id);
    }
  }
  await db.query('vacuum analyze');
  await db.end();

  const notifications = new Queue<NotificationJob>(notificationsQueueName, { connection, prefix: bullPrefix });
  let eventNo = 0;
  const jobBatch = (count: number): NotificationJob[] =>
    Array.from({ length: count }, (_, i) => ({
      orgId,
      eventId: `bench-${++eventNo}`,
      template: 'appointment.created' as const,
      channel: i % 2 === 0 ? ('email' as const) : ('whatsapp' as const),
      recipient: 'patient' as const,
      subjectType: 'Appointment' as const,
      subjectId: appointments[eventNo % appointments.length]!,
    }));

  const startWorker = async (env: Record<string, string>) => {
    const child = startChild('jobs-worker', { BENCH_BULL_PREFIX: bullPrefix, BENCH_DATABASE_URL: database.url, BENCH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, BENCH_WHATSAPP_URL: `http://127.0.0.1:${whatsappPort}`, ...env });
    children.push(child);
    await child.next('ready');
    return child;
  };
  const throughput = async (worker: Child, count: number) => {
    await worker.call('reset');
    await worker.call('cpu-start');
    await worker.call('start');
    const drained = await worker.call<Drain>('drain', { count, timeoutMs: 180_000 });
    const cpu = await worker.call<{ cores: number }>('cpu-stop');
    return { jobs: count, completed: drained.completed, failed: drained.failed, seconds: round(drained.seconds, 2), jobsPerSecond: round(drained.completed / drained.seconds, 1), workerCores: round(cpu.cores), load1: load()[0] };
  };

  // Baseline: bare BullMQ, no-op jobs, concurrency 1 and 20.
  const noop: Record<number, Awaited<ReturnType<typeof throughput>>> = {};
  for (const concurrency of [1, 20]) {
    const queueName = `bench-noop-${concurrency}`;
    const queue = new Queue(queueName, { connection, prefix: bullPrefix });
    for (let i = 0; i < noopJobs; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, noopJobs - i) }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts: { removeOnComplete: true } })));
    const worker = await startWorker({ BENCH_JOB_MODE: 'noop', BENCH_QUEUE: queueName, BENCH_CONCURRENCY: String(concurrency) });
    console.log(`  bare BullMQ no-op, concurrency ${concurrency}, ${noopJobs} jobs...`);
    noop[concurrency] = await throughput(worker, noopJobs);
    await worker.stop();
    await queue.obliterate({ force: true });
    await queue.close();
  }

  // The real notifications worker, as shipped.
  const real = async (label: string, env: Record<string, string>) => {
    const before = { emails, whatsapps };
    await addNotificationJobs(notifications, jobBatch(notificationJobs));
    const worker = await startWorker({ BENCH_JOB_MODE: 'notifications', ...env });
    console.log(`  ${label}: ${notificationJobs} jobs queued, worker started...`);
    const figures = await throughput(worker, notificationJobs);
    return { worker, figures: { ...figures, emailsReceived: emails - before.emails, whatsappReceived: whatsapps - before.whatsapps } };
  };
  const shipped = await real('notifications worker (SmtpSender as shipped)', {});

  // Latency: jobs added one by one at a steady rate well under the measured capacity.
  const rate = Math.max(20, Math.min(200, Math.floor(shipped.figures.jobsPerSecond * 0.5)));
  await shipped.worker.call('reset');
  const count = rate * latencySeconds;
  console.log(`  add-to-start: ${count} jobs added one at a time at ${rate}/s...`);
  const begin = Date.now();
  for (let i = 0; i < count; i++) {
    const due = begin + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    await addNotificationJobs(notifications, jobBatch(1));
  }
  const latencyRun = await shipped.worker.call<Drain>('drain', { count, timeoutMs: 120_000 });
  // Where the worker's time goes: a short profiled batch (not one of the figures above).
  await shipped.worker.call('reset');
  await shipped.worker.call('profile-start');
  const profiledJobs = quick ? 200 : 1000;
  await addNotificationJobs(notifications, jobBatch(profiledJobs));
  await shipped.worker.call<Drain>('drain', { count: profiledJobs, timeoutMs: 120_000 });
  const profile = await shipped.worker.call('profile-stop');
  await shipped.worker.stop();

  const pooled = await real('notifications worker with a pooled SMTP transport (variant)', { BENCH_POOLED_SMTP: '1' });
  await pooled.worker.stop();
  const lean = await real('prototype: 3 statements on plain pg + pooled SMTP (variant)', { BENCH_JOB_MODE: 'lean' });
  await lean.worker.stop();
  await notifications.obliterate({ force: true });
  await notifications.close();

  const latency = { rate, jobs: latencyRun.completed, failed: latencyRun.failed, p50: quantile(latencyRun.addToStart, 0.5), p90: quantile(latencyRun.addToStart, 0.9), p99: quantile(latencyRun.addToStart, 0.99), max: Math.max(...latencyRun.addToStart) };
  const rows = [
    { run: 'bare BullMQ no-op', concurrency: 1, jobs: noop[1]!.jobs, 'jobs/s': noop[1]!.jobsPerSecond, 'worker cores': noop[1]!.workerCores, 'x BullMQ 13k anchor': round(noop[1]!.jobsPerSecond / 13_000, 3), load1: noop[1]!.load1 },
    { run: 'bare BullMQ no-op', concurrency: 20, jobs: noop[20]!.jobs, 'jobs/s': noop[20]!.jobsPerSecond, 'worker cores': noop[20]!.workerCores, load1: noop[20]!.load1 },
    {
      run: 'notifications (as shipped)',
      concurrency: 20,
      jobs: shipped.figures.jobs,
      'jobs/s': shipped.figures.jobsPerSecond,
      'worker cores': shipped.figures.workerCores,
      'x no-op c=20': round(shipped.figures.jobsPerSecond / noop[20]!.jobsPerSecond, 4),
      failed: shipped.figures.failed,
      delivered: shipped.figures.emailsReceived + shipped.figures.whatsappReceived,
      load1: shipped.figures.load1,
    },
    {
      run: 'variant: pooled SMTP transport',
      concurrency: 20,
      jobs: pooled.figures.jobs,
      'jobs/s': pooled.figures.jobsPerSecond,
      'worker cores': pooled.figures.workerCores,
      'x no-op c=20': round(pooled.figures.jobsPerSecond / noop[20]!.jobsPerSecond, 4),
      failed: pooled.figures.failed,
      delivered: pooled.figures.emailsReceived + pooled.figures.whatsappReceived,
      load1: pooled.figures.load1,
    },
    {
      run: 'variant: lean prototype (3 SQL, pooled SMTP)',
      concurrency: 20,
      jobs: lean.figures.jobs,
      'jobs/s': lean.figures.jobsPerSecond,
      'worker cores': lean.figures.workerCores,
      'x no-op c=20': round(lean.figures.jobsPerSecond / noop[20]!.jobsPerSecond, 4),
      failed: lean.figures.failed,
      delivered: lean.figures.emailsReceived + lean.figures.whatsappReceived,
      load1: lean.figures.load1,
    },
  ];
  table('jobs: throughput through one worker process', rows);
  table('jobs: add-to-start latency of notification jobs (ms, BullMQ stamps)', [{ 'added/s': rate, jobs: latency.jobs, 'p50 ms': latency.p50, 'p90 ms': latency.p90, 'p99 ms': latency.p99, 'max ms': latency.max }]);
  const targets = { 'at least 2,000 notification jobs/s through one worker': { value: shipped.figures.jobsPerSecond, target: 2000, met: shipped.figures.jobsPerSecond >= 2000 } };
  console.log('Targets:', targets);
  writeResult(name, startedLoad, {
    settings: { noopJobs, notificationJobs, latencySeconds, workerConcurrency: 20 },
    noop,
    notifications: shipped.figures,
    pooledSmtp: pooled.figures,
    leanPrototype: lean.figures,
    addToStartMs: latency,
    profile,
    targets,
    table: rows,
  });
} finally {
  for (const child of children) await child.stop().catch(() => undefined);
  await connection.quit().catch(() => undefined);
  smtp.close();
  whatsapp.close();
  await database.drop();
}
