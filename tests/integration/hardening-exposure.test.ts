import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, seedOrg, testPassword, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { listen, until, watch } from '../helpers/live';
import { startSmtp, type Mail } from '../helpers/smtp';
import { normalVitals, ok, outbox, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';

/**
 * What the API gives away besides what a screen asks for: whether an email has an account, weak
 * passwords, copies in caches, request ids a client chose, names seen in searches without a trace,
 * and vitals on the pharmacy's side of the counter.
 */
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let t: TestApp;
let call: Call;
let c: Clinic;
let hillside: Clinic;
let lab: SeededOrg;
/** The app listening, for the live sockets. */
let url: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const mails: Mail[] = [];

beforeAll(async () => {
  smtp = await startSmtp(mails);
  t = await createTestApp({ SMTP_URL: smtp.url });
  call = caller(t.app);
  c = await seedClinic(t, call, 'Riverside Dental Clinic');
  hillside = await seedClinic(t, call, 'Hillside Family Dentistry');
  lab = await seedOrg(t.orm, 'lab', ['org_admin'], { name: 'Quietwater Dental Lab' });
  url = await listen(t.app);
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const signUp = (clinic: Clinic, email: string, password = 'Granite-kettle-47') =>
  call({
    method: 'POST',
    url: clinic.url('/patients/self-register'),
    payload: { email, password, fullName: 'Kim Tanaka', dateOfBirth: '1990-05-04', gender: 'female', phone: '+5511912340000' },
  });

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return t.orm.em.fork().getConnection().execute<T[]>(query, params);
}

describe('self-registration', () => {
  it('answers a free email, a staff member of another org and a patient of another clinic alike, and tells only the owners, by email', async () => {
    const elsewhere = 'kim.elsewhere@example.test';
    await ok(signUp(hillside, elsewhere, 'Hillside-kim-2026'), 202);
    const staff = lab.members.org_admin.email;
    const fresh = 'kim.new@example.test';

    const answers = [await signUp(c, fresh), await signUp(c, staff), await signUp(c, elsewhere)];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(202);
      expect(answer.headers['content-type']).toBe(answers[0]!.headers['content-type']);
      expect(answer.body).toBe(answers[0]!.body);
    }
    expect(answers[0]!.json()).toEqual({ status: 'check_email', message: expect.stringContaining('sign in') });

    // The new patient signs in at once; the taken accounts keep their own passwords and get no record here.
    const kim = (await login(call, fresh, 'Granite-kettle-47')).accessToken;
    expect(await ok(call({ method: 'GET', url: c.url('/patients/me'), token: kim }))).toMatchObject({ fullName: 'Kim Tanaka', email: fresh, hasLogin: true });
    await login(call, staff, testPassword);
    await login(call, elsewhere, 'Hillside-kim-2026');
    expect((await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: staff, password: 'Granite-kettle-47' } })).statusCode).toBe(401);
    expect(await sql('select 1 from patients where org_id = ? and email in (?, ?)', [c.org.orgId, staff, elsewhere])).toEqual([]);

    await until(() => mails.length >= 2, 10_000, 'the two registration-attempt mails');
    const to = (address: string) => mails.filter((mail) => mail.to.includes(address));
    expect(to(fresh)).toEqual([]);
    for (const owner of [staff, elsewhere]) {
      const [mail, ...more] = to(owner);
      expect(more).toEqual([]);
      expect(mail!.subject).toBe('Someone tried to register with your email');
      expect(mail!.body).toContain('Riverside Dental Clinic');
      // Where the account already belongs is nobody's business but the owner's, who knows it.
      expect(mail!.body).not.toMatch(/Quietwater|Hillside|Tanaka/);
    }
  });

  it('refuses a guessable password or one made of the patient’s own email, saying why, and creates nothing', async () => {
    for (const [email, password] of [
      ['kim.weak@example.test', 'Welcome2026'],
      ['kim.tanaka77@example.test', 'Kim.Tanaka77'],
    ]) {
      const refused = await signUp(c, email!, password);
      expect(refused.statusCode, password).toBe(400);
      expect(refused.json().fields).toEqual([{ field: 'password', message: expect.stringMatching(/^is too easy to guess\. \S/) }]);
      expect(await sql('select 1 from users where email = ?', [email])).toEqual([]);
    }
  });
});

