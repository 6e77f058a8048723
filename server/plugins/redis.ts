import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Queues } from '../queues';
import { reportRedisOutages } from '../redis-outages';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

/**
 * The connection is opened by the caller and shared with queues and realtime; closing it is the
 * caller's job too. Outages of it and of the queue producers' connection reach the app's log.
 */
export const redisPlugin = fp<{ redis: Redis; queues: Queues }>(
  async (app, { redis, queues }) => {
    app.decorate('redis', redis);
    reportRedisOutages(app.log, 'api', redis);
    queues.reportOutages(app.log);
  },
  { name: 'redis' },
);
