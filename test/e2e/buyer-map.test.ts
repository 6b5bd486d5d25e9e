import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../harness.js';
import { onSaleAt, stadium } from '../venues.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';
import {
  axeViolations,
  interactiveMs,
  onPage,
  seatOnPage,
  seatInView,
  mapToTop,
  seatPx,
  timeline,
  venuePositions,
} from './seatmap-page.js';

/**
 * The buyers' seat map of a placed venue (issue 20): a 100,000-place stadium of 32 curved wedges round a
 * stage and a standing floor. Navigation to interactive is the app's own measure, on a first visit, printed
 * against the issue's budgets (1 s, and 2 s at 4× CPU slowdown). The assertion's defaults are twice those
 * budgets, a regression guard for a loaded CI machine (decision 035 has the figures); on an idle machine,
 * assert the issue's own with TMOMI_MAP_BUDGET_MS=1000 TMOMI_MAP_SLOW_BUDGET_MS=2000.
 */
const ISSUE_MS = 1_000;
const ISSUE_SLOW_MS = 2_000;
const BUDGET_MS = Number(process.env.TMOMI_MAP_BUDGET_MS ?? 2 * ISSUE_MS);
const SLOW_BUDGET_MS = Number(process.env.TMOMI_MAP_SLOW_BUDGET_MS ?? 2 * ISSUE_SLOW_MS);
const against = (ms: number, issue: number) =>
  `${Math.round(ms)} ms (the issue's budget ${issue} ms: ${ms < issue ? 'met' : 'NOT met'})`;
const PASSWORD = 'plum-cactus-orbit-42';

