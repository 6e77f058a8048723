import { fork } from 'node:child_process';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { startSmtp, type Mail } from '../helpers/smtp';
import { startWhatsApp, type WhatsAppRequest } from '../helpers/whatsapp';
import { startDispatcher, until } from '../helpers/live';
import { clinicApp, normalVitals, ok, registerPatient, seedClinic, slotFromNow, type Clinic } from './clinic-support';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { startWorkers } from '../../server/queues';
import { addNotificationJobs, notificationProcessor, notificationsQueueName } from '../../server/modules/notifications/notifications.queue';
import { WhatsAppCloudSender, SmtpSender } from '../../server/modules/notifications/providers';
import type { NotificationJob } from '../../server/modules/notifications/notification-rules';

let t: TestApp;
let call: Call;
let c: Clinic;
let dispatcher: OutboxDispatcher;
let stopWorkers: () => Promise<void>;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let whatsapp: Awaited<ReturnType<typeof startWhatsApp>>;
const mails: Mail[] = [];
const messages: WhatsAppRequest[] = [];
/** Phone number -> scripted answers, consumed in order; default 200. */
const script = new Map<string, (number | 'hang')[]>();

beforeAll(async () => {
  smtp = await startSmtp(mails);
  whatsapp = await startWhatsApp(messages, (request) => script.get(request.to)?.shift() ?? 200);
  ({ t, call, c } = await clinicApp({ SMTP_URL: smtp.url, WHATSAPP_API_URL: whatsapp.url, WHATSAPP_TOKEN: 'wa-test-token' }));
  dispatcher = await startDispatcher(t);
  stopWorkers = await startWorkers(t.orm, t.config, t.queues, t.app.log);
});
afterAll(async () => {
  await stopWorkers();
  await dispatcher.stop();
  await t.close();
  await smtp.close();
  await whatsapp.close();
});

const notifications = (subjectId: string) =>
  t.orm.em.fork().getConnection().execute<{ template: string; channel: string; recipient: string; status: string; skip_reason: string | null; attempts: { outcome: string }[] }[]>(
    'select template, channel, recipient, status, skip_reason, attempts from notifications where subject_id = ? order by created_at, template, channel, recipient',
    [subjectId],
  );

