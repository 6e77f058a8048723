import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { login, seedOrg, type SeededOrg } from '../helpers/factories';
import { listen, secondNode, startDispatcher } from '../helpers/live';
import { normalVitals, ok, patientPayload } from './clinic-support';
import { endUserSessions } from '../../server/modules/auth';
import { MembershipSchema } from '../../server/modules/auth/membership.entity';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { socketRooms } from '../../server/modules/realtime/rooms';
import { statusUpdated } from '../../server/modules/public-screens/public-screens.service';

/**
 * Sessions end when access ends: deactivating a member, changing their role, rotating or turning off
 * a display, closing a visit and deactivating an org end the tokens and the sockets that hold them,
 * in every server process, after the commit and never on a rollback.
 */

let t: TestApp;
let call: Call;
let urlA: string;
let nodeB: Awaited<ReturnType<typeof secondNode>>;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  urlA = await listen(t.app);
  nodeB = await secondNode(t);
  dispatcher = await startDispatcher(t);
});
afterAll(async () => {
  await dispatcher.stop();
  await nodeB.close();
  await t.close();
});

interface Live {
  socket: Socket;
  /** Every envelope received, in order. */
  events: { type: string; payload: Record<string, unknown> }[];
  /** Resolves with the reason once the socket is disconnected. */
  gone: Promise<string>;
}

/** A raw Socket.IO connection that never reconnects by itself, so what the server does to it shows. */
function connect(url: string, auth: Record<string, unknown>): Promise<Live> {
  const socket = io(url, { path: '/socket.io', transports: ['websocket'], auth, reconnection: false, forceNew: true });
  const events: Live['events'] = [];
  socket.on('event', (envelope: Live['events'][number]) => events.push(envelope));
  const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, events, gone }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

