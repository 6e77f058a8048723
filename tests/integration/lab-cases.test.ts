import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { rooms } from '../../server/modules/realtime/rooms';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { login, seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { serverTimeZone } from '../../server/shared/time-zone';

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let tokens: Record<Role, string>;
let otherLab: SeededOrg;
let otherTokens: Record<Role, string>;
/** A second designer and a second dentist of `lab`, hired through the staff API. */
let designer2: { userId: string; token: string };
let dentist2: { userId: string; token: string };

const today = localToday(serverTimeZone);
const inDays = (days: number) => addDays(today, days);
const casesUrl = (orgId = lab.orgId) => `/api/v1/orgs/${orgId}/cases`;
const caseUrl = (caseId: string, orgId = lab.orgId) => `${casesUrl(orgId)}/${caseId}`;

/** A realistic crown case; every test names what it cares about. */
const crown = (overrides: Record<string, unknown> = {}) => ({
  patientName: 'Marta Kowalska',
  accountNumber: 'ACC-1001',
  dentistName: 'Dr. Ilse Brandt',
  toothNumbers: ['11', '21'],
  shade: 'A2',
  material: 'Zirconia',
  caseType: 'Crown',
  notes: 'Layered incisal edge, match adjacent 12',
  dueDate: inDays(7),
  ...overrides,
});

async function createCase(payload: Record<string, unknown>, token = tokens.org_admin, orgId = lab.orgId) {
  const response = await call({ method: 'POST', url: casesUrl(orgId), token, payload });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Sends an event at the case's current version, as a client that just read it would. */
async function send(caseId: string, token: string, event: Record<string, unknown>, orgId = lab.orgId) {
  const [current] = await sql<{ version: number }>('select version from lab_cases where id = ?', [caseId]);
  return call({ method: 'POST', url: `${caseUrl(caseId, orgId)}/events`, token, payload: { version: current?.version ?? 1, ...event } });
}

async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
  return t.orm.em.getConnection().execute<T[]>(query, params);
}

async function hire(role: Role, name: string) {
  const email = `${role}.${randomUUID().slice(0, 8)}@lab.test`;
  const response = await call({ method: 'POST', url: `/api/v1/orgs/${lab.orgId}/staff`, token: tokens.org_admin, payload: { email, name, role, password: 'Second-member-1' } });
  expect(response.statusCode).toBe(201);
  return { userId: response.json().member.user.id as string, token: (await login(call, email, 'Second-member-1')).accessToken };
}

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist'], { name: 'Bright Smile Lab' });
  otherLab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist'], { name: 'Other Lab' });
  tokens = await tokensFor(call, lab);
  otherTokens = await tokensFor(call, otherLab);
  designer2 = await hire('designer', 'Omar Designer');
  dentist2 = await hire('dentist', 'Dr. Second Dentist');
});
afterAll(() => t.close());

