/**
 * Identity is global, memberships are per org: an admin invites the owner of an existing account
 * (who accepts from their own account menu), people change their own name and password, and a
 * forgotten password is reset by email. The invited person works on a phone (390 px wide).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowsers, screenshot, seriousA11yViolations, signIn, signOut, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin } from './api';

let server: E2EServer;
/** The demo clinic's admin, at the desk's tablet. */
let admin: Browser;
/** A designer of the demo lab, on a phone. */
let designer: Browser;

const phone = { width: 390, height: 844 };

beforeAll(async () => {
  server = await startE2EServer();
  [admin, designer] = await launchBrowsers(2, { baseURL: server.url });
  await designer!.page.setViewportSize(phone);
});

afterAll(async () => {
  await admin?.close();
  await designer?.close();
  await server?.close();
});

const dialogOf = (page: Page) => page.locator('dialog[open]');
const accountMenu = (page: Page) => page.getByRole('button', { name: /^Account menu/ });

/** Nothing wider than the screen: no sideways scrolling on a phone. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** Scanned by axe-core (serious and critical violations), leaving a screenshot named `name`. */
async function expectAccessible(page: Page, name: string, include?: string) {
  await screenshot(page, name);
  const violations = await seriousA11yViolations(page, { include });
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

describe('Inviting the owner of an existing account', () => {
  it('the clinic admin adds an email that already has an account and sees the invitation pending', async () => {
    const page = admin.page;
    await signIn(page, 'admin@riverside.clinic', demoPassword);
    await page.goto('/admin/staff');
    await page.getByRole('button', { name: 'Add staff' }).click();
    const dialog = dialogOf(page);
    await dialog.getByText('If they already use Cuspid, they get an invitation and keep their own password.').waitFor();
    await dialog.getByLabel('Full name').fill('Dana from the lab');
    await dialog.getByLabel('Email').fill('dana@brightsmile.lab');
    await dialog.getByLabel('Role').selectOption('receptionist');
    await dialog.getByRole('button', { name: 'Add staff' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('An invitation was sent to dana@brightsmile.lab; they join when they accept it.').waitFor();

    await page.getByRole('heading', { name: /Pending invitations/ }).waitFor();
    const row = page.getByRole('table', { name: 'Invitations not answered yet' }).getByRole('row').filter({ hasText: 'dana@brightsmile.lab' });
    await row.waitFor();
    // Role, sent date and expiry, as the server has them.
    const clinic = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
    const { body: me } = await apiCall<{ memberships: { orgId: string }[] }>(server.url, clinic.accessToken, 'GET', '/auth/me');
    const { body: open } = await apiCall<{ email: string; createdAt: string; expiresAt: string }[]>(server.url, clinic.accessToken, 'GET', `/orgs/${me.memberships[0]!.orgId}/staff/invitations`);
    const invitation = open.find((i) => i.email === 'dana@brightsmile.lab')!;
    expect(new Date(invitation.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const dates = await page.evaluate((times) => times.map((t) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(t))), [invitation.createdAt, invitation.expiresAt]);
    expect((await row.getByRole('cell').allTextContents()).slice(1, 4)).toEqual(['Receptionist', ...dates]);
    await expectAccessible(page, 'admin-staff-invitations');
    // Nothing about the account is shown: Dana is not among the people yet.
    expect(await page.getByRole('table', { name: 'Staff of this organisation' }).getByText('dana@brightsmile.lab').count()).toBe(0);

    // The same address twice is refused on its field.
    await page.getByRole('button', { name: 'Add staff' }).click();
    await dialog.getByLabel('Full name').fill('Dana again');
    await dialog.getByLabel('Email').fill('dana@brightsmile.lab');
    await dialog.getByLabel('Role').selectOption('receptionist');
    await dialog.getByRole('button', { name: 'Add staff' }).click();
    await dialog.getByText('This address already has an invitation waiting').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('withdraws an invitation, which then no longer reaches its addressee', async () => {
    const page = admin.page;
    const clinic = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
    const { body: me } = await apiCall<{ memberships: { orgId: string }[] }>(server.url, clinic.accessToken, 'GET', '/auth/me');
    const invited = await apiCall(server.url, clinic.accessToken, 'POST', `/orgs/${me.memberships[0]!.orgId}/staff`, { email: 'omar@brightsmile.lab', name: 'Omar', role: 'medical_staff' });
    expect(invited.status).toBe(202);
    await page.reload();
    await page.getByRole('button', { name: 'Withdraw the invitation to omar@brightsmile.lab' }).click();
    await page.getByText('The invitation to omar@brightsmile.lab was withdrawn.').waitFor();
    await page.getByRole('button', { name: 'Withdraw the invitation to omar@brightsmile.lab' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Withdraw the invitation to dana@brightsmile.lab' }).waitFor();

    const omar = await apiLogin(server.url, 'omar@brightsmile.lab', demoPassword);
    expect((await apiCall<unknown[]>(server.url, omar.accessToken, 'GET', '/invitations')).body).toEqual([]);
  });

  it('the invited person sees the badge, accepts, and the org switcher shows the new org', async () => {
    const page = designer.page;
    await signIn(page, 'dana@brightsmile.lab', demoPassword);
    // One org so far: its name, no switcher.
    expect(await page.getByRole('button', { name: /^Switch organisation/ }).count()).toBe(0);
    await expect.poll(() => accountMenu(page).textContent(), { timeout: 10_000 }).toContain('1 invitation waiting');

    await accountMenu(page).click();
    await page.getByRole('button', { name: 'Invitations (1 waiting)' }).waitFor();
    await expectAccessible(page, 'account-menu-phone', '.popover-panel:not([hidden])');
    await page.getByRole('button', { name: 'Invitations (1 waiting)' }).click();
    const dialog = dialogOf(page);
    await dialog.getByText('Riverside Dental Clinic').waitFor();
    expect(await dialog.textContent()).toContain('Receptionist');
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(phone.width);
    await expectAccessible(page, 'account-invitations-phone', 'dialog[open]');

    await dialog.getByRole('button', { name: 'Accept the invitation from Riverside Dental Clinic' }).click();
    await page.getByText('You joined Riverside Dental Clinic as Receptionist.').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => accountMenu(page).textContent(), { timeout: 10_000 }).not.toContain('invitation waiting');

    await page.getByRole('button', { name: /^Switch organisation/ }).click();
    const riverside = page.getByRole('button', { name: /Riverside Dental Clinic/ });
    await riverside.waitFor();
    await riverside.click();
    await page.waitForURL('**/reception');
    expect(await page.getByRole('button', { name: /^Switch organisation/ }).textContent()).toContain('Riverside Dental Clinic');
  });

  it('the admin now sees the person among the staff, and no invitation pending', async () => {
    const page = admin.page;
    await page.reload();
    await page.getByRole('table', { name: 'Staff of this organisation' }).getByText('dana@brightsmile.lab').waitFor();
    expect(await page.getByRole('button', { name: 'Withdraw the invitation to dana@brightsmile.lab' }).count()).toBe(0);
  });
});

describe('Your own account', () => {
  it('renames yourself from the account menu', async () => {
    const page = designer.page;
    await accountMenu(page).click();
    await page.getByRole('button', { name: 'Your name' }).click();
    const dialog = dialogOf(page);
    const name = dialog.getByLabel('Full name');
    expect(await name.inputValue()).toBe('Dana Designer');
    await name.fill('Dana W. Reyes');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Your name is now Dana W. Reyes.').waitFor();
    await expect.poll(() => accountMenu(page).textContent(), { timeout: 10_000 }).toContain('Dana W. Reyes');
  });

  it('changes the password: errors on their fields, the new session kept, the old password refused', async () => {
    const page = designer.page;
    const elsewhere = await apiLogin(server.url, 'dana@brightsmile.lab', demoPassword);
    await accountMenu(page).click();
    await page.getByRole('button', { name: 'Change password' }).click();
    const dialog = dialogOf(page);
    const current = dialog.getByLabel('Current password');
    const fresh = dialog.getByLabel('New password', { exact: true });
    const confirmation = dialog.getByLabel('Confirm new password');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('name'));

    // Checked here first: the two new passwords differ.
    await current.fill(demoPassword);
    await fresh.fill('Quiet-harbour-lantern-47');
    await confirmation.fill('Quiet-harbour-lantern-48');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByText('This is not the same as the new password').waitFor();
    await expect.poll(focused).toBe('confirm-password');

    // The server's word on the current password, shown on its field and focused.
    await current.fill('not-my-password-1');
    await confirmation.fill('Quiet-harbour-lantern-47');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByText('Is not your current password').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focused).toBe('current-password');

    // ... and on the new one.
    await current.fill(demoPassword);
    await fresh.fill('password123');
    await confirmation.fill('password123');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByText(/Is too easy to guess/).waitFor();
    expect(await fresh.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focused).toBe('new-password');
    await expectAccessible(page, 'account-change-password-errors', 'dialog[open]');

    await fresh.fill('Quiet-harbour-lantern-47');
    await confirmation.fill('Quiet-harbour-lantern-47');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed; you were signed out everywhere else.').waitFor();
    await dialog.waitFor({ state: 'hidden' });

    // This tab kept going on its new session, across a reload.
    await page.reload();
    await page.locator('[data-page-title]').first().waitFor();
    expect(new URL(page.url()).pathname).not.toBe('/login');
    // The session signed in elsewhere ended, and the old password no longer signs in.
    const refreshed = await fetch(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: elsewhere.refreshToken }) });
    expect(refreshed.status).toBe(401);
    await expect(apiLogin(server.url, 'dana@brightsmile.lab', demoPassword)).rejects.toThrow(/401/);

    await signOut(page);
    await signIn(page, 'dana@brightsmile.lab', 'Quiet-harbour-lantern-47');
    expect(new URL(page.url()).pathname).not.toBe('/login');
  });
});

describe('A forgotten password', () => {
  it('asks for a reset link from the sign-in screen and shows the server’s answer', async () => {
    const page = designer.page;
    await signOut(page);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    const email = page.getByLabel('Email');
    await email.fill('');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('Enter your email address', { exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');

    await email.fill('nobody-here@e2e.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('If this address has an account, a reset link is on its way.').waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await expectAccessible(page, 'login-forgot-password-sent');

    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('takes the token out of the address, and says when the link is not valid, with a way to ask again', async () => {
    const page = designer.page;
    await page.goto('/reset-password#token=a-link-that-was-never-sent');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');

    await page.getByLabel('New password', { exact: true }).fill('Quiet-harbour-lantern-99');
    await page.getByLabel('Confirm new password').fill('Quiet-harbour-lantern-98');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('This is not the same as the new password').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('confirm-password');
    expect(await fitsWidth(page)).toBe(true);
    await expectAccessible(page, 'reset-password-errors');

    await page.getByLabel('Confirm new password').fill('Quiet-harbour-lantern-99');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'This link is not valid any more' }).waitFor();
    await expectAccessible(page, 'reset-password-dead-link');
    await page.getByRole('link', { name: 'Ask for a new link' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});

it('raised no uncaught errors in the pages', () => {
  expect([...admin.errors, ...designer.errors]).toEqual([]);
});
