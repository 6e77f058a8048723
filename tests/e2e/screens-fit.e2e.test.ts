/**
 * The screens fit the glass they are read on. The waiting-room display fills a TV at 1920×1080,
 * 1366×768 and 1280×720 without scrolling, empty or with 30 tickets, showing what fits and how many
 * more wait; its waits and the status page's are ranges or "—", never "0 min"; a new call stands
 * out, is spoken, and a recall says so. The patient portal fits a 390 px phone with its account
 * menu (the only way to sign out) in reach, and so does every other screen's header.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import pg from 'pg';
import { launchBrowsers, signIn, type Browser } from './harness';
import { demoPassword } from '../../server/demo/seed-demo';
import { startE2EServer, type E2EServer } from './server';
import { apiCall, apiLogin, createOrg, unique, type CreatedOrg } from './api';

declare global {
  interface Window {
    /** What the display said aloud, recorded by the speech stand-in this file installs. */
    spoken: string[];
  }
}

const tvSizes = [
  { width: 1920, height: 1080 },
  { width: 1366, height: 768 },
  { width: 1280, height: 720 },
];
const phone = { width: 390, height: 844 };
/** A wait with nothing believable behind it, as the screens used to print it. */
const unbelievableWait = /(^|[^\d])0 min|a few minutes|about 0/i;
/** What a wait may read: a range, "up to" a bound, or a dash. */
const believableWait = /^(—|up to \d+ min|\d+–\d+ (min|h))$/;
/** The size pictures, for a person to look at (not the README's). */
const pictures = join(tmpdir(), 'cuspid-screens-fit');

let server: E2EServer;
let tv: Browser;
let patient: Browser;
let clinic: CreatedOrg;
let admin: string;
let doctor: string;
let professionalId: string;
let displayToken: string;
/** The patient the doctor called (and called again). */
let calledVisitId: string;

beforeAll(async () => {
  server = await startE2EServer();
  const platform = await apiLogin(server.url, 'super@cuspid.demo', demoPassword);
  // A clinic of its own: its one doctor's queue is empty until this file fills it.
  clinic = await createOrg(server.url, platform.accessToken, { kind: 'clinic', staffLimits: { org_admin: 2, doctor: 2, receptionist: 2, medical_staff: 1 } });
  admin = (await apiLogin(server.url, clinic.adminEmail, clinic.adminPassword)).accessToken;
  const doctorEmail = `dr-fit-${unique()}@e2e.test`;
  const added = await apiCall<{ member: { id: string } }>(server.url, admin, 'POST', `/orgs/${clinic.id}/staff`, {
    email: doctorEmail,
    name: 'Dr. Maria Fernanda Albuquerque',
    role: 'doctor',
    password: 'Doctor-pass-2026',
  });
  expect(added.status).toBe(201);
  const professional = await apiCall<{ id: string }>(server.url, admin, 'POST', `/orgs/${clinic.id}/professionals`, {
    membershipId: added.body.member.id,
    specialty: 'Endodontics',
    councilNumber: 'CRO-SP 12345',
    room: 'Room 12',
    ticketPrefix: 'E',
  });
  expect(professional.status).toBe(201);
  professionalId = professional.body.id;
  const display = await apiCall<{ token: string }>(server.url, admin, 'POST', `/orgs/${clinic.id}/displays`, { name: 'Endodontics waiting room', privacy: 'ticket_initials' });
  expect(display.status).toBe(201);
  displayToken = display.body.token;
  doctor = (await apiLogin(server.url, doctorEmail, 'Doctor-pass-2026')).accessToken;
  [tv, patient] = await launchBrowsers(2, { baseURL: server.url, viewport: tvSizes[0] });
  // The display's voice, heard through the browser's speech synthesis.
  await tv.page.addInitScript(() => {
    const spoken: string[] = [];
    Object.assign(window, { spoken });
    window.speechSynthesis.speak = (utterance: SpeechSynthesisUtterance) => {
      spoken.push(utterance.text);
      setTimeout(() => utterance.onend?.(new Event('end') as SpeechSynthesisEvent), 0);
    };
  });
  await mkdir(pictures, { recursive: true });
});

