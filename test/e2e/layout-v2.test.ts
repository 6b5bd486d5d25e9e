import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../harness.js';
import { bowl, onSaleAt } from '../venues.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

/**
 * The web app with a venue of layout version 2 (issue 20): a seat picked by keyboard on the placed map,
 * and a standing area bought by quantity through "best available" of its grade (test/e2e/buyer-map.test.ts
 * has the rest: the overview, touch, the area's own form).
 */
describe.skipIf(!hasChromium)('a venue of layout version 2 in the web app', () => {
  const env = serverAndBrowser();
  let performanceId: string;
  const email = uniqueEmail('stander');
  beforeAll(async () => {
    ({ performanceId } = await onSaleAt(env.server, bowl({ floor: 200, blocked: [3] })));
    await env.server.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Stander' });
  });

  it('when a buyer opens its seats, then the map is drawn, a seat is picked by keyboard, and standing places are held by quantity', async () => {
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url);
    try {
      await logIn(page, email, 'plum-cactus-orbit-42');
      await page.goto(`/performances/${performanceId}/seats`);
      const canvas = page.locator('canvas[data-ready="true"]');
      await canvas.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('selection').locator('li').count()).toBe(1);
      await shot('layout-v2-seat-map');
      await page.getByRole('button', { name: 'Clear' }).click();

      // Best available of a grade sold standing only (the area's own form, by quantity, is buyer-map's).
      const quick = page.locator('.quick-pick');
      await quick.getByLabel('Grade').selectOption('GA');
      await quick.getByLabel('Tickets').selectOption('2');
      await page.getByRole('button', { name: 'Pick for me' }).click();
      await page.getByRole('heading', { name: 'Your seats are held' }).waitFor();
      await expect.poll(() => page.getByText('Standing · Floor').count()).toBe(2);
      await shot('layout-v2-standing-held');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});
