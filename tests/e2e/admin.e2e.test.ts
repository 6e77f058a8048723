import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, signIn, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin, createOrg, unique, type CreatedOrg } from './api';

let server: E2EServer;
let browser: Browser;
let page: Page;
/** A lab of its own with one designer seat, so the plan limit is reached within the test. */
let lab: CreatedOrg;

beforeAll(async () => {
  server = await startE2EServer();
  const platform = await apiLogin(server.url, 'super@cuspid.demo', demoPassword);
  lab = await createOrg(server.url, platform.accessToken, { kind: 'lab', staffLimits: { org_admin: 2, designer: 1, dentist: 3 } });
  browser = await launchBrowser({ baseURL: server.url });
  page = browser.page;
  await signIn(page, lab.adminEmail, lab.adminPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const dialog = () => page.getByRole('dialog');
const row = (text: string) => page.getByRole('row').filter({ hasText: text });
const meter = (label: string) => page.getByRole('meter', { name: label });

async function openAddStaff() {
  await page.getByRole('button', { name: 'Add staff' }).click();
  await dialog().getByLabel('Full name').waitFor();
}

describe('Staff administration', () => {
  it('lands a lab manager on the case board, with Admin in the header', async () => {
    expect(new URL(page.url()).pathname).toBe('/lab/board');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL('**/admin/staff');
  });

  it('shows plan seats per role', async () => {
    await meter('Lab managers').waitFor();
    expect(await meter('Lab managers').getAttribute('aria-valuetext')).toBe('1 of 2 active');
    expect(await meter('Designers').getAttribute('aria-valuetext')).toBe('0 of 1 active');
    expect(await meter('Dentists').getAttribute('aria-valuetext')).toBe('0 of 3 active');
  });

  it("shows the server's field errors next to each field", async () => {
    await openAddStaff();
    await dialog().getByLabel('Full name').fill('Wes Weak');
    await dialog().getByLabel('Email').fill(`wes-${unique()}@e2e.test`);
    await dialog().getByLabel('Role').selectOption('designer');
    await dialog().getByLabel('Password').fill('short1');
    await dialog().getByRole('button', { name: 'Add staff' }).click();
    const password = dialog().getByLabel('Password');
    await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby'))!.split(' ');
    const messages = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(messages.join(' ')).toContain('Must be at least 10 characters');

    await dialog().getByLabel('Email').fill('not-an-email');
    await dialog().getByLabel('Password').fill('Good-password-2026');
    await dialog().getByRole('button', { name: 'Add staff' }).click();
    await dialog().getByText('Enter a valid email address').waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
  });

  it('adds a designer, then refuses the next with the plan-limit message', async () => {
    await openAddStaff();
    await dialog().getByLabel('Full name').fill('Dee Signer');
    await dialog().getByLabel('Email').fill(`dee-${unique()}@e2e.test`);
    await dialog().getByLabel('Role').selectOption('designer');
    await dialog().getByLabel('Password').fill('Designer-pass-2026');
    await dialog().getByRole('button', { name: 'Add staff' }).click();
    await dialog().waitFor({ state: 'hidden' });
    await page.getByText('Dee Signer was added as Designer.').waitFor();
    await row('Dee Signer').waitFor();
    await expect.poll(() => meter('Designers').getAttribute('aria-valuetext')).toBe('1 of 1 active, limit reached');

    await openAddStaff();
    await dialog().getByLabel('Full name').fill('Second Designer');
    await dialog().getByLabel('Email').fill(`second-${unique()}@e2e.test`);
    await dialog().getByLabel('Role').selectOption('designer');
    await dialog().getByText('All designers seats on the plan are taken').waitFor();
    await dialog().getByLabel('Password').fill('Designer-pass-2026');
    await dialog().getByRole('button', { name: 'Add staff' }).click();
    const alert = dialog().getByRole('alert');
    await alert.getByText('Plan limit reached').first().waitFor();
    expect(await alert.textContent()).toContain('at most 1 active designer member');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });

  it('deactivates a member after confirming, freeing the seat, and activates them again', async () => {
    await row('Dee Signer').getByRole('button', { name: 'Deactivate Dee Signer' }).click();
    await dialog().getByRole('heading', { name: 'Deactivate Dee Signer?' }).waitFor();
    await dialog().getByRole('button', { name: 'Deactivate' }).click();
    await row('Dee Signer').getByText('Inactive').waitFor();
    await expect.poll(() => meter('Designers').getAttribute('aria-valuetext')).toBe('0 of 1 active');

    await row('Dee Signer').getByRole('button', { name: 'Activate Dee Signer' }).click();
    await row('Dee Signer').getByText('Active', { exact: true }).waitFor();
    await expect.poll(() => meter('Designers').getAttribute('aria-valuetext')).toBe('1 of 1 active, limit reached');
  });

  it('changes a role, and explains a refusal when the new role has no seat left', async () => {
    const admin = await apiLogin(server.url, lab.adminEmail, lab.adminPassword);
    const created = await apiCall(server.url, admin.accessToken, 'POST', `/orgs/${lab.id}/staff`, { email: `den-${unique()}@e2e.test`, name: 'Dr. Den Tist', role: 'dentist', password: 'Dentist-pass-2026' });
    expect(created.status).toBe(201);
    await page.reload();
    await row('Dr. Den Tist').getByRole('button', { name: 'Edit Dr. Den Tist' }).click();
    // A person's name and password are their own: the admin edits the membership only.
    await dialog().getByText('People change their own name and password from their account menu.').waitFor();
    expect(await dialog().locator('input').count()).toBe(0);
    await dialog().getByLabel('Role').selectOption('designer');
    await dialog().getByText('No seats left for this role on the plan.').waitFor();
    await dialog().getByRole('button', { name: 'Save changes' }).click();
    await dialog().getByRole('alert').getByText('Plan limit reached', { exact: true }).waitFor();

    await dialog().getByLabel('Role').selectOption('org_admin');
    await dialog().getByRole('button', { name: 'Save changes' }).click();
    await dialog().waitFor({ state: 'hidden' });
    await row('Dr. Den Tist').getByText('Lab manager').waitFor();
  });

  it('will not let the last admin lose the role', async () => {
    // Two lab managers now; demote one through the API, then try the other in the browser.
    const admin = await apiLogin(server.url, lab.adminEmail, lab.adminPassword);
    const list = await apiCall<{ items: { id: string; user: { name: string } }[] }>(server.url, admin.accessToken, 'GET', `/orgs/${lab.id}/staff`);
    const den = list.body.items.find((m) => m.user.name === 'Dr. Den Tist')!;
    expect((await apiCall(server.url, admin.accessToken, 'PATCH', `/orgs/${lab.id}/staff/${den.id}`, { role: 'dentist' })).status).toBe(200);
    await page.reload();
    await row('Alex Admin').getByRole('button', { name: 'Edit Alex Admin' }).click();
    await dialog().getByLabel('Role').selectOption('dentist');
    await dialog().getByRole('button', { name: 'Save changes' }).click();
    await dialog().getByRole('alert').getByText('This is the last active admin').waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });
});

describe('Audit log', () => {
  it('lists changes newest first, and pages with "Load more"', async () => {
    // 56 more audit rows, so the first page (50) is not the last: Dee deactivated and activated
    // again 28 times, ending active.
    const admin = await apiLogin(server.url, lab.adminEmail, lab.adminPassword);
    const list = await apiCall<{ items: { id: string; user: { name: string } }[] }>(server.url, admin.accessToken, 'GET', `/orgs/${lab.id}/staff`);
    const dee = list.body.items.find((m) => m.user.name === 'Dee Signer')!;
    for (let i = 0; i < 56; i++) {
      const changed = await apiCall(server.url, admin.accessToken, 'PATCH', `/orgs/${lab.id}/staff/${dee.id}`, { active: i % 2 === 1 });
      expect(changed.status).toBe(200);
    }
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL('**/admin/audit');
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    expect(await rows.first().textContent()).toContain('reactivated Dee Signer');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(55);
    await page.getByText(/that is all/).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('filters by action, and the filter is kept in the address', async () => {
    await page.getByLabel('Action').selectOption('org.create');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL('**/admin/audit?action=org.create');
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('created the organisation');
    expect(await rows.first().textContent()).toContain('Platform operator');
  });

  it('filters by day, and says when nothing matches', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/audit' && url.search === '');
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Day').fill(later);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match these filters').waitFor();
  });
});

describe('Organisation settings', () => {
  it('shows the org’s time zone and saves another one', async () => {
    await page.getByRole('link', { name: 'Organisation' }).click();
    const zone = page.getByLabel('Time zone');
    await zone.waitFor();
    const admin = await apiLogin(server.url, lab.adminEmail, lab.adminPassword);
    const before = await apiCall<{ timeZone: string }>(server.url, admin.accessToken, 'GET', `/orgs/${lab.id}`);
    expect(await zone.inputValue()).toBe(before.body.timeZone);

    await zone.selectOption('America/Sao_Paulo');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Organisation settings saved.').waitFor();
    const after = await apiCall<{ timeZone: string }>(server.url, admin.accessToken, 'GET', `/orgs/${lab.id}`);
    expect(after.body.timeZone).toBe('America/Sao_Paulo');
  });
});

it('raised no uncaught errors in the page', () => {
  expect(browser.errors).toEqual([]);
});