describe('creating cases', () => {
  it('numbers blank cases CASE-00001 style, keeps a given unique number and skips it later', async () => {
    const numbering = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, numbering)).org_admin;
    const make = async (caseNumber?: string) => (await createCase(crown(caseNumber === undefined ? {} : { caseNumber }), admin, numbering.orgId)).caseNumber;
    expect(await make()).toBe('CASE-00001');
    expect(await make('  ')).toBe('CASE-00002');
    expect(await make('CASE-00003')).toBe('CASE-00003');
    expect(await make('RUSH-7')).toBe('RUSH-7');
    expect(await make()).toBe('CASE-00004');
    const duplicate = await call({ method: 'POST', url: casesUrl(numbering.orgId), token: admin, payload: crown({ caseNumber: 'CASE-00002' }) });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ error: 'case_number_taken' });
    // The same number is free in another lab.
    expect((await createCase(crown({ caseNumber: 'CASE-00002' }), otherTokens.org_admin, otherLab.orgId)).caseNumber).toBe('CASE-00002');
    // A refused create did not use up a number.
    expect(await make()).toBe('CASE-00005');
  });

  it('gives 50 racing creates exactly CASE-00001..CASE-00050', async () => {
    const race = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, race)).org_admin;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call({ method: 'POST', url: casesUrl(race.orgId), token: admin, payload: crown({ patientName: `Patient ${i}` }) })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    const numbers = responses.map((r) => r.json().caseNumber).sort();
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => `CASE-${String(i + 1).padStart(5, '0')}`));
  });

  it('stores every field with the seed defaults and answers what the caller may do next', async () => {
    const created = await createCase({ patientName: 'John Doe', material: 'Emax', caseType: 'Veneer', dueDate: inDays(3) });
    expect(created).toMatchObject({
      caseNumber: expect.stringMatching(/^CASE-\d{5}$/),
      patientName: 'John Doe',
      accountNumber: null,
      dentistName: null,
      dentistUserId: null,
      dentistryType: 'restoration',
      toothNumbers: [],
      shadeSystem: 'VITA',
      shade: 'A1',
      material: 'Emax',
      caseType: 'Veneer',
      notes: null,
      dueDate: inDays(3),
      status: 'new',
      state: 'new',
      deliveryStatus: 'not_shipped',
      approvalStatus: 'not_submitted',
      assignedDesignerId: null,
      isOutsourced: false,
      outsourcedTo: null,
      redoCount: 0,
      adjustmentNotes: null,
      lastRemake: null,
      completedAt: null,
      version: 1,
      allowedEvents: ['case.assignDesigner', 'case.outsource'],
    });
    const asDesigner = await call({ method: 'GET', url: caseUrl(created.id), token: tokens.designer });
    expect(asDesigner.json().allowedEvents).toEqual(['case.assignDesigner']);
  });

  it('answers 400 naming every bad tooth, the shade and a past due date at once', async () => {
    const response = await call({
      method: 'POST',
      url: casesUrl(),
      token: tokens.org_admin,
      payload: crown({ toothNumbers: ['11', '19', 'A', '56', '85', '11'], shade: 'Z9', dueDate: inDays(-1) }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('validation_failed');
    expect(response.json().fields.map((f: { field: string }) => f.field)).toEqual(['toothNumbers.1', 'toothNumbers.2', 'toothNumbers.3', 'toothNumbers.5', 'shade', 'dueDate']);
  });

  it('answers 400 naming missing and malformed fields', async () => {
    const response = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: { patientName: ' ', accountNumber: 'x'.repeat(51), dueDate: '31-12-2030', dentistryType: 'surgery' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['patientName', 'accountNumber', 'material', 'caseType', 'dueDate', 'dentistryType']),
    );
    // PostgreSQL cannot store NUL; names take no control characters at all.
    const nul = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ patientName: 'Ann\u0000a', notes: 'nul\u0000' }) });
    expect(nul.json().fields.map((f: { field: string }) => f.field)).toEqual(['patientName', 'notes']);
    const controls = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ dentistName: 'Dr.\tTab' }) });
    expect(controls.json().fields.map((f: { field: string }) => f.field)).toEqual(['dentistName']);
    expect((await createCase(crown({ notes: 'Two lines:\nkeep the margin\tthin' }))).notes).toBe('Two lines:\nkeep the margin\tthin');
  });

  it('checks teeth in the lab’s own notation and shades in the chosen system', async () => {
    const universal = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, universal)).org_admin;
    await call({ method: 'PATCH', url: `/api/v1/orgs/${universal.orgId}`, token: admin, payload: { toothNumbering: 'Universal' } });
    expect((await createCase(crown({ toothNumbers: ['1', '32', 'A', 'T'] }), admin, universal.orgId)).toothNumbers).toEqual(['1', '32', 'A', 'T']);
    const refused = await call({ method: 'POST', url: casesUrl(universal.orgId), token: admin, payload: crown({ toothNumbers: ['33', 'U', '48'] }) });
    expect(refused.json().fields.map((f: { field: string }) => f.field)).toEqual(['toothNumbers.0', 'toothNumbers.1', 'toothNumbers.2']);

    expect((await createCase(crown({ shadeSystem: 'VITA 3D-Master', shade: '2M2' }))).shade).toBe('2M2');
    const wrongSystem = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ shadeSystem: 'VITA 3D-Master', shade: 'A1' }) });
    expect(wrongSystem.json().fields).toEqual([{ field: 'shade', message: expect.stringContaining('VITA 3D-Master') }]);
    const noShade = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ shadeSystem: 'VITA 3D-Master', shade: undefined }) });
    expect(noShade.json().fields).toEqual([{ field: 'shade', message: expect.any(String) }]);
  });

  it('makes a dentist the dentist of their own cases and checks a named dentist is one', async () => {
    const own = await createCase(crown({ dentistName: undefined }), tokens.dentist);
    expect(own).toMatchObject({ dentistUserId: lab.members.dentist.userId, dentistName: 'dentist person' });
    const forOther = await call({ method: 'POST', url: casesUrl(), token: tokens.dentist, payload: crown({ dentistUserId: dentist2.userId }) });
    expect(forOther.statusCode).toBe(400);
    expect(forOther.json().fields[0].field).toBe('dentistUserId');
    const notADentist = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ dentistUserId: lab.members.designer.userId }) });
    expect(notADentist.json().fields).toEqual([{ field: 'dentistUserId', message: 'is not an active dentist of this lab' }]);
    const foreignDentist = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: crown({ dentistUserId: otherLab.members.dentist.userId }) });
    expect(foreignDentist.statusCode).toBe(400);
  });

  it('answers 401 without a token, 404 for a lab the caller is not in and 403 in a clinic, which has no cases', async () => {
    expect((await call({ method: 'POST', url: casesUrl(), payload: crown() })).statusCode).toBe(401);
    expect((await call({ method: 'POST', url: casesUrl(otherLab.orgId), token: tokens.org_admin, payload: crown() })).statusCode).toBe(404);
    const clinic = await seedOrg(t.orm, 'clinic', ['org_admin']);
    const clinicAdmin = (await tokensFor(call, clinic)).org_admin;
    const inClinic = await call({ method: 'POST', url: casesUrl(clinic.orgId), token: clinicAdmin, payload: crown() });
    expect(inClinic.statusCode).toBe(403);
  });
});

