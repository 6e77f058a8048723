import fp from 'fastify-plugin';
import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';

declare module 'fastify' {
  interface FastifyInstance {
    orm: MikroORM;
  }
  interface FastifyRequest {
    /** This request's own unit of work; the auth plugin binds the tenant filter to it. */
    em: EntityManager;
  }
}

/** The ORM is opened by the caller (main or a test) so one database handle can be shared and closed in order. */
export const dbPlugin = fp<{ orm: MikroORM }>(
  async (app, { orm }) => {
    app.decorate('orm', orm);
    app.decorateRequest('em', null as unknown as EntityManager);
    app.addHook('onRequest', async (request) => {
      request.em = orm.em.fork();
    });
  },
  { name: 'db' },
);
