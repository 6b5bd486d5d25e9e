import { describe, expect, it } from 'vitest';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

// Issue 21 in the browser, embedded mode with no SMTP server: the admin's Mail page shows what would be
// sent, and an organizer messages every ticket holder of a performance after a preview and a count.
// No mail worker runs here (the harness's default; mail.test.ts owns delivery), so the kept message
// the Mail page shows is written as the worker writes one.
describe.skipIf(!hasChromium)('mail in the browser (embedded, no SMTP server)', () => {
  const env = serverAndBrowser();

  it('shows kept messages on the Mail page, and sends a message to every ticket holder after a preview', async () => {
    const t = env.server;
    const email = uniqueEmail('mail-admin');
    await t.auth.ensureAdmin({ email, password: 'admin-password', name: 'Organizer' });
    const { performanceId } = await onSalePerformance(t, { queue: { enabled: false } });
    const holder = await buyer(t);
    const hold = await t.app.inject({
      method: 'POST',
      url: `/api/performances/${performanceId}/holds`,
      headers: holder.headers,
      payload: { seatNos: [0] },
    });
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${hold.json().holdId}/checkout`,
      headers: { ...holder.headers, 'idempotency-key': `k-${hold.json().holdId}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    expect(paid.statusCode).toBe(201);
    const recipient = uniqueEmail('kept');
    await t.db.query(
      `INSERT INTO mail_messages (source, message_id, kind, recipient, locale, state, subject, text_body, attempts)
       VALUES ($1, $2, 'order-confirmation', $3, 'en', 'kept', 'Your tickets: Kept Show', 'Section A · Row 1 · Seat 1', 1)`,
      [`test:${recipient}`, `<${recipient}>`, recipient],
    );

    const { page, shot, errors, close } = await openPage(env.browser, t.url);
    try {
      await logIn(page, email, 'admin-password');
      await page.goto('/admin');
      await page.getByRole('link', { name: 'Mail' }).click();
      await page.getByText('No mail server is configured (TMOMI_SMTP_URL)').waitFor();
      // Other test files add mail all the time: the list is narrowed to this message's address.
      await page.goto(`/admin/mail?to=${encodeURIComponent(recipient)}`);
      const kept = page.getByTestId('mail-message').filter({ hasText: recipient });
      await kept.getByText('Your tickets: Kept Show').waitFor();
      await kept.getByText('Kept (not sent)').waitFor();
      await kept.getByText('order-confirmation').click();
      await kept.getByText('Section A · Row 1 · Seat 1').waitFor();
      await shot('admin-mail');

      await page.goto(`/admin/performances/${performanceId}`);
      await page.getByRole('link', { name: 'Message all ticket holders' }).click();
      await page.getByLabel('Subject (Korean)').fill('입장 안내');
      await page.getByLabel('Message (Korean)').fill('18시에 입장을 시작합니다.');
      await page.getByLabel('Subject (English)').fill('Doors open at 18:00');
      await page.getByLabel('Message (English)').fill('Please come early.');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByText('This message will go to 1 ticket holders.').waitFor();
      await expect.poll(() => page.getByTestId('mail-preview').textContent()).toContain('Please come early.');
      await shot('admin-message-holders-preview');
      await page.getByRole('button', { name: 'Send to 1 ticket holders' }).click();
      await page.getByText('Queued for 1 ticket holders.').waitFor();
      await expect
        .poll(() => page.getByTestId('broadcast').first().textContent())
        // Sent or still waiting: a mail worker of another test file may deliver it meanwhile.
        .toMatch(/^(0 of 1 sent · 1 waiting|1 of 1 sent · 0 waiting) · 0 failed$/);
      await shot('admin-message-holders-sent');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
