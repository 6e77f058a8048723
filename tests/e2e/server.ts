import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { openOrm } from '../../server/db/orm';
import { seedDemo } from '../../server/demo/seed-demo';
import { newDisplayToken } from '../../server/modules/displays/displays.service';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/databases';
import { testRedisUrl } from '../helpers/test-app';
import { freePort } from '../helpers/free-port';

export interface E2EServer {
  url: string;
  databaseUrl: string;
  /** Everything the server process printed (its pino logs), for the health-data scan. */
  output: () => string;
  /** Kills the server process and starts it again on the same port and database. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * The real server as its own process (as `npm run serve` runs it) on a fresh database with the demo
 * data, serving the built client: what a person's browser talks to.
 */
export async function startE2EServer(): Promise<E2EServer> {
  const name = `${inject('runPrefix')}${randomBytes(4).toString('hex')}`;
  const databaseUrl = await cloneTemplate(inject('templateDatabase'), name);
  const orm = await openOrm(databaseUrl, 1);
  await seedDemo(orm, newDisplayToken());
  await orm.close();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `test:${name}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PORT: String(port),
    HOST: '127.0.0.1',
    CLIENT_DIR: resolve('client/dist'),
    STORAGE_DIR: `/tmp/cuspid-test-storage/${name}`,
    LOG_LEVEL: 'info',
  };
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output.slice(-2000)}`);
      const ready = await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not become healthy:\n${output.slice(-2000)}`);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    databaseUrl,
    output: () => output,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      await withAdmin((client) => dropDatabase(client, name));
    },
  };
}
