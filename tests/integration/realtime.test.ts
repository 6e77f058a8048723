import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { dispatcherFor, listen, secondNode, startDispatcher, until, watch } from '../helpers/live';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import type { Role } from '../../workflows/roles';
import { emitScreenEvent } from '../../server/modules/realtime/outbox';
import { rooms } from '../../server/modules/realtime/rooms';

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let otherLab: SeededOrg;
let tokens: Record<Role, string>;
let otherTokens: Record<Role, string>;
let urlA: string;
let nodeB: Awaited<ReturnType<typeof secondNode>>;
let dispatcher: OutboxDispatcher;

const dueIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  otherLab = await seedOrg(t.orm, 'lab', ['org_admin']);
  tokens = await tokensFor(call, lab);
  otherTokens = await tokensFor(call, otherLab);
  urlA = await listen(t.app);
  nodeB = await secondNode(t);
  dispatcher = await startDispatcher(t);
});
afterAll(async () => {
  await dispatcher.stop();
  await nodeB.close();
  await t.close();
});

async function createCase(patientName = 'Realtime Patient'): Promise<{ id: string; version: number }> {
  const response = await call({
    method: 'POST',
    url: `/api/v1/orgs/${lab.orgId}/cases`,
    token: tokens.org_admin,
    payload: { patientName, material: 'Zirconia', caseType: 'Crown', dueDate: dueIn(5), toothNumbers: ['11'] },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const board = { kind: 'lab-board', orgId: '' };

describe('live lab board', () => {
  it('delivers a change made through one server to a client on another, in order', async () => {
    const client = watch(nodeB.url, { token: tokens.designer }, { ...board, orgId: lab.orgId });
    await client.waitForSnapshot();
    const created = await createCase();
    const assigned = await call({
      method: 'POST',
      url: `/api/v1/orgs/${lab.orgId}/cases/${created.id}/events`,
      token: tokens.org_admin,
      payload: { type: 'case.assignDesigner', version: created.version, designerId: lab.members.designer.userId },
    });
    expect(assigned.statusCode).toBe(200);
    const events = await client.waitForEvents(2);
    expect(events.map((e) => e.type)).toEqual(['case.created.v1', 'case.updated.v1']);
    expect(events.map((e) => e.payload.caseId)).toEqual([created.id, created.id]);
    expect(events[1]!.payload.status).toBe('in_progress');
    expect(events[1]!.seq).toBe(events[0]!.seq + 1);
    client.stop();
  });

  it('gives a client that was away exactly the 20 events it missed', async () => {
    const client = watch(urlA, { token: tokens.org_admin }, { ...board, orgId: lab.orgId });
    await client.waitForSnapshot();
    const lastSeq = client.snapshots.at(-1)!.seq;
    client.client.socket.disconnect();
    for (let i = 0; i < 20; i++) await createCase(`Missed ${i}`);
    // The dispatcher publishes them all while the client is away.
    await dispatcher.wake();
    client.client.socket.connect();
    const events = await client.waitForEvents(20);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.events).toHaveLength(20);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => lastSeq + 1 + i));
    expect(client.snapshots).toHaveLength(1);
    client.stop();
  });

  it('loses and duplicates nothing when the dispatcher dies before marking a batch sent', async () => {
    await dispatcher.stop();
    const client = watch(urlA, { token: tokens.org_admin }, { ...board, orgId: lab.orgId });
    await client.waitForSnapshot();
    const start = client.snapshots.at(-1)!.seq;
    for (let i = 0; i < 5; i++) await createCase(`Crash ${i}`);
    // A dispatcher that publishes to Redis, then dies before its commit: the batch rolls back.
    let crashes = 0;
    const crashing = dispatcherFor(t, {
      publishUrl: null,
      notifications: null,
      sinks: [
        async () => {
          crashes++;
          throw new Error('process killed after publishing');
        },
      ],
    });
    await crashing.publishBatch().catch(() => undefined);
    await crashing.stop();
    expect(crashes).toBe(1);
    dispatcher = await startDispatcher(t);
    await client.waitForEvents(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.events.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3, start + 4, start + 5]);
    const [row] = await t.orm.em.getConnection().execute<{ unpublished: string }[]>('select count(*) as unpublished from outbox_events where published_at is null');
    expect(Number(row!.unpublished)).toBe(0);
    client.stop();
  });

  it('numbers a whole batch at once: gap-free per room, in id order, after what each room had', async () => {
    await dispatcher.stop();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => `probe:${name}:${Date.now()}`);
    const write = (roomLists: string[][]) =>
      t.orm.em.fork().transactional(async (tx) => {
        for (const probeRooms of roomLists) emitScreenEvent(tx, { orgId: lab.orgId, type: 'probe.batch.v1', rooms: probeRooms, payload: {} });
      });
    const batchOf = dispatcherFor(t, { publishUrl: null, notifications: null, sinks: [] });
    await write([[a]]);
    expect(await batchOf.publishBatch()).toBe(1);
    await write([[a], [a, b]]);
    await write([[b], [a], [c, a]]);
    expect(await batchOf.publishBatch()).toBe(5);
    await batchOf.stop();
    const stamped = await t.orm.em
      .getConnection()
      .execute<{ sequences: Record<string, number> }[]>("select sequences from outbox_events where type = 'probe.batch.v1' and org_id = ? order by id", [lab.orgId]);
    expect(stamped.map((row) => row.sequences)).toEqual([{ [a]: 1 }, { [a]: 2 }, { [a]: 3, [b]: 1 }, { [b]: 2 }, { [a]: 4 }, { [c]: 1, [a]: 5 }]);
    dispatcher = await startDispatcher(t);
  });

  it('publishes an event only after its transaction commits, and never a rolled-back one', async () => {
    const client = watch(urlA, { token: tokens.org_admin }, { ...board, orgId: lab.orgId });
    await client.waitForSnapshot();
    const payload = { caseId: 'probe' };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = t.orm.em.fork().transactional(async (tx) => {
      emitScreenEvent(tx, { orgId: lab.orgId, type: 'probe.committed.v1', rooms: [rooms.labBoard(lab.orgId)], payload });
      await tx.flush();
      await gate;
    });
    // The dispatcher keeps trying while the writer is open, and must not get past it.
    void dispatcher.wake();
    await new Promise((r) => setTimeout(r, 600));
    expect(client.events).toHaveLength(0);
    release();
    await writing;
    await client.waitForEvents(1);
    await expect(
      t.orm.em.fork().transactional(async (tx) => {
        emitScreenEvent(tx, { orgId: lab.orgId, type: 'probe.rolledBack.v1', rooms: [rooms.labBoard(lab.orgId)], payload });
        await tx.flush();
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await dispatcher.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(client.events.map((e) => e.type)).toEqual(['probe.committed.v1']);
    client.stop();
  });

  it('refuses a socket of another lab, a forged token and no token', async () => {
    const foreign = watch(urlA, { token: otherTokens.org_admin }, { ...board, orgId: lab.orgId });
    await until(() => foreign.refusals.length > 0, 5000, 'a refusal');
    expect(foreign.refusals).toEqual(['not_found']);
    foreign.stop();
    const forged = t.app.jwt.sign({ sub: lab.members.org_admin.userId, typ: 'access', ver: 0 }, { key: 'y'.repeat(40) } as never);
    for (const auth of [{ token: forged }, {}]) {
      const refused = watch(urlA, auth, { ...board, orgId: lab.orgId });
      await until(() => refused.client.state === 'offline' || refused.client.state === 'reconnecting', 5000, 'a refused handshake');
      expect(refused.snapshots).toHaveLength(0);
      refused.stop();
    }
  });

  it('drops a socket when its access token expires', async () => {
    const shortLived = t.app.jwt.sign({ sub: lab.members.designer.userId, typ: 'access', ver: 0 }, { expiresIn: 2 } as never);
    const client = watch(urlA, { token: shortLived }, { ...board, orgId: lab.orgId });
    await client.waitForSnapshot();
    const disconnected = new Promise<string>((resolve) => client.client.socket.once('disconnect', resolve));
    expect(await disconnected).toBe('io server disconnect');
    client.stop();
  });

  it('shows a dentist only their own cases', async () => {
    const client = watch(urlA, { token: tokens.dentist }, { ...board, orgId: lab.orgId });
    const snapshot = (await client.waitForSnapshot()) as { columns: { count: number }[] };
    expect(snapshot.columns.reduce((sum, c) => sum + c.count, 0)).toBe(0);
    await createCase('Not the dentist patient');
    await new Promise((r) => setTimeout(r, 800));
    expect(client.events).toHaveLength(0);
    client.stop();
  });
});