describe.skipIf(!hasChromium)('the seat map of a 100,000-place stadium', () => {
  const env = serverAndBrowser();
  let performanceId: string;
  let pos: Float64Array;
  const email = uniqueEmail('fan');
  beforeAll(async () => {
    ({ performanceId } = await onSaleAt(env.server, stadium()));
    pos = await venuePositions(env.server, performanceId);
    await env.server.auth.signup({ email, password: PASSWORD, name: 'Fan' });
    // The node has its availability and the venue's geometry in memory already (the crowd before us
    // asked for them); the browser has nothing cached: a first visit.
    await env.server.app.inject({ url: `/api/performances/${performanceId}/availability` });
    await env.server.app.inject({ url: `/api/performances/${performanceId}` });
  });

  it('when opened on a desktop, then it is interactive within the budget, and with the CPU 4× slower too', async () => {
    // Each measure is a first visit: a new browser context, nothing cached.
    const visit = async (cpuSlowdown: number) => {
      const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
      try {
        if (cpuSlowdown > 1) {
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
        }
        await page.goto(`/performances/${performanceId}/seats`);
        const ms = await interactiveMs(page);
        const waited = await timeline(page);
        if (cpuSlowdown === 1) await shot('buyer-map-stadium-overview');
        expect(errors()).toEqual([]);
        return { ms, waited };
      } finally {
        await close();
      }
    };
    const desktop = await visit(1);
    console.log(`100,000-place stadium, desktop: navigation to interactive ${against(desktop.ms, ISSUE_MS)}`);
    console.log(`  waited for: ${desktop.waited}`);
    const slow = await visit(4);
    console.log(`100,000-place stadium, 4× CPU slowdown: ${against(slow.ms, ISSUE_SLOW_MS)}`);
    console.log(`  waited for: ${slow.waited}`);
    expect(desktop.ms).toBeLessThan(BUDGET_MS);
    expect(slow.ms).toBeLessThan(SLOW_BUDGET_MS);
  }, 120_000);

  it('when a buyer moves by keyboard section by section, then seat by seat, then the seats are held with the countdown in view, and axe finds nothing serious', async () => {
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
    try {
      await logIn(page, email, PASSWORD);
      await page.goto(`/performances/${performanceId}/seats`);
      await expect.poll(() => page.title()).toBe('Choose your seats · Layout Night · Tmomi');
      const legend = page.getByRole('list', { name: 'Legend' });
      const map = page.locator('canvas[data-ready="true"]');
      // The legend with its prices is above the map.
      expect((await legend.boundingBox())!.y).toBeLessThan((await map.boundingBox())!.y);
      await expect(legend.getByText('₩10,000').count()).resolves.toBe(3);
      expect(await axeViolations(page)).toEqual([]);

      await map.focus();
      const cursor = page.locator('.seatmap-cursor');
      await page.keyboard.press('ArrowRight');
      await expect
        .poll(() => cursor.textContent())
        .toMatch(/^Section S1 · VIP · ₩10,000 · [\d,]+ of [\d,]+ left$/);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => cursor.textContent()).toMatch(/^Section S2 · R/);
      await page.keyboard.press('Enter');
      // Its first seat is a wheelchair place (test/venues.ts), and says so.
      await expect
        .poll(() => cursor.textContent())
        .toBe('Section S2, row 1, seat 1 · R · ₩10,000 · Wheelchair place');
      await page.keyboard.press('Enter');
      // Arrows move as the map shows the seats: S2 faces the stage from above, so its seat numbers run
      // right to left on screen, and seat 2 is to the left of seat 1.
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => cursor.textContent()).toMatch(/^Section S2, row 1, seat 2 /);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(2);
      await expect.poll(() => page.locator('.seatmap-mini').isVisible()).toBe(true);
      await shot('buyer-map-stadium-zoomed');
      expect(await axeViolations(page)).toEqual([]);

      // Hover names a seat and its price: one of S2 (seats 2,489 … 4,977), where the map is now.
      const seat = await seatOnPage(page, pos, await seatInView(page, pos, 2_489, 4_978));
      await page.mouse.move(seat.x, seat.y);
      await expect.poll(() => page.locator('.seatmap-peek').textContent()).toMatch(/₩10,000/);

      await page.getByRole('button', { name: 'Hold these seats' }).click();
      const countdown = page.getByRole('timer');
      await countdown.waitFor();
      const box = (await countdown.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(860);
      await shot('buyer-map-stadium-held');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('when a whole section sells while the map is open, then the overview counts it sold out from the bitset', async () => {
    const { page, shot, close, errors } = await openPage(env.browser, env.server.url);
    try {
      await page.goto(`/performances/${performanceId}/seats`);
      await page.locator('canvas[data-ready="true"]').focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      const cursor = page.locator('.seatmap-cursor');
      await expect
        .poll(() => cursor.textContent())
        .toMatch(/^Section S3 · VIP · ₩10,000 · 2,[\d,]+ of 2,[\d,]+ left$/);
      const map = await env.server.app.inject({ url: `/api/performances/${performanceId}` });
      const sections = map.json<{ seatsLeft: { sections: { name: string; seats: number }[] } }>().seatsLeft
        .sections;
      const before = sections.slice(0, 2).reduce((n, s) => n + s.seats, 0);
      const s3 = Array.from({ length: sections[2]!.seats }, (_, i) => before + i);
      await env.server.availability.markTaken(performanceId, s3);
      await expect.poll(() => cursor.textContent(), { timeout: 10_000 }).toMatch(/ · 0 of [\d,]+ left$/);
      await shot('buyer-map-stadium-sold-section');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});

describe.skipIf(!hasChromium)('the seat map on a phone', () => {
  const env = serverAndBrowser();
  let performanceId: string;
  let pos: Float64Array;
  const email = uniqueEmail('phone');
  beforeAll(async () => {
    ({ performanceId } = await onSaleAt(env.server, stadium()));
    pos = await venuePositions(env.server, performanceId);
    await env.server.auth.signup({ email, password: PASSWORD, name: 'Phone' });
  });

  it('when a buyer taps a section, then taps zoom until seats are 24 px, seats are picked by touch, held, and the countdown is on screen without scrolling', async () => {
    const viewport = { width: 390, height: 844 };
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, {
      viewport,
      touch: true,
    });
    try {
      await logIn(page, email, PASSWORD);
      await page.goto(`/performances/${performanceId}/seats`);
      await page.locator('canvas[data-ready="true"]').waitFor();
      await shot('buyer-map-phone-overview');
      // The map is below the legend: scrolled up (after the full-page shot, which scrolls back), above
      // the bar. The countdown will need no scrolling.
      await mapToTop(page);
      // Seat 0 is the front row's first seat of S1: tapping near it opens S1.
      const near = await seatOnPage(page, pos, 0);
      await page.touchscreen.tap(near.x, near.y);
      await expect.poll(() => seatPx(page)).toBeGreaterThanOrEqual(6);
      // Too small to pick: a tap zooms in where it was, until a seat is 24 px. S1 is seats 0 … 2,488.
      const seat = await seatInView(page, pos, 0, 2_489);
      const at = await seatOnPage(page, pos, seat);
      await page.touchscreen.tap(at.x, at.y);
      await expect.poll(() => seatPx(page)).toBeGreaterThanOrEqual(24);
      await expect(page.getByTestId('selection').count()).resolves.toBe(0);
      // A finger held on a seat names it and its price, and picks nothing.
      const held = await seatOnPage(page, pos, seat + 2);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchStart',
        touchPoints: [{ x: held.x, y: held.y }],
      });
      await expect
        .poll(() => page.locator('.seatmap-peek').textContent())
        .toMatch(/^Section S1, row .* · VIP · ₩10,000$/);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await expect(page.getByTestId('selection').count()).resolves.toBe(0);
      for (const s of [seat, seat + 1]) {
        const point = await seatOnPage(page, pos, s);
        await page.touchscreen.tap(point.x, point.y);
      }
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(2);
      const bar = page.getByTestId('selection-bar');
      await expect.poll(() => bar.getByText('2 selected').isVisible()).toBe(true);
      await shot('buyer-map-phone-selected');
      await bar.getByRole('button', { name: 'Hold these seats' }).tap();
      const timer = bar.getByRole('timer');
      await timer.waitFor();
      const box = (await timer.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      await shot('buyer-map-phone-held');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('when a buyer taps the standing floor, then chooses a quantity, then the places are held by quantity', async () => {
    const viewport = { width: 390, height: 844 };
    const other = uniqueEmail('stander');
    await env.server.auth.signup({ email: other, password: PASSWORD, name: 'Stander' });
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, {
      viewport,
      touch: true,
    });
    try {
      await logIn(page, other, PASSWORD);
      await page.goto(`/performances/${performanceId}/seats`);
      await mapToTop(page);
      // The floor is the rectangle in the middle (stadium(): centred at y = radius / 4).
      const floor = await onPage(page, 0, 22.5);
      await page.touchscreen.tap(floor.x, floor.y);
      const row = page.getByRole('form', { name: 'Floor' });
      // Tapping the area brings its quantity into view, focused (the test's tsconfig has no DOM types).
      await expect
        .poll(() => page.evaluate(`document.activeElement.closest('form')?.getAttribute('aria-label')`))
        .toBe('Floor');
      await row.getByLabel('Tickets').selectOption('3');
      await row.getByRole('button', { name: 'Hold 3 standing' }).tap();
      await page.getByRole('heading', { name: 'Your seats are held' }).waitFor();
      await expect.poll(() => page.getByText('Standing · Floor').count()).toBe(3);
      await shot('buyer-map-phone-standing-held');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});

describe.skipIf(!hasChromium)('page titles and an unknown address', () => {
  const env = serverAndBrowser();

  it('when a buyer opens pages, then each has its own title, and an unknown address is a real not-found page', async () => {
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
    try {
      await page.goto('/');
      await expect.poll(() => page.title()).toBe('Events · Tmomi');
      await page.goto('/login');
      await expect.poll(() => page.title()).toBe('Log in · Tmomi');
      await page.goto('/no/such/page');
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await expect.poll(() => page.title()).toBe('Page not found · Tmomi');
      await page.getByRole('link', { name: 'Go to the events' }).click();
      await expect.poll(() => page.title()).toBe('Events · Tmomi');
      expect(await axeViolations(page)).toEqual([]);
      await page.goto('/no/such/page');
      await shot('not-found');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});
