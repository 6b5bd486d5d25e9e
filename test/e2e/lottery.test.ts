import { describe, expect, it } from 'vitest';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, SKIP_NOTE, serverAndBrowser } from './browser.js';

if (!hasChromium) console.warn(SKIP_NOTE);

describe.skipIf(!hasChromium)('the lottery in the browser', () => {
  const env = serverAndBrowser();

  it('when a buyer registers and the draw is made, then the page shows their place and the values that check it', async () => {
    const t = env.server;
    const opensAt = Date.now() + 12_000;
    const { performanceId, eventId } = await onSalePerformance(t, {
      salesOpenAt: new Date(opensAt).toISOString(),
      queue: { mode: 'lottery', prequeueMinutes: 1440, admitPerSecond: 1 },
    });
    // Three others registered through the API: the draw is among four.
    for (let i = 0; i < 3; i++) {
      const other = await buyer(t);
      await t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/registrations`,
        headers: other.headers,
      });
    }
    const email = uniqueEmail('lottery');
    const password = 'plum-cactus-orbit-42';
    await t.auth.signup({ email, password, name: 'Lucky Buyer' });
    const { page, shot, errors, close } = await openPage(env.browser, t.url);
    try {
      await logIn(page, email, password);
      await page.goto(`/events/${eventId}`);
      await page.getByRole('link', { name: 'Register for the lottery' }).click();
      await page.getByRole('button', { name: 'Register for the draw' }).click();
      await page.getByTestId('lottery-registered').waitFor();
      expect(await page.getByTestId('lottery-seed').textContent()).toBe('published after the draw');
      const commitment = await page.getByTestId('lottery-commitment').textContent();
      await shot('lottery-registered');

      // The sale opens; the admission ticker makes the draw; the page, polling, shows the outcome.
      await page.getByTestId('lottery-place').waitFor({ timeout: opensAt - Date.now() + 15_000 });
      const { accessToken } = await t.auth.login({ email, password });
      const authorization = `Bearer ${accessToken}`;
      const mine = (
        await t.app.inject({
          url: `/api/performances/${performanceId}/fairness/me`,
          headers: { authorization },
        })
      ).json();
      const record = (await t.app.inject({ url: `/api/performances/${performanceId}/fairness` })).json();
      expect(await page.getByTestId('lottery-place').textContent()).toBe(String(mine.place));
      expect(await page.getByTestId('lottery-commitment').textContent()).toBe(commitment);
      expect(await page.getByTestId('lottery-seed').textContent()).toBe(record.seed);
      expect(await page.getByTestId('lottery-hash').textContent()).toBe(mine.hash);
      expect(await page.getByText('out of 4 registered').count()).toBe(1);
      await shot('lottery-drawn');
      // From there, the waiting room: at the drawn place, or (one admission a second) already let in
      // and sent on to the seats.
      await page.getByRole('link', { name: 'Go to the waiting room' }).click();
      await page.waitForURL(new RegExp(`/performances/${performanceId}/(queue|seats)`));
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it("when a buyer waits in a fifo room's pre-queue, then the waiting room links to its draw, which shows their place and the values that check it after the opening", async () => {
    const t = env.server;
    const opensAt = Date.now() + 12_000;
    const { performanceId } = await onSalePerformance(t, {
      salesOpenAt: new Date(opensAt).toISOString(),
      queue: { prequeueMinutes: 1440, admitPerSecond: 1 },
    });
    for (let i = 0; i < 3; i++) {
      const other = await buyer(t);
      await t.app.inject({
        method: 'POST',
        url: `/api/performances/${performanceId}/queue`,
        headers: other.headers,
      });
    }
    const email = uniqueEmail('prequeue');
    const password = 'plum-cactus-orbit-42';
    await t.auth.signup({ email, password, name: 'Early Buyer' });
    const { page, shot, errors, close } = await openPage(env.browser, t.url);
    try {
      await logIn(page, email, password);
      await page.goto(`/performances/${performanceId}/queue`);
      await page.getByText(/your place is drawn fairly then/).waitFor();
      await page.getByRole('link', { name: 'How places are drawn, and how to check it' }).click();
      await page.getByTestId('lottery-registered').waitFor();
      expect(await page.getByTestId('lottery-seed').textContent()).toBe('published after the draw');
      const commitment = await page.getByTestId('lottery-commitment').textContent();
      await shot('prequeue-draw-before');

      // The sale opens; the admission ticker draws the pre-queue; the page, polling, shows the outcome.
      await page.getByTestId('lottery-place').waitFor({ timeout: opensAt - Date.now() + 15_000 });
      const { accessToken } = await t.auth.login({ email, password });
      const mine = (
        await t.app.inject({
          url: `/api/performances/${performanceId}/fairness/me`,
          headers: { authorization: `Bearer ${accessToken}` },
        })
      ).json();
      const record = (await t.app.inject({ url: `/api/performances/${performanceId}/fairness` })).json();
      expect(await page.getByTestId('lottery-place').textContent()).toBe(String(mine.place));
      expect(await page.getByTestId('lottery-commitment').textContent()).toBe(commitment);
      expect(await page.getByTestId('lottery-seed').textContent()).toBe(record.seed);
      expect(await page.getByTestId('lottery-hash').textContent()).toBe(mine.hash);
      expect(await page.getByText('out of 4 in the pre-queue').count()).toBe(1);
      await shot('prequeue-draw-after');
      await page.getByRole('link', { name: 'Go to the waiting room' }).click();
      await page.waitForURL(new RegExp(`/performances/${performanceId}/(queue|seats)`));
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);
});
