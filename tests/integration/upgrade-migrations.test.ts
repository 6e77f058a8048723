import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrate, ormOptions } from '../../server/db/orm';
import { migrationsList } from '../../server/migrations';
import { hashPassword } from '../../server/modules/auth/password';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { serverTimeZone } from '../../server/shared/time-zone';
import { databaseUrl, dropDatabase, withAdmin } from '../helpers/databases';
import { testPassword } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';

/**
 * A database as installs running MikroORM 6 have it: migrated up to the newest migration that
 * version applied, its bookkeeping table as MikroORM 6 created and filled it, rows in it. The
 * migrations themselves are raw SQL, the same whichever ORM runs them; the bookkeeping table is
 * what MikroORM 6 wrote itself, so it is rebuilt here exactly as that version made it.
 */
const lastMigrationOfMikroOrm6 = '0013-allergies-and-staff-phones';

const name = `${inject('runPrefix')}${randomBytes(4).toString('hex')}`;
const url = databaseUrl(name);
const orgId = randomUUID();
const userId = randomUUID();
const caseId = randomUUID();
const email = `manager.${randomBytes(4).toString('hex')}@upgrade.test`;
const today = localToday(serverTimeZone);

let applied: string[];
let t: TestApp;
let call: Call;

async function sql<T>(orm: MikroORM, query: string, params: unknown[] = []): Promise<T[]> {
  return orm.em.getConnection().execute<T[]>(query, params);
}

beforeAll(async () => {
  await withAdmin((client) => client.query(`create database "${name}"`));
  const old = await MikroORM.init(ormOptions(url, 1));
  await old.migrator.up({ to: lastMigrationOfMikroOrm6 });
  await sql(old, 'drop table mikro_orm_migrations');
  await sql(old, 'create table "mikro_orm_migrations" ("id" serial primary key, "name" varchar(255), "executed_at" timestamptz default current_timestamp)');
  const before = migrationsList.slice(0, migrationsList.findIndex((m) => m.name === lastMigrationOfMikroOrm6) + 1);
  for (const migration of before) await sql(old, 'insert into mikro_orm_migrations (name) values (?)', [migration.name]);
  await sql(old, `insert into orgs (id, kind, name, staff_limits, created_at, time_zone) values (?, 'lab', 'Upgrade Dental Lab', '{}', now(), ?)`, [orgId, serverTimeZone]);
  await sql(old, 'insert into users (id, email, password_hash, name, created_at) values (?, ?, ?, ?, now())', [userId, email, await hashPassword(testPassword), 'Upgrade Manager']);
  await sql(old, `insert into memberships (id, org_id, user_id, role, created_at) values (?, ?, ?, 'org_admin', now())`, [randomUUID(), orgId, userId]);
  await sql(
    old,
    `insert into lab_cases (id, org_id, case_number, patient_name, material, case_type, due_date, created_at, updated_at)
     values (?, ?, 'CASE-00001', 'Marta Kowalska', 'Zirconia', 'Crown', ?, now(), now())`,
    [caseId, orgId, addDays(today, 3)],
  );
  await old.close();

  const upgraded = await MikroORM.init(ormOptions(url, 1));
  applied = await migrate(upgraded);
  await upgraded.close();
  t = await createTestApp({ DATABASE_URL: url });
  call = caller(t.app);
});

afterAll(async () => {
  await t?.close();
  await withAdmin((client) => dropDatabase(client, name));
});

describe('upgrading a database migrated by MikroORM 6', () => {
  it('applies only the migrations it had not, and records each migration once', async () => {
    expect(applied).toEqual(migrationsList.slice(migrationsList.findIndex((m) => m.name === lastMigrationOfMikroOrm6) + 1).map((m) => m.name));
    const recorded = await sql<{ name: string }>(t.orm, 'select name from mikro_orm_migrations order by id');
    expect(recorded.map((row) => row.name)).toEqual(migrationsList.map((m) => m.name));
    expect(await migrate(t.orm)).toEqual([]);
  });

  it('ends with exactly the schema the entities describe', async () => {
    const diff = await t.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: true });
    expect(diff.trim()).toBe('');
  });

  it('reads the rows written before the upgrade and writes new ones beside them', async () => {
    const response = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: testPassword } });
    expect(response.statusCode).toBe(200);
    const token = (response.json() as { accessToken: string }).accessToken;

    const old = await call({ method: 'GET', url: `/api/v1/orgs/${orgId}/cases/${caseId}`, token });
    expect(old.statusCode).toBe(200);
    expect(old.json()).toMatchObject({ caseNumber: 'CASE-00001', patientName: 'Marta Kowalska', status: 'new', version: 1 });

    const created = await call({
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/cases`,
      token,
      payload: { patientName: 'Ana Souza', toothNumbers: ['11'], shade: 'A2', material: 'Zirconia', caseType: 'Crown', dueDate: addDays(today, 5) },
    });
    expect(created.statusCode).toBe(201);
    const list = await call({ method: 'GET', url: `/api/v1/orgs/${orgId}/cases?limit=10`, token });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { items: { id: string }[] }).items.map((c) => c.id).sort()).toEqual([caseId, (created.json() as { id: string }).id].sort());
  });
});
