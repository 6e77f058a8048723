import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRequests, launchBrowser, signIn, signOut, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { unique } from './api';

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2EServer();
  browser = await launchBrowser({ baseURL: server.url });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('Sign-in', () => {
  it('says when the email or password is wrong, and that sign-in is paused after repeated failures', async () => {
    const page = browser.page;
    await page.goto('/login');
    const email = `nobody-${unique()}@e2e.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Email or password is incorrect').waitFor();
    // The password is cleared and focused for the next try.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');

    let lastStatus = 0;
    for (let attempt = 2; attempt <= 6; attempt++) {
      await page.getByLabel('Password', { exact: true }).fill(`not-the-password-${attempt}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      lastStatus = response.status();
    }
    expect(lastStatus).toBe(429);
    await page.getByRole('alert').getByText('Sign-in is paused for this account').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Wait 15 minutes');
  });

  it('asks for both fields before calling the server', async () => {
    const page = browser.page;
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email address').waitFor();
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('Role-based home', () => {
  const homes: [string, string, string][] = [
    ['manager@brightsmile.lab', '/lab/board', 'Case board'],
    ['dana@brightsmile.lab', '/lab/board', 'Case board'],
    ['dr.shah@brightsmile.lab', '/lab/board', 'Case board'],
    ['admin@riverside.clinic', '/reception', 'Reception'],
    ['desk@riverside.clinic', '/reception', 'Reception'],
    ['dr.jefferson@riverside.clinic', '/queue', 'My queue'],
    ['pharmacy@riverside.clinic', '/pharmacy', 'Pharmacy'],
    ['super@cuspid.demo', '/platform', 'Organisations'],
  ];

  it.each(homes)('sends %s to %s', async (email, path, heading) => {
    const page = browser.page;
    await signIn(page, email, demoPassword);
    expect(new URL(page.url()).pathname).toBe(path);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
    await signOut(page);
    await page.getByText('You have signed out.').waitFor();
  });

  it('shows "not part of your role" for a screen of another role, with a way home', async () => {
    const page = browser.page;
    await signIn(page, 'dana@brightsmile.lab', demoPassword);
    await page.goto('/admin/staff');
    await page.getByText('This screen is not part of your role').waitFor();
    await page.getByRole('link', { name: 'Go to my home screen' }).click();
    await page.waitForURL('**/lab/board');
    await signOut(page);
  });
});

describe('Session', () => {
  it('returns to the page that was asked for after signing in', async () => {
    const page = browser.page;
    await page.goto('/admin/audit?action=staff.update');
    await page.waitForURL('**/login?next=*');
    await page.getByLabel('Email').fill('manager@brightsmile.lab');
    await page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/admin/audit?action=staff.update');
    expect(await page.getByLabel('Action').inputValue()).toBe('staff.update');
  });

  it('refreshes a rejected access token once, however many requests were refused, and retries them', async () => {
    const page = browser.page;
    // Signed in from the previous test. Spoil the access token but keep it "unexpired".
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem('cuspid.session')!);
      localStorage.setItem('cuspid.session', JSON.stringify({ ...stored, accessToken: 'spoiled', expiresAt: Date.now() + 600_000 }));
    });
    const refreshes = countRequests(page, /\/api\/v1\/auth\/refresh$/);
    // The audit screen asks for /auth/me, the staff list and the audit page: all refused at first.
    await page.reload();
    await page.getByText(/No audit events yet|No events match these filters|Showing \d+ events?/).waitFor();
    expect(refreshes.count).toBe(1);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('cuspid.session')!));
    expect(stored.accessToken).not.toBe('spoiled');
  });

  it('sends the user to sign in, with a reason, when the refresh token is refused too', async () => {
    const page = browser.page;
    await page.evaluate(() => {
      localStorage.setItem('cuspid.session', JSON.stringify({ accessToken: 'spoiled', refreshToken: 'spoiled-too', expiresAt: Date.now() + 600_000 }));
    });
    await page.reload();
    await page.waitForURL('**/login?next=*');
    await page.getByText('Your session has ended. Sign in again to continue.').waitFor();
  });
});

it('raised no uncaught errors in the page', () => {
  expect(browser.errors).toEqual([]);
});
