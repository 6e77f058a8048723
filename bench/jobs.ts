/**
 * jobs: BullMQ notification jobs per second through one worker process running the real
 * notifications worker (startNotificationsWorker as shipped: its concurrency, the SQL of the jobs
 * in flight shared in batches, a pooled SMTP transport): each job claims its Notification row,
 * re-reads the appointment, patient (consent, address) and professional, renders the template and
 * sends, half by email through a real SMTP server (smtp-server on 127.0.0.1) and half to a local
 * HTTP server shaped like the WhatsApp Cloud API. Throughput: N jobs queued, then the worker
 * started and timed until the last finishes; its CPU and the SQL statements it sent, per job.
 * Latency: jobs added one at a time at a steady rate below capacity; add-to-start =
 * processedOn - timestamp and add-to-finish = finishedOn - timestamp (BullMQ's own stamps, ms).
 * Baseline, same run and Redis: a bare BullMQ worker with a no-op processor at concurrency 1 and 20.
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
import { serverTimeZone } from '../server/shared/time-zone';

const name = 'jobs';
const startedLoad = noteLoad(name);
const noopJobs = quick ? 5_000 : 20_000;
const notificationJobs = quick ? 2_000 : 10_000;
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
  addToFinish: number[];
  concurrency: number;
}

const database = await createBenchDatabase(name);
const bullPrefix = `${database.redisPrefix}:bull`;
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const children: Child[] = [];
try {
  // A clinic: 5 doctors with 200 appointments each, 500 patients consenting to both channels.
  const db = await rawClient(database.url);
  const orgId = randomUUID();
  await db.query(`insert into orgs (id, kind, name, staff_limits, tooth_numbering, time_zone, created_at) values ($1, 'clinic', 'Bench Dental Clinic', '{}', 'FDI', $2, now())`, [orgId, serverTimeZone]);
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
    await worker.call('queries-start');
    await worker.call('cpu-start');
    await worker.call('start');
    const drained = await worker.call<Drain>('drain', { count, timeoutMs: 180_000 });
    const cpu = await worker.call<{ userMs: number; systemMs: number; cores: number }>('cpu-stop');
    const statements = await worker.call<number>('queries-stop');
    return {
      jobs: count,
      concurrency: drained.concurrency,
      completed: drained.completed,
      failed: drained.failed,
      seconds: round(drained.seconds, 2),
      jobsPerSecond: round(drained.completed / drained.seconds, 1),
      workerCores: round(cpu.cores),
      // Load-independent: the worker's own CPU (start-up included) and statements, per job.
      cpuMsPerJob: round((cpu.userMs + cpu.systemMs) / count, 3),
      statementsPerJob: round(statements / count, 3),
      load1: load()[0],
    };
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
  await addNotificationJobs(notifications, jobBatch(notificationJobs));
  const worker = await startWorker({ BENCH_JOB_MODE: 'notifications' });
  console.log(`  notifications worker: ${notificationJobs} jobs queued, worker started...`);
  const shipped = { ...(await throughput(worker, notificationJobs)), emailsReceived: emails, whatsappReceived: whatsapps };

  // Latency: jobs added one by one at a steady rate well under the measured capacity, into the
  // notifications worker and, at the same rate, into a no-op worker (what BullMQ alone gives here).
  const ms = (values: number[]) => ({ p50: quantile(values, 0.5), p90: quantile(values, 0.9), p99: quantile(values, 0.99), max: Math.max(...values) });
  const rate = Math.max(20, Math.min(500, Math.floor(shipped.jobsPerSecond * 0.5)));
  const steady = async (target: Child, add: () => Promise<unknown>) => {
    await target.call('reset');
    const count = rate * latencySeconds;
    const begin = Date.now();
    for (let i = 0; i < count; i++) {
      const due = begin + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      await add();
    }
    const run = await target.call<Drain>('drain', { count, timeoutMs: 120_000 });
    return { rate, jobs: run.completed, failed: run.failed, addToStart: ms(run.addToStart), addToFinish: ms(run.addToFinish) };
  };
  console.log(`  latency: ${rate * latencySeconds} jobs added one at a time at ${rate}/s...`);
  const latency = await steady(worker, () => addNotificationJobs(notifications, jobBatch(1)));
  // Where the worker's time goes: a short profiled batch (not one of the figures above).
  await worker.call('reset');
  await worker.call('profile-start');
  const profiledJobs = quick ? 1000 : 5000;
  await addNotificationJobs(notifications, jobBatch(profiledJobs));
  await worker.call<Drain>('drain', { count: profiledJobs, timeoutMs: 120_000 });
  const profile = await worker.call('profile-stop');
  await worker.stop();
  await notifications.obliterate({ force: true });
  await notifications.close();

  const noopQueue = new Queue('bench-noop-latency', { connection, prefix: bullPrefix });
  const noopWorker = await startWorker({ BENCH_JOB_MODE: 'noop', BENCH_QUEUE: 'bench-noop-latency', BENCH_CONCURRENCY: '20' });
  await noopWorker.call('start');
  console.log(`  latency of a no-op worker at ${rate}/s...`);
  const noopLatency = await steady(noopWorker, () => noopQueue.add('noop', {}, { removeOnComplete: true }));
  await noopWorker.stop();
  await noopQueue.obliterate({ force: true });
  await noopQueue.close();

  const rows = [
    { run: 'bare BullMQ no-op', concurrency: 1, jobs: noop[1]!.jobs, 'jobs/s': noop[1]!.jobsPerSecond, 'worker cores': noop[1]!.workerCores, 'CPU ms/job': noop[1]!.cpuMsPerJob, 'x BullMQ 13k anchor': round(noop[1]!.jobsPerSecond / 13_000, 3), load1: noop[1]!.load1 },
    { run: 'bare BullMQ no-op', concurrency: 20, jobs: noop[20]!.jobs, 'jobs/s': noop[20]!.jobsPerSecond, 'worker cores': noop[20]!.workerCores, 'CPU ms/job': noop[20]!.cpuMsPerJob, load1: noop[20]!.load1 },
    {
      run: 'notifications (as shipped)',
      concurrency: shipped.concurrency,
      jobs: shipped.jobs,
      'jobs/s': shipped.jobsPerSecond,
      'worker cores': shipped.workerCores,
      'CPU ms/job': shipped.cpuMsPerJob,
      'SQL/job': shipped.statementsPerJob,
      'x no-op c=20': round(shipped.jobsPerSecond / noop[20]!.jobsPerSecond, 4),
      failed: shipped.failed,
      delivered: shipped.emailsReceived + shipped.whatsappReceived,
      load1: shipped.load1,
    },
  ];
  table('jobs: throughput through one worker process', rows);
  const latencyRows = (
    [
      ['notifications', latency],
      ['bare BullMQ no-op, c=20', noopLatency],
    ] as const
  ).flatMap(([run, figures]) =>
    (['addToStart', 'addToFinish'] as const).map((stamp) => ({ run, latency: stamp, 'added/s': rate, jobs: figures.jobs, 'p50 ms': figures[stamp].p50, 'p90 ms': figures[stamp].p90, 'p99 ms': figures[stamp].p99, 'max ms': figures[stamp].max })),
  );
  table('jobs: latency of jobs added one at a time (ms, BullMQ stamps)', latencyRows);
  const targets = { 'at least 2,000 notification jobs/s through one worker': { value: shipped.jobsPerSecond, target: 2000, met: shipped.jobsPerSecond >= 2000 } };
  console.log('Targets:', targets);
  writeResult(name, startedLoad, {
    settings: { noopJobs, notificationJobs, latencySeconds, workerConcurrency: shipped.concurrency },
    noop,
    notifications: shipped,
    latencyMs: { notifications: latency, noop: noopLatency },
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
