import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { resolve } from 'node:path';

/** Serves the built Svelte app; any unknown non-API GET gets index.html so client routes deep-link. */
export const clientPlugin = fp<{ root: string }>(
  async (app, { root }) => {
    await app.register(fastifyStatic, { root: resolve(root), wildcard: false, index: 'index.html' });
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0]!;
      if (request.method === 'GET' && !path.startsWith('/api/') && !path.includes('.')) return reply.sendFile('index.html');
      return reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${path}` });
    });
  },
  { name: 'client', dependencies: ['errors'] },
);
