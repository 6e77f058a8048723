import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { resolve } from 'node:path';

/** Serves the built Svelte app; the errors plugin's not-found handler answers client routes with index.html. */
export const clientPlugin = fp<{ root: string }>(
  async (app, { root }) => {
    await app.register(fastifyStatic, { root: resolve(root), wildcard: false, index: 'index.html' });
  },
  { name: 'client', dependencies: ['errors'] },
);
