import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { caseBoard } from '../../server/modules/lab-cases/case-board.service';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { emitScreenEvent } from '../../server/modules/realtime/outbox';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { rooms } from '../../server/modules/realtime/rooms';
import { dispatcherFor, listen, watch } from '../helpers/live';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { serverTimeZone } from '../../server/shared/time-zone';

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let tokens: Record<Role, string>;
let otherLab: SeededOrg;
let otherTokens: Record<Role, string>;
/** Never started: each test publishes the outbox when it means to, so "committed but not yet published" is a state it can hold. */
let dispatcher: OutboxDispatcher;

const today = localToday(serverTimeZone);
const inDays = (days: number) => addDays(today, days);

interface Card {
  id: string;
  patientName: string;
  status: string;
  risk: string | null;
}
interface Column {
  status: string;
  label: string;
  count: number;
  cards: Card[];
}

/** Every statement the app sends, to tell a cached board (no case read) from a built one. */
const statements: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  otherLab = await seedOrg(t.orm, 'lab', ['org_admin']);
  tokens = await tokensFor(call, lab);
  otherTokens = await tokensFor(call, otherLab);
  dispatcher = dispatcherFor(t, { publishUrl: null, notifications: null });
  const connection = t.orm.em.getConnection();
  const execute = connection.execute.bind(connection);
  connection.execute = ((query: unknown, ...rest: unknown[]) => {
    statements.push(String(query));
    return (execute as (...args: unknown[]) => unknown)(query, ...rest);
  }) as typeof connection.execute;

  for (const [name, due] of [['Overdue', -2], ['Today', 0], ['Tomorrow', 1], ['In two days', 2], ['In three days', 3]] as const) {
    await createCase(name, { dueDate: inDays(Math.max(due, 0)) });
  }
  await sql(`update lab_cases set due_date = ? where patient_name = 'Overdue'`, [inDays(-2)]);
  const working = await createCase('Working', { dueDate: inDays(4), dentistUserId: lab.members.dentist.userId });
  await send(working.id, tokens.designer, { type: 'case.assignDesigner' });
  await createCase('Elsewhere', { dueDate: inDays(1) }, otherTokens.org_admin, otherLab.orgId);
  await dispatcher.publishBatch();
});
afterAll(async () => {
  await dispatcher.stop();
  await t.close();
});

async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
  return t.orm.em.getConnection().execute<T[]>(query, params);
}

async function createCase(patientName: string, fields: Record<string, unknown> = {}, token = tokens.org_admin, orgId = lab.orgId) {
  const response = await call({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/cases`,
    token,
    payload: { patientName, material: 'Zirconia', caseType: 'Crown', toothNumbers: ['11'], dueDate: inDays(5), ...fields },
  });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; version: number };
}

async function send(caseId: string, token: string, event: Record<string, unknown>) {
  const [current] = await sql<{ version: number }>('select version from lab_cases where id = ?', [caseId]);
  const response = await call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/cases/${caseId}/events`, token, payload: { version: current!.version, ...event } });
  expect(response.statusCode).toBe(200);
}

async function board(query: Record<string, string> = {}, token = tokens.org_admin, orgId = lab.orgId) {
  const response = await call({ method: 'GET', url: `/api/v1/orgs/${orgId}/board`, token, query });
  expect(response.statusCode).toBe(200);
  return response.json() as { today: string; columns: Column[] };
}

const counts = (columns: Column[]) => columns.map((c) => c.count);
const names = (columns: Column[]) => columns.flatMap((c) => c.cards.map((card) => card.patientName));
const caseReads = () => statements.filter((s) => s.includes('lab_cases')).length;

