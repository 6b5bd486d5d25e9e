import { describe, expect, it } from 'vitest';
import { adminHeaders, buyer, onSalePerformance } from '../harness.js';
import { hasChromium, openPage, SKIP_NOTE, serverAndBrowser } from './browser.js';

if (!hasChromium) console.warn(SKIP_NOTE);

describe.skipIf(!hasChromium)('a buyer in the browser', () => {
  const env = serverAndBrowser();

  it('signs up, searches, opens the event, waits in a real queue, is admitted and sees the seat map', async () => {
    const { performanceId, eventId } = await onSalePerformance(env.server, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 1, maxActive: 100, passTtlSeconds: 600 },
    });
    await env.server.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${eventId}`,
      headers: await adminHeaders(env.server),
      payload: { title: `Queue Night ${eventId}`, artist: 'The Testers' },
    });
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
    try {
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign up' }).click();
      await page.getByLabel('Name').fill('Web Buyer');
      await page.getByLabel('Email').fill(`web-${eventId}@example.com`);
      await page.getByLabel('Password').fill('password1');
      await shot('signup');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);

      await page.getByRole('searchbox').fill(`Queue Night ${eventId}`);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.getByText('1 events').isVisible()).toBe(true);
      await shot('home-search');
      await page.getByRole('link', { name: new RegExp(`Queue Night ${eventId}`) }).click();

      await page.getByRole('heading', { name: `Queue Night ${eventId}` }).waitFor();
      await shot('event');
      // Three buyers get in line just before ours, at one admission a second: ours waits for real.
      for (let i = 0; i < 3; i++) {
        const other = await buyer(env.server);
        const joined = await env.server.app.inject({
          method: 'POST',
          url: `/api/performances/${performanceId}/queue`,
          headers: other.headers,
        });
        expect(joined.statusCode).toBe(200);
      }
      await page.getByRole('link', { name: 'Join the waiting room' }).click();

      const position = page.getByTestId('queue-position');
      await position.waitFor({ timeout: 10_000 });
      const first = Number(await position.textContent());
      expect(first).toBeGreaterThan(1);
      await expect.poll(() => page.getByText(/\d+ people ahead of you/).isVisible()).toBe(true);
      await shot('waiting-room');
      // The place goes down live (SSE) before the turn comes, or the turn comes first.
      await expect
        .poll(
          async () =>
            page.url().endsWith('/seats') ||
            Number(await position.textContent({ timeout: 200 }).catch(() => first)) < first,
          { timeout: 10_000 },
        )
        .toBe(true);

      await page.waitForURL(`**/performances/${performanceId}/seats`, { timeout: 15_000 });
      await page.locator('canvas[data-ready="true"]').waitFor();
      // The test's tsconfig has no DOM types: the page-side code goes in as a string.
      expect(await page.evaluate(`sessionStorage.getItem('tmomi.pass.${performanceId}')`)).toContain(
        '"pass"',
      );
      await shot('seat-map');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});
