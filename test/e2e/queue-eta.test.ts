import { describe, expect, it } from 'vitest';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, SKIP_NOTE, serverAndBrowser } from './browser.js';

if (!hasChromium) console.warn(SKIP_NOTE);

describe.skipIf(!hasChromium)('the waiting room’s ETA in the browser', () => {
  const env = serverAndBrowser();

  it('when every pass is out and nobody ahead finishes, then the page says it waits for buyers ahead instead of a time, and counts the seats left against the line', async () => {
    const t = env.server;
    // Four seats, one pass: its holder keeps it, so the line behind stands still.
    const { performanceId } = await onSalePerformance(
      t,
      { queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 50, maxActive: 1, passTtlSeconds: 600 } },
      { rows: 1, seatsPerRow: 4 },
    );
    // The seat map's first read builds the engine's bitset the seats left are counted from.
    await t.app.inject({ url: `/api/performances/${performanceId}/availability` });
    const join = async (headers: Record<string, string>) =>
      (
        await t.app.inject({ method: 'POST', url: `/api/performances/${performanceId}/queue`, headers })
      ).json();
    const holder = await buyer(t);
    await join(holder.headers);
    await expect.poll(async () => (await join(holder.headers)).state, { timeout: 5_000 }).toBe('admitted');
    for (let i = 0; i < 14; i++) await join((await buyer(t)).headers);

    const email = uniqueEmail('eta');
    await t.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Late Buyer' });
    const { page, shot, errors, close } = await openPage(env.browser, t.url);
    try {
      await logIn(page, email, 'plum-cactus-orbit-42');
      await page.goto(`/performances/${performanceId}/queue`);
      await page.getByTestId('queue-position').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('queue-position').textContent()).toBe('15');
      await expect
        .poll(() => page.getByTestId('queue-seats').textContent())
        .toBe('About 4 seats left, 14 ahead of you');
      await page.getByTestId('queue-may-run-out').waitFor();
      // Nobody is let in: within 5 s the estimate gives way to saying so, over the live stream.
      await page.getByTestId('queue-stalled').waitFor({ timeout: 5_000 });
      expect(await page.getByTestId('queue-stalled').textContent()).toContain(
        'waiting for buyers ahead to finish',
      );
      expect(await page.getByTestId('queue-eta').count()).toBe(0);
      await shot('queue-stalled');
      // The same in Korean.
      await page.locator('header select').selectOption('ko');
      await expect
        .poll(() => page.getByTestId('queue-stalled').textContent())
        .toContain('앞선 구매자들이 끝나기를 기다리는 중');
      expect(await page.getByTestId('queue-seats').textContent()).toBe('남은 좌석 약 4석, 내 앞 14명');
      await shot('queue-stalled-ko');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});