describe('notifications', () => {
  it('tells patient and professional of a booking, a change, a finish and a cancellation by email and WhatsApp', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Helena Prates', email: 'helena@example.test', phone: '+5511911112222', consentEmail: true, consentWhatsapp: true });
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drA.professionalId, treatment: 'Root canal', startsAt: slotFromNow(4, 60), durationMinutes: 60 } }), 201);
    const moved = await ok(call({ method: 'PATCH', url: c.url(`/appointments/${booked.id}/reschedule`), token: c.tokens.receptionist, payload: { startsAt: slotFromNow(1, 60), version: booked.version } }));
    const visit = await ok(call({ method: 'POST', url: c.url('/visits/check-in'), token: c.tokens.receptionist, payload: { appointmentId: booked.id, vitals: normalVitals } }), 201);
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/start`), token: c.drA.token, payload: {} }));
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/complete`), token: c.drA.token, payload: {} }));
    const current = await ok(call({ method: 'GET', url: c.url(`/appointments?patientId=${patient.id}`), token: c.tokens.receptionist }));
    const version = (current.items ?? current).find((a: { id: string }) => a.id === booked.id).version;
    await ok(call({ method: 'POST', url: c.url(`/appointments/${booked.id}/finish`), token: c.tokens.receptionist, payload: { version } }));
    const second = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drA.professionalId, treatment: 'Cleaning', startsAt: slotFromNow(8) } }), 201);
    await ok(call({ method: 'POST', url: c.url(`/appointments/${second.id}/cancel`), token: c.tokens.receptionist, payload: { version: second.version, reason: 'Patient travelling' } }));
    expect(moved.id).toBe(booked.id);

    const toPatient = (subject: RegExp) => mails.filter((m) => m.to.includes('helena@example.test') && subject.test(m.subject));
    await until(() => mails.filter((m) => /Appointment cancelled/.test(m.subject)).length === 2 && messages.filter((m) => m.to === '5511911112222').length >= 5, 20_000, 'every message');
    for (const subject of [/Appointment booked: Root canal/, /Appointment moved/, /Appointment finished: Root canal/, /Appointment cancelled: Cleaning/]) {
      expect(toPatient(subject), String(subject)).toHaveLength(1);
      const doctorCopy = mails.filter((m) => subject.test(m.subject) && !m.to.includes('helena@example.test'));
      expect(doctorCopy, String(subject)).toHaveLength(1);
      expect(doctorCopy[0]!.body).toContain('Helena Prates');
    }
    expect(toPatient(/booked/)[0]!.body).toContain('Root canal');
    const texts = messages.filter((m) => m.to === '5511911112222').map((m) => m.text);
    for (const words of ['is booked at', 'now takes place on', 'is finished', 'was cancelled', 'is being called']) expect(texts.some((text) => text.includes(words)), words).toBe(true);
    expect(messages.every((m) => m.authorization === 'Bearer wa-test-token')).toBe(true);
    // Staff have no WhatsApp number on file: decided and recorded, not lost.
    const rows = await notifications(booked.id);
    expect(rows.filter((r) => r.recipient === 'professional' && r.channel === 'whatsapp').every((r) => r.status === 'skipped')).toBe(true);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(9);
  });

  it('sends nothing where the patient gave no consent, and says so', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Sem Consentimento', email: 'no.consent@example.test', phone: '+5511933334444', consentEmail: false, consentWhatsapp: false });
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Check-up', startsAt: slotFromNow(10) } }), 201);
    const settled = async () => (await notifications(booked.id)).filter((r) => r.status === 'pending' || r.status === 'retrying').length === 0 && (await notifications(booked.id)).length === 4;
    for (let i = 0; i < 100 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 100));
    const rows = await notifications(booked.id);
    expect(rows.filter((r) => r.recipient === 'patient').map((r) => [r.channel, r.status, r.skip_reason])).toEqual([
      ['email', 'skipped', 'no consent to email'],
      ['whatsapp', 'skipped', 'no consent to WhatsApp'],
    ]);
    expect(mails.some((m) => m.to.includes('no.consent@example.test'))).toBe(false);
    expect(messages.some((m) => m.to === '5511933334444')).toBe(false);
  });

  it('retries a provider that fails twice and records every attempt', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Rita Retry', phone: '+5511955556666', consentWhatsapp: true });
    script.set('5511955556666', [500, 500, 200]);
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Whitening', startsAt: slotFromNow(12) } }), 201);
    let row: Awaited<ReturnType<typeof notifications>>[number] | undefined;
    for (let i = 0; i < 150; i++) {
      row = (await notifications(booked.id)).find((r) => r.recipient === 'patient' && r.channel === 'whatsapp');
      if (row?.status === 'sent') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row?.status).toBe('sent');
    expect(row?.attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'sent']);
    expect(messages.filter((m) => m.to === '5511955556666')).toHaveLength(3);
  });

  it('sends once when the same event is enqueued twice', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Dora Duplicate', phone: '+5511977778888', consentWhatsapp: true });
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Filling', startsAt: slotFromNow(14) } }), 201);
    const job: NotificationJob = { orgId: c.org.orgId, eventId: 'manual-1', template: 'appointment.reminder', channel: 'whatsapp', recipient: 'patient', subjectType: 'Appointment', subjectId: booked.id };
    await addNotificationJobs(t.queues.notifications, [job]);
    await addNotificationJobs(t.queues.notifications, [job]);
    await until(() => messages.filter((m) => m.to === '5511977778888' && m.text.includes('a reminder')).length >= 1, 10_000, 'the reminder');
    await new Promise((r) => setTimeout(r, 1500));
    expect(messages.filter((m) => m.to === '5511977778888' && m.text.includes('a reminder'))).toHaveLength(1);
  });

  it('finishes on another worker the job of a worker that died mid-send', async () => {
    await stopWorkers();
    const doomed = fork('tests/helpers/doomed-worker.ts', [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, BULL_PREFIX: `${t.config.redisPrefix}:bull`, WHATSAPP_API_URL: whatsapp.url },
      stdio: 'ignore',
    });
    await new Promise((resolve) => doomed.once('message', resolve));
    script.set('5511966667777', ['hang']);
    const patient = await registerPatient(call, c, { fullName: 'Kim Killed', phone: '+5511966667777', consentWhatsapp: true });
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Extraction', startsAt: slotFromNow(16) } }), 201);
    await until(() => messages.some((m) => m.to === '5511966667777'), 10_000, 'the doomed send to start');
    const died = new Promise((resolve) => doomed.once('exit', resolve));
    doomed.kill('SIGKILL');
    await died;
    // The production workers stopped above checked for stalled jobs moments ago and, at their 30 s
    // interval, told every worker to skip checking until then: clear that so the rescuer looks now.
    await t.redis.del(`${t.config.redisPrefix}:bull:notifications:stalled-check`);
    const senders = { email: new SmtpSender(smtp.url), whatsapp: new WhatsAppCloudSender(whatsapp.url, 'wa-test-token') };
    const rescuer = new Worker(notificationsQueueName, notificationProcessor(t.orm, senders), {
      connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null },
      prefix: `${t.config.redisPrefix}:bull`,
      lockDuration: 1500,
      stalledInterval: 500,
    });
    let row: Awaited<ReturnType<typeof notifications>>[number] | undefined;
    for (let i = 0; i < 150; i++) {
      row = (await notifications(booked.id)).find((r) => r.recipient === 'patient' && r.channel === 'whatsapp');
      if (row?.status === 'sent') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row?.status).toBe('sent');
    expect(messages.filter((m) => m.to === '5511966667777')).toHaveLength(2);
    whatsapp.releaseHung(500);
    await rescuer.close();
    senders.email.close();
    stopWorkers = await startWorkers(t.orm, t.config, t.queues, t.app.log);
  });

  it('lists failed notifications to the org_admin and retries one on request', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Fay Failed', phone: '+5511944445555', consentWhatsapp: true });
    script.set('5511944445555', [400]);
    const booked = await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drB.professionalId, treatment: 'Crown prep', startsAt: slotFromNow(18) } }), 201);
    let failed: { id: string; status: string; subjectId: string }[] = [];
    for (let i = 0; i < 100 && failed.length === 0; i++) {
      failed = (await ok(call({ method: 'GET', url: c.url('/notifications?status=failed'), token: c.tokens.org_admin }))).filter((n: { subjectId: string }) => n.subjectId === booked.id);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(failed).toHaveLength(1);
    expect((await call({ method: 'GET', url: c.url('/notifications'), token: c.tokens.receptionist })).statusCode).toBe(403);
    const retried = await ok(call({ method: 'POST', url: c.url(`/notifications/${failed[0]!.id}/retry`), token: c.tokens.org_admin }));
    expect(retried.status).toBe('pending');
    await until(() => messages.filter((m) => m.to === '5511944445555').length === 2, 10_000, 'the retried send');
    for (let i = 0; i < 100; i++) {
      const rows = await ok(call({ method: 'GET', url: c.url('/notifications?status=sent'), token: c.tokens.org_admin }));
      if (rows.some((n: { id: string }) => n.id === failed[0]!.id)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const again = await call({ method: 'POST', url: c.url(`/notifications/${failed[0]!.id}/retry`), token: c.tokens.org_admin });
    expect(again.statusCode).toBe(409);
    const other = await seedClinic(t, call, 'Elsewhere');
    expect((await call({ method: 'POST', url: other.url(`/notifications/${failed[0]!.id}/retry`), token: other.tokens.org_admin })).statusCode).toBe(404);
  });
});

