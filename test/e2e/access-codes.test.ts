import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/contract/booking.js';
import { adminHeaders, uniqueEmail, waitForJob } from '../harness.js';
import { hasChromium, logIn, openPage, selectSeats, serverAndBrowser } from './browser.js';

const VIP = 120_000;

/** A fan-club presale (issue 22, decision 027): the organizer hides a grade and makes a code, a fan buys with it. */
describe.skipIf(!hasChromium)('a presale with an access code, in the browser', () => {
  const env = serverAndBrowser();

  it('the organizer makes VIP code-only and creates a 20 % code; a buyer is refused without it and buys a VIP seat with it at the discounted price', async () => {
    const admin = await adminHeaders(env.server);
    const post = async (url: string, payload: object) => {
      const res = await env.server.app.inject({ method: 'POST', url, headers: admin, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; jobId?: string }>();
    };
    const venue = await post('/api/admin/venues', {
      name: 'Presale Hall',
      sections: [
        { name: 'V', grade: 'VIP', rows: 1, seatsPerRow: 10 },
        { name: 'A', grade: 'R', rows: 4, seatsPerRow: 10 },
      ],
    });
    const event = await post('/api/admin/events', {
      title: `Fan Club Presale ${Date.now()}`,
      category: 'concert',
      venueId: venue.id,
      prices: [
        { grade: 'VIP', amount: VIP },
        { grade: 'R', amount: 50_000 },
      ],
    });
    const now = Date.now();
    const perf = await post(`/api/admin/events/${event.id}/performances`, {
      startsAt: new Date(now + 48 * 3600_000).toISOString(),
      salesOpenAt: new Date(now - 3600_000).toISOString(),
      salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
      queue: { enabled: false },
    });
    await waitForJob(env.server, perf.jobId!);

    const organizerEmail = uniqueEmail('organizer');
    await env.server.auth.ensureAdmin({ email: organizerEmail, password: 'admin-password' });
    const organizer = await openPage(env.browser, env.server.url);
    const buyerEmail = uniqueEmail('fan');
    await env.server.auth.signup({ email: buyerEmail, password: 'plum-cactus-orbit-42', name: 'Fan' });
    // The refusal without a code is the point of one step: Chromium logs its 422.
    const fan = await openPage(env.browser, env.server.url, { allow: ['status of 422'] });
    try {
      await logIn(organizer.page, organizerEmail, 'admin-password');
      await organizer.page.goto(`/admin/performances/${perf.id}`);
      const codes = organizer.page.locator('section.access-codes');
      await codes.getByRole('heading', { name: 'Access codes' }).waitFor();
      const hide = codes.getByRole('form', { name: 'Sold only with a code' });
      await hide.getByLabel('VIP').check();
      await hide.getByRole('button', { name: 'Save code-only grades' }).click();
      await codes.getByText(/^Saved\./).waitFor();
      const form = codes.getByRole('form', { name: 'Create codes' });
      await form.getByLabel('Code (leave empty for random codes)').fill('fanclub-2026');
      await form.getByLabel('Uses per code').fill('5');
      await form.getByLabel('% off per ticket').fill('20');
      await form.getByLabel('VIP').check();
      await form.getByRole('button', { name: 'Create codes' }).click();
      await codes.getByText('Codes created: 1.').waitFor();
      await codes.getByTestId('codes').getByText('FANCLUB-2026').waitFor();
      await organizer.shot('access-codes-admin');

      await logIn(fan.page, buyerEmail, 'plum-cactus-orbit-42');
      await selectSeats(fan.page, perf.id, 1); // the first free seat: VIP, row 1
      await fan.page.getByRole('button', { name: 'Hold these seats' }).click();
      await fan.page.getByText(/This access code is not valid for these seats/).waitFor();
      await fan.page.getByLabel('Access code (presale)').fill('fanclub-2026');
      await selectSeats(fan.page, perf.id, 1);
      await fan.page.getByLabel('Access code (presale)').fill('fanclub-2026');
      await fan.page.getByRole('button', { name: 'Hold these seats' }).click();
      await fan.page.getByRole('button', { name: /^Pay .*96,000/ }).waitFor();
      await fan.shot('access-code-hold');
      await fan.page.getByRole('button', { name: 'Succeeds' }).click();
      await fan.page.getByRole('button', { name: /^Pay / }).click();
      await fan.page.waitForURL('**/orders/*');
      const orderId = fan.page.url().split('/').pop()!;
      const order = (await (await fan.context.request.get(`/api/orders/${orderId}`)).json()) as Order;
      expect(order).toMatchObject({ status: 'paid', amount: 0.8 * VIP });
      expect(order.tickets).toMatchObject([{ grade: 'VIP', price: 0.8 * VIP }]);
      await fan.page
        .getByText(/96,000/)
        .first()
        .waitFor();
      await fan.shot('access-code-order');

      await organizer.page.reload();
      await expect
        .poll(() =>
          organizer.page.getByTestId('codes').locator('tr', { hasText: 'FANCLUB-2026' }).textContent(),
        )
        .toContain('1 / 5');
      const csv = await organizer.context.request.get(`/api/admin/performances/${perf.id}/codes.csv`);
      expect(await csv.text()).toMatch(/^\uFEFFcode,max_uses,used,.*\nFANCLUB-2026,5,1,20,,VIP,/s);

      // The code leaks: the organizer stops it; the fan's order stands.
      const row = organizer.page.getByTestId('codes').locator('tr', { hasText: 'FANCLUB-2026' });
      await row.getByRole('button', { name: 'Stop' }).click();
      await codes
        .getByText('Code FANCLUB-2026 takes no more purchases; its held seats and paid orders stand.')
        .waitFor();
      await row.getByText('Stopped').waitFor();
      const list = await organizer.context.request.get(`/api/admin/performances/${perf.id}/codes`);
      expect((await list.json()).codes).toMatchObject([{ code: 'FANCLUB-2026', maxUses: 0, used: 1 }]);
    } finally {
      await organizer.close();
      await fan.close();
    }
  });
});
