import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

/** The connection is opened by the caller and shared with queues and realtime; closing it is the caller's job too. */
export const redisPlugin = fp<{ redis: Redis }>(
  async (app, { redis }) => {
    app.decorate('redis', redis);
  },
  { name: 'redis' },
);
