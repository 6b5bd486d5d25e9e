import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, waitForJob } from '../harness.js';
import { hasChromium, openPage, serverAndBrowser } from './browser.js';

/**
 * A 50,000-seat map interactive within 3 s of navigation in headless Chromium. The figure itself is
 * printed; here it only guards against a regression of several times: on a 2-core machine running the
 * rest of the suite beside it, the goal of 1.5 s fails by chance (docs/incidents.md, "The seat-map
 * budget that failed CI by chance").
 */
const INTERACTIVE_BUDGET_MS = 3_000;

describe.skipIf(!hasChromium)('the seat map of a 50,000-seat stadium', () => {
  const env = serverAndBrowser();
  let performanceId: string;
  beforeAll(async () => {
    const admin = await adminHeaders(env.server);
    const post = async (url: string, payload: object) => {
      const res = await env.server.app.inject({ method: 'POST', url, payload, headers: admin });
      if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json<{ id: string; jobId?: string; seatCount?: number }>();
    };
    const venue = await post('/api/admin/venues', {
      name: 'Stadium',
      sections: ['N', 'E', 'S', 'W'].map((name, i) => ({
        name,
        grade: ['VIP', 'R', 'S', 'A'][i],
        rows: 50,
        seatsPerRow: 250,
      })),
    });
    expect(venue.seatCount).toBe(50_000);
    const event = await post('/api/admin/events', {
      title: 'Stadium Night',
      category: 'concert',
      venueId: venue.id,
      prices: ['VIP', 'R', 'S', 'A'].map((grade, i) => ({ grade, amount: 200_000 - i * 40_000 })),
    });
    const now = Date.now();
    const perf = await post(`/api/admin/events/${event.id}/performances`, {
      startsAt: new Date(now + 48 * 3600_000).toISOString(),
      salesOpenAt: new Date(now - 60_000).toISOString(),
      salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
      queue: { enabled: false },
    });
    expect((await waitForJob(env.server, perf.jobId!)).state).toBe('done');
    performanceId = perf.id;
  });

  it('when opened, then it is interactive within 3 s, and stays smooth while availability changes', async () => {
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
    try {
      // The server has built its availability bitset already (the crowd before us asked for it); the
      // browser has nothing cached: this is a first visit.
      await env.server.app.inject({ url: `/api/performances/${performanceId}/availability` });
      await page.goto(`/performances/${performanceId}/seats`);
      await page.locator('canvas[data-ready="true"]').waitFor();
      const interactiveMs = await page.evaluate<number>(
        `performance.getEntriesByName('seatmap-interactive')[0].startTime`,
      );
      console.log(`seat map of 50,000 seats interactive after ${Math.round(interactiveMs)} ms`);
      expect(interactiveMs).toBeLessThan(INTERACTIVE_BUDGET_MS);

      // Interactive means it takes a click: on the overview a click opens a section, then zooms in where
      // it is until seats are big enough for a mouse, then selects the seat there.
      const canvas = page.getByRole('application');
      const box = (await canvas.boundingBox())!;
      for (let click = 0; click < 4; click++) {
        if ((await page.getByTestId('selection').count()) > 0) break;
        await canvas.click({
          position: { x: box.width / 2, y: click === 0 ? box.height * 0.15 : box.height / 2 },
        });
        await new Promise((r) => setTimeout(r, 200));
      }
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(1);
      // … and the keyboard: move right and select another.
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(2);

      // Seats sell while the map is open: every frame gap is measured in the page meanwhile.
      await page.evaluate(`(() => {
        window.__gaps = [];
        let last = performance.now();
        const tick = (now) => { window.__gaps.push(now - last); last = now; if (window.__gaps.length < 100000) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      })()`);
      for (let round = 0; round < 5; round++) {
        const taken = Array.from({ length: 2000 }, (_, i) => 2000 * round * 5 + i * 5);
        await env.server.availability.markTaken(performanceId, taken);
        await new Promise((r) => setTimeout(r, 800));
      }
      await expect
        .poll(() => page.getByText('40,000 of 50,000 seats available').isVisible(), { timeout: 10_000 })
        .toBe(true);
      const gaps = await page.evaluate<number[]>('window.__gaps');
      const worst = Math.max(...gaps.slice(1));
      console.log(`worst frame gap while availability changed: ${Math.round(worst)} ms`);
      expect(worst).toBeLessThan(100);
      await shot('seat-map-50000');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});
