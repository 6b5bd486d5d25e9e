import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  it('finds a sold-out waiting room, joins the list from it, and is offered the seats on the waiting room page itself, live', async () => {
    const { performanceId } = await onSalePerformance(
      env.server,
      { maxTicketsPerUser: 2, queue: { admitPerSecond: 50, maxActive: 100 } },
      { rows: 1, seatsPerRow: 2 },
    );
    const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
      env.server.app.inject({ method, url, headers, payload });
    // Someone else goes through the waiting room and buys both seats: sold out, the room closes.
    const owner = await buyer(env.server);
    expect((await inject('POST', `/api/performances/${performanceId}/queue`, owner.headers)).statusCode).toBe(
      200,
    );
    let pass: string | undefined;
    for (let waited = 0; !pass && waited < 10_000; waited += 100) {
      pass = (await inject('GET', `/api/performances/${performanceId}/queue/me`, owner.headers)).json().pass;
      if (!pass) await sleep(100);
    }
    const hold = await inject(
      'POST',
      `/api/performances/${performanceId}/holds`,
      { ...owner.headers, 'x-queue-pass': pass! },
      { seatNos: [0, 1] },
    );
    const order = await inject(
      'POST',
      `/api/holds/${hold.json().holdId}/checkout`,
      { ...owner.headers, 'idempotency-key': 'waitlist-queue-e2e' },
      { payment: { card: TEST_CARDS.succeeds } },
    );
    expect(order.statusCode).toBe(201);
    await expect
      .poll(async () => (await env.server.engine.queueStats(performanceId, Date.now())).closed, {
        timeout: 10_000,
      })
      .toBe('sold-out');

    const email = uniqueEmail('waitroom');
    await env.server.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Waiting' });
    // The room's join is refused (409 SOLD_OUT) and the list's first look finds no entry (404).
    const page = await openPage(env.browser, env.server.url, { allow: ['status of 409', 'status of 404'] });
    try {
      await logIn(page.page, email, 'plum-cactus-orbit-42');
      await page.page.goto(`/performances/${performanceId}/queue`);
      await page.page.getByTestId('queue-sold-out').waitFor();
      await page.shot('queue-sold-out');
      await page.page.getByRole('link', { name: 'Join the waiting list' }).click();
      await page.page.waitForURL('**/waitlist');
      await page.page.getByLabel('Seats').selectOption('2');
      await page.page.getByRole('button', { name: 'Join the waiting list' }).click();
      await page.page.getByText('You are number 1 of 1 on the waiting list.').waitFor();

      // Back in the waiting room: let in to wait for the list's offer, with the stream open.
      await page.page.goto(`/performances/${performanceId}/queue`);
      await page.page.getByTestId('queue-waitlisted').waitFor();
      await page.page.getByText('Live', { exact: true }).waitFor();
      await page.shot('queue-waitlisted');

      // The owner cancels: the seats go to the list, and the offer comes on the waiting room's stream.
      const refund = await inject('POST', `/api/orders/${order.json().id}/cancel`, owner.headers);
      expect(refund.statusCode).toBe(200);
      await page.page.getByTestId('waitlist-offer').waitFor({ timeout: 5_000 });
      await page.page.getByText('Seats are waiting for you!').waitFor();
      expect(await page.page.getByTestId('held-seats').locator('li').count()).toBe(2);
      await page.shot('queue-offer');
      await page.page.getByRole('button', { name: 'Succeeds' }).click();
      await page.page.getByRole('button', { name: /^Pay / }).click();
      await page.page.waitForURL('**/orders/*');
      await page.page.getByText('Valid', { exact: true }).first().waitFor();
      expect(await page.page.getByText('Valid', { exact: true }).count()).toBe(2);
      expect(page.errors()).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
