/**
 * Vitest global setup for the e2e project: builds the client once per run into client/dist, which
 * every server the tests start then serves. Always a fresh build, so the tests never run against a
 * stale bundle.
 */
import { resolve } from 'node:path';
import { build } from 'vite';

export default async function buildClient(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  await build({ configFile: resolve(root, 'client/vite.config.ts'), logLevel: 'warn' });
}
