import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { listen, startDispatcher, watch } from '../helpers/live';
import { testPassword } from '../helpers/factories';
import { slotFromNow, ok, registerPatient, seedClinic, type Clinic } from '../integration/clinic-support';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { rooms } from '../../server/modules/realtime/rooms';
import { startWorkers } from '../../server/queues';
import { startRedis, startWhatsAppStub, until, type RedisProcess } from './support';

/**
 * Issue 9: "Redis stopped while staff keep working -> the API still accepts changes (they wait in
 * the outbox), screens show stale, and when Redis returns every event reaches the screens in order
 * and every notification is sent once." The app, its outbox dispatcher and its BullMQ workers use a
 * redis-server of this test's own, which the test kills (SIGKILL: no persistence, so Redis comes
 * back empty, as a crashed cache-only Redis does) and starts again on the same port.
 */
let redis: RedisProcess;
let whatsapp: Awaited<ReturnType<typeof startWhatsAppStub>>;
let t: TestApp;
let call: Call;
let c: Clinic;
let url: string;
let dispatcher: OutboxDispatcher;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  redis = await startRedis();
  whatsapp = await startWhatsAppStub();
  t = await createTestApp({ REDIS_URL: redis.url, WHATSAPP_API_URL: whatsapp.url, WHATSAPP_TOKEN: 'wa-fault-token' });
  call = caller(t.app);
  c = await seedClinic(t, call);
  url = await listen(t.app);
  dispatcher = await startDispatcher(t);
  stopWorkers = await startWorkers(t.orm, t.config, t.queues, t.app.log);
  // Every failed reconnection is an error event; the product logs one line as an outage starts and one
  // as it ends (server/redis-outages.ts): count the events here to set beside those lines.
  for (const emitter of [t.redis, t.queues.notifications, t.queues.estimates, t.queues.reminders, t.queues.publicScreens] as NodeJS.EventEmitter[]) {
    emitter.on('error', () => reconnectErrors++);
  }
});
let reconnectErrors = 0;
afterAll(async () => {
  await stopWorkers?.();
  await dispatcher?.stop();
  await t?.close();
  await redis?.kill();
  await whatsapp?.close();
});

