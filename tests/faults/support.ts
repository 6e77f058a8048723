/**
 * Fault-injection tools (issue 9): a Redis of the test's own to stop and start, real server
 * processes to kill, a TCP proxy that fails over between them, and a way to take PostgreSQL away.
 * The faults project runs alone (`npm run test:faults`), one file at a time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import { adminUrl, cloneTemplate, dropDatabase, withAdmin } from '../helpers/databases';
import { until } from '../helpers/until';
import { freePort } from '../helpers/free-port';

export { until };

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** A redis-server of the test's own (no persistence, as in CI), to kill and start again on its port. */
export interface RedisProcess {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL: Redis vanishes without a goodbye, losing everything it held in memory. */
  kill(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const answers = () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  const redis: RedisProcess = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await until(answers, 10_000, `redis-server on port ${port}`);
    },
    kill: async () => {
      const running = child;
      if (!running) return;
      running.kill('SIGKILL');
      await exited(running);
      child = null;
    },
  };
  await redis.start();
  return redis;
}

/** A database of the test's own, cloned from the run's migrated template (as createTestApp does). */
export async function freshDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `${inject('runPrefix')}${randomBytes(4).toString('hex')}`;
  const url = await cloneTemplate(inject('templateDatabase'), name);
  return { url, name, drop: () => withAdmin((client) => dropDatabase(client, name)) };
}

/** `server/main.ts` as a real process, as `npm run serve` runs it. */
export interface ServerProcess {
  url: string;
  port: number;
  output(): string;
  /** SIGKILL: no graceful shutdown, no goodbye to its sockets, its jobs or its database sessions. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output.slice(-3000)}`);
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = exited(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * A TCP proxy on loopback. Each new connection goes to the first target that accepts it, so when a
 * server process dies its clients' reconnections land on the next one (what a load balancer's
 * health-checked pool does). `cut()` drops every connection and refuses new ones until `restore()`.
 */
export interface TcpProxy {
  port: number;
  url: string;
  /** The target port of every connection made, in order. */
  routed: number[];
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(targets: () => number[]): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const routed: number[] = [];
  const connectFirst = (ports: number[]): Promise<Socket | null> =>
    new Promise((resolve) => {
      const [port, ...rest] = ports;
      if (port === undefined) return resolve(null);
      const upstream = createConnection({ host: '127.0.0.1', port });
      upstream.once('connect', () => {
        routed.push(port);
        resolve(upstream);
      });
      upstream.once('error', () => {
        upstream.destroy();
        void connectFirst(rest).then(resolve);
      });
    });
  const handle = async (downstream: Socket) => {
    track(downstream);
    downstream.pause();
    downstream.on('error', () => downstream.destroy());
    const upstream = await connectFirst(targets());
    if (!upstream || downstream.destroyed) {
      upstream?.destroy();
      downstream.destroy();
      return;
    }
    track(upstream);
    upstream.on('error', () => downstream.destroy());
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    downstream.resume();
  };
  let server: Server | null = null;
  const port = await freePort();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((socket) => void handle(socket));
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async () => {
    const closing = server;
    server = null;
    const closed = closing ? new Promise((resolve) => closing.close(resolve)) : Promise.resolve();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return { port, url: `http://127.0.0.1:${port}`, routed, cut, restore: listen, close: cut };
}

/** The URL's host and port swapped for the proxy's. */
export function through(proxy: TcpProxy, url: string): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/**
 * Takes PostgreSQL away and brings it back. With root and Debian's pg_ctlcluster (CI), the local
 * cluster serving the test database's port is stopped and started: every session, the app's pool,
 * LISTEN and the harness's own connections die as in a real outage. Otherwise, or with
 * CUSPID_FAULTS_PG=proxy (a developer whose cluster other work shares), the app reaches PostgreSQL
 * through a TCP proxy the test cuts.
 */
export interface PostgresOutage {
  mode: 'restart' | 'proxy';
  /** The URL the app under test must use for `databaseUrl`. */
  appUrl(databaseUrl: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The local Debian cluster serving the test database's port, when this process may stop and start it. */
function localCluster(): { version: string; name: string } | null {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/pg_ctlcluster') || !existsSync('/usr/bin/pg_lsclusters')) return null;
  const { hostname, port } = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost'].includes(hostname)) return null;
  const listed = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of listed.split('\n')) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (version && name && clusterPort === (port || '5432')) return { version, name };
  }
  return null;
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function postgresOutage(): Promise<PostgresOutage> {
  const cluster = process.env.CUSPID_FAULTS_PG === 'proxy' ? null : localCluster();
  if (cluster) {
    const ctl = (action: 'stop' | 'start') => {
      const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, action], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`pg_ctlcluster ${action} failed: ${result.stderr}`);
    };
    let down = false;
    return {
      mode: 'restart',
      appUrl: (url) => url,
      stop: async () => {
        down = true;
        ctl('stop');
      },
      start: async () => {
        ctl('start');
        await until(postgresAnswers, 30_000, 'PostgreSQL to accept connections again');
        down = false;
      },
      // Whatever happened in the test, the cluster is running afterwards.
      close: async () => {
        if (down || !(await postgresAnswers())) {
          spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start']);
          await until(postgresAnswers, 30_000, 'PostgreSQL to accept connections again');
        }
      },
    };
  }
  const admin = new URL(adminUrl);
  const proxy = await tcpProxy(() => [Number(admin.port || 5432)]);
  return {
    mode: 'proxy',
    appUrl: (url) => through(proxy, url),
    stop: () => proxy.cut(),
    start: () => proxy.restore(),
    close: () => proxy.close(),
  };
}

/** A stand-in for the WhatsApp Cloud API (as in notifications.test.ts): records every message, answers 200. */
export async function startWhatsAppStub(): Promise<{ url: string; messages: { to: string; text: string }[]; close: () => Promise<void> }> {
  const messages: { to: string; text: string }[] = [];
  const server = createHttpServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw) as { to: string; text: { body: string } };
      messages.push({ to: body.to, text: body.text.body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/123456`, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
