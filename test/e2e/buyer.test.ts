import { describe, expect, it } from 'vitest';
import { adminHeaders, buyer, onSalePerformance } from '../harness.js';
import { hasChromium, logIn, openPage, SKIP_NOTE, serverAndBrowser } from './browser.js';

if (!hasChromium) console.warn(SKIP_NOTE);

describe.skipIf(!hasChromium)('a buyer in the browser', () => {
  const env = serverAndBrowser();

  it('signs up, searches, opens the event, waits in a real queue through a dropped connection, is admitted, picks a seat on the map, pays and sees the QR ticket', async () => {
    const { performanceId, eventId } = await onSalePerformance(env.server, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 1, maxActive: 100, passTtlSeconds: 600 },
    });
    await env.server.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${eventId}`,
      headers: await adminHeaders(env.server),
      payload: { title: `Queue Night ${eventId}`, artist: 'The Testers' },
    });
    // The dropped connection and the refused weak password below are logged by Chromium; nothing else may be.
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, {
      allow: ['ERR_INCOMPLETE_CHUNKED_ENCODING', 'status of 422'],
    });
    try {
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign up' }).click();
      await page.getByLabel('Name').fill('Web Buyer');
      await page.getByLabel('Email').fill(`web-${eventId}@example.com`);
      await page.getByLabel('Password').fill('plum-cactus-orbit-42');
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
      // The connection drops (a node restarting, a train entering a tunnel): EventSource reconnects by
      // itself and the server resumes from the engine, so the turn still arrives.
      env.server.app.server.closeAllConnections();
      await page.getByText('Reconnecting…').waitFor({ timeout: 5000 });
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

      // The journey ends with a ticket: pick a seat by keyboard, hold it with the queue pass, pay.
      const canvas = page.locator('canvas[data-ready="true"]');
      await canvas.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(1);
      await page.getByRole('button', { name: 'Hold these seats' }).click();
      await page.getByRole('heading', { name: 'Your seats are held' }).waitFor();
      await page.getByRole('button', { name: 'Succeeds' }).click();
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.waitForURL('**/orders/*');
      await page.locator('img[alt^="QR code"]').first().waitFor();
      await shot('queued-buyer-ticket');

      // A new password from the account page: this browser stays logged in (its new session), and
      // only the new password logs in after logging out.
      await page.getByRole('link', { name: 'Web Buyer' }).click();
      await page.getByLabel('Current password').fill('plum-cactus-orbit-42');
      await page.getByLabel('New password').fill('password1234');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('too common or too easy to guess').waitFor();
      await page.getByLabel('Current password').fill('plum-cactus-orbit-42');
      await page.getByLabel('New password').fill('lantern-fjord-quilt-77');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').getByText('Your password has been changed').waitFor();
      await shot('account-password-changed');
      await page.getByRole('link', { name: 'My tickets' }).click();
      await page.locator('img[alt^="QR code"], a[href^="/orders/"]').first().waitFor();
      await page.getByRole('button', { name: 'Log out' }).click();
      await logIn(page, `web-${eventId}@example.com`, 'lantern-fjord-quilt-77');
      await expect.poll(() => page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('on a phone: the pages fit the screen, a pinch zooms the seat map and a tap selects a seat', async () => {
    const { performanceId, eventId } = await onSalePerformance(env.server);
    const phone = await openPage(env.browser, env.server.url, {
      locale: 'ko-KR',
      viewport: { width: 390, height: 844 },
      touch: true,
    });
    try {
      const overflow = () => phone.page.evaluate<number>('document.documentElement.scrollWidth - innerWidth');
      await phone.page.goto(`/events/${eventId}`);
      await phone.page.getByRole('heading', { name: 'Test Show' }).waitFor();
      expect(await overflow()).toBe(0);
      await phone.page.goto(`/performances/${performanceId}/seats`);
      const canvas = phone.page.locator('canvas[data-ready="true"]');
      await canvas.waitFor();
      expect(await overflow()).toBe(0);

      const box = (await canvas.boundingBox())!;
      const before = await canvas.screenshot();
      const cdp = await phone.context.newCDPSession(phone.page);
      const mid = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const touches = (spread: number) => [
        { x: mid.x - spread, y: mid.y, id: 0 },
        { x: mid.x + spread, y: mid.y, id: 1 },
      ];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touches(20) });
      for (const spread of [40, 60, 80])
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touches(spread) });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await expect.poll(async () => (await canvas.screenshot()).equals(before)).toBe(false);

      await phone.page.touchscreen.tap(mid.x, mid.y);
      await expect.poll(() => phone.page.getByTestId('selection').locator('li').count()).toBe(1);
      await phone.shot('phone-seat-map');
      expect(phone.errors()).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
