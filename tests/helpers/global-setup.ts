import type { TestProject } from 'vitest/node';
import { openOrm, migrate } from '../../server/db/orm';
import { databaseUrl, dropDatabase, dropLeftovers, runPrefix, templateName, withAdmin } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    runPrefix: string;
  }
}

/** Migrates one template database per run; every test file clones it (fast) instead of migrating. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `${templateName(process.pid)}_${project.name.replace(/\W/g, '_')}`;
  await withAdmin(async (client) => {
    await dropLeftovers(client);
    await dropDatabase(client, template);
    await client.query(`create database "${template}"`);
  });
  const orm = await openOrm(databaseUrl(template), 1);
  await migrate(orm);
  await orm.close();
  project.provide('templateDatabase', template);
  project.provide('runPrefix', runPrefix(process.pid));
  return async () => {
    await withAdmin((client) => dropDatabase(client, template));
  };
}
