/**
 * Focus and feedback where people work from the keyboard: picking a patient in the check-in search,
 * a refused check-in, a keyboard move on the lab board that asks for a designer, toasts on the
 * doctor's screen beside the prescription form, and the waiting-room display coming back the
 * moment the browser is online again.
 */
import type { Locator, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../server/demo/seed-demo';
import { apiCall, apiLogin } from './api';
import { launchBrowsers, signIn, type Browser } from './harness';
import { startE2EServer, type E2EServer } from './server';

let server: E2EServer;
let desk: Browser;
let doctor: Browser;
let manager: Browser;
let tv: Browser;
let displayToken: string;

beforeAll(async () => {
  server = await startE2EServer();
  const admin = await apiLogin(server.url, 'admin@riverside.clinic', demoPassword);
  const me = await apiCall<{ memberships: { orgId: string }[] }>(server.url, admin.accessToken, 'GET', '/auth/me');
  const created = await apiCall<{ token: string }>(server.url, admin.accessToken, 'POST', `/orgs/${me.body.memberships[0]!.orgId}/displays`, { name: 'Waiting room' });
  expect(created.status).toBe(201);
  displayToken = created.body.token;
  // The display's attempts while the browser is offline are expected console noise.
  [desk, doctor, manager, tv] = await launchBrowsers(4, { baseURL: server.url, ignoreConsole: [/WebSocket connection .* failed/, /net::ERR_INTERNET_DISCONNECTED/] });
  await Promise.all([
    signIn(desk.page, 'desk@riverside.clinic', demoPassword),
    signIn(doctor.page, 'dr.jefferson@riverside.clinic', demoPassword),
    signIn(manager.page, 'manager@brightsmile.lab', demoPassword),
  ]);
});

afterAll(async () => {
  await Promise.all([desk?.close(), doctor?.close(), manager?.close(), tv?.close()]);
  await server?.close();
});

/** What has the focus: its tag, accessible bits and the data attributes the tests look for. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      tag: element?.tagName.toLowerCase() ?? null,
      id: element?.id ?? null,
      text: element?.textContent?.trim() ?? '',
      chosenPatient: element?.hasAttribute('data-chosen-patient') ?? false,
      caseNumber: element?.closest<HTMLElement>('[data-case-number]')?.dataset.caseNumber ?? null,
      column: element?.closest<HTMLElement>('[data-column]')?.dataset.column ?? null,
      inDialog: element?.closest('dialog')?.getAttribute('aria-labelledby') ?? null,
    };
  });
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('Check-in from the keyboard', () => {
  let dialog: Locator;

  it('keeps the focus on the patient picked with Enter in the search', async () => {
    const page = desk.page;
    await page.getByRole('button', { name: 'Check in a walk-in' }).click();
    dialog = page.getByRole('dialog', { name: /Check in/ });
    const search = dialog.getByRole('searchbox', { name: 'Patient' });
    await search.fill('Yuki Nakamura');
    const results = dialog.getByRole('list', { name: 'Matching patients' }).getByRole('button');
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
    await search.press('Enter');
    // Enter picked the one match; it did not submit the check-in.
    await dialog.locator('[data-chosen-patient]').getByText('Yuki Nakamura').waitFor();
    expect(await dialog.getByText('Find the patient first').count()).toBe(0);
    expect(await focused(page)).toMatchObject({ chosenPatient: true });

    // Changing the patient puts the focus back in the search; arrow down and Enter pick from the list.
    await dialog.getByRole('button', { name: 'Change' }).press('Enter');
    await expect.poll(async () => (await focused(page)).id).toBe(await search.getAttribute('id'));
    await search.fill('Yuki');
    await results.first().waitFor();
    await search.press('ArrowDown');
    expect((await focused(page)).text).toContain('Yuki');
    await page.keyboard.press('Enter');
    await dialog.locator('[data-chosen-patient]').waitFor();
    expect(await focused(page)).toMatchObject({ chosenPatient: true });
  });

  it('moves the focus to the first vitals field with an error, in view, when the check-in is refused', async () => {
    const page = desk.page;
    await dialog.getByLabel('Doctor').selectOption({ label: 'Dr. Jefferson Alves · General Dentistry · Room 1' });
    await dialog.getByLabel('Pulse (beats/min)').fill('300');
    await dialog.getByLabel('Temperature (°C)').fill('50');
    await dialog.getByRole('button', { name: 'Check in and print ticket' }).press('Enter');
    await dialog.getByText('Must be between 20 and 250 beats/min').waitFor();
    const pulse = dialog.getByLabel('Pulse (beats/min)');
    await expect.poll(async () => (await focused(page)).id).toBe(await pulse.getAttribute('id'));
    expect(await pulse.getAttribute('aria-invalid')).toBe('true');
    const box = (await pulse.boundingBox())!;
    const body = (await dialog.locator('.dialog-body').boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.y).toBeGreaterThanOrEqual(Math.max(0, body.y));
    expect(box.y + box.height).toBeLessThanOrEqual(Math.min(viewport.height, body.y + body.height));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });
});

describe('A keyboard move on the lab board that needs a designer', () => {
  const column = (status: string) => manager.page.locator(`[data-column="${status}"]`);

  async function openMoveToInProgress(caseNumber: string) {
    const page = manager.page;
    await column('new').locator(`[data-case-number="${caseNumber}"] button.open`).focus();
    await page.keyboard.press('m');
    await page.getByRole('dialog', { name: `Move ${caseNumber}` }).waitFor();
    // The menu starts on the first column the card may go to: In Progress, with a designer.
    expect((await focused(page)).text).toContain('In Progress');
    await page.keyboard.press('Enter');
    const assign = page.getByRole('dialog', { name: `Assign a designer to ${caseNumber}` });
    await assign.waitFor();
    return assign;
  }

  it('takes the focus into the designer dialog and gives it back to the card, also once the card has moved', async () => {
    const page = manager.page;
    await page.goto('/lab/board');
    await column('new').locator('[data-case-number]').first().waitFor();
    const caseNumber = (await column('new').locator('[data-case-number]').first().getAttribute('data-case-number'))!;

    // Cancelled: the card stays where it was, with the focus.
    let assign = await openMoveToInProgress(caseNumber);
    await expect.poll(async () => (await focused(page)).id).toBe(await assign.getByLabel('Designer').getAttribute('id'));
    await page.keyboard.press('Escape');
    await assign.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toMatchObject({ caseNumber, column: 'new' });

    // Sent: the card is drawn anew in In Progress and the focus follows it there.
    assign = await openMoveToInProgress(caseNumber);
    expect((await focused(page)).tag).toBe('select');
    await assign.getByLabel('Designer').selectOption({ index: 1 });
    await assign.getByRole('button', { name: 'Assign designer' }).press('Enter');
    await column('in_progress').locator(`[data-case-number="${caseNumber}"]`).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ caseNumber, column: 'in_progress' });
  });
});

describe("Toasts on the doctor's screen", () => {
  it('never cover the prescription form, however many come at once', async () => {
    const page = doctor.page;
    // The demo day has a patient in consultation with Dr. Jefferson: the prescription form is open.
    const form = page.getByRole('form', { name: 'Add a medicine' });
    await form.waitFor();
    for (const medicine of ['Paracetamol', 'Chlorhexidine mouthwash', 'Vitamin C', 'Omeprazole']) {
      await page.getByLabel('Medicine', { exact: true }).fill(medicine);
      await page.getByLabel('Dose').fill('1 unit');
      await page.getByLabel('How often').fill('every 12 hours');
      await page.getByLabel('For how long').fill('3 days');
      await page.getByRole('button', { name: 'Add medicine' }).click();
      await page.getByText(`${medicine} was added to the prescription.`).waitFor();
    }
    const toasts = page.locator('.toast');
    // A burst shows its newest few, not a column up the page.
    expect(await toasts.count()).toBeLessThanOrEqual(3);
    // Where the doctor types: the form at the bottom of the screen, where toasts used to rise.
    await form.evaluate((element) => element.scrollIntoView({ block: 'end' }));
    const controls = form.locator('input, select, textarea, button');
    const toastBoxes = await toasts.evaluateAll((elements) => elements.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    const controlBoxes = await controls.evaluateAll((elements) => elements.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    expect(toastBoxes.length).toBeGreaterThan(0);
    expect(controlBoxes.length).toBeGreaterThanOrEqual(5);
    for (const toast of toastBoxes) for (const control of controlBoxes) expect(overlaps(toast, control), JSON.stringify({ toast, control })).toBe(false);
  });
});

describe('The waiting-room display after a network cut', () => {
  it('reconnects as soon as the browser is online again, without waiting for its next retry', async () => {
    const page = tv.page;
    // The page's timers are stopped once it is live: its scheduled retry can never fire, so only
    // the browser's `online` event can bring it back.
    const sockets: WebSocket[] = [];
    page.on('websocket', (socket) => sockets.push(socket));
    await page.clock.install();
    await page.goto(`/display/${displayToken}`);
    await page.locator('main.display[data-connection="live"]').waitFor();
    await page.clock.pauseAt(Date.now() + 1_000);
    const cut = sockets.at(-1)!;

    await tv.context.setOffline(true);
    await cut.waitForEvent('close');
    await page.locator('main.display[data-connection="offline"]').waitFor();
    const attempts = sockets.length;
    await tv.context.setOffline(false);
    await page.locator('main.display[data-connection="live"]').waitFor();
    expect(sockets.length).toBeGreaterThan(attempts);
    expect(sockets.at(-1)!.isClosed()).toBe(false);
  });
});

it('raised no uncaught errors in the pages', () => {
  expect([...desk.errors, ...doctor.errors, ...manager.errors, ...tv.errors]).toEqual([]);
});
