/**
 * The lab board with two people on it: a designer moves cards (drag and keyboard) and the lab
 * manager's board follows live; the client's caseMachine marks columns that refuse a card, and a
 * move the server refuses is rolled back to where the server has the card, with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowsers, screenshot, signIn, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin } from './api';

let server: E2EServer;
let designer: Browser;
let manager: Browser;

beforeAll(async () => {
  server = await startE2EServer();
  [designer, manager] = await launchBrowsers(2, { baseURL: server.url });
  await Promise.all([signIn(designer.page, 'dana@brightsmile.lab', demoPassword), signIn(manager.page, 'manager@brightsmile.lab', demoPassword)]);
  await Promise.all([designer.page.goto('/lab/board'), manager.page.goto('/lab/board')]);
  await Promise.all([boardReady(designer.page), boardReady(manager.page)]);
});

afterAll(async () => {
  await designer?.close();
  await manager?.close();
  await server?.close();
});

const column = (page: Page, status: string) => page.locator(`[data-column="${status}"]`);
const card = (page: Page, caseNumber: string) => page.locator(`[data-case-number="${caseNumber}"]`);
const inColumn = (page: Page, status: string, caseNumber: string) => column(page, status).locator(`[data-case-number="${caseNumber}"]`);

async function boardReady(page: Page) {
  await column(page, 'new').locator('[data-case-number]').first().waitFor();
  // The live subscription is up once the shell shows no connection banner.
  await page.locator('.connection[data-state="live"]').waitFor({ state: 'attached' });
}

async function caseOnBoard(caseNumber: string): Promise<{ id: string; version: number }> {
  const { accessToken } = await apiLogin(server.url, 'manager@brightsmile.lab', demoPassword);
  const me = await apiCall<{ memberships: { orgId: string; orgKind: string }[] }>(server.url, accessToken, 'GET', '/auth/me');
  const orgId = me.body.memberships.find((m) => m.orgKind === 'lab')!.orgId;
  const board = await apiCall<{ columns: { cards: { id: string; caseNumber: string; version: number }[] }[] }>(server.url, accessToken, 'GET', `/orgs/${orgId}/board`);
  const found = board.body.columns.flatMap((c) => c.cards).find((c) => c.caseNumber === caseNumber)!;
  return { id: found.id, version: found.version };
}

describe('Lab board, live for two people', () => {
  it("a designer drags a New case to In Progress; the manager's board shows it there without a reload", async () => {
    const { page } = designer;
    await inColumn(page, 'new', 'CASE-00004').waitFor();
    await card(page, 'CASE-00004').dragTo(column(page, 'in_progress'));
    await inColumn(page, 'in_progress', 'CASE-00004').waitFor();
    await expect.poll(() => card(page, 'CASE-00004').getAttribute('aria-busy')).toBeNull();

    await inColumn(manager.page, 'in_progress', 'CASE-00004').waitFor();
    expect(await inColumn(manager.page, 'new', 'CASE-00004').count()).toBe(0);
    // The manager's board names the designer who picked it up.
    await inColumn(manager.page, 'in_progress', 'CASE-00004').getByText('Dana Designer').waitFor();
    expect(await manager.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  it("names another designer on the cards they hold, on a designer's board too", async () => {
    await column(designer.page, 'in_progress').getByText('Omar Designer').first().waitFor();
    expect(await column(designer.page, 'in_progress').getByText('Assigned', { exact: true }).count()).toBe(0);
  });

  it('marks the columns a card cannot go to while it is dragged, and snaps an illegal drop back with the reason', async () => {
    const { page } = designer;
    const source = inColumn(page, 'pending_approval', 'CASE-00012');
    await source.waitFor();
    const from = (await source.boundingBox())!;
    const to = (await column(page, 'completed').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + 40);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + 120, { steps: 8 });
    // Approval is the dentist's or the lab manager's move: the designer's board says so while dragging.
    await expect.poll(() => column(page, 'completed').getAttribute('data-drop')).toBe('refused');
    expect(await column(page, 'pending_approval').getAttribute('data-drop')).toBe('origin');
    await column(page, 'completed').getByText('Not allowed').waitFor();
    await screenshot(page, 'lab-board-dragging');
    await page.mouse.up();

    await page.getByText('Only dentists or lab managers can move CASE-00012 from Pending Approval to Completed').waitFor();
    await inColumn(page, 'pending_approval', 'CASE-00012').waitFor();
    expect(await column(page, 'completed').getAttribute('data-drop')).toBeNull();
    expect(await inColumn(manager.page, 'pending_approval', 'CASE-00012').count()).toBe(1);
  });

  it("rolls an optimistic move back to where the server has the case, with the server's reason", async () => {
    const { page } = designer;
    const target = await caseOnBoard('CASE-00005');
    // Hold the designer's move until the manager has sent the same case to a partner lab.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/cases/*/events', async (route) => {
      await held;
      await route.continue();
    });
    await card(page, 'CASE-00005').dragTo(column(page, 'in_progress'));
    // Optimistic: the card is in its new column at once, marked as saving.
    await inColumn(page, 'in_progress', 'CASE-00005').waitFor();
    expect(await card(page, 'CASE-00005').getAttribute('aria-busy')).toBe('true');

    const { accessToken } = await apiLogin(server.url, 'manager@brightsmile.lab', demoPassword);
    const me = await apiCall<{ memberships: { orgId: string; orgKind: string }[] }>(server.url, accessToken, 'GET', '/auth/me');
    const orgId = me.body.memberships.find((m) => m.orgKind === 'lab')!.orgId;
    const outsourced = await apiCall(server.url, accessToken, 'POST', `/orgs/${orgId}/cases/${target.id}/events`, { type: 'case.outsource', version: target.version, outsourcedTo: 'Northside Dental Studio' });
    expect(outsourced.status).toBe(200);
    release();

    await page.getByText(/CASE-00005 was not moved: .*(changed this case first|not allowed)/).waitFor();
    await inColumn(page, 'sent_to_outsource', 'CASE-00005').waitFor();
    expect(await inColumn(page, 'in_progress', 'CASE-00005').count()).toBe(0);
    await page.unroute('**/cases/*/events');
  });

  it('moves a card from the keyboard: focus it, press M, choose the column with the arrows, Enter', async () => {
    const { page } = designer;
    await card(page, 'CASE-00006').locator('button.open').focus();
    await page.keyboard.press('m');
    const menu = page.getByRole('dialog', { name: 'Move CASE-00006' });
    await menu.waitFor();
    // Focus starts on the one column a designer can send it to; arrows go round and come back.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Pending Approval');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await menu.getByText(/cannot go from In Progress to Completed|Only .* can move CASE-00006/).waitFor();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
    await inColumn(page, 'pending_approval', 'CASE-00006').waitFor();
    await inColumn(manager.page, 'pending_approval', 'CASE-00006').waitFor();
  });

  it('opens a case with its history, uploads a scan and offers it for download', async () => {
    const { page } = manager;
    await card(page, 'CASE-00010').locator('button.open').click();
    const drawer = page.getByRole('dialog', { name: /CASE-00010/ });
    await drawer.getByRole('heading', { name: 'History' }).waitFor();
    await drawer.getByText('requested a remake').waitFor();
    await drawer.getByText('Shade mismatch').first().waitFor();
    const stl = `solid crown\n${'facet normal 0 0 1\n outer loop\n  vertex 0 0 0\n  vertex 1 0 0\n  vertex 0 1 0\n endloop\nendfacet\n'.repeat(4000)}endsolid crown\n`;
    await drawer.locator('input[type="file"]').setInputFiles({ name: 'crown-31-41.stl', mimeType: 'model/stl', buffer: Buffer.from(stl) });
    await drawer.getByText('crown-31-41.stl').waitFor();
    await drawer.getByRole('button', { name: 'Download crown-31-41.stl' }).waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => !url.search.includes('case='));
  });
});

it('raised no uncaught errors in the pages', () => {
  expect([...designer.errors, ...manager.errors]).toEqual([]);
});
