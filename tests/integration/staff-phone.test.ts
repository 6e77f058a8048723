import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { login, seedOrg } from '../helpers/factories';
import { startBackground, until } from '../helpers/live';
import { startWhatsApp, type WhatsAppRequest } from '../helpers/whatsapp';
import { clinicApp, ok, registerPatient, slotFromNow, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;
let stopBackground: () => Promise<void>;
let whatsapp: Awaited<ReturnType<typeof startWhatsApp>>;
const messages: WhatsAppRequest[] = [];

beforeAll(async () => {
  whatsapp = await startWhatsApp(messages);
  ({ t, call, c } = await clinicApp({ WHATSAPP_API_URL: whatsapp.url, WHATSAPP_TOKEN: 'wa-test-token' }));
  stopBackground = await startBackground(t);
});
afterAll(async () => {
  await stopBackground();
  await t.close();
  await whatsapp.close();
});

const sql = <T>(query: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(query, params);
const account = (userId: string) => sql<{ phone: string | null; whatsapp_consent: boolean; whatsapp_consent_at: Date | null }>('select phone, whatsapp_consent, whatsapp_consent_at from users where id = ?', [userId]).then((rows) => rows[0]!);
const updateMe = (token: string, payload: Record<string, unknown>) => call({ method: 'PATCH', url: '/api/v1/auth/me', token, payload });

/** A doctor whose only clinic keeps the given zone, signed in. */
async function doctorIn(timeZone: string) {
  const org = await seedOrg(t.orm, 'clinic', ['doctor', 'org_admin'], { timeZone });
  const doctor = org.members.doctor;
  return { org, userId: doctor.userId, token: (await login(call, doctor.email)).accessToken, admin: (await login(call, org.members.org_admin.email)).accessToken };
}

describe('staff phone numbers', () => {
  it('reads a Brazilian national number in a clinic in São Paulo and stores it as E.164, with the consent’s time', async () => {
    const doctor = await doctorIn('America/Sao_Paulo');
    const body = await ok(updateMe(doctor.token, { phone: '(11) 91234-5678', whatsappConsent: true }));
    expect(body).toMatchObject({ id: doctor.userId, phone: '+5511912345678', whatsappConsent: true });
    expect(Date.parse(body.whatsappConsentAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await account(doctor.userId)).toMatchObject({ phone: '+5511912345678', whatsapp_consent: true });
    const me = await ok(call({ method: 'GET', url: '/api/v1/auth/me', token: doctor.token }));
    expect(me.user).toMatchObject({ phone: '+5511912345678', whatsappConsent: true });
  });

  it('reads an Indian national number in a clinic in Kolkata’s zone', async () => {
    const doctor = await doctorIn('Asia/Kolkata');
    expect(await ok(updateMe(doctor.token, { phone: '098200 12345' }))).toMatchObject({ phone: '+919820012345', whatsappConsent: false, whatsappConsentAt: null });
    expect((await account(doctor.userId)).phone).toBe('+919820012345');
  });

  it('asks for the country code where the clinic’s zone names no country', async () => {
    const doctor = await doctorIn('UTC');
    const refused = await updateMe(doctor.token, { phone: '(11) 91234-5678' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().fields).toEqual([{ field: 'phone', message: expect.stringContaining('with its country code') }]);
    expect(await ok(updateMe(doctor.token, { phone: '+55 11 91234-5678' }))).toMatchObject({ phone: '+5511912345678' });
  });

  it('refuses a number that is not one with 400 naming phone, and writes nothing', async () => {
    const doctor = await doctorIn('America/Sao_Paulo');
    await ok(updateMe(doctor.token, { phone: '+55 11 91234-5678' }));
    const trailBefore = await sql('select id from audit_events where entity_id = ?', [doctor.userId]);
    for (const phone of ['(11) 1234-567', '+55 11 91234-5678 ext 3', 'not a phone', '+0 123 456 789']) {
      const refused = await updateMe(doctor.token, { name: 'Renamed Doctor', phone, whatsappConsent: true });
      expect(refused.statusCode, phone).toBe(400);
      expect(refused.json().fields, phone).toEqual([{ field: 'phone', message: expect.stringContaining('is not a valid phone number') }]);
    }
    expect(await account(doctor.userId)).toMatchObject({ phone: '+5511912345678', whatsapp_consent: false });
    expect((await sql<{ name: string }>('select name from users where id = ?', [doctor.userId]))[0]!.name).toBe('doctor person');
    expect(await sql('select id from audit_events where entity_id = ?', [doctor.userId])).toHaveLength(trailBefore.length);
  });

  it('takes consent only with a phone, and withdraws it with the phone; audits field names, never the number', async () => {
    const doctor = await doctorIn('America/Sao_Paulo');
    const noPhone = await updateMe(doctor.token, { whatsappConsent: true });
    expect(noPhone.statusCode).toBe(400);
    expect(noPhone.json().fields).toEqual([{ field: 'whatsappConsent', message: 'needs a phone number to send to' }]);
    await ok(updateMe(doctor.token, { phone: '11 98765-4321', whatsappConsent: true }));
    expect(await ok(updateMe(doctor.token, { phone: null }))).toMatchObject({ phone: null, whatsappConsent: false, whatsappConsentAt: null });
    const trail = await sql<{ org_id: string; action: string; changed_fields: string[] }>(
      "select org_id, action, changed_fields from audit_events where entity_id = ? and action = 'account.changePhone' order by at",
      [doctor.userId],
    );
    expect(trail.map((row) => [row.org_id, row.changed_fields])).toEqual([
      [doctor.org.orgId, ['phone', 'whatsappConsent']],
      [doctor.org.orgId, ['phone', 'whatsappConsent']],
    ]);
    // The phone's digits in any column but the random ones (ids, request ids) would be a leak.
    const rows = await sql<Record<string, unknown>>('select action, entity_type, changed_fields, ip from audit_events where entity_id = ?', [doctor.userId]);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/98765|4321/);
  });

  it('is the person’s own: an org admin’s staff change with a phone answers 400 and touches nothing', async () => {
    const doctor = await doctorIn('America/Sao_Paulo');
    const membershipId = (await sql<{ id: string }>('select id from memberships where user_id = ?', [doctor.userId]))[0]!.id;
    const url = `/api/v1/orgs/${doctor.org.orgId}/staff/${membershipId}`;
    for (const payload of [{ phone: '+5511912345678' }, { phone: '+5511912345678', active: true }, { whatsappConsent: true }]) {
      const refused = await call({ method: 'PATCH', url, token: doctor.admin, payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json().fields.map((f: { field: string }) => f.field)).toEqual([Object.keys(payload)[0]]);
    }
    // The admin's own PATCH /auth/me changes the admin, whoever else they name.
    const refused = await updateMe(doctor.admin, { userId: doctor.userId, phone: '+5511912345678' });
    expect(refused.statusCode).toBe(400);
    expect(await account(doctor.userId)).toMatchObject({ phone: null, whatsapp_consent: false });
  });
});

describe('WhatsApp to doctors', () => {
  const notificationsOf = (subjectId: string) =>
    sql<{ channel: string; recipient: string; status: string; skip_reason: string | null }>(
      "select channel, recipient, status, skip_reason from notifications where subject_id = ? and recipient = 'professional' order by channel",
      [subjectId],
    );
  const settled = async (subjectId: string) => {
    const rows = await notificationsOf(subjectId);
    return rows.length === 2 && rows.every((row) => row.status !== 'pending' && row.status !== 'retrying');
  };
  const book = async (professionalId: string, n: number) => {
    const patient = await registerPatient(call, c, { fullName: `Booked Patient ${n}` });
    return ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId, treatment: 'Root canal', startsAt: slotFromNow(n) } }), 201);
  };

  it('reaches a doctor who gave their phone and consent, when a patient is booked with them', async () => {
    await ok(updateMe(c.drA.token, { phone: '+55 11 98888-7777', whatsappConsent: true }));
    const booked = await book(c.drA.professionalId, 2);
    await until(() => settled(booked.id), 20_000, 'the doctor’s messages');
    expect((await notificationsOf(booked.id)).find((row) => row.channel === 'whatsapp')).toMatchObject({ status: 'sent', skip_reason: null });
    const toDoctor = messages.filter((m) => m.to === '5511988887777');
    expect(toDoctor).toHaveLength(1);
    expect(toDoctor[0]!.text).not.toContain('Hello Booked Patient');
    expect(toDoctor[0]!.text).toContain('Booked Patient 2');
    expect(toDoctor[0]!.text).toContain('is booked at');
  });

  it('skips a doctor without consent, or without a phone, and says why', async () => {
    await ok(updateMe(c.drB.token, { phone: '+55 11 97777-6666' }));
    const withoutConsent = await book(c.drB.professionalId, 4);
    await until(() => settled(withoutConsent.id), 20_000, 'the doctor’s messages');
    expect((await notificationsOf(withoutConsent.id)).find((row) => row.channel === 'whatsapp')).toMatchObject({ status: 'skipped', skip_reason: 'the professional has not consented to WhatsApp' });
    expect(messages.some((m) => m.to === '5511977776666')).toBe(false);

    await ok(updateMe(c.drB.token, { phone: null }));
    const withoutPhone = await book(c.drB.professionalId, 6);
    await until(() => settled(withoutPhone.id), 20_000, 'the doctor’s messages');
    expect((await notificationsOf(withoutPhone.id)).find((row) => row.channel === 'whatsapp')).toMatchObject({ status: 'skipped', skip_reason: 'the professional has no phone on their account' });
  });
});