afterAll(async () => {
  await Promise.all([tv?.close(), patient?.close()]);
  await server?.close();
});

const display = () => tv.page.locator('main.display');

let checkedIn = 0;

/** Checks in `count` new patients for the doctor, every fifth from the sixth on urgent; returns their status-page tokens. */
async function checkIn(count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let n = 0; n < count; n++) {
    const i = checkedIn++;
    const registered = await apiCall<{ id: string }>(server.url, admin, 'POST', `/orgs/${clinic.id}/patients`, {
      fullName: `Waiting Patient ${unique()}`,
      dateOfBirth: '1984-03-02',
      gender: 'female',
      phone: `+5511987${600000 + i}`,
    });
    expect(registered.status).toBe(201);
    const visit = await apiCall<{ statusToken: string }>(server.url, admin, 'POST', `/orgs/${clinic.id}/visits/check-in`, {
      patientId: registered.body.id,
      professionalId,
      priority: i > 0 && i % 5 === 0 ? 1 : 0,
      vitals: {},
    });
    expect(visit.status).toBe(201);
    tokens.push(visit.body.statusToken);
  }
  return tokens;
}

interface Fit {
  scrollWidth: number;
  scrollHeight: number;
  innerWidth: number;
  innerHeight: number;
  /** Parts of the screen (panels, rows, the clock) drawn past the viewport or past their own panel. */
  cutOff: string[];
}

