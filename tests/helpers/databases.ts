import pg from 'pg';

/** The cluster the tests use; each test file gets its own database cloned from a migrated template. */
export const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * Names carry the pid of the vitest run that made them, so several runs on one machine (a
 * developer's and CI's) never drop each other's databases, and leftovers of dead runs are found.
 */
export const runPrefix = (runPid: number) => `cuspid_t${runPid}_`;
export const templateName = (runPid: number) => `${runPrefix(runPid)}template`;

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`drop database if exists "${name}" with (force)`);
}

/** Drops the databases of test runs whose process is gone. */
export async function dropLeftovers(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname ~ '^cuspid_t[0-9]+_'");
  for (const { datname } of rows) {
    const pid = Number(/^cuspid_t(\d+)_/.exec(datname)![1]);
    if (!isAlive(pid)) await dropDatabase(client, datname);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Clones the run's template. PostgreSQL refuses to copy a template while another clone of it is
 * being made, so parallel test files retry briefly.
 */
export async function cloneTemplate(template: string, name: string): Promise<string> {
  await withAdmin(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        if (attempt > 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  return databaseUrl(name);
}
