import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signIn, signOut, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin, createOrg, unique } from './api';

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

describe('Platform', () => {
  it('lists the labs and clinics', async () => {
    const page = browser.page;
    await signIn(page, 'super@cuspid.demo', demoPassword);
    expect(new URL(page.url()).pathname).toBe('/platform');
    await page.getByRole('row').filter({ hasText: 'Bright Smile Dental Lab' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Riverside Dental Clinic' }).waitFor();
    await page.getByRole('button', { name: /^Clinics/ }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'Bright Smile' }).count()).toBe(0);
  });

  it('creates a clinic with its first admin, showing field errors from the server first', async () => {
    const page = browser.page;
    const suffix = unique();
    const name = `Harbour Dental ${suffix}`;
    const email = `harbour-${suffix}@e2e.test`;
    await page.getByRole('button', { name: 'New organisation' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('radio', { name: /^Clinic/ }).check();
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    await dialog.getByRole('textbox', { name: 'Doctors' }).fill('4');
    await dialog.getByLabel('Full name').fill('Hana Harbour');
    await dialog.getByLabel('Email').fill(email);
    const zone = dialog.getByLabel('Time zone');
    expect(await zone.inputValue()).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
    await zone.selectOption('America/Sao_Paulo');
    await dialog.getByLabel('First password').fill('harbourharbour');
    await dialog.getByRole('button', { name: 'Create organisation' }).click();
    await dialog.getByText('Must contain letters and digits').waitFor();
    expect(await dialog.getByLabel('First password').getAttribute('aria-invalid')).toBe('true');

    await dialog.getByLabel('First password').fill('Harbour-2026-pass');
    await dialog.getByRole('button', { name: 'Create organisation' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${name} was created.`).waitFor();
    const row = page.getByRole('row').filter({ hasText: name });
    await row.waitFor();
    expect(await row.textContent()).toContain('4 doctors');
    const platform = await apiLogin(server.url, 'super@cuspid.demo', demoPassword);
    const orgs = await apiCall<{ name: string; timeZone: string }[]>(server.url, platform.accessToken, 'GET', '/orgs');
    expect(orgs.body.find((org) => org.name === name)?.timeZone).toBe('America/Sao_Paulo');

    await signOut(page);
    await signIn(page, email, 'Harbour-2026-pass');
    expect(new URL(page.url()).pathname).toBe('/reception');
    await page.getByRole('banner').getByText(name).waitFor();
    await signOut(page);
  });
});

describe('Platform: an organisation’s plan and status', () => {
  it('raises a plan limit and suspends an organisation, whose people can then not sign in', async () => {
    const page = browser.page;
    const platform = await apiLogin(server.url, 'super@cuspid.demo', demoPassword);
    const email = `suspended-${unique()}@e2e.test`;
    const clinic = await createOrg(server.url, platform.accessToken, { kind: 'clinic', staffLimits: { doctor: 2 }, adminEmail: email, adminName: 'Sam Suspended' });
    await signIn(page, 'super@cuspid.demo', demoPassword);
    const row = page.getByRole('row').filter({ hasText: clinic.name });
    await row.getByRole('button', { name: `Edit ${clinic.name}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Doctors' }).fill('7');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row.textContent()).toContain('7 doctors');

    await row.getByRole('button', { name: `Edit ${clinic.name}` }).click();
    await dialog.getByRole('checkbox', { name: /Active/ }).uncheck();
    await dialog.getByText('signs everyone of').waitFor();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row.textContent()).toContain('Suspended');
    await expect(apiLogin(server.url, email, clinic.adminPassword)).rejects.toThrow(/401/);
    await signOut(page);
  });
});

describe('Organisation switcher', () => {
  it('lets someone who works in two organisations switch, and remembers the choice', async () => {
    const page = browser.page;
    const platform = await apiLogin(server.url, 'super@cuspid.demo', demoPassword);
    const email = `two-hats-${unique()}@e2e.test`;
    const lab = await createOrg(server.url, platform.accessToken, { kind: 'lab', staffLimits: {}, adminEmail: email, adminName: 'Tess Twohats' });
    const clinic = await createOrg(server.url, platform.accessToken, { kind: 'clinic', staffLimits: {}, adminEmail: email, adminName: 'Tess Twohats' });

    await signIn(page, email, lab.adminPassword);
    const switcher = page.getByRole('button', { name: /Switch organisation/ });
    expect(await switcher.textContent()).toContain(lab.name);
    expect(new URL(page.url()).pathname).toBe('/lab/board');

    await switcher.click();
    const choices = page.getByRole('group', { name: 'Your organisations' }).getByRole('button');
    await expect.poll(() => choices.count()).toBe(2);
    expect(await choices.filter({ hasText: lab.name }).getAttribute('aria-current')).toBe('true');
    await choices.filter({ hasText: clinic.name }).click();
    await page.waitForURL('**/reception');
    await expect.poll(() => switcher.textContent()).toContain(clinic.name);
    await page.getByText(`Now working in ${clinic.name} as Clinic admin.`).waitFor();

    await page.reload();
    await page.locator('[data-page-title]').waitFor();
    expect(await switcher.textContent()).toContain(clinic.name);
    // Keyboard: Escape closes the list and gives focus back to the switcher.
    await switcher.focus();
    await page.keyboard.press('Enter');
    await choices.first().waitFor();
    await page.keyboard.press('Escape');
    await choices.first().waitFor({ state: 'detached' });
    expect(await switcher.evaluate((el) => el === document.activeElement)).toBe(true);
  });
});

it('raised no uncaught errors in the page', () => {
  expect(browser.errors).toEqual([]);
});
