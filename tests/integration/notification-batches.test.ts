import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { clinicApp, slotFromNow, ok, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';
import { notificationProcessor } from '../../server/modules/notifications/notifications.queue';
import { jobKey, type NotificationJob } from '../../server/modules/notifications/notification-rules';
import type { Message } from '../../server/modules/notifications/templates';

interface Sent {
  channel: string;
  to: string;
  message: Message;
}

let t: TestApp;
let call: Call;
let c: Clinic;
let elsewhere: Clinic;
let lab: SeededOrg;
let labToken: string;
const sent: Sent[] = [];
const senders = {
  email: { send: async (to: string, message: Message) => void sent.push({ channel: 'email', to, message }) },
  whatsapp: { send: async (to: string, message: Message) => void sent.push({ channel: 'whatsapp', to, message }) },
};

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  elsewhere = await seedClinic(t, call, 'Elsewhere Dental');
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist'], { name: 'Batch Lab' });
  labToken = (await tokensFor(call, lab)).org_admin;
});
afterAll(async () => {
  await t.close();
});

/** What BullMQ hands the processor: the job id is the notification's key. */
const asJob = (data: NotificationJob, attemptsMade = 0) => ({ id: jobKey(data), data, attemptsMade, opts: { attempts: 5 } }) as unknown as Job<NotificationJob>;

let event = 0;
const appointmentJob = (clinic: Clinic, subjectId: string, channel: 'email' | 'whatsapp', recipient: 'patient' | 'professional'): NotificationJob => ({
  orgId: clinic.org.orgId,
  eventId: `batch-${++event}`,
  template: 'appointment.created',
  channel,
  recipient,
  subjectType: 'Appointment',
  subjectId,
});

let slot = 0;
async function book(clinic: Clinic, patient: Record<string, unknown>, treatment: string) {
  const registered = await registerPatient(call, clinic, patient);
  return ok(call({ method: 'POST', url: clinic.url('/appointments'), token: clinic.tokens.receptionist, payload: { patientId: registered.id, professionalId: clinic.drA.professionalId, treatment, startsAt: slotFromNow(20 + 2 * ++slot) } }), 201);
}

const rowsOf = (keys: string[]) =>
  t.orm.em.getConnection().execute<{ key: string; org_id: string; status: string; skip_reason: string | null }[]>('select key, org_id, status, skip_reason from notifications where key in (?)', [keys]);

