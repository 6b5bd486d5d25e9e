import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { modes, startTestApp, type TestApp } from '../harness.js';

/** Debian's Chromium (`apt-get install -y chromium`); .ci/run installs it, so CI always has it. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SKIP_NOTE = `browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`;

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type WebServer = TestApp & { url: string };

/** A Tmomi (embedded PostgreSQL, memory engine) listening on a loopback port, serving the built web app. */
async function startWebServer(): Promise<WebServer> {
  const t = await startTestApp(modes()[0]!);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...t, url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
}

/** For a describe block: one server and one browser, started before its tests and closed after. */
export function serverAndBrowser(): { server: WebServer; browser: Browser } {
  const env = {} as { server: WebServer; browser: Browser };
  beforeAll(async () => {
    [env.server, env.browser] = await Promise.all([startWebServer(), launchChromium()]);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far, minus those the test allowed. */
  errors: () => string[];
  shot: (name: string) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A page in a fresh context (its own cookies and storage) that records every console error and page
 * exception. Chromium logs each 4xx/5xx response, and each stream cut short, as a console error; a
 * test that provokes one on purpose names a piece of its text in `allow` ("status of 402").
 */
export async function openPage(
  browser: Browser,
  baseURL: string,
  opts: {
    locale?: string;
    allow?: string[];
    viewport?: { width: number; height: number };
    touch?: boolean;
  } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    baseURL,
    locale: opts.locale ?? 'en-GB',
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    hasTouch: opts.touch ?? false,
    isMobile: opts.touch ?? false,
  });
  const page = await context.newPage();
  const seen: string[] = [];
  const allowed = opts.allow ?? [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!allowed.some((a) => text.includes(a))) seen.push(`${text} (${message.location().url})`);
  });
  page.on('pageerror', (err) => seen.push(`uncaught: ${err.message}`));
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    errors: () => [...seen],
    shot: async (name) => {
      // Animations finished first: a result that has just arrived is shown as it settles, not half faded.
      await page.screenshot({
        path: join(SCREENSHOTS, `${name}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    },
    close: () => context.close(),
  };
}

/** Logs in through the login page (English), as a person would; the session cookie stays in the context. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Selects seats on the map by keyboard: the cursor starts on the first free seat and moves right. */
export async function selectSeats(page: Page, performanceId: string, count: number, skip = 0): Promise<void> {
  await page.goto(`/performances/${performanceId}/seats`);
  const canvas = page.locator('canvas[data-ready="true"]');
  await canvas.focus();
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < skip; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowRight');
  }
  await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(count);
}