const sql = <T>(text: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(text, params);
const count = async (text: string, params: unknown[] = []) => Number((await sql<{ n: string }>(text, params))[0]!.n);

describe('Redis stopped while the desk keeps working', () => {
  it('keeps accepting changes, shows screens as not live, then delivers every event in order and sends every notification once', async () => {
    const patients: { id: string }[] = [];
    for (let i = 0; i < 8; i++) {
      patients.push(await registerPatient(call, c, { fullName: `Outage Patient ${i}`, phone: `+55119700000${String(i).padStart(2, '0')}`, consentWhatsapp: true }));
    }
    const phone = (i: number) => `55119700000${String(i).padStart(2, '0')}`;
    const book = (i: number) =>
      call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patients[i]!.id, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt: slotFromNow(4 + i) } });
    const booked = (i: number) => whatsapp.messages.filter((m) => m.to === phone(i) && m.text.includes('is booked at'));

    const board = watch(url, { token: c.tokens.receptionist }, { kind: 'reception', orgId: c.org.orgId });
    await board.waitForSnapshot();
    const startSeq = board.snapshots.at(-1)!.seq;
    let received = 0;
    board.client.socket.on('event', () => received++);
    const states: string[] = [];
    board.client.onState((state) => states.push(state));

    // Before: two bookings reach the board and the patients' phones.
    for (const i of [0, 1]) await ok(book(i), 201);
    await board.waitForEvents(2);
    await until(() => booked(0).length === 1 && booked(1).length === 1, 15_000, 'the first two WhatsApp messages');

    // Redis dies.
    const [{ last }] = await sql<{ last: string }>('select coalesce(max(id), 0) as last from outbox_events');
    await redis.kill();
    const outageStarted = Date.now();
    await until(() => board.client.state !== 'live', 10_000, 'the screen to stop being live');
    const health = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', postgres: { ok: true }, redis: { ok: false } });

    // Signing in needs the login throttle's counters: refused plainly (503), not let through unthrottled.
    const signIn = () => call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: c.org.members.receptionist.email, password: testPassword } });
    const refusedSignIn = await signIn();
    expect(refusedSignIn.statusCode).toBe(503);
    expect(refusedSignIn.json()).toEqual({ error: 'service_unavailable', message: 'A service this needs is unavailable; retry in a few seconds' });
    // The desk keeps working: six bookings and a cancellation, all accepted.
    const duringOutage: { id: string; version: number }[] = [];
    for (const i of [2, 3, 4, 5, 6, 7]) duringOutage.push(await ok(book(i), 201));
    await ok(call({ method: 'POST', url: c.url(`/appointments/${duringOutage[0].id}/cancel`), token: c.tokens.receptionist, payload: { version: duringOutage[0].version, reason: 'Changed plans' } }));
    const waiting = await count('select count(*) as n from outbox_events where id > ? and published_at is null', [last]);
    const written = await count('select count(*) as n from outbox_events where id > ?', [last]);
    expect(written).toBeGreaterThanOrEqual(7);
    expect(waiting).toBe(written);
    // A few seconds of outage: still nothing delivered, nothing sent, and the screen still not live.
    await new Promise((r) => setTimeout(r, 3000));
    expect(board.events).toHaveLength(2);
    expect(whatsapp.messages.filter((m) => /is booked at|was cancelled/.test(m.text))).toHaveLength(2);
    expect(board.client.state).not.toBe('live');
    expect(await count('select count(*) as n from outbox_events where id > ? and published_at is null', [last])).toBe(written);

    // Redis returns (empty) on the same port.
    await redis.start();
    const outageMs = Date.now() - outageStarted;
    await until(() => board.client.state === 'live', 20_000, 'the screen to be live again');
    // It came back empty: the repeating jobs are scheduled again without a restart.
    await until(async () => (await t.queues.estimates.getJobSchedulers()).length === 1 && (await t.queues.reminders.getJobSchedulers()).length === 1, 20_000, 'the repeating jobs to be scheduled again');
    const roomEvents = await count('select count(*) as n from outbox_events where rooms @> array[?]::text[]', [rooms.reception(c.org.orgId)]);
    const expected = roomEvents - startSeq;
    await board.waitForEvents(expected, 20_000);
    await until(async () => (await count('select count(*) as n from outbox_events where published_at is null')) === 0, 20_000, 'the outbox to drain');
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7]) await until(() => booked(i).length >= 1, 30_000, `the booking message of patient ${i}`);
    await until(() => whatsapp.messages.some((m) => m.to === phone(2) && m.text.includes('was cancelled')), 30_000, 'the cancellation message');
    // Let any duplicate show up before counting.
    await new Promise((r) => setTimeout(r, 2000));

    expect((await signIn()).statusCode).toBe(200);
    const seqs = board.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: expected }, (_, i) => startSeq + 1 + i));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(board.events.filter((e) => e.type.startsWith('appointment.')).length).toBeGreaterThanOrEqual(9);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7]) expect(booked(i), `patient ${i}`).toHaveLength(1);
    expect(whatsapp.messages.filter((m) => m.to === phone(2) && m.text.includes('was cancelled'))).toHaveLength(1);
    const [sent] = await sql<{ sent: string; other: string }>(
      "select count(*) filter (where status = 'sent') as sent, count(*) filter (where status not in ('sent', 'skipped')) as other from notifications where channel = 'whatsapp' and recipient = 'patient'",
    );
    expect(Number(sent!.other)).toBe(0);
    expect(Number(sent!.sent)).toBe(whatsapp.messages.length);
    // However many reconnections failed, the outage is one line as it starts and one as it ends, per connection.
    for (const name of ['api', 'queue producers']) {
      expect(t.logs().split(`${name}: Redis is unreachable`).length - 1, name).toBe(1);
      expect(t.logs().split(`${name}: Redis answers again`).length - 1, name).toBe(1);
    }
    expect(reconnectErrors).toBeGreaterThan(2);
    console.info(
      `faults/redis: outage ${(outageMs / 1000).toFixed(1)} s; ${written} changes waited in the outbox; screen states ${[...new Set(states)].join(' -> ')}; ` +
        `${board.events.length} events on the board (seq ${startSeq + 1}..${startSeq + expected}), 0 lost, 0 duplicated (${received} pushed on the socket); ` +
        `${whatsapp.messages.length} WhatsApp messages for ${whatsapp.messages.length} notifications, 0 sent twice; ${reconnectErrors} Redis connection errors reported meanwhile`,
    );
    board.stop();
  });
});