/** How the page sits in the viewport: the document's scroll size, and anything drawn outside where it should be. */
function measure(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const outside = (inner: DOMRect, outer: { top: number; left: number; bottom: number; right: number }) =>
      inner.top < outer.top - 0.5 || inner.left < outer.left - 0.5 || inner.bottom > outer.bottom + 0.5 || inner.right > outer.right + 0.5;
    const viewport = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
    const cutOff: string[] = [];
    for (const part of document.querySelectorAll<HTMLElement>('main.display :is(header, section, .clock, .tool, [data-next], [data-more], .doctors li)')) {
      if (outside(part.getBoundingClientRect(), viewport)) cutOff.push(`${part.tagName.toLowerCase()}.${part.className} ${part.textContent?.trim().slice(0, 40)}`);
    }
    for (const row of document.querySelectorAll<HTMLElement>('main.display .next li, main.display .calling .latest, main.display .earlier li')) {
      const box = row.closest('ol') ?? row.closest('section')!;
      if (outside(row.getBoundingClientRect(), box.getBoundingClientRect())) cutOff.push(`past its list: ${row.textContent?.trim().slice(0, 40)}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, scrollHeight: document.documentElement.scrollHeight, innerWidth, innerHeight, cutOff };
  });
}

async function expectDisplayFits(size: { width: number; height: number }, picture: string) {
  await tv.page.setViewportSize(size);
  // Let the Next list measure its new height and settle.
  await tv.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await tv.page.screenshot({ path: join(pictures, `${picture}-${size.width}x${size.height}.png`), animations: 'disabled' });
  const fit = await measure(tv.page);
  expect(fit, `${picture} at ${size.width}×${size.height}`).toEqual({ scrollWidth: size.width, scrollHeight: size.height, innerWidth: size.width, innerHeight: size.height, cutOff: [] });
}

async function expectBelievableWaits(page: Page, waits: string) {
  const text = await page.locator('main').innerText();
  expect(text).not.toMatch(unbelievableWait);
  for (const wait of await page.locator(waits).allInnerTexts()) expect(wait.trim()).toMatch(believableWait);
}

describe('Waiting-room display on a TV', () => {
  it('fits 16:9 at every size with nobody waiting', async () => {
    await tv.page.goto(`/display/${displayToken}`);
    await display().getByText('Nobody waiting').waitFor();
    await display().getByText('Please wait for your ticket number').waitFor();
    for (const size of tvSizes) await expectDisplayFits(size, 'display-empty');
    await expectBelievableWaits(tv.page, 'main.display .wait');
  });

  it('gives the first in line, with the doctor free, a dash rather than "0 min", on the display and the status page', async () => {
    const [first, second] = await checkIn(2);
    // The doctor's wait for a new arrival is a range once the estimate is in: two ahead of fifteen minutes each by default.
    await display().locator('.doctors .wait', { hasText: /\d+–\d+ min/ }).waitFor();
    await display().locator('[data-next]').nth(1).locator('.wait', { hasText: /\d+–\d+ min/ }).waitFor();
    expect(await display().locator('[data-next]').first().locator('.wait').innerText()).toBe('—');
    await expectBelievableWaits(tv.page, 'main.display .wait');

    const page = patient.page;
    await page.setViewportSize(phone);
    await page.goto(`/status/${first}`);
    await page.getByText('You are number 1 in line').waitFor();
    await expectBelievableWaits(page, '.facts dd');
    expect(await page.locator('.facts dd').first().innerText()).toBe('—');
    await page.goto(`/status/${second}`);
    await page.getByText('You are number 2 in line').waitFor();
    await page.locator('.facts dd', { hasText: /\d+–\d+ min/ }).first().waitFor();
    await expectBelievableWaits(page, '.facts dd');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
  });

  it('fits 16:9 at every size with 30 waiting, showing the tickets that fit and how many more', async () => {
    await checkIn(28);
    await display().locator('[data-more]').waitFor();
    await display().getByText('30 waiting').waitFor();
    // The estimates follow the check-ins: wait until every shown ticket behind the first has its range.
    await tv.page.waitForFunction(() => {
      const waits = [...document.querySelectorAll('main.display [data-next] .wait')].map((wait) => wait.textContent ?? '');
      return waits.length > 1 && waits.slice(1).every((wait) => /\d+–\d+ (min|h)/.test(wait));
    });
    for (const size of tvSizes) {
      await expectDisplayFits(size, 'display-30-waiting');
      const shown = await display().locator('[data-next]').count();
      const more = Number(/\+(\d+) more waiting/.exec(await display().locator('[data-more]').innerText())?.[1]);
      expect(shown).toBeGreaterThanOrEqual(5);
      expect(shown + more).toBe(30);
    }
    await expectBelievableWaits(tv.page, 'main.display .wait');
    // Tickets and initials only: no patient's name on the wall.
    expect(await display().innerText()).not.toContain('Waiting Patient');
  });

  it('highlights and speaks a new call, and marks a recall', async () => {
    await tv.page.setViewportSize(tvSizes[2]!);
    await tv.page.getByRole('button', { name: 'Turn sound on' }).click();
    await tv.page.getByRole('button', { name: 'Sound on' }).waitFor();
    const called = await apiCall<{ id: string; ticketNumber: string; version: number }>(server.url, doctor, 'POST', `/orgs/${clinic.id}/queue/me/call-next`);
    expect(called.status).toBe(200);
    const ticket = called.body.ticketNumber;
    const spoken = `Ticket E ${Number(ticket.slice(2))}, please go to Room 12.`;
    const latest = display().locator(`[data-now-calling="${ticket}"]`);
    await display().locator(`[data-now-calling="${ticket}"][data-highlighted]`).waitFor();
    const look = await latest.evaluate((element) => {
      const style = getComputedStyle(element);
      const panel = getComputedStyle(element.closest('section')!);
      return { background: style.backgroundColor, border: style.borderTopColor, panel: panel.backgroundColor };
    });
    expect(look.background).not.toBe('rgba(0, 0, 0, 0)');
    expect(look.background).not.toBe(look.panel);
    expect(look.border).not.toBe('rgba(0, 0, 0, 0)');
    expect(await latest.innerText()).toMatch(new RegExp(`${ticket}[\\s\\S]*→\\s*Room 12`));
    await tv.page.waitForFunction((text) => window.spoken.includes(text), spoken);
    expect(await latest.locator('[data-recall]').count()).toBe(0);
    await expectDisplayFits(tvSizes[2]!, 'display-called');

    const recalled = await apiCall(server.url, doctor, 'POST', `/orgs/${clinic.id}/visits/${called.body.id}/events`, { type: 'recall', version: called.body.version });
    expect(recalled.status).toBe(200);
    await latest.locator('[data-recall]', { hasText: 'Recall' }).waitFor();
    await display().locator(`[data-now-calling="${ticket}"][data-highlighted]`).waitFor();
    await tv.page.waitForFunction((text) => window.spoken.filter((said) => said === text).length === 2, spoken);
    for (const size of tvSizes) await expectDisplayFits(size, 'display-recalled');
    calledVisitId = called.body.id;
  });

  it('shows "—" rather than the same few minutes for everyone when the doctor’s consultations took no time', async () => {
    const started = await apiCall(server.url, doctor, 'POST', `/orgs/${clinic.id}/visits/${calledVisitId}/start`, {});
    expect(started.status).toBe(200);
    // Yesterday's consultations, closed the moment they were opened (the API cannot backdate them): with the
    // one in progress already longer than all of them, the estimator says one minute for everyone in line.
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `insert into consultation_sessions (id, org_id, visit_id, doctor_user_id, session_number, status, started_at, completed_at)
         select gen_random_uuid(), org_id, visit_id, doctor_user_id, session_number + n, 'completed', now() - interval '1 day', now() - interval '1 day'
           from consultation_sessions, generate_series(1, 3) n where visit_id = $1 and status = 'open'`,
        [calledVisitId],
      );
    } finally {
      await db.end();
    }
    await checkIn(1);
    await tv.page.waitForFunction(() => {
      const waits = [...document.querySelectorAll('main.display .wait')].map((wait) => wait.textContent);
      return waits.length > 1 && waits.every((wait) => wait === '—');
    });
    await expectBelievableWaits(tv.page, 'main.display .wait');
  });
});

describe('On a phone (390×844)', () => {
  it('the portal does not scroll sideways and its account menu signs out', async () => {
    const page = patient.page;
    await page.setViewportSize(phone);
    await signIn(page, 'patient@riverside.clinic', demoPassword);
    await page.getByRole('heading', { name: 'Upcoming appointments' }).waitFor();
    await page.getByRole('heading', { name: 'Past visits' }).waitFor();
    await page.screenshot({ path: join(pictures, 'portal-390x844.png') });
    expect(await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth }))).toEqual({ scrollWidth: phone.width, innerWidth: phone.width });
    await page.getByRole('button', { name: /^Account menu/ }).click();
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await expectInViewport(page, signOut);
    await signOut.click();
    await page.waitForURL((url) => url.pathname.startsWith('/login'));
  });

  it('every role’s header fits, with the account menu in reach', async () => {
    const page = patient.page;
    for (const email of ['admin@riverside.clinic', 'desk@riverside.clinic', 'dr.jefferson@riverside.clinic', 'pharmacy@riverside.clinic', 'manager@brightsmile.lab', 'super@cuspid.demo']) {
      await signIn(page, email, demoPassword);
      const header = await page.locator('header.topbar').evaluate((element) => ({ scrollWidth: element.scrollWidth, clientWidth: element.clientWidth, right: element.getBoundingClientRect().right }));
      expect(header.scrollWidth, email).toBeLessThanOrEqual(header.clientWidth);
      expect(header.right, email).toBeLessThanOrEqual(phone.width);
      for (const link of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all()) {
        // Every link can be reached: the links' line scrolls by itself, never the page.
        await link.scrollIntoViewIfNeeded();
        await expectInViewport(page, link);
      }
      await expectInViewport(page, page.getByRole('button', { name: /^Account menu/ }));
      await page.getByRole('button', { name: /^Account menu/ }).click();
      await expectInViewport(page, page.getByRole('button', { name: 'Sign out' }));
      await page.keyboard.press('Escape');
    }
  });
});

async function expectInViewport(page: Page, locator: ReturnType<Page['locator']>) {
  await locator.waitFor();
  const box = (await locator.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
}

it('raised no uncaught errors in the pages', () => {
  expect([...tv.errors, ...patient.errors]).toEqual([]);
});