describe('reading cases', () => {
  let mine: { id: string };
  let theirs: { id: string };
  beforeAll(async () => {
    mine = await createCase(crown({ patientName: 'Row Rule Patient', dentistUserId: lab.members.dentist.userId }));
    theirs = await createCase(crown({ patientName: 'Other Dentist Patient', dentistUserId: dentist2.userId }));
  });

  it('answers 404 for another lab’s case, through either org', async () => {
    const foreign = await createCase(crown(), otherTokens.org_admin, otherLab.orgId);
    expect((await call({ method: 'GET', url: caseUrl(foreign.id), token: tokens.org_admin })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: caseUrl(foreign.id, otherLab.orgId), token: tokens.org_admin })).statusCode).toBe(404);
    expect((await call({ method: 'POST', url: `${caseUrl(foreign.id)}/events`, token: tokens.org_admin, payload: { type: 'case.outsource', version: 1, outsourcedTo: 'X' } })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: `${caseUrl(foreign.id)}/history`, token: tokens.org_admin })).statusCode).toBe(404);
  });

  it('answers 400 naming a case id that is no uuid', async () => {
    const response = await call({ method: 'GET', url: caseUrl('CASE-00001'), token: tokens.org_admin });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields[0].field).toBe('params.caseId');
  });

  it('shows a dentist only their own cases', async () => {
    expect((await call({ method: 'GET', url: caseUrl(mine.id), token: tokens.dentist })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: caseUrl(theirs.id), token: tokens.dentist })).statusCode).toBe(404);
    expect((await call({ method: 'PATCH', url: caseUrl(theirs.id), token: tokens.dentist, payload: { version: 1, notes: 'x' } })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: `${caseUrl(theirs.id)}/history`, token: tokens.dentist })).statusCode).toBe(404);
    const list = await call({ method: 'GET', url: casesUrl(), token: tokens.dentist, query: { limit: '200' } });
    expect(list.json().items.length).toBeGreaterThan(0);
    expect(list.json().items.every((c: { dentistUserId: string }) => c.dentistUserId === lab.members.dentist.userId)).toBe(true);
    const search = await call({ method: 'GET', url: `${casesUrl()}/search`, token: tokens.dentist, query: { query: 'Patient' } });
    expect(search.json().items.map((c: { id: string }) => c.id)).toContain(mine.id);
    expect(search.json().items.map((c: { id: string }) => c.id)).not.toContain(theirs.id);
    const board = await call({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/board`, token: tokens.dentist });
    const cards = board.json().columns.flatMap((c: { cards: { dentistUserId: string }[] }) => c.cards);
    expect(cards.every((c: { dentistUserId: string }) => c.dentistUserId === lab.members.dentist.userId)).toBe(true);
  });
});

describe('listing', () => {
  let listLab: SeededOrg;
  let admin: string;
  const url = () => casesUrl(listLab.orgId);
  beforeAll(async () => {
    listLab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer']);
    ({ org_admin: admin } = await tokensFor(call, listLab));
    const specs = [
      { material: 'Zirconia', caseType: 'Crown', dentistName: 'Dr. Ana Lima', dueDate: inDays(1) },
      { material: 'Emax', caseType: 'Veneer', dentistName: 'Dr. Ben Ode', dueDate: inDays(2) },
      { material: 'Zirconia', caseType: 'Bridge', dentistName: 'Dr. Ana Lima', dueDate: inDays(2) },
      { material: 'PMMA', caseType: 'Crown', dentistName: 'Dr. Carl Nye', dueDate: inDays(5) },
      { material: 'Zirconia', caseType: 'Implant', dentistName: 'Dr. Dora Bay', dueDate: inDays(9) },
    ];
    for (const spec of specs) await createCase(crown(spec), admin, listLab.orgId);
    // One overdue case: a due date in the past can only be the past's, so it is set underneath the API.
    const late = await createCase(crown({ material: 'PMMA', caseType: 'Crown', dentistName: 'Dr. Ana Lima', dueDate: inDays(1) }), admin, listLab.orgId);
    await sql('update lab_cases set due_date = ? where id = ?', [inDays(-3), late.id]);
  });

  const list = async (query: Record<string, string>) => {
    const response = await call({ method: 'GET', url: url(), token: admin, query });
    expect(response.statusCode).toBe(200);
    return response.json() as { items: { dueDate: string; id: string; material: string; caseType: string; dentistName: string }[]; nextCursor: string | null };
  };

  it('sorts by due date then id and pages with a cursor', async () => {
    const all = await list({ limit: '100' });
    expect(all.items).toHaveLength(6);
    const sorted = [...all.items].sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
    expect(all.items.map((c) => c.id)).toEqual(sorted.map((c) => c.id));
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list({ limit: '4', ...(cursor ? { cursor } : {}) });
      pages.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all.items.map((c) => c.id));
  });

  it('filters by material, case type, dentist, due dates and overdue', async () => {
    expect((await list({ material: 'Zirconia' })).items).toHaveLength(3);
    expect((await list({ caseType: 'Crown' })).items).toHaveLength(3);
    expect((await list({ dentist: 'ana li' })).items).toHaveLength(3);
    expect((await list({ dueAfter: inDays(2), dueBefore: inDays(5) })).items.map((c) => c.dueDate)).toEqual([inDays(2), inDays(2), inDays(5)]);
    expect((await list({ overdue: 'true' })).items.map((c) => c.dueDate)).toEqual([inDays(-3)]);
    expect((await list({ overdue: 'false' })).items).toHaveLength(5);
    expect((await list({ status: 'completed' })).items).toHaveLength(0);
  });

  it('filters by designer once one is assigned', async () => {
    const [first] = (await list({ limit: '1' })).items;
    const designer = (await tokensFor(call, listLab)).designer;
    await send(first!.id, designer, { type: 'case.assignDesigner' }, listLab.orgId);
    const mine = await list({ designerId: listLab.members.designer.userId });
    expect(mine.items.map((c) => c.id)).toEqual([first!.id]);
    expect((await list({ status: 'in_progress' })).items.map((c) => c.id)).toEqual([first!.id]);
  });

  it('answers 400 for a cursor it did not give and a bad filter', async () => {
    const response = await call({ method: 'GET', url: url(), token: admin, query: { cursor: 'nonsense', status: 'archived', dueBefore: 'tomorrow' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['query.status', 'query.dueBefore']));
    const cursor = await call({ method: 'GET', url: url(), token: admin, query: { cursor: 'nonsense' } });
    expect(cursor.json().fields).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
  });
});

describe('search', () => {
  let searchLab: SeededOrg;
  let admin: string;
  let target: { id: string; caseNumber: string };
  const search = (query?: string) =>
    call({ method: 'GET', url: `${casesUrl(searchLab.orgId)}/search`, token: admin, query: query === undefined ? {} : { query } });
  beforeAll(async () => {
    searchLab = await seedOrg(t.orm, 'lab', ['org_admin']);
    ({ org_admin: admin } = await tokensFor(call, searchLab));
    target = await createCase(
      crown({ patientName: 'Zofia Wiśniewska', accountNumber: 'ACCT-7781', dentistName: 'Dr. Hamid Qureshi', notes: 'Screw-retained on Straumann BLT 4.1' }),
      admin,
      searchLab.orgId,
    );
    for (let i = 0; i < 5; i++) await createCase(crown({ patientName: `Filler ${i}`, accountNumber: `F-${i}`, dentistName: 'Dr. Other', notes: '100% pure zirconia' }), admin, searchLab.orgId);
  });

  it.each([
    ['case number', () => target.caseNumber],
    ['patient, ignoring case', () => 'wiśniewsKA'],
    ['dentist', () => 'qureshi'],
    ['account number', () => 'acct-7781'],
    ['notes', () => 'straumann blt'],
  ])('finds a case by its %s', async (_, query) => {
    const response = await search(query());
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((c: { id: string }) => c.id)).toEqual([target.id]);
  });

  it('takes % and _ literally', async () => {
    expect((await search('100%')).json().items).toHaveLength(5);
    expect((await search('%')).json().items).toHaveLength(5);
    expect((await search('_')).json().items).toHaveLength(0);
  });

  it('answers 400 naming the query when it is missing or blank, as the seed does', async () => {
    for (const query of [undefined, '', '   ', 'nul\u0000byte']) {
      const response = await search(query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().fields.map((f: { field: string }) => f.field)).toEqual(['query.query']);
    }
  });

  it('never finds another lab’s cases', async () => {
    const response = await call({ method: 'GET', url: `${casesUrl()}/search`, token: tokens.org_admin, query: { query: 'Wiśniewska' } });
    expect(response.json().items).toEqual([]);
  });

  it('can answer from the trigram index', async () => {
    const plan = await t.orm.em.fork().transactional(async (tx) => {
      const connection = tx.getConnection();
      await connection.execute('set local enable_seqscan = off', [], 'run', tx.getTransactionContext());
      const { caseSearchText } = await import('../../server/modules/lab-cases/lab-case.entity');
      return connection.execute<{ 'QUERY PLAN': string }[]>(`explain select id from lab_cases where ${caseSearchText} ilike ?`, ['%qureshi%'], 'all', tx.getTransactionContext());
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('lab_cases_search_trgm_index');
  });
});

describe('the board', () => {
  let boardLab: SeededOrg;
  let boardTokens: Record<Role, string>;
  const ids: Record<string, string> = {};
  const board = (query: Record<string, string> = {}, token = boardTokens.org_admin) =>
    call({ method: 'GET', url: `/api/v1/orgs/${boardLab.orgId}/board`, token, query });
  beforeAll(async () => {
    boardLab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
    boardTokens = await tokensFor(call, boardLab);
    const make = async (name: string, dueDate: string) => (ids[name] = (await createCase(crown({ patientName: name, dueDate }), boardTokens.org_admin, boardLab.orgId)).id);
    await make('overdue', inDays(1));
    await make('today', today);
    await make('tomorrow', inDays(1));
    await make('in two days', inDays(2));
    await make('in three days', inDays(3));
    await make('working', inDays(4));
    await make('done late', inDays(1));
    await sql('update lab_cases set due_date = ? where id in (?, ?)', [inDays(-2), ids.overdue, ids['done late']]);
    const at = (name: string) => ids[name]!;
    await send(at('working'), boardTokens.designer, { type: 'case.assignDesigner' }, boardLab.orgId);
    await send(at('done late'), boardTokens.designer, { type: 'case.assignDesigner' }, boardLab.orgId);
    await send(at('done late'), boardTokens.designer, { type: 'case.submitForApproval' }, boardLab.orgId);
    await send(at('done late'), boardTokens.org_admin, { type: 'case.approve' }, boardLab.orgId);
  });

  it('has a column per status in workflow order, with counts and cards by due date', async () => {
    const response = await board();
    expect(response.statusCode).toBe(200);
    const { columns, today: serverToday } = response.json();
    expect(serverToday).toBe(today);
    expect(columns.map((c: { status: string; label: string; count: number }) => [c.status, c.label, c.count])).toEqual([
      ['new', 'New', 5],
      ['in_progress', 'In Progress', 1],
      ['pending_approval', 'Pending Approval', 0],
      ['completed', 'Completed', 1],
      ['sent_to_outsource', 'Sent to Outsource', 0],
    ]);
    const fresh = columns[0].cards as { patientName: string; dueDate: string; risk: string | null }[];
    expect(fresh.map((c) => [c.patientName, c.risk])).toEqual([
      ['overdue', 'overdue'],
      ['today', 'due_today'],
      ['tomorrow', 'due_48h'],
      ['in two days', 'due_48h'],
      ['in three days', null],
    ]);
    expect(columns[3].cards[0]).toMatchObject({ patientName: 'done late', state: 'completed.not_shipped', risk: null });
  });

  it('cuts each column to the card limit but keeps the count, and filters like the list', async () => {
    const limited = (await board({ limit: '2' })).json().columns[0];
    expect(limited.count).toBe(5);
    expect(limited.cards).toHaveLength(2);
    const overdue = (await board({ overdue: 'true' })).json().columns;
    expect(overdue.map((c: { count: number }) => c.count)).toEqual([1, 0, 0, 0, 0]);
    const designer = (await board({ designerId: boardLab.members.designer.userId })).json().columns;
    expect(designer.map((c: { count: number }) => c.count)).toEqual([0, 1, 0, 1, 0]);
    expect((await board({ limit: '501' })).statusCode).toBe(400);
  });

  it('counts only the caller’s lab', async () => {
    const total = (await board()).json().columns.reduce((sum: number, c: { count: number }) => sum + c.count, 0);
    expect(total).toBe(7);
  });
});

describe('workflow events', () => {
  it('walks a case from New to delivered and back for a remake, with a history row per step', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const steps: [string, Record<string, unknown>, string][] = [
      [tokens.designer, { type: 'case.assignDesigner' }, 'in_progress'],
      [tokens.designer, { type: 'case.submitForApproval' }, 'pending_approval'],
      [tokens.dentist, { type: 'case.requestAdjustment', notes: 'Open the mesial contact on 11' }, 'in_progress'],
      [tokens.designer, { type: 'case.submitForApproval' }, 'pending_approval'],
      [tokens.dentist, { type: 'case.approve' }, 'completed.not_shipped'],
      [tokens.org_admin, { type: 'case.ship' }, 'completed.shipped'],
      [tokens.dentist, { type: 'case.deliver' }, 'completed.delivered'],
      [tokens.dentist, { type: 'case.remake', reason: 'shade_mismatch', details: 'Too grey next to 12' }, 'in_progress'],
    ];
    const states: string[] = [];
    for (const [token, event, expected] of steps) {
      const response = await send(created.id, token, event);
      expect(response.statusCode, `${event.type}: ${response.body}`).toBe(200);
      expect(response.json().state).toBe(expected);
      states.push(response.json().state);
      if (expected === 'completed.not_shipped') expect(response.json()).toMatchObject({ status: 'completed', approvalStatus: 'approved', completedAt: expect.any(String) });
      if (expected === 'completed.delivered') expect(response.json()).toMatchObject({ deliveryStatus: 'delivered', allowedEvents: ['case.remake'] });
    }
    const final = (await call({ method: 'GET', url: caseUrl(created.id), token: tokens.org_admin })).json();
    expect(final).toMatchObject({
      status: 'in_progress',
      redoCount: 2,
      approvalStatus: 'not_submitted',
      deliveryStatus: 'not_shipped',
      completedAt: null,
      assignedDesignerId: lab.members.designer.userId,
      adjustmentNotes: 'Open the mesial contact on 11',
      lastRemake: { reason: 'shade_mismatch', details: 'Too grey next to 12' },
      version: 9,
    });

    const history = (await call({ method: 'GET', url: `${caseUrl(created.id)}/history`, token: tokens.dentist })).json().items;
    expect(history.map((h: { from: string; to: string; eventType: string; version: number }) => [h.from, h.eventType, h.to, h.version])).toEqual([
      ['new', 'case.assignDesigner', 'in_progress', 2],
      ['in_progress', 'case.submitForApproval', 'pending_approval', 3],
      ['pending_approval', 'case.requestAdjustment', 'in_progress', 4],
      ['in_progress', 'case.submitForApproval', 'pending_approval', 5],
      ['pending_approval', 'case.approve', 'completed.not_shipped', 6],
      ['completed.not_shipped', 'case.ship', 'completed.shipped', 7],
      ['completed.shipped', 'case.deliver', 'completed.delivered', 8],
      ['completed.delivered', 'case.remake', 'in_progress', 9],
    ]);
    expect(history[0]).toMatchObject({ actorUserId: lab.members.designer.userId, actorRole: 'designer', actorName: 'designer person', payload: { designerId: lab.members.designer.userId } });
    expect(history[7]).toMatchObject({ actorRole: 'dentist', payload: { reason: 'shade_mismatch', details: 'Too grey next to 12' } });
  });

  it('sends outsourced work back for approval', async () => {
    const created = await createCase(crown());
    expect((await send(created.id, tokens.org_admin, { type: 'case.outsource', outsourcedTo: 'Partner Milling Co' })).json()).toMatchObject({
      status: 'sent_to_outsource',
      isOutsourced: true,
      outsourcedTo: 'Partner Milling Co',
    });
    expect((await send(created.id, tokens.designer, { type: 'case.returnFromOutsource' })).json()).toMatchObject({ status: 'pending_approval', approvalStatus: 'pending' });
  });

  it('answers 409 with the events allowed now when the workflow refuses', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const early = await send(created.id, tokens.dentist, { type: 'case.approve' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'transition_refused', allowed: [], state: 'new' });
    expect(early.json().message).toContain('case.approve');
    expect(early.json().message).toContain('New');
    const byAdmin = await send(created.id, tokens.org_admin, { type: 'case.ship' });
    expect(byAdmin.json().allowed).toEqual(['case.assignDesigner', 'case.outsource']);
    // A designer may take a case, not hand it to a colleague.
    const handOver = await send(created.id, tokens.designer, { type: 'case.assignDesigner', designerId: designer2.userId });
    expect(handOver.statusCode).toBe(409);
    expect(handOver.json().allowed).toEqual(['case.assignDesigner']);
    await send(created.id, tokens.designer, { type: 'case.assignDesigner' });
    await send(created.id, tokens.designer, { type: 'case.submitForApproval' });
    const designerApproves = await send(created.id, tokens.designer, { type: 'case.approve' });
    expect(designerApproves.json()).toMatchObject({ error: 'transition_refused', allowed: [] });
  });

  it('answers 400 naming the payload an event needs', async () => {
    const created = await createCase(crown());
    const dentistAsDesigner = await send(created.id, tokens.org_admin, { type: 'case.assignDesigner', designerId: lab.members.dentist.userId });
    expect(dentistAsDesigner.json().fields).toEqual([{ field: 'designerId', message: 'is not an active designer of this lab' }]);
    const foreignDesigner = await send(created.id, tokens.org_admin, { type: 'case.assignDesigner', designerId: otherLab.members.designer.userId });
    expect(foreignDesigner.statusCode).toBe(400);
    const leaving = await hire('designer', 'Leaving Designer');
    const [membership] = await sql<{ id: string }>('select id from memberships where user_id = ? and org_id = ?', [leaving.userId, lab.orgId]);
    expect((await call({ method: 'PATCH', url: `/api/v1/orgs/${lab.orgId}/staff/${membership!.id}`, token: tokens.org_admin, payload: { active: false } })).statusCode).toBe(200);
    expect((await send(created.id, tokens.org_admin, { type: 'case.assignDesigner', designerId: leaving.userId })).statusCode).toBe(400);
    const lockedOut = await hire('designer', 'Locked-out Designer');
    await sql('update users set active = false where id = ?', [lockedOut.userId]);
    expect((await send(created.id, tokens.org_admin, { type: 'case.assignDesigner', designerId: lockedOut.userId })).statusCode).toBe(400);
    expect((await send(created.id, tokens.org_admin, { type: 'case.outsource', outsourcedTo: '  ' })).json().fields[0].field).toBe('outsourcedTo');
    expect((await send(created.id, tokens.org_admin, { type: 'case.requestAdjustment' })).json().fields[0].field).toBe('notes');
    expect((await send(created.id, tokens.org_admin, { type: 'case.remake', reason: 'other' })).json().fields[0].field).toBe('details');
    const unknown = await call({ method: 'POST', url: `${caseUrl(created.id)}/events`, token: tokens.org_admin, payload: { type: 'case.teleport' } });
    expect(unknown.json().fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['type', 'version']));
    // A dentist may assign nobody; the table answers 403 only for roles outside the lab's.
    const clinic = await seedOrg(t.orm, 'clinic', ['doctor']);
    const doctor = (await tokensFor(call, clinic)).doctor;
    expect((await call({ method: 'POST', url: `${casesUrl(clinic.orgId)}/${created.id}/events`, token: doctor, payload: { type: 'case.ship', version: 1 } })).statusCode).toBe(403);
  });

  it('answers 409 for a stale version and lets only one of two racing writers through', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const url = `${caseUrl(created.id)}/events`;
    await call({ method: 'POST', url, token: tokens.designer, payload: { type: 'case.assignDesigner', version: 1 } });
    const stale = await call({ method: 'POST', url, token: tokens.designer, payload: { type: 'case.submitForApproval', version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'stale_version', version: 2 });

    const countOutbox = async () => Number((await sql<{ n: string }>(`select count(*) as n from outbox_events where payload->>'caseId' = ?`, [created.id]))[0]!.n);
    const countHistory = async () => Number((await sql<{ n: string }>('select count(*) as n from case_transitions where case_id = ?', [created.id]))[0]!.n);
    const outboxBefore = await countOutbox();
    const historyBefore = await countHistory();
    const racing = await Promise.all([
      call({ method: 'POST', url, token: tokens.designer, payload: { type: 'case.submitForApproval', version: 2 } }),
      call({ method: 'POST', url, token: tokens.org_admin, payload: { type: 'case.outsource', version: 2, outsourcedTo: 'Partner Lab' } }),
    ]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(racing.find((r) => r.statusCode === 409)!.json().error).toBe('stale_version');
    expect(await countOutbox()).toBe(outboxBefore + 1);
    expect(await countHistory()).toBe(historyBefore + 1);
  });

  it('keeps nothing of a transition whose write fails part-way', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const trail = async () => ({
      state: await sql<{ status: string; version: number }>('select status, version from lab_cases where id = ?', [created.id]),
      history: await sql('select id from case_transitions where case_id = ?', [created.id]),
      audit: await sql<{ action: string }>('select action from audit_events where entity_id = ? order by at', [created.id]),
      outbox: await sql<{ type: string }>(`select type from outbox_events where payload->>'caseId' = ? order by id`, [created.id]),
    });
    // The audit row is written after the case row and the history row: refusing it must undo them.
    await sql(`create function refuse_transition_audit() returns trigger language plpgsql as $$
      begin if new.action = 'case.transition' then raise exception 'audit refused'; end if; return new; end $$`);
    await sql('create trigger refuse_transition_audit before insert on audit_events for each row execute function refuse_transition_audit()');
    try {
      expect((await send(created.id, tokens.org_admin, { type: 'case.outsource', outsourcedTo: 'Partner Lab' })).statusCode).toBe(500);
    } finally {
      await sql('drop trigger refuse_transition_audit on audit_events');
      await sql('drop function refuse_transition_audit()');
    }
    expect(await trail()).toEqual({ state: [{ status: 'new', version: 1 }], history: [], audit: [{ action: 'case.create' }], outbox: [{ type: 'case.created.v1' }] });
    expect((await send(created.id, tokens.org_admin, { type: 'case.outsource', outsourcedTo: 'Partner Lab' })).statusCode).toBe(200);
    const after = await trail();
    expect(after.state).toEqual([{ status: 'sent_to_outsource', version: 2 }]);
    expect(after.history).toHaveLength(1);
    expect(after.audit.map((a) => a.action)).toEqual(['case.create', 'case.transition']);
    expect(after.outbox.map((o) => o.type)).toEqual(['case.created.v1', 'case.updated.v1']);
  });

  it('writes the board event with the change, to the lab board and the dentist’s room, and none on a refusal', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const events = () => sql<{ type: string; rooms: string[]; payload: Record<string, unknown> }>(`select type, rooms, payload from outbox_events where payload->>'caseId' = ? order by id`, [created.id]);
    expect((await events()).map((e) => e.type)).toEqual(['case.created.v1']);
    await send(created.id, tokens.dentist, { type: 'case.ship' });
    expect(await events()).toHaveLength(1);
    await send(created.id, tokens.designer, { type: 'case.assignDesigner' });
    const [, updated] = await events();
    expect(updated).toMatchObject({
      type: 'case.updated.v1',
      rooms: [rooms.labBoard(lab.orgId), rooms.dentistCases(lab.orgId, lab.members.dentist.userId)],
      payload: { caseId: created.id, status: 'in_progress', version: 2, event: 'case.assignDesigner', changedFields: ['status', 'assignedDesignerId'] },
    });
    expect(JSON.stringify(updated!.payload)).not.toContain('Marta');
  });
});

describe('editing and deleting', () => {
  it('edits descriptive fields at the current version and audits the field names', async () => {
    const created = await createCase(crown());
    const response = await call({ method: 'PATCH', url: caseUrl(created.id), token: tokens.designer, payload: { version: 1, shade: 'B2', toothNumbers: ['11', '21', '22'], notes: 'Add 22' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ shade: 'B2', toothNumbers: ['11', '21', '22'], notes: 'Add 22', version: 2 });
    const stale = await call({ method: 'PATCH', url: caseUrl(created.id), token: tokens.designer, payload: { version: 1, shade: 'B3' } });
    expect(stale.json()).toMatchObject({ error: 'stale_version' });
    const audit = await sql<{ action: string; changed_fields: string[] }>('select action, changed_fields from audit_events where entity_id = ? order by at', [created.id]);
    expect(audit.map((a) => [a.action, a.changed_fields])).toEqual([
      ['case.create', ['caseNumber', 'patientName', 'accountNumber', 'dentistName', 'dentistryType', 'toothNumbers', 'shadeSystem', 'shade', 'material', 'caseType', 'notes', 'dueDate']],
      ['case.update', ['shade', 'notes', 'toothNumbers']],
    ]);
  });

  it('never writes the workflow state and checks fields as a create does', async () => {
    const created = await createCase(crown());
    const status = await call({ method: 'PATCH', url: caseUrl(created.id), token: tokens.org_admin, payload: { version: 1, status: 'completed', redoCount: 5 } });
    expect(status.statusCode).toBe(400);
    const bad = await call({ method: 'PATCH', url: caseUrl(created.id), token: tokens.org_admin, payload: { version: 1, toothNumbers: ['99'], shadeSystem: 'VITA 3D-Master' } });
    expect(bad.json().fields.map((f: { field: string }) => f.field)).toEqual(['toothNumbers.0', 'shade']);
    const own = await createCase(crown(), tokens.dentist);
    const handAway = await call({ method: 'PATCH', url: caseUrl(own.id), token: tokens.dentist, payload: { version: 1, dentistUserId: dentist2.userId } });
    expect(handAway.json().fields[0].field).toBe('dentistUserId');
    expect((await call({ method: 'GET', url: caseUrl(created.id), token: tokens.org_admin })).json()).toMatchObject({ status: 'new', redoCount: 0, version: 1 });
  });

  it('hands a case to another dentist and tells both dentists’ screens', async () => {
    const created = await createCase(crown({ dentistUserId: lab.members.dentist.userId }));
    const response = await call({ method: 'PATCH', url: caseUrl(created.id), token: tokens.org_admin, payload: { version: 1, dentistUserId: dentist2.userId } });
    expect(response.json()).toMatchObject({ dentistUserId: dentist2.userId, dentistName: 'Dr. Second Dentist', version: 2 });
    const [event] = await sql<{ rooms: string[] }>(`select rooms from outbox_events where payload->>'caseId' = ? and type = 'case.updated.v1'`, [created.id]);
    expect(event!.rooms).toEqual([
      rooms.labBoard(lab.orgId),
      rooms.dentistCases(lab.orgId, dentist2.userId),
      rooms.dentistCases(lab.orgId, lab.members.dentist.userId),
    ]);
    expect((await call({ method: 'GET', url: caseUrl(created.id), token: tokens.dentist })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: caseUrl(created.id), token: dentist2.token })).statusCode).toBe(200);
  });

  it('deletes only New cases, only as org_admin', async () => {
    const fresh = await createCase(crown());
    expect((await call({ method: 'DELETE', url: caseUrl(fresh.id), token: tokens.designer })).statusCode).toBe(403);
    const started = await createCase(crown());
    await send(started.id, tokens.designer, { type: 'case.assignDesigner' });
    const refused = await call({ method: 'DELETE', url: caseUrl(started.id), token: tokens.org_admin });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'case_not_new' });
    expect((await call({ method: 'DELETE', url: caseUrl(fresh.id), token: tokens.org_admin })).statusCode).toBe(204);
    expect((await call({ method: 'GET', url: caseUrl(fresh.id), token: tokens.org_admin })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', url: caseUrl(fresh.id), token: tokens.org_admin })).statusCode).toBe(404);
    const audit = await sql<{ action: string }>('select action from audit_events where entity_id = ? order by at', [fresh.id]);
    expect(audit.map((a) => a.action)).toEqual(['case.create', 'case.delete']);
    const outbox = await sql<{ type: string }>(`select type from outbox_events where payload->>'caseId' = ? order by id`, [fresh.id]);
    expect(outbox.map((o) => o.type)).toEqual(['case.created.v1', 'case.deleted.v1']);
  });

  it('writes an audit row per transition and none for a refused one', async () => {
    const created = await createCase(crown());
    expect((await send(created.id, tokens.org_admin, { type: 'case.ship' })).statusCode).toBe(409);
    await send(created.id, tokens.org_admin, { type: 'case.outsource', outsourcedTo: 'Partner Lab' });
    const audit = await sql<{ action: string; changed_fields: string[]; actor_role: string }>('select action, changed_fields, actor_role from audit_events where entity_id = ? order by at', [created.id]);
    expect(audit.map((a) => [a.action, a.actor_role, a.changed_fields])).toEqual([
      ['case.create', 'org_admin', expect.any(Array)],
      ['case.transition', 'org_admin', ['status', 'isOutsourced', 'outsourcedTo']],
    ]);
  });
});

describe('remake analytics', () => {
  it('counts remakes and adjustments with their reasons against completed cases, by designer, material, case type and partner', async () => {
    const analyticsLab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
    const labTokens = await tokensFor(call, analyticsLab);
    const make = async (material: string, outsource: boolean) => {
      const created = await createCase(crown({ material }), labTokens.org_admin, analyticsLab.orgId);
      const go = (token: string, event: Record<string, unknown>) => send(created.id, token, event, analyticsLab.orgId);
      if (outsource) {
        await go(labTokens.org_admin, { type: 'case.outsource', outsourcedTo: 'Partner Lab' });
        await go(labTokens.org_admin, { type: 'case.returnFromOutsource' });
      } else {
        await go(labTokens.designer, { type: 'case.assignDesigner' });
        await go(labTokens.designer, { type: 'case.submitForApproval' });
      }
      return { id: created.id, go };
    };
    const remade = await make('Zirconia', false);
    await remade.go(labTokens.org_admin, { type: 'case.requestAdjustment', notes: 'Occlusion high' });
    await remade.go(labTokens.designer, { type: 'case.submitForApproval' });
    await remade.go(labTokens.org_admin, { type: 'case.approve' });
    await remade.go(labTokens.org_admin, { type: 'case.ship' });
    await remade.go(labTokens.org_admin, { type: 'case.deliver' });
    await remade.go(labTokens.org_admin, { type: 'case.remake', reason: 'fit', details: 'Rocks on the model' });
    const clean = await make('Emax', false);
    await clean.go(labTokens.org_admin, { type: 'case.approve' });
    const partner = await make('Zirconia', true);
    await partner.go(labTokens.org_admin, { type: 'case.approve' });

    const url = `${casesUrl(analyticsLab.orgId)}/analytics/remakes`;
    const response = await call({ method: 'GET', url, token: labTokens.org_admin, query: { from: inDays(-1), to: today } });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.overall).toMatchObject({ completedCases: 3, remadeCases: 1, remakeRate: 0.3333, remakes: 1, adjustments: 1, reasons: [{ reason: 'fit', count: 1 }] });
    expect(report.byDesigner).toEqual([
      expect.objectContaining({ key: analyticsLab.members.designer.userId, label: 'designer person', completedCases: 2, remadeCases: 1, remakeRate: 0.5 }),
      expect.objectContaining({ key: null, label: 'Unassigned', completedCases: 1, remadeCases: 0, remakeRate: 0 }),
    ]);
    expect(report.byMaterial.map((g: { label: string; remakeRate: number }) => [g.label, g.remakeRate])).toEqual([
      ['Zirconia', 0.5],
      ['Emax', 0],
    ]);
    expect(report.byCaseType).toEqual([expect.objectContaining({ label: 'Crown', completedCases: 3, remakes: 1, adjustments: 1 })]);
    expect(report.byOutsourcedTo.map((g: { label: string; completedCases: number }) => [g.label, g.completedCases])).toEqual([
      ['In house', 2],
      ['Partner Lab', 1],
    ]);

    const empty = await call({ method: 'GET', url, token: labTokens.org_admin, query: { from: inDays(-30), to: inDays(-10) } });
    expect(empty.json().overall).toMatchObject({ completedCases: 0, remakeRate: null });
    const backwards = await call({ method: 'GET', url, token: labTokens.org_admin, query: { from: today, to: inDays(-1) } });
    expect(backwards.json().fields).toEqual([{ field: 'query.from', message: expect.any(String) }]);
    expect((await call({ method: 'GET', url, token: labTokens.dentist })).statusCode).toBe(403);
    expect((await call({ method: 'GET', url, token: labTokens.designer })).statusCode).toBe(403);
  });
});

describe('logs', () => {
  it('never carry patient names or notes', () => {
    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of ['Marta', 'Kowalska', 'Wiśniewska', 'wiśniewsKA', 'Straumann', 'straumann', 'Layered incisal', 'Too grey', 'Rocks on the model', 'Occlusion high']) {
      expect(logs, secret).not.toContain(secret);
    }
  });
});
