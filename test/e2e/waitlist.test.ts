import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

/** Issue 22's waiting list in the browser: a buyer joins on a sold-out show and pays for the seats a refund frees. */
describe.skipIf(!hasChromium)('the waiting list, in the browser', () => {
  const env = serverAndBrowser();

  it('joins the list of a sold-out performance, sees their place, and pays for the seats offered when a refund frees them', async () => {
    const { performanceId } = await onSalePerformance(
      env.server,
      { queue: { enabled: false }, maxTicketsPerUser: 2 },
      { rows: 1, seatsPerRow: 2 },
    );
    // Someone else buys both seats: sold out.
    const owner = await buyer(env.server);
    const inject = (method: 'POST', url: string, headers: Record<string, string>, payload?: object) =>
      env.server.app.inject({ method, url, headers, payload });
    const hold = await inject('POST', `/api/performances/${performanceId}/holds`, owner.headers, {
      seatNos: [0, 1],
    });
    const order = await inject(
      'POST',
      `/api/holds/${hold.json().holdId}/checkout`,
      { ...owner.headers, 'idempotency-key': 'waitlist-e2e' },
      { payment: { card: TEST_CARDS.succeeds } },
    );
    expect(order.statusCode).toBe(201);

    const email = uniqueEmail('waiting');
    await env.server.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Waiting' });
    const page = await openPage(env.browser, env.server.url, { allow: ['status of 404'] });
    try {
      await logIn(page.page, email, 'plum-cactus-orbit-42');
      // The seat map offers the list once it shows no seat free.
      const join = page.page.getByRole('link', { name: 'Join the waiting list' });
      await expect
        .poll(
          async () => {
            await page.page.goto(`/performances/${performanceId}/seats`);
            return join.waitFor({ timeout: 2_000 }).then(
              () => true,
              () => false,
            );
          },
          { timeout: 15_000, interval: 1_000 },
        )
        .toBe(true);
      await join.click();
      await page.page.waitForURL('**/waitlist');
      await page.page.getByLabel('Seats').selectOption('2');
      await page.page.getByRole('button', { name: 'Join the waiting list' }).click();
      await page.page.getByText('You are number 1 of 1 on the waiting list.').waitFor();
      await page.shot('waitlist-place');

      // The owner cancels: the seats go to the list, not back on sale, and the page shows the offer.
      const refund = await inject('POST', `/api/orders/${order.json().id}/cancel`, owner.headers);
      expect(refund.statusCode).toBe(200);
      await page.page.getByTestId('waitlist-offer').waitFor({ timeout: 10_000 });
      await page.page.getByText('Seats are waiting for you!').waitFor();
      await page.shot('waitlist-offer');
      await page.page.getByRole('button', { name: 'Succeeds' }).click();
      await page.page.getByRole('button', { name: /^Pay / }).click();
      await page.page.waitForURL('**/orders/*');
      await page.page.getByText('Valid', { exact: true }).first().waitFor();
      expect(await page.page.getByText('Valid', { exact: true }).count()).toBe(2);
      await page.shot('waitlist-offer-paid');
      expect(page.errors()).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