describe('the lab board', () => {
  it('has a column per status in workflow order, each with its count and cards by due date marked by risk', async () => {
    const response = await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/board`, token: tokens.org_admin });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const { today: serverToday, columns } = response.json() as { today: string; columns: Column[] };
    expect(serverToday).toBe(today);
    expect(columns.map((c) => [c.status, c.label, c.count])).toEqual([
      ['new', 'New', 5],
      ['in_progress', 'In Progress', 1],
      ['pending_approval', 'Pending Approval', 0],
      ['completed', 'Completed', 0],
      ['sent_to_outsource', 'Sent to Outsource', 0],
    ]);
    expect(columns[0]!.cards.map((c) => [c.patientName, c.risk])).toEqual([
      ['Overdue', 'overdue'],
      ['Today', 'due_today'],
      ['Tomorrow', 'due_48h'],
      ['In two days', 'due_48h'],
      ['In three days', null],
    ]);
    expect(columns[1]!.cards).toMatchObject([{ patientName: 'Working', status: 'in_progress', state: 'in_progress', version: 2 }]);
  });

  it('cuts each column to the card limit but keeps its count, and filters like the list', async () => {
    const limited = await board({ limit: '2' });
    expect(counts(limited.columns)).toEqual([5, 1, 0, 0, 0]);
    expect(limited.columns.map((c) => c.cards.length)).toEqual([2, 1, 0, 0, 0]);
    expect(names(limited.columns)).toEqual(['Overdue', 'Today', 'Working']);
    expect(counts((await board({ status: 'in_progress' })).columns)).toEqual([0, 1, 0, 0, 0]);
    expect(counts((await board({ overdue: 'true' })).columns)).toEqual([1, 0, 0, 0, 0]);
    expect(names((await board({ designerId: lab.members.designer.userId })).columns)).toEqual(['Working']);
    const invalid = await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/board`, token: tokens.org_admin, query: { limit: '501' } });
    expect(invalid.statusCode).toBe(400);
  });

  it('shows a dentist only their own cases', async () => {
    const mine = await board({}, tokens.dentist);
    expect(counts(mine.columns)).toEqual([0, 1, 0, 0, 0]);
    expect(names(mine.columns)).toEqual(['Working']);
  });

  it('answers 404 for another lab’s board and counts only the caller’s lab', async () => {
    const foreign = await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/board`, token: otherTokens.org_admin });
    expect(foreign.statusCode).toBe(404);
    expect(names((await board({}, otherTokens.org_admin, otherLab.orgId)).columns)).toEqual(['Elsewhere']);
  });
});

describe('the board cache', () => {
  it('answers from the cache, without reading cases, while nothing changed in the board’s room', async () => {
    const first = await board();
    // Written around the services (no outbox event): the cache cannot know, which shows it answered.
    await sql(`update lab_cases set patient_name = 'Renamed quietly' where org_id = ? and patient_name = 'Today'`, [lab.orgId]);
    const before = caseReads();
    expect(await board()).toEqual(first);
    expect(caseReads() - before).toBe(0);
    await sql(`update lab_cases set patient_name = 'Today' where org_id = ? and patient_name = 'Renamed quietly'`, [lab.orgId]);
  });

  it('reads the board once for concurrent requests', async () => {
    const created = await createCase('Concurrent');
    const before = statements.filter((s) => s.includes('group by v.status')).length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => board()));
    expect(statements.filter((s) => s.includes('group by v.status')).length - before).toBe(1);
    for (const answer of answers) expect(names(answer.columns)).toContain('Concurrent');
    await sql('delete from lab_cases where id = ?', [created.id]);
    await dispatcher.publishBatch();
  });

  it('shows the caller’s own change at once, before the dispatcher has published it, and after', async () => {
    const cached = await board();
    const working = cached.columns[1]!.cards[0]!;
    await send(working.id, tokens.designer, { type: 'case.submitForApproval' });
    const unpublished = await board();
    expect(counts(unpublished.columns)).toEqual([5, 0, 1, 0, 0]);
    expect(unpublished.columns[2]!.cards.map((c) => c.id)).toEqual([working.id]);
    // The dentist's board is cached apart and follows the dentist's own room.
    expect(counts((await board({}, tokens.dentist)).columns)).toEqual([0, 0, 1, 0, 0]);
    expect(await dispatcher.publishBatch()).toBe(1);
    expect(await board()).toEqual(unpublished);
  });

  it('sees a change whose event id is older than one already committed', async () => {
    // Outbox ids are taken before commit: the change holding the smaller id commits last.
    const [early, late] = [await createCase('Early'), await createCase('Late')];
    await dispatcher.publishBatch();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let flushed!: () => void;
    const idTaken = new Promise<void>((resolve) => (flushed = resolve));
    const slow = t.orm.em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(`update lab_cases set patient_name = 'Early, renamed' where id = ?`, [early.id], 'run', tx.getTransactionContext());
      emitScreenEvent(tx, { orgId: lab.orgId, type: 'case.updated.v1', rooms: [rooms.labBoard(lab.orgId)], payload: { caseId: early.id } });
      await tx.flush();
      flushed();
      await gate;
    });
    await idTaken;
    await t.orm.em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(`update lab_cases set patient_name = 'Late, renamed' where id = ?`, [late.id], 'run', tx.getTransactionContext());
      emitScreenEvent(tx, { orgId: lab.orgId, type: 'case.updated.v1', rooms: [rooms.labBoard(lab.orgId)], payload: { caseId: late.id } });
    });
    const between = names((await board()).columns);
    expect(between).toContain('Late, renamed');
    expect(between).toContain('Early');
    release();
    await slow;
    expect(names((await board()).columns)).toContain('Early, renamed');
    await sql('delete from lab_cases where id in (?, ?)', [early.id, late.id]);
    await dispatcher.publishBatch();
  });
});

describe('the live board’s snapshot', () => {
  it('is the cached board, tagged with the sequence of its room, then the events after it', async () => {
    const url = await listen(t.app);
    const created = await createCase('Watched');
    await dispatcher.publishBatch();
    const rest = await board();
    const [room] = await sql<{ seq: string }>('select seq from room_sequences where room = ?', [rooms.labBoard(lab.orgId)]);
    const client = watch<{ columns: Column[] }>(url, { token: tokens.designer }, { kind: 'lab-board', orgId: lab.orgId });
    await client.waitForSnapshot();
    expect(client.snapshots[0]!.seq).toBe(Number(room!.seq));
    expect(client.snapshots[0]!.snapshot).toEqual(rest);

    await send(created.id, tokens.designer, { type: 'case.assignDesigner' });
    await dispatcher.publishBatch();
    const [event] = await client.waitForEvents(1);
    expect(event).toMatchObject({ seq: Number(room!.seq) + 1, payload: { caseId: created.id, status: 'in_progress' } });
    client.stop();

    // A new subscriber gets the board as of the new sequence, never the one cached before it.
    const next = watch<{ columns: Column[] }>(url, { token: tokens.designer }, { kind: 'lab-board', orgId: lab.orgId });
    await next.waitForSnapshot();
    expect(next.snapshots[0]!.seq).toBe(Number(room!.seq) + 1);
    expect(next.snapshots[0]!.snapshot.columns[1]!.cards.map((c) => c.patientName)).toContain('Watched');
    next.stop();
  });

  it('is the same board as an object and as JSON', async () => {
    const em = t.orm.em.fork();
    const answer = await caseBoard({ em, caller: { userId: lab.members.org_admin.userId, orgId: lab.orgId, role: 'org_admin', timeZone: serverTimeZone, requestId: 'test', ip: '' } }, { limit: 100 });
    expect(JSON.parse(answer.json.toString())).toEqual(answer.board);
    expect(answer.board).toEqual(await board());
  });
});
