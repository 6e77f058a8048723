/**
 * The clinic's live screens together: the receptionist checks a patient in, the doctor's queue and
 * the waiting-room display follow without a reload; the doctor calls next and the display shows
 * ticket and room; the display survives the server going away and catches up when it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowsers, screenshot, signIn, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin } from './api';

let server: E2EServer;
let desk: Browser;
let doctor: Browser;
let tv: Browser;
let displayToken: string;
let ticket: string;

beforeAll(async () => {
  server = await startE2EServer();
  const admin = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
  const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, admin.accessToken, 'GET', '/auth/me');
  const created = await apiCall<{ token: string }>(server.url, admin.accessToken, 'POST', `/orgs/${me.body.memberships[0]!.orgId}/displays`, { name: 'Main waiting room' });
  expect(created.status).toBe(201);
  displayToken = created.body.token;
  // The pages reconnect and refetch while the server is down (the restart test): their failed attempts
  // are expected console noise, whichever way Chromium names the network failure.
  [desk, doctor, tv] = await launchBrowsers(3, { baseURL: server.url, ignoreConsole: [/WebSocket connection .* failed/, /net::ERR_CONNECTION_(REFUSED|RESET)/, /net::ERR_EMPTY_RESPONSE/, /net::ERR_SOCKET_NOT_CONNECTED/] });
  await Promise.all([signIn(desk.page, 'desk@riverside.clinic', demoPassword), signIn(doctor.page, 'dr.jefferson@riverside.clinic', demoPassword)]);
  await tv.page.goto(`/display/${displayToken}`);
});

afterAll(async () => {
  await Promise.all([desk?.close(), doctor?.close(), tv?.close()]);
  await server?.close();
});

const display = () => tv.page.locator('main.display');

describe('Check-in to call, live on every screen', () => {
  it('the desk checks a walk-in in; the doctor’s queue and the display show the new ticket', async () => {
    await display().locator('[data-next]').first().waitFor();
    await doctor.page.getByRole('list', { name: 'Waiting patients in calling order' }).waitFor();

    const page = desk.page;
    await page.getByRole('button', { name: 'Check in a walk-in' }).click();
    const dialog = page.getByRole('dialog', { name: /Check in/ });
    await dialog.getByLabel('Patient').fill('Yuki');
    await dialog.getByRole('button', { name: /Yuki Nakamura/ }).click();
    await dialog.getByLabel('Doctor').selectOption({ label: 'Dr. Jefferson Alves · General Dentistry · Room 1' });
    await dialog.getByLabel('Pulse (beats/min)').fill('300');
    await dialog.getByRole('button', { name: 'Check in and print ticket' }).click();
    await dialog.getByText('Must be between 20 and 250 beats/min').waitFor();
    await dialog.getByLabel('Pulse (beats/min)').fill('74');
    await dialog.getByLabel('Systolic (mmHg)').fill('118');
    await dialog.getByLabel('Diastolic (mmHg)').fill('76');
    // Urgent, so this patient is the head of the doctor's queue.
    await dialog.getByLabel('Urgent: see before the others').check();
    await dialog.getByRole('button', { name: 'Check in and print ticket' }).click();

    const ticketDialog = page.getByRole('dialog', { name: /^Ticket / });
    await ticketDialog.waitFor();
    ticket = ((await ticketDialog.getByRole('heading').first().textContent()) ?? '').replace('Ticket ', '').trim();
    expect(ticket).toMatch(/^A-\d{3}$/);
    await ticketDialog.getByRole('img', { name: /QR code/ }).waitFor();
    await ticketDialog.getByRole('button', { name: 'Done' }).click();

    await doctor.page.locator(`[data-ticket="${ticket}"]`).waitFor();
    expect(await doctor.page.getByRole('button', { name: `Call next: ${ticket}` }).count()).toBe(1);
    await display().locator(`[data-next="${ticket}"]`).waitFor();
    await desk.page.locator(`[data-queue="Dr. Jefferson Alves"] [data-ticket="${ticket}"]`).waitFor();
  });

  it('the doctor calls next once the patient with him is seen; the display shows the ticket and the room', async () => {
    // The demo day has Helena Costa in consultation: the next call waits until she is seen.
    await doctor.page.getByText('Complete the consultation with Helena Costa (A-003) before calling the next patient.').waitFor();
    expect(await doctor.page.getByRole('button', { name: `Call next: ${ticket}` }).isDisabled()).toBe(true);
    await doctor.page.getByRole('button', { name: 'Complete consultation' }).click();
    await doctor.page.getByText('Consultation completed. The prescription goes to the pharmacy.').waitFor();
    await doctor.page.getByRole('button', { name: `Call next: ${ticket}` }).click();
    await doctor.page.getByRole('heading', { name: 'Yuki Nakamura' }).waitFor();
    const calling = display().locator(`[data-now-calling="${ticket}"]`);
    await calling.waitFor();
    expect(await calling.textContent()).toContain('Room 1');
    await screenshot(tv.page, 'display-calling');
    // No patient name on the public screen, ever.
    expect(await display().textContent()).not.toContain('Yuki');
    expect(await display().textContent()).not.toContain('Nakamura');
  });
});

describe('Consultation to pharmacy', () => {
  it('the doctor starts, prescribes and completes; the prescription reaches the pharmacy live', async () => {
    const page = doctor.page;
    await page.getByRole('button', { name: 'Start consultation' }).click();
    await page.getByRole('button', { name: 'Complete consultation' }).waitFor();
    await page.getByLabel('Medicine', { exact: true }).fill('Paracetamol');
    await page.getByLabel('Dose').fill('500 mg');
    await page.getByLabel('How often').fill('every 6 hours');
    await page.getByLabel('For how long').fill('3 days');
    await page.getByRole('button', { name: 'Add medicine' }).click();
    await page.getByRole('list', { name: 'Active medicines' }).getByText('Paracetamol').waitFor();
    await page.getByRole('button', { name: 'Dismiss notification' }).evaluateAll((buttons) => buttons.forEach((b) => (b as HTMLButtonElement).click()));
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'doctor-consultation');

    // The desk's tablet is also the pharmacy's today: sign in there as the pharmacist.
    await signIn(desk.page, 'pharmacy@riverside.clinic', demoPassword);
    await desk.page.getByRole('heading', { name: /To print/ }).waitFor();
    expect(await desk.page.locator(`[data-ticket="${ticket}"]`).count()).toBe(0);
    await page.getByRole('button', { name: 'Complete consultation' }).click();
    await desk.page.locator(`[data-ticket="${ticket}"]`).getByText('Paracetamol').waitFor();
  });
});

describe('The display and a server restart', () => {
  it('shows that it is reconnecting while the server is away, then catches up on what it missed', async () => {
    await server.stop();
    await tv.page.waitForSelector('main.display:not([data-connection="live"])');
    await display().getByText('Reconnecting…').waitFor();
    await screenshot(tv.page, 'display-reconnecting');
    await server.start();
    // A call made right after the restart, before the display is back: it must catch up on it.
    const jefferson = await apiLogin(server.url, 'dr.jefferson@riverside.clinic', demoPassword);
    const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, jefferson.accessToken, 'GET', '/auth/me');
    const called = await apiCall<{ ticketNumber: string }>(server.url, jefferson.accessToken, 'POST', `/orgs/${me.body.memberships[0]!.orgId}/queue/me/call-next`);
    expect(called.status).toBe(200);
    await display().locator(`[data-now-calling="${called.body.ticketNumber}"]`).waitFor({ timeout: 20_000 });
    await tv.page.waitForSelector('main.display[data-connection="live"]');
    expect(await display().getByText('Reconnecting…').count()).toBe(0);
  });
});

it('raised no uncaught errors in the pages', () => {
  expect([...desk.errors, ...doctor.errors, ...tv.errors]).toEqual([]);
});
