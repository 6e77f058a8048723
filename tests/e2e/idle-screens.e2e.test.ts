/**
 * Every main screen, left alone once it has loaded, stays quiet: a screen that re-reads on every
 * render floods the server (and, for the doctor's, writes an audited read of the patient each time).
 * Each screen is counted for ten idle seconds: HTTP requests and the socket frames it sends, socket
 * pings excepted. Also the desk's refused duplicate check-in, in the receptionist's words.
 */
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../server/demo/seed-demo';
import { apiCall, apiLogin } from './api';
import { launchBrowsers, signIn, type Browser } from './harness';
import { startE2EServer, type E2EServer } from './server';

const idleMs = 10_000;
/** "At most a handful": a live event may come in while idle (the wait estimates are refreshed every minute) and cause a refetch. */
const idleRequestLimit = 5;
const idleFrameLimit = 5;

let server: E2EServer;
let db: pg.Client;
let displayToken: string;
const opened: Browser[] = [];

beforeAll(async () => {
  server = await startE2EServer();
  db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  const admin = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
  const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, admin.accessToken, 'GET', '/auth/me');
  const created = await apiCall<{ token: string }>(server.url, admin.accessToken, 'POST', `/orgs/${me.body.memberships[0]!.orgId}/displays`, { name: 'Waiting room' });
  expect(created.status).toBe(201);
  displayToken = created.body.token;
});

afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await db?.end();
  await server?.close();
});

/** A fresh browser context for one person, so no screen's socket or timers run on into the next count. */
async function person(): Promise<Page> {
  const [browser] = await launchBrowsers(1, { baseURL: server.url });
  opened.push(browser!);
  return browser!.page;
}

interface Traffic {
  /** Waits until the page has sent nothing for a while (it loaded and settled), or gives up after `max` ms. */
  settle(max?: number): Promise<void>;
  /** What the page sends during `ms` of leaving it alone. */
  idle(ms: number): Promise<{ requests: string[]; frames: string[] }>;
}

/** Watches what a page sends: every HTTP request, and every socket frame but engine.io's ping and pong. */
function watch(page: Page): Traffic {
  let lastSent = Date.now();
  let recording: { requests: string[]; frames: string[] } | null = null;
  page.on('request', (request) => {
    lastSent = Date.now();
    recording?.requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      if (text === '2' || text === '3') return;
      lastSent = Date.now();
      recording?.frames.push(text.slice(0, 120));
    }),
  );
  return {
    async settle(max = 10_000) {
      const until = Date.now() + max;
      while (Date.now() - lastSent < 1_500 && Date.now() < until) await page.waitForTimeout(250);
    },
    async idle(ms) {
      recording = { requests: [], frames: [] };
      await page.waitForTimeout(ms);
      const seen = recording;
      recording = null;
      return seen;
    },
  };
}

async function expectQuiet(traffic: Traffic): Promise<void> {
  await traffic.settle();
  const { requests, frames } = await traffic.idle(idleMs);
  expect(requests.length, `HTTP requests while idle:\n${requests.join('\n')}`).toBeLessThanOrEqual(idleRequestLimit);
  expect(frames.length, `socket frames sent while idle:\n${frames.join('\n')}`).toBeLessThanOrEqual(idleFrameLimit);
}

async function auditRowsBy(email: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select count(*) as n from audit_events a join users u on u.id = a.actor_user_id where u.email = $1', [email]);
  return Number(rows[0]!.n);
}

