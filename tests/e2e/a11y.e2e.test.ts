/**
 * Every screen, scanned by axe-core in real Chromium at tablet size: no serious or critical
 * violations. Each scan also leaves a screenshot (E2E_SCREENSHOT_DIR, e.g. docs/screenshots).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, seriousA11yViolations, signIn, signOut, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin } from './api';

let server: E2EServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startE2EServer();
  browser = await launchBrowser({ baseURL: server.url });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function expectAccessible(name: string) {
  await screenshot(page, name);
  const violations = await seriousA11yViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

describe('Accessibility', () => {
  it('sign-in, empty and with an error', async () => {
    await page.goto('/login');
    await page.locator('[data-page-title]').waitFor();
    await expectAccessible('login');
    await page.getByLabel('Email').fill('manager@brightsmile.lab');
    await page.getByLabel('Password', { exact: true }).fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible('login-error');
  });

  it('keyboard: the skip link comes first and moves focus to the content', async () => {
    await signIn(page, 'manager@brightsmile.lab', demoPassword);
    await page.reload();
    await page.locator('[data-page-title]').waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
    expect(first).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('lab manager screens', async () => {
    await page.goto('/lab/board');
    await page.locator('[data-case-number="CASE-00010"]').waitFor();
    await expectAccessible('lab-board');
    await page.locator('[data-case-number="CASE-00010"] button.open').click();
    await page.getByRole('dialog').getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('dialog').getByText('requested a remake').waitFor();
    await expectAccessible('lab-case-drawer');
    await page.keyboard.press('Escape');
    await page.locator('[data-case-number="CASE-00012"] button.open').focus();
    await page.keyboard.press('m');
    await page.getByRole('dialog', { name: 'Move CASE-00012' }).waitFor();
    await expectAccessible('lab-move-menu');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New case' }).click();
    const form = page.getByRole('dialog', { name: 'New case' });
    await form.getByLabel('Patient').fill('Clara Jensen');
    await form.getByLabel('Dentist’s name').fill('Dr. Alan Whitfield');
    await form.getByLabel('Material').fill('Zirconia');
    await form.getByLabel('Case type').fill('Bridge');
    await form.getByRole('button', { name: 'Tooth 14' }).click();
    await form.getByRole('button', { name: 'Tooth 15' }).click();
    await form.getByRole('button', { name: 'Tooth 16' }).click();
    await form.getByLabel('A3', { exact: true }).check();
    await expectAccessible('lab-case-form');
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Remake analytics' }).click();
    await page.getByRole('heading', { name: 'Why cases came back' }).waitFor();
    await expectAccessible('lab-analytics');
    await page.goto('/admin/staff');
    await page.getByRole('meter').first().waitFor();
    await expectAccessible('admin-staff');
    await page.getByRole('button', { name: 'Add staff' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('not-an-email');
    await dialog.getByLabel('Full name').fill('Nina Example');
    await dialog.getByLabel('Role').selectOption('designer');
    await dialog.getByRole('button', { name: 'Add staff' }).click();
    await dialog.getByText('Enter a valid email address').waitFor();
    await expectAccessible('admin-add-staff-errors');
    await page.keyboard.press('Escape');
    await page.goto('/admin/audit');
    await page.getByText(/No audit events yet|Showing \d+ events?/).waitFor();
    await expectAccessible('admin-audit');
    await page.goto('/admin/settings');
    await page.getByLabel('Organisation name').waitFor();
    await expectAccessible('admin-settings');
    await page.goto('/reception');
    await page.getByText('This screen is not part of your role').waitFor();
    await expectAccessible('no-access');
    await page.goto('/no/such/page');
    await page.getByText('This page does not exist').waitFor();
    await expectAccessible('not-found');
    await page.getByRole('button', { name: /^Account menu/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await expectAccessible('user-menu');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
  });

  it('reception: desk, check-in with its ticket, calendar and patients', async () => {
    await signIn(page, 'desk@riverside.clinic', demoPassword);
    expect(new URL(page.url()).pathname).toBe('/reception');
    await page.locator('[data-queue="Dr. Jefferson Alves"]').waitFor();
    await expectAccessible('reception');
    await page.getByRole('button', { name: 'Check in Yuki Nakamura' }).click();
    const checkIn = page.getByRole('dialog', { name: 'Check in Yuki Nakamura' });
    await checkIn.getByLabel('Height (cm)').fill('168');
    await checkIn.getByLabel('Pulse (beats/min)').fill('400');
    await checkIn.getByRole('button', { name: 'Check in and print ticket' }).click();
    await checkIn.getByText('Must be between 20 and 250 beats/min').waitFor();
    await expectAccessible('reception-check-in');
    await checkIn.getByLabel('Pulse (beats/min)').fill('70');
    await checkIn.getByRole('button', { name: 'Check in and print ticket' }).click();
    await page.getByRole('dialog', { name: /^Ticket A-/ }).getByRole('img', { name: /QR code/ }).waitFor();
    await expectAccessible('reception-ticket');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: 'Calendar' }).click();
    await page.getByRole('heading', { name: 'Dr. Ngozi Okafor' }).waitFor();
    await page.locator('.agenda').first().waitFor();
    await expectAccessible('reception-calendar');
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('Find a patient').fill('Helena');
    await page.getByRole('button', { name: /Helena Costa/ }).click();
    await page.getByRole('heading', { name: 'Treatments' }).waitFor();
    await expectAccessible('reception-patient');
    await signOut(page);
  });

  it('doctor, pharmacy, clinic admin and patient screens', async () => {
    await signIn(page, 'dr.jefferson@riverside.clinic', demoPassword);
    expect(new URL(page.url()).pathname).toBe('/queue');
    await page.getByRole('heading', { name: 'Vitals at check-in' }).waitFor();
    await expectAccessible('doctor-queue');
    await signOut(page);

    await signIn(page, 'pharmacy@riverside.clinic', demoPassword);
    expect(new URL(page.url()).pathname).toBe('/pharmacy');
    await page.getByRole('heading', { name: /To print/ }).waitFor();
    await page.locator('[data-ticket]').first().waitFor();
    await expectAccessible('pharmacy');
    await signOut(page);

    await signIn(page, 'admin@riverside.clinic', demoPassword);
    await page.goto('/admin/displays');
    await page.getByRole('button', { name: 'New display' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Ground floor waiting room');
    await page.getByRole('dialog').getByRole('button', { name: 'Create display' }).click();
    await page.getByRole('dialog', { name: 'Open this link on the display' }).waitFor();
    await expectAccessible('admin-display-link');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: /Ground floor waiting room/ }).first().waitFor();
    await expectAccessible('admin-displays');
    await page.goto('/admin/notifications');
    await page.getByText(/No failed notifications|Not available on this server yet|Send again/).first().waitFor();
    await expectAccessible('admin-notifications');
    await signOut(page);

    await signIn(page, 'patient@riverside.clinic', demoPassword);
    expect(new URL(page.url()).pathname).toBe('/portal');
    await page.getByRole('heading', { name: 'Upcoming appointments' }).waitFor();
    await expectAccessible('portal');
    await signOut(page);
  });

  it('waiting-room display and a patient’s status page, without a login', async () => {
    const admin = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
    const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, admin.accessToken, 'GET', '/auth/me');
    const orgId = me.body.memberships[0]!.orgId;
    const display = await apiCall<{ token: string }>(server.url, admin.accessToken, 'POST', `/orgs/${orgId}/displays`, { name: 'Main waiting room', privacy: 'ticket_initials' });
    await page.goto(`/display/${display.body.token}`);
    await page.locator('[data-now-calling]').waitFor();
    await expectAccessible('display');

    const desk = await apiLogin(server.url, 'desk@riverside.clinic', demoPassword);
    const patients = await apiCall<{ items: { id: string }[] }>(server.url, desk.accessToken, 'GET', `/orgs/${orgId}/patients?q=Oliver`);
    const professionals = await apiCall<{ id: string; displayName: string }[]>(server.url, desk.accessToken, 'GET', `/orgs/${orgId}/professionals`);
    const visit = await apiCall<{ statusToken: string }>(server.url, desk.accessToken, 'POST', `/orgs/${orgId}/visits/check-in`, {
      patientId: patients.body.items[0]!.id,
      professionalId: professionals.body.find((p) => p.displayName.includes('Okafor'))!.id,
      vitals: {},
    });
    await page.goto(`/status/${visit.body.statusToken}`);
    await page.getByText(/You are number \d+ in line/).waitFor();
    await expectAccessible('status');
  });

  it('platform screens', async () => {
    await signIn(page, 'super@cuspid.demo', demoPassword);
    await page.getByRole('table').waitFor();
    await expectAccessible('platform');
    await page.getByRole('button', { name: 'New organisation' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Create organisation' }).click();
    await page.getByRole('dialog').getByText('Enter the organisation’s name').waitFor();
    await expectAccessible('platform-create-org');
  });
});

it('raised no uncaught errors in the page', () => {
  expect(browser.errors).toEqual([]);
});
