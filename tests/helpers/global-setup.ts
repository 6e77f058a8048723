import { openOrm, migrate } from '../../server/db/orm';
import { databaseUrl, dropDatabase, templateDatabase, withAdmin } from './databases';

/** Migrates one template database per run; every test file clones it (fast) instead of migrating. */
export default async function setup(): Promise<() => Promise<void>> {
  await withAdmin(async (client) => {
    const stale = await client.query<{ datname: string }>("select datname from pg_database where datname like 'cuspid_t_%'");
    for (const row of stale.rows) await dropDatabase(client, row.datname);
    await dropDatabase(client, templateDatabase);
    await client.query(`create database ${templateDatabase}`);
  });
  const orm = await openOrm(databaseUrl(templateDatabase), 1);
  await migrate(orm);
  await orm.close();
  return async () => {
    await withAdmin((client) => dropDatabase(client, templateDatabase));
  };
}