describe('caching', () => {
  it('forbids storing any API answer: records, visits, searches, the pharmacy’s queue, errors and public answers', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id);
    const answers = [
      await call({ method: 'GET', url: c.url(`/patients/${patient.id}`), token: c.tokens.receptionist }),
      await call({ method: 'GET', url: c.url(`/visits/${visit.id}`), token: c.tokens.receptionist }),
      await call({ method: 'GET', url: c.url('/patients'), query: { q: 'Maria' }, token: c.tokens.receptionist }),
      await call({ method: 'GET', url: c.url('/pharmacy/queue'), token: c.tokens.medical_staff }),
      await call({ method: 'GET', url: hillside.url(`/patients/${patient.id}`), token: hillside.tokens.receptionist }),
      await signUp(c, 'kim.cache@example.test'),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 404, 202]);
    for (const answer of answers) {
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers.pragma).toBe('no-cache');
    }
    // Status pages and displays get their data over the socket; its polling transport is not stored either.
    const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.headers.get('cache-control')).toBe('no-store');
  });
});

describe('request ids', () => {
  it('are the server’s own: a client’s x-request-id never reaches the audit trail', async () => {
    const created = await call({
      method: 'POST',
      url: c.url('/patients'),
      token: c.tokens.receptionist,
      headers: { 'x-request-id': 'forged' },
      payload: { fullName: 'Iris Forged', dateOfBirth: '1970-01-01', gender: 'female', phone: '+5511912349999' },
    });
    expect(created.statusCode).toBe(201);
    const [row] = await sql<{ request_id: string }>("select request_id from audit_events where action = 'patient.create' and entity_id = ?", [created.json().id]);
    expect(row!.request_id).toMatch(uuid);
    expect(created.headers['x-request-id']).toBe(row!.request_id);
  });
});

describe('patient search', () => {
  it('audits each answer as one read naming every patient it listed, and a patient’s export shows the searches that listed them', async () => {
    const [first, second, unlisted] = [
      await registerPatient(call, c, { fullName: 'Odile Searchable' }),
      await registerPatient(call, c, { fullName: 'Pia Searchable' }),
      await registerPatient(call, c, { fullName: 'Quinn Elsewhere' }),
    ];
    const searches = () =>
      sql<{ entity_id: string | null; entity_ids: string[]; actor_user_id: string; actor_role: string; changed_fields: string[] }>(
        "select entity_id, entity_ids, actor_user_id, actor_role, changed_fields from audit_events where org_id = ? and action = 'patient.search' order by at, id",
        [c.org.orgId],
      );
    const earlier = (await searches()).length;
    const found = await ok(call({ method: 'GET', url: c.url('/patients'), query: { q: 'Searchable' }, token: c.tokens.receptionist }));
    expect(found.items.map((p: { id: string }) => p.id)).toEqual([first.id, second.id]);
    await ok(call({ method: 'GET', url: c.url('/patients'), query: { q: 'Nobody-matches-this' }, token: c.tokens.receptionist }));

    expect((await searches()).slice(earlier)).toEqual([
      {
        entity_id: null,
        entity_ids: [first.id, second.id],
        actor_user_id: c.org.members.receptionist.userId,
        actor_role: 'receptionist',
        changed_fields: ['recordNumber', 'fullName', 'dateOfBirth', 'gender', 'phone'],
      },
    ]);

    const exportOf = async (patientId: string) =>
      (await ok(call({ method: 'GET', url: c.url('/audit/export'), query: { entityType: 'Patient', entityId: patientId }, token: c.tokens.org_admin }))).items as {
        action: string;
        entityId: string;
        actorUserId: string;
      }[];
    const trail = await exportOf(second.id);
    expect(trail.filter((e) => e.action === 'patient.search')).toEqual([expect.objectContaining({ entityId: second.id, actorUserId: c.org.members.receptionist.userId })]);
    // The others a search listed stay out of this patient's export.
    expect(JSON.stringify(trail)).not.toContain(first.id);
    expect((await exportOf(unlisted.id)).map((e) => e.action)).not.toContain('patient.search');
  });
});

