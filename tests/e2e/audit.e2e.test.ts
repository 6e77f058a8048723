/**
 * Admin → Audit as the demo clinic's admin reads it: sentences with people's and patients' names,
 * a receptionist's run of reads of one record as one entry that opens to each read, and the
 * timeline filtered by a patient and by a day.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../server/demo/seed-demo';
import { clinicDay } from '../../server/modules/appointments/clinic-calendar';
import { serverTimeZone } from '../../server/shared/time-zone';
import { apiCall, apiLogin } from './api';
import { launchBrowser, screenshot, seriousA11yViolations, signIn, type Browser } from './harness';
import { startE2EServer, type E2EServer } from './server';

let server: E2EServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startE2EServer();
  // The desk opens Beatriz Santos's record three times in a row.
  const desk = await apiLogin(server.url, 'desk@riverside.clinic', demoPassword);
  const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, desk.accessToken, 'GET', '/auth/me');
  const clinic = `/orgs/${me.body.memberships[0]!.orgId}`;
  const found = await apiCall<{ items: { id: string; fullName: string }[] }>(server.url, desk.accessToken, 'GET', `${clinic}/patients?q=Beatriz`);
  const beatriz = found.body.items.find((patient) => patient.fullName === 'Beatriz Santos')!;
  for (let i = 0; i < 3; i++) expect((await apiCall(server.url, desk.accessToken, 'GET', `${clinic}/patients/${beatriz.id}`)).status).toBe(200);

  browser = await launchBrowser({ baseURL: server.url });
  page = browser.page;
  await signIn(page, 'admin@riverside.clinic', demoPassword);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const rows = () => page.getByRole('table').locator('tbody tr');
/** The demo clinic keeps the server's zone; its days are the ones the filter means. */
const clinicToday = () => clinicDay(new Date(), serverTimeZone);

describe('Audit log', () => {
  it('tells who did what to whom in sentences, and folds a run of reads into one entry', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL('**/admin/audit');
    const newest = rows().first();
    await expect.poll(() => newest.textContent()).toContain("Rita Reception read Beatriz Santos's record");
    expect(await newest.textContent()).toContain('Receptionist');
    expect(await newest.textContent()).not.toContain('Changed:');
    expect(await newest.textContent()).not.toContain('patient.read');

    const run = newest.getByRole('button', { name: /^Read 3 times (at|between) / });
    expect(await run.getAttribute('aria-expanded')).toBe('false');
    await run.click();
    expect(await run.getAttribute('aria-expanded')).toBe('true');
    expect(await newest.getByRole('list', { name: 'Each read' }).getByRole('listitem').count()).toBe(3);

    // The demo's day so far, in words: the desk registering and checking in patients by name.
    const text = (await page.getByRole('table').textContent())!;
    expect(text).toMatch(/Rita Reception checked in [A-Z][a-z]+ [A-Z][a-z]+/);
    expect(text).not.toMatch(/\b(patient|visit|staff)\.[a-zA-Z]+\b/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-audit');
  });

  it('filters by a patient found by name: everything about them, and nothing else', async () => {
    await page.getByLabel('Patient', { exact: true }).fill('Helena');
    await page.getByRole('list', { name: 'Matching patients' }).getByRole('button', { name: /Helena Costa/ }).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\/admin\/audit\?patientId=[0-9a-f-]{36}$/);
    await page.getByText(/^Everything about Helena Costa/).waitFor();
    await expect.poll(async () => (await rows().allTextContents()).filter((row) => !row.includes('Helena Costa'))).toEqual([]);
    const texts = await rows().allTextContents();
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.some((row) => /checked in Helena Costa/.test(row))).toBe(true);
  });

  it('filters by a day of the clinic', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/audit' && url.search === '');
    const [year, month, day] = clinicToday().split('-').map(Number) as [number, number, number];
    const tomorrow = new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
    await page.getByLabel('Day').fill(tomorrow);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(`**/admin/audit?day=${tomorrow}`);
    await page.getByText('No events match these filters').waitFor();

    await page.getByLabel('Day').fill(clinicToday());
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(`**/admin/audit?day=${clinicToday()}`);
    // Today's rows again, the admin's own search for Helena among them.
    await expect.poll(() => rows().first().textContent()).toContain('Ruth Admin searched patients and saw 1 record');
    expect(await page.getByRole('table').textContent()).toContain("Rita Reception read Beatriz Santos's record");
  });
});

it('raised no uncaught errors in the page', () => {
  expect(browser.errors).toEqual([]);
});
