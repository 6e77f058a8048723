/**
 * Every screen, scanned by axe-core in real Chromium at tablet size: no serious or critical
 * violations. Each scan also leaves a screenshot (E2E_SCREENSHOT_DIR, e.g. docs/screenshots).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, seriousA11yViolations, signIn, signOut, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';

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
    await page.locator('[data-page-title]').waitFor();
    await expectAccessible('lab-board');
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

  it('clinic screens', async () => {
    for (const [email, path, name] of [
      ['desk@riverside.clinic', '/reception', 'reception'],
      ['dr.jefferson@riverside.clinic', '/queue', 'doctor-queue'],
      ['pharmacy@riverside.clinic', '/pharmacy', 'pharmacy'],
    ] as const) {
      await signIn(page, email, demoPassword);
      expect(new URL(page.url()).pathname).toBe(path);
      await expectAccessible(name);
      await signOut(page);
    }
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
