import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, selectSeats as select, serverAndBrowser } from './browser.js';

/** The buying half of the journey: holds, checkout, tickets and check-in, against the real booking API. */
describe.skipIf(!hasChromium)('a buyer booking in the browser', () => {
  const env = serverAndBrowser();
  let performanceId: string;
  beforeAll(async () => {
    // No waiting room here: the queue's own journey is in buyer.test.ts.
    ({ performanceId } = await onSalePerformance(env.server, { queue: { enabled: false } }));
  });

  const selectSeats = (page: Page, count: number) => select(page, performanceId, count);

  const newBuyer = async () => {
    const email = uniqueEmail('booker');
    await env.server.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Booker' });
    return email;
  };

  it('picks seats on the map, pays with the succeeding card, sees the QR ticket; check-in admits it once', async () => {
    const buyer = await openPage(env.browser, env.server.url);
    const door = await openPage(env.browser, env.server.url, { allow: ['status of 409'] });
    try {
      await logIn(buyer.page, await newBuyer(), 'plum-cactus-orbit-42');
      await selectSeats(buyer.page, 2);
      await buyer.shot('seats-selected');
      await buyer.page.getByRole('button', { name: 'Hold these seats' }).click();
      await buyer.page.getByRole('heading', { name: 'Your seats are held' }).waitFor();
      await expect.poll(() => buyer.page.getByTestId('held-seats').locator('li').count()).toBe(2);
      await buyer.page.getByRole('button', { name: 'Succeeds' }).click();
      await buyer.shot('checkout');
      await buyer.page.getByRole('button', { name: /^Pay / }).click();

      await buyer.page.waitForURL('**/orders/*');
      const qr = buyer.page.locator('img[alt^="QR code"]').first();
      await qr.waitFor();
      // The image is served by the API with the session cookie: it must actually load.
      await expect
        .poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
        .toBeGreaterThan(0);
      await buyer.shot('ticket-qr');
      const code = (await buyer.page.locator('.code').first().textContent())!.trim();

      const admin = uniqueEmail('door');
      await env.server.auth.ensureAdmin({ email: admin, password: 'admin-password' });
      await logIn(door.page, admin, 'admin-password');
      await door.page.goto(`/admin/checkin?performance=${performanceId}`);
      const result = door.page.getByTestId('door-result');
      await door.page.getByLabel('Ticket code').fill(code);
      await door.page.getByRole('button', { name: 'Check in' }).click();
      await expect.poll(() => result.textContent()).toContain('Admitted');
      await door.page.getByLabel('Ticket code').fill(code);
      await door.page.getByRole('button', { name: 'Check in' }).click();
      await expect.poll(() => result.textContent()).toContain('Already used');
      await door.shot('checkin');
      expect(buyer.errors()).toEqual([]);
      expect(door.errors()).toEqual([]);
    } finally {
      await Promise.all([buyer.close(), door.close()]);
    }
  });

  it('tells a second buyer, who chose the same seats a moment later, that they are taken', async () => {
    const first = await openPage(env.browser, env.server.url);
    const second = await openPage(env.browser, env.server.url, { allow: ['status of 409'] });
    try {
      await logIn(first.page, await newBuyer(), 'plum-cactus-orbit-42');
      await logIn(second.page, await newBuyer(), 'plum-cactus-orbit-42');
      // Both choose the same two free seats; the first holds them before the second presses the button.
      await selectSeats(first.page, 2);
      await selectSeats(second.page, 2);
      await first.page.getByRole('button', { name: 'Hold these seats' }).click();
      await first.page.getByRole('heading', { name: 'Your seats are held' }).waitFor();
      await second.page
        .getByRole('button', { name: 'Hold these seats' })
        .click({ trial: false })
        .catch(() => {
          // The next availability poll may have dropped the seats (and disabled the button) first.
        });
      await second.page
        .getByText('Sorry, someone else just took one of those seats.', { exact: false })
        .waitFor();
      await second.shot('seats-taken');
      expect(first.errors()).toEqual([]);
      expect(second.errors()).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('shows a declined card as a sentence and lets the buyer try another card', async () => {
    const buyer = await openPage(env.browser, env.server.url, { allow: ['status of 402'] });
    try {
      await logIn(buyer.page, await newBuyer(), 'plum-cactus-orbit-42');
      await selectSeats(buyer.page, 1);
      await buyer.page.getByRole('button', { name: 'Hold these seats' }).click();
      await buyer.page.getByRole('button', { name: 'Declined' }).click();
      await buyer.page.getByRole('button', { name: /^Pay / }).click();
      await buyer.page.getByText('Your card was declined. Try another card.').waitFor();
      await buyer.shot('card-declined');
      // The hold is still there: the succeeding card goes through.
      await buyer.page.getByRole('button', { name: 'Succeeds' }).click();
      await buyer.page.getByRole('button', { name: /^Pay / }).click();
      await buyer.page.waitForURL('**/orders/*');
      expect(buyer.errors()).toEqual([]);
    } finally {
      await buyer.close();
    }
  });
});
