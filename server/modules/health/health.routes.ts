import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Dependency = Type.Object({ ok: Type.Boolean(), latencyMs: Type.Number(), error: Type.Optional(Type.String()) });

/** Times one probe, bounded so a hung dependency cannot hang the health check. */
async function probe(check: () => Promise<unknown>, timeoutMs = 2000) {
  const started = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
    return { ok: true, latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: round(performance.now() - started), error: (error as Error).message.split('\n')[0] };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() }) } },
    handler: async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  });

  app.get('/api/v1/health', {
    config: { access: 'public' },
    schema: {
      tags: ['health'],
      summary: 'Readiness: PostgreSQL and Redis reachability with their latencies',
      response: {
        200: Type.Object({ status: Type.Literal('ok'), postgres: Dependency, redis: Dependency }),
        503: Type.Object({ status: Type.Literal('degraded'), postgres: Dependency, redis: Dependency }),
      },
    },
    handler: async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        probe(() => app.orm.em.getConnection().execute('select 1')),
        probe(() => app.redis.ping()),
      ]);
      const ok = postgres.ok && redis.ok;
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', postgres, redis } as never);
    },
  });
};
