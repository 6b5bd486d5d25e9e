import { readFile } from 'node:fs/promises';
import type { Order } from '../../src/contract/booking.js';
import { describe, expect, it } from 'vitest';
import { adminHeaders, onSalePerformance, uniqueEmail, waitForJob } from '../harness.js';
import { pdfText } from '../pdf-text.js';
import { hasChromium, logIn, openPage, selectSeats, serverAndBrowser } from './browser.js';

/** What the buyer holds after paying, and the door that admits it: issue 15's journey in the browser. */
describe.skipIf(!hasChromium)('tickets from the order to the door, in the browser', () => {
  const env = serverAndBrowser();

  it('buys two seats, downloads the PDF, is admitted at the right door and turned away at the wrong one, and cannot cancel the used ticket', async () => {
    const title = `브라우저 콘서트 ${Date.now()}`;
    const { performanceId, eventId } = await onSalePerformance(env.server, { queue: { enabled: false } });
    const admin = await adminHeaders(env.server);
    await env.server.app.inject({
      method: 'PATCH',
      url: `/api/admin/events/${eventId}`,
      headers: admin,
      payload: { title },
    });
    // The same event's other night: its door must turn tonight's tickets away.
    const now = Date.now();
    const other = await env.server.app.inject({
      method: 'POST',
      url: `/api/admin/events/${eventId}/performances`,
      headers: admin,
      payload: {
        startsAt: new Date(now + 96 * 3600_000).toISOString(),
        salesOpenAt: new Date(now - 3600_000).toISOString(),
        salesCloseAt: new Date(now + 72 * 3600_000).toISOString(),
        queue: { enabled: false },
      },
    });
    expect(other.statusCode).toBe(201);
    const otherPerformance = other.json<{ id: string; jobId: string }>();
    await waitForJob(env.server, otherPerformance.jobId);

    const email = uniqueEmail('ticket-holder');
    await env.server.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Holder' });
    const doorEmail = uniqueEmail('steward');
    await env.server.auth.ensureAdmin({ email: doorEmail, password: 'admin-password' });
    // Refusals are the point here: the 409s and the 404 they answer are logged by Chromium.
    const buyer = await openPage(env.browser, env.server.url, { allow: ['status of 409'] });
    const door = await openPage(env.browser, env.server.url, { allow: ['status of 409', 'status of 404'] });
    try {
      await logIn(buyer.page, email, 'plum-cactus-orbit-42');
      await selectSeats(buyer.page, performanceId, 2);
      await buyer.page.getByRole('button', { name: 'Hold these seats' }).click();
      await buyer.page.getByRole('button', { name: 'Succeeds' }).click();
      await buyer.page.getByRole('button', { name: /^Pay / }).click();
      await buyer.page.waitForURL('**/orders/*');
      const orderId = buyer.page.url().split('/').pop()!;
      // The session cookie goes with the context's own requests: the order as the page has it.
      const order = (await (await buyer.context.request.get(`/api/orders/${orderId}`)).json()) as Order;
      expect(order.tickets).toHaveLength(2);
      const [first, second] = order.tickets as [Order['tickets'][0], Order['tickets'][0]];
      const seat = (t: typeof first) => `Section ${t.section} · Row ${t.row} · Seat ${t.seat}`;

      await buyer.page.getByRole('heading', { name: title }).waitFor();
      await buyer.page.getByText(seat(first)).first().waitFor();
      await buyer.page.getByText(seat(second)).first().waitFor();
      await buyer.page.getByText(/You can cancel tickets for a refund until/).waitFor();
      expect(await buyer.page.getByText('Valid', { exact: true }).count()).toBe(2);
      await buyer.shot('order-tickets');

      // The button downloads the PDF in the page's language, as a person would get it.
      const [download] = await Promise.all([
        buyer.page.waitForEvent('download'),
        buyer.page.getByRole('link', { name: 'Download tickets (PDF)' }).click(),
      ]);
      const pdf = await pdfText(await readFile(await download.path()));
      expect(pdf.pages).toHaveLength(2);
      expect(pdf.pages.join('\n')).toContain(title);
      expect(pdf.pages.join('\n')).toContain(seat(first));

      await buyer.page.getByRole('link', { name: 'Show at the door' }).first().click();
      await buyer.page.waitForURL('**/tickets/*');
      await buyer.page.locator('img.qr-big').waitFor();
      await buyer.shot('ticket-for-the-door');
      await buyer.page.goBack();
      await buyer.page.getByRole('heading', { name: title }).waitFor();

      // The door of tonight's performance: chosen in the address, kept across a reload.
      await logIn(door.page, doorEmail, 'admin-password');
      await door.page.goto(`/admin/checkin?performance=${performanceId}`);
      await door.page.reload();
      const count = door.page.getByTestId('door-count');
      await expect.poll(() => count.textContent()).toBe('Checked in: 0 of 2 sold');
      const result = door.page.getByTestId('door-result');
      const scan = async (code: string) => {
        await door.page.getByLabel('Ticket code').fill(code);
        await door.page.getByRole('button', { name: 'Check in' }).click();
      };
      await scan(first.code);
      await expect.poll(() => result.textContent()).toContain('Admitted');
      expect(await result.textContent()).toContain(seat(first));
      await expect.poll(() => count.textContent()).toBe('Checked in: 1 of 2 sold');
      await door.shot('door-admitted');
      await scan(first.code);
      await expect.poll(() => result.textContent()).toContain('Already used');
      await scan('TnotATicketAtAll0000.0000000000000000');
      await expect.poll(() => result.textContent()).toContain('Unknown ticket');

      // The other night's door turns the second ticket away, and says which night it is for.
      await door.page.goto(`/admin/checkin?performance=${otherPerformance.id}`);
      await scan(second.code);
      await expect.poll(() => result.textContent()).toContain('Wrong performance');
      expect(await result.textContent()).toMatch(/This ticket is for .+\./);
      await door.shot('door-wrong-performance');

      // The buyer's page was read before the door: both tickets still look cancellable there.
      await buyer.page.getByRole('button', { name: 'Cancel the chosen tickets' }).click();
      await buyer.page.getByText(/Cancel the chosen tickets \(2\)\?/).waitFor();
      await buyer.page.getByRole('button', { name: 'Yes, cancel them' }).click();
      await buyer.page.getByText('A chosen ticket has already been used to enter').waitFor();
      // The page reads the order again: the used ticket says so and cannot be chosen any more.
      await expect.poll(() => buyer.page.getByText('Used', { exact: true }).count()).toBe(1);
      expect(await buyer.page.getByLabel(`Cancel ${seat(first)}`).isDisabled()).toBe(true);
      await buyer.shot('order-used-ticket');

      // The other one still can be: a partial refund, recorded as the buyer's.
      await buyer.page.getByRole('button', { name: 'Cancel the chosen tickets' }).click();
      await buyer.page.getByText(/Cancel the chosen tickets \(1\)\?/).waitFor();
      await buyer.page.getByRole('button', { name: 'Yes, cancel them' }).click();
      await buyer.page.getByText(/Cancelled: .+ will be refunded to your card\./).waitFor();
      await expect.poll(() => buyer.page.getByTestId('refunds').textContent()).toContain('by you');
      await buyer.shot('order-partly-refunded');
      expect(buyer.errors()).toEqual([]);
      expect(door.errors()).toEqual([]);
    } finally {
      await Promise.all([buyer.close(), door.close()]);
    }
  });
});