describe('Idle screens', () => {
  it("the doctor's queue with a patient in consultation sends next to nothing and writes no audit rows", async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'dr.jefferson@riverside.clinic', demoPassword);
    await page.getByRole('button', { name: 'Complete consultation' }).waitFor();
    // The rule the server holds, said before the doctor tries: one patient at a time.
    await page.getByText('Complete the consultation with Helena Costa (A-003) before calling the next patient.').waitFor();
    expect(await page.getByRole('button', { name: /^Call next/ }).isDisabled()).toBe(true);
    await traffic.settle();
    const before = await auditRowsBy('dr.jefferson@riverside.clinic');
    const { requests, frames } = await traffic.idle(idleMs);
    expect(requests.length, `HTTP requests while idle:\n${requests.join('\n')}`).toBeLessThanOrEqual(idleRequestLimit);
    expect(frames.length, `socket frames sent while idle:\n${frames.join('\n')}`).toBeLessThanOrEqual(idleFrameLimit);
    expect(await auditRowsBy('dr.jefferson@riverside.clinic')).toBe(before);
  });

  it('the lab board', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'manager@brightsmile.lab', demoPassword);
    await page.goto('/lab/board');
    await page.locator('[data-case-number]').first().waitFor();
    await expectQuiet(traffic);
  });

  it('the lab board with a case open in the drawer', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'manager@brightsmile.lab', demoPassword);
    await page.goto('/lab/board');
    const card = page.locator('[data-case-number]').first();
    const caseNumber = await card.getAttribute('data-case-number');
    await card.click();
    await page.getByRole('dialog', { name: new RegExp(caseNumber!) }).getByRole('heading', { name: 'History' }).waitFor();
    await expectQuiet(traffic);
  });

  it('the reception desk', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'desk@riverside.clinic', demoPassword);
    await page.locator('[data-queue="Dr. Jefferson Alves"]').waitFor();
    await expectQuiet(traffic);
  });

  it('the pharmacy', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'pharmacy@riverside.clinic', demoPassword);
    await page.getByRole('heading', { name: /To print/ }).waitFor();
    await expectQuiet(traffic);
  });

  it('the admin', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'admin@riverside.clinic', demoPassword);
    await page.goto('/admin/staff');
    await page.getByRole('table').waitFor();
    await expectQuiet(traffic);
  });

  it('the patient portal', async () => {
    const page = await person();
    const traffic = watch(page);
    await signIn(page, 'patient@riverside.clinic', demoPassword);
    await page.getByRole('heading', { name: 'Hello, Camila' }).waitFor();
    await expectQuiet(traffic);
  });

  it('the waiting-room display', async () => {
    const page = await person();
    const traffic = watch(page);
    await page.goto(`/display/${displayToken}`);
    await page.locator('main.display[data-connection="live"]').waitFor();
    await page.locator('[data-now-calling]').first().waitFor();
    await expectQuiet(traffic);
  });

  it("a patient's status page", async () => {
    const { rows } = await db.query<{ status_token: string }>("select status_token from visits where status = 'waiting' order by checked_in_at limit 1");
    const page = await person();
    const traffic = watch(page);
    await page.goto(`/status/${rows[0]!.status_token}`);
    await page.getByText(/You are number \d+ in line/).waitFor();
    await expectQuiet(traffic);
  });
});

describe('Check-in of a patient who is still in the clinic', () => {
  it('is refused, and the desk is told which visit is open', async () => {
    const page = await person();
    await signIn(page, 'desk@riverside.clinic', demoPassword);
    await page.getByRole('button', { name: 'Check in a walk-in' }).click();
    const dialog = page.getByRole('dialog', { name: /Check in/ });
    await dialog.getByLabel('Patient').fill('Helena');
    await dialog.getByRole('button', { name: /Helena Costa/ }).click();
    await dialog.getByLabel('Doctor').selectOption({ label: 'Dr. Ngozi Okafor · Orthodontics · Room 2' });
    await dialog.getByRole('button', { name: 'Check in and print ticket' }).click();
    const banner = dialog.getByRole('alert').filter({ hasText: 'Already checked in' });
    await banner.getByText('Helena Costa already has an open visit today (A-003 with Dr. Jefferson Alves, in consultation). Finish or cancel it before checking them in again.').waitFor();
    const { rows } = await db.query<{ n: string }>("select count(*) as n from visits v join patients p on p.id = v.patient_id where p.full_name = 'Helena Costa'");
    expect(Number(rows[0]!.n)).toBe(1);
  });
});

it('raised no uncaught errors in the pages', () => {
  expect(opened.flatMap((b) => b.errors)).toEqual([]);
});
