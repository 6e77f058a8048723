import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';

/**
 * A zone whose day is not the server's right now (UTC+14 from 10:00 UTC, UTC-11 before), so a
 * check that judged "today" on the server's clock would be caught either way.
 */
const farZone = localToday('Pacific/Kiritimati') !== localToday(serverTimeZone) ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
const labToday = localToday(farZone);

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let tokens: Record<Role, string>;

beforeAll(async () => {
  t = await createTestApp();
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin'], { name: 'Far Lab', timeZone: farZone });
  tokens = await tokensFor(call, lab);
});
afterAll(() => t.close());

const casesUrl = () => `/api/v1/orgs/${lab.orgId}/cases`;
const sql = <Row>(query: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<Row[]>(query, params);

async function newCase(dueDate: string) {
  const response = await call({ method: 'POST', url: casesUrl(), token: tokens.org_admin, payload: { patientName: 'Marta Kowalska', toothNumbers: ['11'], shade: 'A2', material: 'Zirconia', caseType: 'Crown', notes: 'As ordered', dueDate } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; version: number; dueDate: string };
}

/** What an edit leaves: the row's due date, notes and version, its audit rows and its board events. */
async function footprint(caseId: string) {
  const [row] = await sql<Record<string, unknown>>(
    `select to_char(due_date, 'YYYY-MM-DD') as due_date, notes, version,
            (select count(*)::int from audit_events where entity_id = ? and action = 'case.update') as audits,
            (select count(*)::int from outbox_events where org_id = ?) as events
       from lab_cases where id = ?`,
    [caseId, lab.orgId, caseId],
  );
  return row;
}

const patch = (caseId: string, payload: Record<string, unknown>) => call({ method: 'PATCH', url: `${casesUrl()}/${caseId}`, token: tokens.org_admin, payload });

describe('moving a case’s due date', () => {
  it('refuses a day before the lab’s today, naming dueDate, and writes nothing', async () => {
    const labCase = await newCase(addDays(labToday, 3));
    const before = await footprint(labCase.id);
    for (const dueDate of [addDays(labToday, -1), '2020-01-31']) {
      const response = await patch(labCase.id, { version: labCase.version, dueDate, notes: 'Moved up' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', fields: [{ field: 'dueDate', message: 'must not be in the past' }] });
    }
    expect(await footprint(labCase.id)).toEqual(before);
  });

  it('accepts the lab’s today and later', async () => {
    const labCase = await newCase(addDays(labToday, 3));
    const moved = await patch(labCase.id, { version: labCase.version, dueDate: labToday });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ dueDate: labToday, version: labCase.version + 1 });
    const later = await patch(labCase.id, { version: labCase.version + 1, dueDate: addDays(labToday, 10) });
    expect(later.statusCode, later.body).toBe(200);
    expect((await footprint(labCase.id))!.due_date).toBe(addDays(labToday, 10));
  });

  it('lets an overdue case be edited with the date it already has', async () => {
    const labCase = await newCase(labToday);
    const overdue = addDays(labToday, -2);
    await sql('update lab_cases set due_date = ? where id = ?', [overdue, labCase.id]);
    const edited = await patch(labCase.id, { version: labCase.version, dueDate: overdue, notes: 'Chased the dentist' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ dueDate: overdue, notes: 'Chased the dentist' });
  });
});
