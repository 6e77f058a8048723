/**
 * `npm start`: the whole product on one machine with one command. It fills in what a newcomer
 * lacks (an embedded PostgreSQL, a local Redis, a JWT secret, the built client, demo data) and then
 * runs the same server as production.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from './config';
import { startServer, type ServerOptions } from './main';
import { migrate, openOrm } from './db/orm';
import { embeddedNotifications, type DatabaseNotifications } from './db/notifications';
import { seedDemo } from './demo/seed-demo';
import { displayForToken, newDisplayToken } from './modules/displays/displays.service';

const dataDir = resolve(process.env.DATA_DIR ?? './data');
mkdirSync(dataDir, { recursive: true });

async function embeddedPostgres(): Promise<{ url: string; notifications: DatabaseNotifications; released: () => Promise<void> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  // btree_gist backs the clinic's no-double-booking exclusion constraint (migration 0004);
  // pg_trgm the lab's case search index (migration 0003).
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const db = await PGlite.create(resolve(dataDir, 'pglite'), { extensions: { btree_gist, pg_trgm } });
  // Before the socket server takes a connection: a change reaches the screens on the commit's NOTIFY, as on PostgreSQL.
  const { notifications, socketView } = await embeddedNotifications(db);
  const port = Number(process.env.PGLITE_PORT ?? 5499);
  const server = new PGLiteSocketServer({ db: socketView, port, host: '127.0.0.1' });
  await server.start();
  console.log(`Embedded PostgreSQL (PGlite) on 127.0.0.1:${port}, data in ${resolve(dataDir, 'pglite')}`);
  // PGlite runs a single session: one pooled connection keeps transactions from interleaving.
  process.env.DB_POOL_MAX = '1';
  // It takes one connection at a time and refuses the next until it has seen the last one close, which
  // it sees a moment after a closed pool's promise has resolved.
  const released = async () => {
    for (let i = 0; i < 500 && server.getStats().activeConnections > 0; i++) await new Promise((r) => setTimeout(r, 10));
  };
  return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, notifications, released };
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function localRedis(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const url = 'redis://127.0.0.1:6379';
  if (await answers(url)) return url;
  const found = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
  if (!found) {
    console.error(
      'Cuspid needs Redis and found none at 127.0.0.1:6379.\n' +
        '  Install one (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),\n' +
        '  or point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://localhost:6379 npm start',
    );
    process.exit(1);
  }
  console.log('Starting redis-server on 127.0.0.1:6379 (no persistence)');
  spawn('redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore', detached: true }).unref();
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100));
  return url;
}

function jwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = resolve(dataDir, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** The demo waiting-room display's token: random per install, kept beside the data so every start can print its address. */
function demoDisplayToken(): string {
  const file = resolve(dataDir, 'demo-display-token');
  if (!existsSync(file)) writeFileSync(file, newDisplayToken(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function buildClient(): string {
  const dist = resolve('client/dist');
  if (!existsSync(resolve(dist, 'index.html')) || process.env.REBUILD_CLIENT === 'true') {
    console.log('Building the client (vite build)...');
    const build = spawnSync('npx', ['vite', 'build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  return dist;
}

try {
  let embedded: ServerOptions['embedded'];
  let released: () => Promise<void> = async () => undefined;
  if (!process.env.DATABASE_URL) {
    const database = await embeddedPostgres();
    process.env.DATABASE_URL = database.url;
    embedded = { notifications: database.notifications };
    released = database.released;
  }
  process.env.REDIS_URL = await localRedis();
  process.env.JWT_SECRET = jwtSecret();
  process.env.CLIENT_DIR ??= buildClient();
  process.env.STORAGE_DIR ??= resolve(dataDir, 'storage');
  const config = loadConfig();
  // Migrate and seed before the server opens its pool: an embedded PGlite takes one connection at a time.
  const orm = await openOrm(config.databaseUrl, 1);
  await migrate(orm);
  const displayToken = demoDisplayToken();
  const seeded = await seedDemo(orm, displayToken);
  // Printed only while it still opens the board: not once rotated in Admin > Displays, nor for a database seeded elsewhere.
  const displayOpens = (await displayForToken(orm.em.fork(), displayToken)) !== null;
  await orm.close();
  await released();
  await startServer(config, { embedded });
  if (seeded) console.log('Demo data created; the logins are in README.md (password for all: Cuspid-demo-2026)');
  console.log(`Cuspid is running at http://localhost:${config.port}`);
  if (displayOpens) console.log(`The demo waiting-room display: http://localhost:${config.port}/display/${displayToken}`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
