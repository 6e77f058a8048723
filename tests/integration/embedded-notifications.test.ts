import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../server/app';
import { embeddedNotifications, notifyChannels, type DatabaseNotifications, type NotifyChannel } from '../../server/db/notifications';
import { migrate, openOrm } from '../../server/db/orm';
import type { OutboxDispatcher } from '../../server/modules/realtime/outbox.dispatcher';
import { freePort } from '../helpers/free-port';
import { seedOrg, tokensFor } from '../helpers/factories';
import { listen, startDispatcher, until, watch } from '../helpers/live';
import { caller, testAppOn, testConfig, type TestApp } from '../helpers/test-app';

/**
 * The embedded database as `npm start` runs it (server/start.ts): PGlite behind its socket server,
 * the app on one pooled connection, the database's NOTIFYs read in process. Unlike start.ts the
 * socket server takes a second connection: the test's own, standing for a writer outside the app.
 */
let db: PGlite;
let server: PGLiteSocketServer;
let notifications: DatabaseNotifications;
let t: TestApp;
let url: string;
let elsewhere: pg.Client;
let dispatcher: OutboxDispatcher | null = null;

beforeAll(async () => {
  db = await PGlite.create({ extensions: { btree_gist, pg_trgm } });
  const embedded = await embeddedNotifications(db);
  notifications = embedded.notifications;
  const port = await freePort();
  server = new PGLiteSocketServer({ db: embedded.socketView, port, host: '127.0.0.1', maxConnections: 2 });
  await server.start();
  const config = testConfig(`embedded${randomBytes(4).toString('hex')}`, { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres`, DB_POOL_MAX: '1', LOG_LEVEL: 'warn' });
  const orm = await openOrm(config.databaseUrl, config.databasePoolMax);
  await migrate(orm);
  t = await testAppOn(config, orm, notifications);
  url = await listen(t.app);
  elsewhere = new pg.Client({ connectionString: config.databaseUrl });
  await elsewhere.connect();
}, 120_000);

afterAll(async () => {
  await dispatcher?.stop();
  await elsewhere?.end();
  await t?.close();
  await server?.stop();
  await db?.close();
});

/** Counts what each channel delivers from now on. */
async function heard(): Promise<{ counts: Record<NotifyChannel, number>; stop: () => Promise<void> }> {
  const counts = { [notifyChannels.outbox]: 0, [notifyChannels.access]: 0 };
  const stops = await Promise.all(
    Object.values(notifyChannels).map((channel) => notifications.listen(channel, { notified: () => counts[channel]++, listening: () => undefined, lost: () => undefined })),
  );
  return { counts, stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

describe('the embedded database’s notifications', () => {
  it('hears a commit’s NOTIFY on the socket of the connection that committed, on its channel, and nothing of a rollback', async () => {
    const { counts, stop } = await heard();
    await elsewhere.query('begin');
    await elsewhere.query(`select pg_notify('${notifyChannels.outbox}', '')`);
    await elsewhere.query('rollback');
    await elsewhere.query(`select pg_notify('${notifyChannels.access}', '')`);
    // A session gets its NOTIFYs in the answer to the commit, so the rolled-back one would be in by now.
    await until(() => counts[notifyChannels.access] === 1, 5_000, 'the access NOTIFY');
    expect(counts[notifyChannels.outbox]).toBe(0);
    await elsewhere.query('begin');
    await elsewhere.query(`select pg_notify('${notifyChannels.outbox}', '')`);
    await elsewhere.query('commit');
    await until(() => counts[notifyChannels.outbox] === 1, 5_000, 'the outbox NOTIFY');
    expect(counts[notifyChannels.access]).toBe(1);
    await stop();
  });

  it('wakes the outbox dispatcher: a change reaches a watching screen with the next poll an hour away', async () => {
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const tokens = await tokensFor(caller(t.app), lab);
    dispatcher = await startDispatcher(t, { publishUrl: null, notifications, pollIntervalMs: 3_600_000 });
    const board = watch(url, { token: tokens.org_admin }, { kind: 'lab-board', orgId: lab.orgId });
    await board.waitForSnapshot();
    const created = await caller(t.app)({
      method: 'POST',
      url: `/api/v1/orgs/${lab.orgId}/cases`,
      token: tokens.org_admin,
      payload: { patientName: 'Embedded Patient', material: 'Zirconia', caseType: 'Crown', dueDate: new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10), toothNumbers: ['11'] },
    });
    expect(created.statusCode).toBe(201);
    const [event] = await board.waitForEvents(1);
    expect(event!.payload).toMatchObject({ caseId: created.json().id });
    board.stop();
  });

  it('remembers access checks and forgets them when another connection changes access', async () => {
    const call = caller(t.app);
    const uncachedApp: FastifyInstance = await buildApp({ config: t.config, orm: t.orm, redis: t.redis, queues: t.queues, notifications: null, logStream: new PassThrough() });
    const lab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const admin = (await tokensFor(call, lab)).org_admin;
    const staff = (app: FastifyInstance) => caller(app)({ method: 'GET', url: `/api/v1/orgs/${lab.orgId}/staff`, token: admin });
    const statements = async (app: FastifyInstance) => {
      const execute = vi.spyOn(t.orm.em.getConnection(), 'execute');
      try {
        expect((await staff(app)).statusCode).toBe(200);
        return execute.mock.calls.length;
      } finally {
        execute.mockRestore();
      }
    };
    expect((await staff(t.app)).statusCode).toBe(200);
    expect(await statements(t.app)).toBe((await statements(uncachedApp)) - 1);
    await uncachedApp.close();

    await elsewhere.query("update memberships set role = 'designer' where id = $1", [lab.members.org_admin.membershipId]);
    await until(async () => (await staff(t.app)).statusCode === 403, 5_000, 'the demoted admin to be refused');
  });
});
