import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { listen, startBackground, until, watch } from '../helpers/live';
import { clinicApp, normalVitals, ok, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';
import { screensLock, statusUpdated, type DisplayBoard, type VisitStatus } from '../../server/modules/public-screens/public-screens.service';
import { emitScreenEvent } from '../../server/modules/realtime/outbox';
import { rooms } from '../../server/modules/realtime/rooms';
import { isWireEvent } from '../../client/src/lib/live/wire-events';

let t: TestApp;
let call: Call;
let c: Clinic;
let url: string;
let stopBackground: () => Promise<void>;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  url = await listen(t.app);
  stopBackground = await startBackground(t);
});
afterAll(async () => {
  await stopBackground();
  await t.close();
});

async function createDisplay(privacy: 'ticket' | 'ticket_initials', professionalIds?: string[]) {
  return ok(call({ method: 'POST', url: c.url('/displays'), token: c.tokens.org_admin, payload: { name: 'Waiting room', privacy, professionalIds } }), 201);
}

describe('waiting-room displays and status pages', () => {
  it('stops calling a ticket once it is marked as not come', async () => {
    const display = await createDisplay('ticket', [c.drB.professionalId]);
    const screen = watch<DisplayBoard>(url, { displayToken: display.token }, { kind: 'display' });
    await screen.waitForSnapshot();
    const latestBoard = () => (screen.events.at(-1)?.payload ?? screen.snapshots[0]!.snapshot) as DisplayBoard;
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    await until(() => latestBoard().nowCalling.some((n) => n.ticket === visit.ticketNumber), 10_000, 'the display to call the ticket');
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/events`), token: c.tokens.receptionist, payload: { type: 'noShow' } }));
    await until(() => !latestBoard().nowCalling.some((n) => n.ticket === visit.ticketNumber), 10_000, 'the display to stop calling the ticket');
    screen.stop();
  });

  it('show a whole clinic day with tickets, rooms and waits, and no health data', async () => {
    const initialsDisplay = await createDisplay('ticket_initials');
    const ticketsOnly = await createDisplay('ticket', [c.drA.professionalId]);
    const screen = watch<DisplayBoard>(url, { displayToken: initialsDisplay.token }, { kind: 'display' });
    const narrow = watch<DisplayBoard>(url, { displayToken: ticketsOnly.token }, { kind: 'display' });
    expect((await screen.waitForSnapshot()).display).toEqual({ name: 'Waiting room', language: 'en-GB', privacy: 'ticket_initials' });
    await narrow.waitForSnapshot();

    const open = await registerPatient(call, c, { fullName: 'Joana Dias Prado', phone: '+5511912345678', medicalHistory: 'Latex allergy' });
    const hidden = await registerPatient(call, c, { fullName: 'Otto Quintana', phone: '+5511987650000', hideOnPublicScreens: true, medicalHistory: 'Hypertension' });
    const other = await registerPatient(call, c, { fullName: 'Bea Lisboa', phone: '+5511900001111' });
    const first = await walkIn(call, c, open.id);
    const second = await walkIn(call, c, hidden.id);
    await walkIn(call, c, other.id, c.drB.professionalId);

    const status = watch<VisitStatus>(url, { statusToken: second.statusToken }, { kind: 'visit-status' });
    const before = await status.waitForSnapshot();
    expect(before).toMatchObject({ ticket: second.ticketNumber, room: 'Room 1', status: 'waiting', position: 2 });

    const latestBoard = () => (screen.events.at(-1)?.payload ?? screen.snapshots[0]!.snapshot) as DisplayBoard;
    const called = await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
    expect(called.id).toBe(first.id);
    // As in the room: the consultation starts once the patient has seen the call (screens are refreshed
    // a moment after a change, so a state that lasts less than that may never be shown).
    await until(() => latestBoard().nowCalling[0]?.ticket === first.ticketNumber, 10_000, 'the display to call the first ticket');
    await ok(call({ method: 'POST', url: c.url(`/visits/${first.id}/start`), token: c.drA.token, payload: {} }));
    await until(() => status.events.some((e) => e.payload.position === 1), 10_000, 'the status page to move up');
    await ok(call({ method: 'POST', url: c.url(`/visits/${first.id}/complete`), token: c.drA.token, payload: {} }));
    await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
    await until(() => status.events.some((e) => e.payload.status === 'called'), 10_000, 'the patient to be called');

    await until(() => latestBoard().nowCalling[0]?.ticket === second.ticketNumber, 10_000, 'the display to call the second ticket');
    const boards = [screen.snapshots[0]!.snapshot, ...screen.events.flatMap((e) => (isWireEvent(e, 'display.updated.v1') ? [e.payload] : []))];
    const latest = boards.at(-1)!;
    expect(latest.nowCalling[0]).toMatchObject({ ticket: second.ticketNumber, room: 'Room 1' });
    expect(latest.nowCalling[0]!.initials).toBeUndefined();
    expect(boards.some((b) => b.nowCalling.some((n) => n.ticket === first.ticketNumber && n.initials === 'J. D. P.'))).toBe(true);
    expect(latest.doctors.map((d) => d.room).sort()).toEqual(['Room 1', 'Room 2']);

    // Nothing but tickets, rooms, doctors, positions, waits and allowed initials, ever.
    const everything = JSON.stringify([boards, narrow.events, status.events, status.snapshots]);
    for (const secret of ['Joana', 'Prado', 'Otto', 'Quintana', 'Bea Lisboa', '912345678', '987650000', 'Latex', 'Hypertension', String(normalVitals.systolic), 'heightCm', 'medicalHistory']) {
      expect(everything).not.toContain(secret);
    }
    expect(JSON.stringify(boards)).not.toContain('O. Q.');
    // The narrow display lists only Dr A's queue and never initials.
    for (const event of narrow.events) {
      if (!isWireEvent(event, 'display.updated.v1')) throw new Error(`the display got a ${event.type}`);
      const board = event.payload;
      expect(board.doctors.map((d) => d.room)).toEqual(['Room 1']);
      expect(JSON.stringify(board)).not.toContain('initials');
    }
    for (const watched of [screen, narrow, status]) watched.stop();
  });

  it('are refreshed after a call commits, not inside the call: its transaction writes no display or status page', async () => {
    const display = await createDisplay('ticket', [c.drB.professionalId]);
    const screen = watch<DisplayBoard>(url, { displayToken: display.token }, { kind: 'display' });
    await screen.waitForSnapshot();
    const waiting = await walkIn(call, c, (await registerPatient(call, c)).id, c.drB.professionalId);
    const behind = await walkIn(call, c, (await registerPatient(call, c)).id, c.drB.professionalId);
    const page = watch<VisitStatus>(url, { statusToken: behind.statusToken }, { kind: 'visit-status' });
    const { position } = await page.waitForSnapshot();
    const called = await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    // Rows written by one transaction share its xmin: the call's own rows are its queue events.
    const written = await t.orm.em.getConnection().execute<{ type: string }[]>(
      `select type from outbox_events where org_id = ? and xmin = (select xmin from outbox_events
         where org_id = ? and type = 'queue.changed.v1' and payload->>'visitId' = ? and payload->>'status' = 'called')
       order by type`,
      [c.org.orgId, c.org.orgId, called.id],
    );
    expect(written.map((row) => row.type)).toEqual(['queue.changed.v1', 'visit.updated.v1']);
    await until(() => screen.events.some((e) => isWireEvent(e, 'display.updated.v1') && e.payload.nowCalling[0]?.ticket === called.ticketNumber), 10_000, 'the display to show the call');
    await until(() => page.events.some((e) => e.payload.position === position! - 1), 10_000, 'the status page to move up');
    for (const watched of [screen, page]) watched.stop();
    for (const id of new Set([called.id, waiting.id, behind.id])) await ok(call({ method: 'POST', url: c.url(`/visits/${id}/events`), token: c.tokens.receptionist, payload: { type: 'noShow' } }));
  });

  it('write the page of a patient leaving the queue after any refresh still in flight', async () => {
    await walkIn(call, c, (await registerPatient(call, c)).id, c.drB.professionalId);
    const called = await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drB.token }));
    // A refresh that read the queue before the patient went in: it holds the org's screens lock and
    // has written their page as it was.
    let held!: () => void;
    let release!: () => void;
    const lockHeld = new Promise<void>((resolve) => (held = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const refresh = t.orm.em.fork().transactional(async (tx) => {
      await tx.getConnection().execute('select pg_advisory_xact_lock(?, hashtext(?))', [screensLock, c.org.orgId], 'all', tx.getTransactionContext());
      emitScreenEvent(tx, { orgId: c.org.orgId, type: statusUpdated, rooms: [rooms.visitStatus(called.id)], payload: { status: 'called' } });
      await tx.flush();
      held();
      await released;
    });
    await lockHeld;
    const started = call({ method: 'POST', url: c.url(`/visits/${called.id}/start`), token: c.drB.token, payload: {} });
    // The transition waits for the refresh (a shared request behind its exclusive hold).
    const sql = t.orm.em.getConnection();
    const transitionsWaiting = async () => {
      const [row] = await sql.execute<{ count: string }[]>(
        `select count(*) from pg_locks where locktype = 'advisory' and not granted and mode = 'ShareLock' and classid = ? and objsubid = 2
           and database = (select oid from pg_database where datname = current_database())`,
        [screensLock],
      );
      return Number(row!.count);
    };
    const deadline = Date.now() + 10_000;
    while ((await transitionsWaiting()) === 0) {
      if (Date.now() > deadline) {
        release();
        throw new Error('the start did not wait for the refresh in flight');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await refresh;
    await ok(started);
    const page = await sql.execute<{ status: string }[]>(
      "select payload->>'status' as status from outbox_events where org_id = ? and type = 'status.updated.v1' and ? = any(rooms) order by id",
      [c.org.orgId, rooms.visitStatus(called.id)],
    );
    expect(page.at(-1)!.status).toBe('in_consultation');
  });

  it('gives a display token nothing but its own screen', async () => {
    const display = await createDisplay('ticket');
    const board = watch(url, { displayToken: display.token }, { kind: 'reception', orgId: c.org.orgId });
    await until(() => board.refusals.length > 0, 5000, 'a refusal');
    expect(board.refusals).toEqual(['not_found']);
    board.stop();
    const http = await call({ method: 'GET', url: c.url('/queue/reception'), headers: { authorization: `Bearer ${display.token}` } });
    expect(http.statusCode).toBe(401);
  });

  it('disconnects a screen when its token is rotated and refuses the old token', async () => {
    const display = await createDisplay('ticket');
    const screen = watch(url, { displayToken: display.token }, { kind: 'display' });
    await screen.waitForSnapshot();
    const dropped = new Promise<string>((resolve) => screen.client.socket.once('disconnect', resolve));
    const rotated = await ok(call({ method: 'POST', url: c.url(`/displays/${display.id}/rotate-token`), token: c.tokens.org_admin }));
    expect(rotated.token).not.toBe(display.token);
    expect(await dropped).toBe('io server disconnect');
    screen.stop();
    const again = watch(url, { displayToken: display.token }, { kind: 'display' });
    await until(() => again.client.state === 'offline' || again.client.state === 'reconnecting', 5000, 'a refused handshake');
    expect(again.snapshots).toHaveLength(0);
    again.stop();
    const fresh = watch(url, { displayToken: rotated.token }, { kind: 'display' });
    await fresh.waitForSnapshot();
    fresh.stop();
  });

  it('ends a status page with its visit', async () => {
    const patient = await registerPatient(call, c);
    const visit = await walkIn(call, c, patient.id, c.drB.professionalId);
    await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/events`), token: c.tokens.receptionist, payload: { type: 'cancel' } }));
    const page = watch(url, { statusToken: visit.statusToken }, { kind: 'visit-status' });
    await until(() => page.client.state === 'offline' || page.client.state === 'reconnecting', 5000, 'a refused handshake');
    expect(page.snapshots).toHaveLength(0);
    page.stop();
  });

  it('is refused to anyone but the org_admin when managing displays', async () => {
    const response = await call({ method: 'POST', url: c.url('/displays'), token: c.tokens.receptionist, payload: { name: 'Nope' } });
    expect(response.statusCode).toBe(403);
    const other = await seedClinic(t, call, 'Other clinic');
    const foreign = await call({ method: 'PATCH', url: c.url(`/displays/${(await createDisplay('ticket')).id}`), token: other.tokens.org_admin, payload: { name: 'Hijack' } });
    expect(foreign.statusCode).toBe(404);
    const bad = await call({ method: 'POST', url: c.url('/displays'), token: c.tokens.org_admin, payload: { name: '', privacy: 'everything', language: 'not a language!' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['language', 'name', 'privacy']);
  });
});
