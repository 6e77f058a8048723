/**
 * Real Chromium for the browser tests, driven by playwright-core. Uses Debian's /usr/bin/chromium
 * (installed by .ci/run when missing), never a Playwright-downloaded browser. Each launch gets a
 * fresh profile directory, so tests share no cookies, storage or cache.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

declare global {
  interface Window {
    /** axe-core, evaluated into the page by `seriousA11yViolations`. */
    axe: typeof import('axe-core');
  }
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The tablet at the reception desk or on the lab bench: the size every screen must work at. */
export const tabletViewport = { width: 1024, height: 768 };

export interface Browser {
  context: BrowserContext;
  /** The first tab. */
  page: Page;
  /** Uncaught page errors and console errors seen so far, across the context's pages. */
  errors: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Relative `page.goto('/login')` resolves against this. */
  baseURL?: string;
  viewport?: { width: number; height: number };
  /** Console messages matching these are not counted as errors (e.g. an expected 401 in a negative test). */
  ignoreConsole?: RegExp[];
}

/** Launches Chromium with its own temporary profile; `close()` removes the profile. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with: apt-get update && apt-get install -y chromium`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'cuspid-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    ...contextOptions(options),
  });
  context.setDefaultTimeout(10_000);
  const { errors, watch } = pageErrors(options);
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Several independent people at once (a designer and a manager, a desk, a doctor and a TV) in one
 * Chromium process: each gets its own context, so no cookies or storage are shared, at the cost of
 * one browser process instead of several (the e2e runs on two cores).
 */
export async function launchBrowsers(count: number, options: LaunchOptions = {}): Promise<Browser[]> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with: apt-get update && apt-get install -y chromium`);
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  let open = count;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const context = await browser.newContext(contextOptions(options));
      context.setDefaultTimeout(10_000);
      const { errors, watch } = pageErrors(options);
      context.on('page', watch);
      const page = await context.newPage();
      return {
        context,
        page,
        errors,
        close: async () => {
          await context.close().catch(() => undefined);
          if (--open === 0) await browser.close().catch(() => undefined);
        },
      };
    }),
  );
}

/**
 * Signs in through the form and waits until the app has left the sign-in page. Any session the
 * tab still holds is dropped first, so a failed test does not leave the next one signed in.
 */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  if (await page.evaluate(() => localStorage.getItem('cuspid.session') !== null)) {
    await page.evaluate(() => localStorage.removeItem('cuspid.session'));
    await page.goto('/login');
  }
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.locator('[data-page-title]').first().waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Account menu/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/login'));
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page and returns serious and critical violations.
 * Injected through the DevTools protocol, so the app's Content-Security-Policy does not block it.
 */
export async function seriousA11yViolations(page: Page, options: { include?: string; exclude?: string[] } = {}): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const results = await page.evaluate(
    async ({ include, exclude }) => {
      const { axe } = window;
      const context = include || exclude?.length ? { ...(include ? { include: [include] } : {}), exclude: (exclude ?? []).map((e) => [e]) } : document;
      const run = await axe.run(context, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
      return run.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    },
    { include: options.include, exclude: options.exclude },
  );
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Where screenshots go: docs/screenshots when E2E_SCREENSHOT_DIR says so, else a temp folder. */
export const screenshotDir = resolve(process.env.E2E_SCREENSHOT_DIR ?? join(tmpdir(), 'cuspid-e2e-screenshots'));

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name}.png`);
  // Let transitions and fonts settle so the picture is what a person sees.
  await page.evaluate(() => document.fonts.ready);
  await writeFile(file, await page.screenshot({ fullPage: false, animations: 'disabled', caret: 'hide' }));
  return file;
}

/** Counts requests whose path matches, e.g. to assert that a token refresh happened exactly once. */
export function countRequests(page: Page, match: RegExp): { readonly count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    if (match.test(new URL(request.url()).pathname)) counter.count += 1;
  });
  return counter;
}

function contextOptions(options: LaunchOptions) {
  return { baseURL: options.baseURL, viewport: options.viewport ?? tabletViewport, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' as const };
}

/** Uncaught page errors and console errors of the pages `watch` is given, minus the expected ones. */
function pageErrors(options: LaunchOptions): { errors: string[]; watch: (page: Page) => void } {
  const errors: string[] = [];
  const ignored = [
    // Failed requests the app handles itself (wrong password, expired token, refused move) are
    // logged by Chromium as console errors; they are asserted on screen instead.
    /Failed to load resource: the server responded with a status of (400|401|403|404|409|429)/,
    ...(options.ignoreConsole ?? []),
  ];
  const watch = (page: Page) => {
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !ignored.some((re) => re.test(message.text()))) errors.push(`console: ${message.text()}`);
    });
  };
  return { errors, watch };
}