describe('the pharmacy', () => {
  it('gets who the patient is and what to hand over, never vitals, history or notes: not over HTTP, not on its screen', async () => {
    const patient = await registerPatient(call, c, { fullName: 'Ravi Dispense', dateOfBirth: '1981-03-09' });
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    const visitUrl = c.url(`/visits/${visit.id}`);
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    await ok(call({ method: 'POST', url: `${visitUrl}/start`, token: c.drB.token, payload: {} }));
    await ok(call({ method: 'POST', url: `${visitUrl}/prescription/items`, token: c.drB.token, payload: { medicine: 'Amoxicillin', dosage: '500 mg', frequency: 'every 8 hours', duration: '7 days', acknowledgeAllergies: [{ substance: 'penicillin', reason: 'Took it last year without a reaction' }] } }), 201);
    await ok(call({ method: 'POST', url: `${visitUrl}/complete`, token: c.drB.token, payload: {} }));
    const pharmacy = c.tokens.medical_staff;
    const vitalsOrHistory = /systolic|diastolic|pulse|temperature|heightCm|weightKg|vitals|medicalHistory|Penicillin allergy|notes|diagnosis/i;

    expect((await call({ method: 'GET', url: visitUrl, token: pharmacy })).statusCode).toBe(403);

    const queue = await ok(call({ method: 'GET', url: c.url('/pharmacy/queue'), token: pharmacy }));
    const entry = queue.find((e: { visitId: string }) => e.visitId === visit.id);
    expect(entry).toMatchObject({ patientName: 'Ravi Dispense', recordNumber: patient.recordNumber, dateOfBirth: '1981-03-09', items: [expect.objectContaining({ medicine: 'Amoxicillin', dosage: '500 mg' })] });
    expect(JSON.stringify(queue)).not.toMatch(vitalsOrHistory);

    const screen = watch<{ visitId: string }[]>(url, { token: pharmacy }, { kind: 'pharmacy', orgId: c.org.orgId });
    const snapshot = await screen.waitForSnapshot();
    screen.stop();
    expect(snapshot.map((e) => e.visitId)).toContain(visit.id);
    expect(JSON.stringify(snapshot)).not.toMatch(vitalsOrHistory);

    const printed = await ok(call({ method: 'POST', url: c.url(`/pharmacy/visits/${visit.id}/print`), token: pharmacy, payload: {} }));
    const dispensed = await ok(call({ method: 'POST', url: c.url(`/pharmacy/visits/${visit.id}/dispense`), token: pharmacy, payload: {} }));
    const closed = await ok(call({ method: 'POST', url: `${visitUrl}/events`, token: pharmacy, payload: { type: 'close' } }));
    expect(JSON.stringify([printed, dispensed, closed])).not.toMatch(vitalsOrHistory);
    // What the pharmacy's room is sent live.
    const live = (await outbox(t, c.org.orgId)).filter((row) => row.rooms.includes(`org:${c.org.orgId}:pharmacy`));
    expect(live.length).toBeGreaterThan(0);
    expect(JSON.stringify(live.map((row) => row.payload))).not.toMatch(vitalsOrHistory);
    // The desk and the doctor still read the visit's vitals.
    expect(await ok(call({ method: 'GET', url: visitUrl, token: c.drB.token }))).toMatchObject({ vitals: { systolic: normalVitals.systolic } });
  });
});
