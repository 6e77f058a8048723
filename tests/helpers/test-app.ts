import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { inject } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { buildApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import type { DatabaseNotifications } from '../../server/db/notifications';
import { openOrm } from '../../server/db/orm';
import { openQueues, type Queues } from '../../server/queues';
import { cloneTemplate, dropDatabase, withAdmin } from './databases';

export interface TestApp {
  app: FastifyInstance;
  orm: MikroORM;
  redis: Redis;
  queues: Queues;
  config: Config;
  /** Everything the app logged, to check that no health data reached the logs. */
  logs: () => string;
  close: () => Promise<void>;
}

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A real app on its own fresh database and Redis key prefix, so test files run in parallel. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const name = `${inject('runPrefix')}${randomBytes(4).toString('hex')}`;
  const config = testConfig(name, { DATABASE_URL: await cloneTemplate(inject('templateDatabase'), name), ...env });
  const t = await testAppOn(config, await openOrm(config.databaseUrl, 5));
  return {
    ...t,
    close: async () => {
      await t.close();
      await withAdmin((client) => dropDatabase(client, name));
    },
  };
}

/** A test app's configuration: `name` keeps its Redis keys and stored files apart from other files'. */
export function testConfig(name: string, env: Record<string, string> & { DATABASE_URL: string }): Config {
  return loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: testRedisUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    REDIS_PREFIX: `test:${name}`,
    STORAGE_DIR: `/tmp/cuspid-test-storage/${name}`,
    ...env,
  });
}

/**
 * The app on a database already open and migrated, with a Redis connection and queues of its own;
 * closing it closes them and the database and clears its Redis keys.
 */
export async function testAppOn(config: Config, orm: MikroORM, notifications?: DatabaseNotifications): Promise<TestApp> {
  const redis = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const logStream = new PassThrough();
  let logged = '';
  logStream.on('data', (chunk) => (logged += chunk.toString()));
  const queues = openQueues(config);
  const app = await buildApp({ config, orm, redis, queues, notifications, logStream });
  await app.ready();
  return {
    app,
    orm,
    redis,
    queues,
    config,
    logs: () => logged,
    close: async () => {
      await app.close();
      await queues.close();
      await orm.close();
      const keys = await redis.keys(`${config.redisPrefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

export type Call = (options: InjectOptions & { token?: string }) => Promise<LightMyRequestResponse>;

/** `inject` with an optional bearer token. */
export function caller(app: FastifyInstance): Call {
  return ({ token, headers, ...options }) =>
    app.inject({ ...options, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
}