async function subscribe(live: Live, topic: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> {
  return live.socket.timeout(5_000).emitWithAck('subscribe', { topic });
}

/** Resolves with the handshake's refusal; fails the test if the connection is accepted. */
async function refusal(url: string, auth: Record<string, unknown>): Promise<string> {
  const accepted = await connect(url, auth).catch((error: Error) => error);
  if (!(accepted instanceof Error)) {
    accepted.socket.close();
    throw new Error('the handshake was accepted');
  }
  return accepted.message;
}

const refresh = (refreshToken: string) => call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
const me = (token: string) => call({ method: 'GET', url: '/api/v1/auth/me', token });
const board = (org: SeededOrg) => ({ kind: 'lab-board', orgId: org.orgId });

async function setStaff(org: SeededOrg, adminToken: string, membershipId: string, changes: Record<string, unknown>) {
  return ok(call({ method: 'PATCH', url: `/api/v1/orgs/${org.orgId}/staff/${membershipId}`, token: adminToken, payload: changes }));
}

describe('sessions of people', () => {
  it('end when a member is deactivated: refresh tokens revoked, access token refused at once, sockets dropped and kept out', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const admin = await login(call, lab.members.org_admin.email);
    const laptop = await login(call, lab.members.designer.email);
    const phone = await login(call, lab.members.designer.email);
    const watching = await connect(urlA, { token: laptop.accessToken });
    expect((await subscribe(watching, board(lab))).ok).toBe(true);
    const idle = await connect(urlA, { token: phone.accessToken });

    await setStaff(lab, admin.accessToken, lab.members.designer.membershipId, { active: false });

    expect((await me(laptop.accessToken)).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/designers`, token: laptop.accessToken })).statusCode).toBe(401);
    expect((await refresh(laptop.refreshToken)).statusCode).toBe(401);
    expect((await refresh(phone.refreshToken)).statusCode).toBe(401);
    expect(await watching.gone).toBe('io server disconnect');
    expect(await idle.gone).toBe('io server disconnect');
    expect(await refusal(urlA, { token: laptop.accessToken })).toBe('unauthorized');
    // The admin's own session is untouched.
    expect((await me(admin.accessToken)).statusCode).toBe(200);
  });

  it('end when a member’s role changes; a new login carries the new role and refreshes', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const admin = await login(call, lab.members.org_admin.email);
    const before = await login(call, lab.members.designer.email);
    const watching = await connect(urlA, { token: before.accessToken });
    expect((await subscribe(watching, board(lab))).ok).toBe(true);

    await setStaff(lab, admin.accessToken, lab.members.designer.membershipId, { role: 'dentist' });

    expect((await me(before.accessToken)).statusCode).toBe(401);
    expect((await refresh(before.refreshToken)).statusCode).toBe(401);
    expect(await watching.gone).toBe('io server disconnect');
    expect(await refusal(urlA, { token: before.accessToken })).toBe('unauthorized');

    const after = await login(call, lab.members.designer.email);
    expect((await me(after.accessToken)).json().memberships).toEqual([expect.objectContaining({ orgId: lab.orgId, role: 'dentist' })]);
    const renewed = await ok(refresh(after.refreshToken));
    expect((await me(renewed.accessToken)).statusCode).toBe(200);
    const again = await connect(urlA, { token: renewed.accessToken });
    expect((await subscribe(again, board(lab))).ok).toBe(true);
    again.socket.close();
  });

  it('refuse a subscription from a socket whose session ended before its disconnection arrived', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const admin = await login(call, lab.members.org_admin.email);
    const designer = await login(call, lab.members.designer.email);
    await dispatcher.stop();
    try {
      const early = await connect(urlA, { token: designer.accessToken });
      // Still allowed on the lab board as a dentist: only the ended session refuses it.
      await setStaff(lab, admin.accessToken, lab.members.designer.membershipId, { role: 'dentist' });
      expect(await subscribe(early, board(lab))).toMatchObject({ ok: false, error: 'unauthorized' });
      expect(await early.gone).toBe('io server disconnect');
    } finally {
      dispatcher = await startDispatcher(t);
    }
  });

  it('drop the sockets on every server process', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    const admin = await login(call, lab.members.org_admin.email);
    const designer = await login(call, lab.members.designer.email);
    const onB = await connect(nodeB.url, { token: designer.accessToken });
    expect((await subscribe(onB, board(lab))).ok).toBe(true);

    await setStaff(lab, admin.accessToken, lab.members.designer.membershipId, { active: false });

    expect(await onB.gone).toBe('io server disconnect');
    expect(await refusal(nodeB.url, { token: designer.accessToken })).toBe('unauthorized');
    // Process B has its own memory of access checks: it refuses the token at once too.
    expect((await nodeB.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${designer.accessToken}` } })).statusCode).toBe(401);
  });

  it('drop sockets only after the change commits, and never for a change rolled back', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['designer']);
    const designer = await login(call, lab.members.designer.email);
    const watching = await connect(urlA, { token: designer.accessToken });
    let dropped = false;
    void watching.gone.then(() => (dropped = true));

    await expect(
      t.orm.em.fork().transactional(async (tx) => {
        await endUserSessions(tx, lab.members.designer.userId, 'deactivated');
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await dispatcher.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(dropped).toBe(false);
    expect((await me(designer.accessToken)).statusCode).toBe(200);
    expect((await refresh(designer.refreshToken)).statusCode).toBe(200);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ending = t.orm.em.fork().transactional(async (tx) => {
      await endUserSessions(tx, lab.members.designer.userId, 'deactivated');
      await tx.flush();
      await gate;
    });
    void dispatcher.wake();
    await new Promise((r) => setTimeout(r, 500));
    expect(dropped).toBe(false);
    release();
    await ending;
    expect(await watching.gone).toBe('io server disconnect');
  });

  it('leave a member of two orgs connected to the other when one org is deactivated', async () => {
    const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
    const operator = await login(call, platform.members.super_admin.email);
    const closing = await seedOrg(t.orm, 'lab', ['designer']);
    const staying = await seedOrg(t.orm, 'lab', ['org_admin']);
    const em = t.orm.em.fork();
    em.create(MembershipSchema, { orgId: staying.orgId, userId: closing.members.designer.userId, role: 'designer' });
    await em.flush();
    const designer = await login(call, closing.members.designer.email);
    const watching = await connect(urlA, { token: designer.accessToken });
    expect((await subscribe(watching, board(closing))).ok).toBe(true);
    expect((await subscribe(watching, board(staying))).ok).toBe(true);

    await ok(call({ method: 'PATCH', url: `/api/v1/platform/orgs/${closing.orgId}`, token: operator.accessToken, payload: { active: false } }));

    expect(await watching.gone).toBe('io server disconnect');
    const back = await connect(urlA, { token: designer.accessToken });
    expect(await subscribe(back, board(closing))).toMatchObject({ ok: false, error: 'not_found' });
    expect((await subscribe(back, board(staying))).ok).toBe(true);
    back.socket.close();
  });
});