describe(notificationProcessor.name, () => {
  it('shares three statements among the jobs in flight and decides each job as if alone', async () => {
    const consenting = await book(c, { fullName: 'Bea Batch', email: 'bea@example.test', phone: '+5511922223333', consentEmail: true, consentWhatsapp: true }, 'Inlay');
    const refusing = await book(c, { fullName: 'Nico Nope', email: 'nico@example.test', phone: '+5511922224444', consentEmail: false, consentWhatsapp: false }, 'Scaling');
    const theirs = await book(elsewhere, { fullName: 'Olga Other', email: 'olga@example.test', phone: '+5511922225555', consentEmail: true }, 'Veneer');
    const jobs = [
      appointmentJob(c, consenting.id, 'email', 'patient'),
      appointmentJob(c, consenting.id, 'whatsapp', 'patient'),
      appointmentJob(c, consenting.id, 'email', 'professional'),
      appointmentJob(c, consenting.id, 'whatsapp', 'professional'),
      appointmentJob(c, refusing.id, 'email', 'patient'),
      appointmentJob(c, refusing.id, 'whatsapp', 'patient'),
      appointmentJob(elsewhere, theirs.id, 'email', 'patient'),
      // Another org's appointment named in this clinic's job: not this clinic's to read.
      appointmentJob(c, theirs.id, 'email', 'patient'),
    ];
    const malformed = appointmentJob(c, 'not-a-uuid', 'email', 'patient');
    const run = notificationProcessor(t.orm, senders);
    const execute = vi.spyOn(t.orm.em.getConnection(), 'execute');
    const outcomes = await Promise.allSettled([...jobs, malformed].map((job) => run(asJob(job))));
    const statements = execute.mock.calls.length;
    execute.mockRestore();

    expect(statements).toBe(3);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual(['sent', 'sent', 'sent', 'skipped', 'skipped', 'skipped', 'sent', 'skipped', 'rejected']);
    const rows = new Map((await rowsOf(jobs.map(jobKey))).map((row) => [row.key, row]));
    expect(jobs.map((job) => [rows.get(jobKey(job))!.status, rows.get(jobKey(job))!.skip_reason])).toEqual([
      ['sent', null],
      ['sent', null],
      ['sent', null],
      ['skipped', 'the professional has no phone on their account'],
      ['skipped', 'no consent to email'],
      ['skipped', 'no consent to WhatsApp'],
      ['sent', null],
      ['skipped', 'the subject no longer exists'],
    ]);
    expect(jobs.map((job) => rows.get(jobKey(job))!.org_id)).toEqual(jobs.map((job) => job.orgId));
    expect(sent.map((s) => [s.channel, s.to])).toEqual([
      ['email', 'bea@example.test'],
      ['whatsapp', '+5511922223333'],
      ['email', c.org.members.doctor.email],
      ['email', 'olga@example.test'],
    ]);
    expect(sent[0]!.message.text).toContain('Hello Bea Batch, an appointment for Inlay');
    expect(sent[2]!.message.text).toMatch(/^Hello .+, an appointment for Inlay .* \(patient: Bea Batch\)/);
    expect(sent[3]!.message.text).toContain('at Elsewhere Dental');

    // Run again (a job redelivered after its worker died): the sent and skipped rows end it at once.
    sent.length = 0;
    const again = await Promise.all(jobs.map((job) => run(asJob(job, 1))));
    expect(again).toEqual(['sent', 'sent', 'sent', 'skipped', 'skipped', 'skipped', 'sent', 'skipped']);
    expect(sent).toEqual([]);
  });

  it('sends nothing about a patient whose record was deleted after the booking', async () => {
    const booked = await book(c, { fullName: 'Del Eted', email: 'deleted@example.test', phone: '+5511922226666', consentEmail: true, consentWhatsapp: true }, 'Crown');
    await ok(call({ method: 'DELETE', url: c.url(`/patients/${booked.patientId}`), token: c.tokens.org_admin }), 204);
    sent.length = 0;
    const jobs = [appointmentJob(c, booked.id, 'email', 'patient'), appointmentJob(c, booked.id, 'whatsapp', 'patient')];
    const run = notificationProcessor(t.orm, senders);
    expect(await Promise.all(jobs.map((job) => run(asJob(job))))).toEqual(['skipped', 'skipped']);
    expect((await rowsOf(jobs.map(jobKey))).map((row) => row.skip_reason)).toEqual(['the patient or professional no longer exists', 'the patient or professional no longer exists']);
    expect(sent).toEqual([]);
  });

  it('records a failed send as retrying, then failed on the last attempt, and a late failure never over a sent row', async () => {
    const patient = await book(c, { fullName: 'Fia Flaky', phone: '+5511922226666', consentWhatsapp: true }, 'Bridge');
    const status = async (job: NotificationJob) => (await rowsOf([jobKey(job)]))[0]!.status;
    const flaky = appointmentJob(c, patient.id, 'whatsapp', 'patient');
    const failing = notificationProcessor(t.orm, { ...senders, whatsapp: { send: () => Promise.reject(new Error('provider down')) } });
    await expect(failing(asJob(flaky, 0))).rejects.toThrow('provider down');
    expect(await status(flaky)).toBe('retrying');
    await expect(failing(asJob(flaky, 4))).rejects.toThrow('provider down');
    expect(await status(flaky)).toBe('failed');

    // A worker presumed dead reports its failure after another worker sent the message.
    const late = appointmentJob(c, patient.id, 'whatsapp', 'patient');
    let fail: ((error: Error) => void) | undefined;
    const hanging = notificationProcessor(t.orm, { ...senders, whatsapp: { send: () => new Promise<void>((_, reject) => (fail = reject)) } });
    const reported = hanging(asJob(late, 4));
    await vi.waitFor(() => expect(fail).toBeDefined());
    await t.orm.em.getConnection().execute("update notifications set status = 'sent' where key = ?", [jobKey(late)]);
    fail!(new Error('timed out'));
    await expect(reported).rejects.toThrow('timed out');
    expect(await status(late)).toBe('sent');
  });

  it('reads visits and lab cases, each recipient of a case held to the lab', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Vera Visit', phone: '+5511922227777', consentWhatsapp: true });
    const visit = await walkIn(call, c, patient.id);
    const labCase = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: labToken, payload: { patientName: 'Case Patient', material: 'Zirconia', caseType: 'Crown', dueDate: '2030-02-01' } }), 201);
    const bare = await ok(call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases`, token: labToken, payload: { patientName: 'No Designer', material: 'Emax', caseType: 'Veneer', dueDate: '2030-02-02' } }), 201);
    await t.orm.em.getConnection().execute('update lab_cases set dentist_user_id = ?, assigned_designer_id = ?, adjustment_notes = ? where id = ?', [lab.members.dentist.userId, lab.members.designer.userId, 'Shorten the margin', labCase.id]);
    const caseJob = (subjectId: string, template: NotificationJob['template'], recipient: NotificationJob['recipient']): NotificationJob => ({ orgId: lab.orgId, eventId: `batch-${++event}`, template, channel: 'email', recipient, subjectType: 'LabCase', subjectId });
    const jobs: NotificationJob[] = [
      { orgId: c.org.orgId, eventId: `batch-${++event}`, template: 'visit.called', channel: 'whatsapp', recipient: 'patient', subjectType: 'Visit', subjectId: visit.id },
      caseJob(labCase.id, 'case.shipped', 'dentist'),
      caseJob(labCase.id, 'case.adjustmentRequested', 'designer'),
      caseJob(labCase.id, 'case.overdue', 'lab_admins'),
      caseJob(bare.id, 'case.adjustmentRequested', 'designer'),
      // The lab's case under the clinic's org: not found, not sent.
      { ...caseJob(labCase.id, 'case.shipped', 'dentist'), orgId: c.org.orgId },
    ];
    sent.length = 0;
    const run = notificationProcessor(t.orm, senders);
    expect(await Promise.all(jobs.map((job) => run(asJob(job))))).toEqual(['sent', 'sent', 'sent', 'sent', 'skipped', 'skipped']);
    expect((await rowsOf(jobs.slice(4).map(jobKey))).map((row) => row.skip_reason).sort()).toEqual(['no designer with a login', 'the case no longer exists']);
    expect(sent.map((s) => s.to)).toEqual(['+5511922227777', lab.members.dentist.email, lab.members.designer.email, lab.members.org_admin.email]);
    expect(sent[0]!.message.text).toBe(`Hello Vera Visit, ticket ${visit.ticketNumber} is being called: please go to Room 1 at ${(await t.orm.em.getConnection().execute<{ name: string }[]>('select name from orgs where id = ?', [c.org.orgId]))[0]!.name}.`);
    expect(sent[1]!.message.subject).toBe(`${labCase.caseNumber} has shipped`);
    expect(sent[1]!.message.text).toContain('Hello dentist person, case');
    expect(sent[2]!.message.text).toContain('Shorten the margin');
    expect(sent[3]!.message.text).toContain('was due 2030-02-01');
  });
});
