import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisplayBoard } from '../../server/modules/public-screens/public-screens.service';
import { apiCall, apiLogin } from '../e2e/api';
import { freePort } from '../helpers/free-port';
import { until, watch } from '../helpers/live';
import { isWireEvent } from '../../client/src/lib/live/wire-events';
import { testRedisUrl } from '../helpers/test-app';
import { normalVitals, patientPayload } from './clinic-support';

/**
 * `npm start` as a newcomer runs it (server/start.ts: the embedded PGlite, migrations, the demo
 * data, the server with its workers), in a process of its own on a fresh data directory. The outbox
 * dispatcher's poll is an hour away, so a change can reach a screen within seconds only on the
 * database's own NOTIFY.
 */
const demoPassword = 'Cuspid-demo-2026';
const redisPrefix = `test:embedded-start-${randomBytes(4).toString('hex')}`;
let dataDir: string;
let child: ChildProcess;
let output = '';
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cuspid-embedded-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _external, ...env } = process.env;
  // A client of its own: start.ts would otherwise build the real one first.
  const client = mkdtempSync(join(dataDir, 'client-'));
  writeFileSync(join(client, 'index.html'), '<!doctype html><title>Cuspid</title>');
  child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
    env: {
      ...env,
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PGLITE_PORT: String(await freePort()),
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: redisPrefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      CLIENT_DIR: client,
      LOG_LEVEL: 'info',
      OUTBOX_POLL_MS: '3600000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await until(
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output.slice(-3000)}`);
      return output.includes('Cuspid is running');
    },
    150_000,
    'npm start to be running',
  );
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const redis = new Redis(testRedisUrl);
  const keys = await redis.keys(`${redisPrefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('npm start on the embedded database', () => {
  it('brings a check-in to the waiting-room display on the database’s NOTIFY, the poll an hour away', async () => {
    expect(output).toContain('"wokenBy":"embedded database NOTIFY"');
    expect(output).toContain('"pollIntervalMs":3600000');
    const displayToken = readFileSync(join(dataDir, 'demo-display-token'), 'utf8').trim();
    const display = watch<DisplayBoard>(base, { displayToken }, { kind: 'display' });
    await display.waitForSnapshot();

    const desk = (await apiLogin(base, 'desk@riverside.clinic', demoPassword)).accessToken;
    const me = await apiCall<{ memberships: { orgId: string }[] }>(base, desk, 'GET', '/auth/me');
    const orgId = me.body.memberships[0]!.orgId;
    const professionals = await apiCall<{ id: string }[]>(base, desk, 'GET', `/orgs/${orgId}/professionals`);
    const patient = await apiCall<{ id: string }>(base, desk, 'POST', `/orgs/${orgId}/patients`, patientPayload());
    expect(patient.status).toBe(201);
    const visit = await apiCall<{ ticketNumber: string }>(base, desk, 'POST', `/orgs/${orgId}/visits/check-in`, {
      patientId: patient.body.id,
      professionalId: professionals.body[0]!.id,
      vitals: normalVitals,
    });
    expect(visit.status).toBe(201);

    const shows = (board: DisplayBoard) => board.next.some((ticket) => ticket.ticket === visit.body.ticketNumber);
    await until(() => display.events.some((event) => isWireEvent(event, 'display.updated.v1') && shows(event.payload)), 10_000, `the display to list ${visit.body.ticketNumber}`);
    display.stop();
  });
});
