/**
 * Each scenario works in a database of its own, bench_<scenario>_<pid>, migrated from the committed
 * migrations and dropped at the end (BENCH_KEEP_DB=1 keeps it), and a Redis key prefix of its own,
 * whose keys are deleted at the end.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { migrate, openOrm } from '../../server/db/orm';

export const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchDatabase {
  name: string;
  url: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates bench_<scenario>_<pid>. */
export async function createBenchDatabase(scenario: string): Promise<BenchDatabase> {
  const name = `bench_${scenario.replace(/\W/g, '_')}_${process.pid}`;
  const url = (() => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  await admin(async (client) => {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  });
  const orm = await openOrm(url, 1);
  await migrate(orm);
  await orm.close();
  const redisPrefix = `bench:${name}`;
  return {
    name,
    url,
    redisPrefix,
    drop: async () => {
      await deleteRedisKeys(redisPrefix);
      if (process.env.BENCH_KEEP_DB === '1') {
        console.log(`Kept database ${name}`);
        return;
      }
      await admin((client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** Deletes every key under `prefix:` (SCAN, not KEYS, so a shared Redis is not blocked). */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Drops bench_* databases left by bench runs whose process is gone (a crash or a killed run). */
export async function dropLeftoverBenchDatabases(): Promise<void> {
  await admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname ~ '^bench_[a-z_]+_[0-9]+$'");
    for (const { datname } of rows) {
      const pid = Number(/_(\d+)$/.exec(datname)![1]);
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) await client.query(`drop database if exists "${datname}" with (force)`);
    }
  });
}

/** A plain pg client on the bench database, for loading fixtures fast. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