describe('sessions of screens', () => {
  let clinic: SeededOrg;
  let admin: string;

  beforeAll(async () => {
    clinic = await seedOrg(t.orm, 'clinic', ['org_admin', 'receptionist', 'doctor']);
    admin = (await login(call, clinic.members.org_admin.email)).accessToken;
  });

  const displaysUrl = (path = '') => `/api/v1/orgs/${clinic.orgId}/displays${path}`;
  const newDisplay = async (): Promise<{ id: string; token: string }> =>
    ok(call({ method: 'POST', url: displaysUrl(), token: admin, payload: { name: 'Waiting room' } }), 201);

  /** A display's sockets: one subscribed, one that unsubscribed again, one that never subscribed and tried to leave its own room. */
  async function displaySockets(url: string, display: { id: string; token: string }): Promise<Live[]> {
    const auth = { displayToken: display.token };
    const subscribed = await connect(url, auth);
    const answer = (await subscribe(subscribed, { kind: 'display' })) as { ok: boolean; room: string };
    expect(answer.ok).toBe(true);
    const unsubscribed = await connect(url, auth);
    expect((await subscribe(unsubscribed, { kind: 'display' })).ok).toBe(true);
    unsubscribed.socket.emit('unsubscribe', answer.room);
    const neverSubscribed = await connect(url, auth);
    neverSubscribed.socket.emit('unsubscribe', socketRooms.display(display.id));
    return [subscribed, unsubscribed, neverSubscribed];
  }

  it('end for every socket of a rotated display token, on every process; the old token neither connects nor subscribes', async () => {
    const display = await newDisplay();
    const sockets = [...(await displaySockets(urlA, display)), ...(await displaySockets(nodeB.url, display))];

    const rotated = await ok(call({ method: 'POST', url: displaysUrl(`/${display.id}/rotate-token`), token: admin }));

    for (const live of sockets) expect(await live.gone).toBe('io server disconnect');
    expect(await refusal(urlA, { displayToken: display.token })).toBe('unauthorized');
    const fresh = await connect(urlA, { displayToken: rotated.token });
    expect((await subscribe(fresh, { kind: 'display' })).ok).toBe(true);
    fresh.socket.close();
  });

  it('end for every socket of a display turned off', async () => {
    const display = await newDisplay();
    const sockets = await displaySockets(urlA, display);

    await ok(call({ method: 'PATCH', url: displaysUrl(`/${display.id}`), token: admin, payload: { active: false } }));

    for (const live of sockets) expect(await live.gone).toBe('io server disconnect');
    expect(await refusal(urlA, { displayToken: display.token })).toBe('unauthorized');
  });

  it('refuse a subscription with a rotated display token whose disconnection has not arrived', async () => {
    const display = await newDisplay();
    await dispatcher.stop();
    try {
      const early = await connect(urlA, { displayToken: display.token });
      await ok(call({ method: 'POST', url: displaysUrl(`/${display.id}/rotate-token`), token: admin }));
      expect(await subscribe(early, { kind: 'display' })).toMatchObject({ ok: false, error: 'unauthorized' });
      expect(await early.gone).toBe('io server disconnect');
    } finally {
      dispatcher = await startDispatcher(t);
    }
  });

  it('end a status page’s sockets with its visit, after its last status', async () => {
    const orgUrl = (path: string) => `/api/v1/orgs/${clinic.orgId}${path}`;
    const receptionist = (await login(call, clinic.members.receptionist.email)).accessToken;
    const professional = await ok(
      call({ method: 'POST', url: orgUrl('/professionals'), token: admin, payload: { membershipId: clinic.members.doctor.membershipId, specialty: 'General Dentistry', councilNumber: 'CRO-4242', room: 'Room 4', ticketPrefix: 'S' } }),
      201,
    );
    const patient = await ok(call({ method: 'POST', url: orgUrl('/patients'), token: receptionist, payload: patientPayload() }), 201);
    const visit = await ok(call({ method: 'POST', url: orgUrl('/visits/check-in'), token: receptionist, payload: { patientId: patient.id, professionalId: professional.id, vitals: normalVitals } }), 201);
    const page = await connect(urlA, { statusToken: visit.statusToken });
    expect((await subscribe(page, { kind: 'visit-status' })).ok).toBe(true);
    const idle = await connect(nodeB.url, { statusToken: visit.statusToken });

    await ok(call({ method: 'POST', url: orgUrl(`/visits/${visit.id}/events`), token: receptionist, payload: { type: 'cancel' } }));

    expect(await page.gone).toBe('io server disconnect');
    expect(await idle.gone).toBe('io server disconnect');
    expect(page.events.at(-1)).toMatchObject({ type: statusUpdated, payload: { status: 'cancelled' } });
    expect(await refusal(urlA, { statusToken: visit.statusToken })).toBe('unauthorized');
  });

  it('end for the screens of a clinic the platform turns off, which then cannot connect', async () => {
    const closing = await seedOrg(t.orm, 'clinic', ['org_admin']);
    const closingAdmin = (await login(call, closing.members.org_admin.email)).accessToken;
    const display = await ok(call({ method: 'POST', url: `/api/v1/orgs/${closing.orgId}/displays`, token: closingAdmin, payload: { name: 'Front room' } }), 201);
    const screen = await connect(urlA, { displayToken: display.token });
    expect((await subscribe(screen, { kind: 'display' })).ok).toBe(true);
    const platform = await seedOrg(t.orm, 'platform', ['super_admin']);
    const operator = (await login(call, platform.members.super_admin.email)).accessToken;

    await ok(call({ method: 'PATCH', url: `/api/v1/platform/orgs/${closing.orgId}`, token: operator, payload: { active: false } }));

    expect(await screen.gone).toBe('io server disconnect');
    expect(await refusal(urlA, { displayToken: display.token })).toBe('unauthorized');
  });
});
