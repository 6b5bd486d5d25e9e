import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { onSalePerformance, uniqueEmail, type TestApp } from '../harness.js';
import { hasChromium, openPage, serverAndBrowser } from './browser.js';

// Issue 18: support finds an order and refunds a ticket with a reason; the organizer reads the
// post-sale report on a phone, in Korean.

type Headers = Record<string, string>;

/** A buyer named `name` who joins the queue (when there is one), waits for a pass, and buys `seatNos`. */
async function buy(server: TestApp, performanceId: string, name: string, seatNos: number[]) {
  const email = uniqueEmail('desk-e2e');
  const { accessToken } = await server.auth.signup({ email, password: 'plum-cactus-orbit-42', name });
  const headers: Headers = { authorization: `Bearer ${accessToken}` };
  const joined = await server.app.inject({
    method: 'POST',
    url: `/api/performances/${performanceId}/queue`,
    headers,
  });
  let pass: string | undefined;
  if (joined.statusCode === 200 || joined.statusCode === 201) {
    const deadline = Date.now() + 15_000;
    while (!pass && Date.now() < deadline) {
      const me = await server.app.inject({
        method: 'GET',
        url: `/api/performances/${performanceId}/queue/me`,
        headers,
      });
      pass = me.json<{ pass?: string }>().pass;
      if (!pass) await new Promise((r) => setTimeout(r, 100));
    }
  }
  const hold = await server.app.inject({
    method: 'POST',
    url: `/api/performances/${performanceId}/holds`,
    headers: { ...headers, ...(pass ? { 'x-queue-pass': pass } : {}) },
    payload: { seatNos },
  });
  expect(hold.statusCode, hold.body).toBe(201);
  const paid = await server.app.inject({
    method: 'POST',
    url: `/api/holds/${hold.json().holdId}/checkout`,
    headers: { ...headers, 'idempotency-key': `e2e-${hold.json().holdId}` },
    payload: { payment: { card: TEST_CARDS.succeeds } },
  });
  expect(paid.statusCode, paid.body).toBe(201);
  return { email, order: paid.json<{ id: string; tickets: { id: string; code: string }[] }>() };
}

describe.skipIf(!hasChromium)('the order desk and the report in the browser', () => {
  const env = serverAndBrowser();

  it('support finds an order by a part of the email, reads its timeline, and refunds one ticket with a reason', async () => {
    const { performanceId } = await onSalePerformance(env.server, { queue: { enabled: false } });
    const { email, order } = await buy(env.server, performanceId, '김민지', [3, 4]);
    const adminEmail = uniqueEmail('desk-admin');
    await env.server.auth.ensureAdmin({ email: adminEmail, password: 'admin-password', name: 'Support' });
    const support = await openPage(env.browser, env.server.url);
    try {
      const { page } = support;
      await page.goto('/login?next=/admin/orders');
      await page.getByLabel('Email').fill(adminEmail);
      await page.getByLabel('Password').fill('admin-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Orders' }).waitFor();

      await page
        .getByLabel('Email, order number, ticket code or seat')
        .fill(email.slice(0, 20).toUpperCase());
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Orders found: 1');
      await page.getByText('김민지').waitFor();
      await support.shot('desk-search');

      // By seat label, as a buyer at the counter says it.
      await page.getByLabel('Email, order number, ticket code or seat').fill('A구역 1열 4번');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: new RegExp(`Order ${order.id}`) }).click();

      await page.getByRole('heading', { name: new RegExp(`Order ${order.id}`) }).waitFor();
      await expect.poll(() => page.getByTestId('timeline').locator('li').count()).toBe(2);
      await page.getByLabel(/Section A · Row 1 · Seat 4/).check();
      await page
        .getByLabel('Reason (required, kept with the refund)')
        .fill('Buyer cannot attend (phone call)');
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Refund', exact: true }).click();
      await page.getByText('Refunded.').waitFor();
      const timeline = page.getByTestId('timeline');
      await expect.poll(() => timeline.textContent()).toContain(`by ${adminEmail}`);
      expect(await timeline.textContent()).toContain('Reason: Buyer cannot attend (phone call)');
      await support.shot('desk-order-refunded');

      const detail = await env.server.app.inject({
        method: 'GET',
        url: `/api/orders/${order.id}`,
        headers: {
          authorization: `Bearer ${(await env.server.auth.login({ email, password: 'plum-cactus-orbit-42' })).accessToken}`,
        },
      });
      expect(detail.json<{ tickets: { status: string }[] }>().tickets.map((x) => x.status)).toEqual([
        'void', // seat number 4 is seatNo 3, the first of the two
        'valid',
      ]);
      expect(support.errors()).toEqual([]);
    } finally {
      await support.close();
    }
  }, 60_000);

  it('an organizer reads the post-sale report on a phone, in Korean: funnel, per-minute sales, grades', async () => {
    const { performanceId } = await onSalePerformance(env.server, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 50, maxActive: 100, passTtlSeconds: 600 },
    });
    const first = await buy(env.server, performanceId, '이서준', [0, 1]);
    await buy(env.server, performanceId, 'Ada', [10]);
    const adminEmail = uniqueEmail('report-admin');
    await env.server.auth.ensureAdmin({ email: adminEmail, password: 'admin-password', name: '주최자' });
    const door = await env.server.app.inject({
      method: 'POST',
      url: '/api/admin/checkin',
      headers: {
        authorization: `Bearer ${(await env.server.auth.login({ email: adminEmail, password: 'admin-password' })).accessToken}`,
      },
      payload: { code: first.order.tickets[0]!.code, performanceId },
    });
    expect(door.statusCode).toBe(200);
    const organizer = await openPage(env.browser, env.server.url, {
      locale: 'ko-KR',
      viewport: { width: 390, height: 844 },
      touch: true,
    });
    try {
      const { page } = organizer;
      // Nothing wider than the phone: the page does not scroll sideways.
      // (A string: the test's own TypeScript knows no DOM.)
      const overflowing = () =>
        page.evaluate<string[]>(
          `[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > innerWidth)
             .map((el) => el.tagName + '.' + el.className)`,
        );
      await page.goto(`/login?next=/admin/performances/${performanceId}`);
      await page.getByLabel('이메일').fill(adminEmail);
      await page.getByLabel('비밀번호').fill('admin-password');
      await page.getByRole('button', { name: '로그인' }).click();
      // The dashboard shows the event and the report's own funnel and grades, live.
      expect(await page.getByTestId('event-title').textContent()).toBe('Test Show');
      const live = page.getByTestId('live-figures');
      const liveFunnel = live.getByTestId('funnel');
      await expect.poll(() => liveFunnel.textContent(), { timeout: 10_000 }).toContain('구매2');
      for (const figure of ['대기 참여2', '사전 대기0', '입장 허가2', '대기 이탈0', '입장권 만료0'])
        expect(await liveFunnel.textContent()).toContain(figure);
      expect(await live.locator('.report-grades tbody tr').count()).toBe(1);
      expect(await live.locator('.report-grades tbody tr').textContent()).toContain('3 / 100');
      await organizer.shot('dashboard-phone-ko');
      expect(await overflowing()).toEqual([]);
      // The dashboard links the exports and the report.
      const csv = page.getByRole('link', { name: '관객 명단 (CSV)' });
      expect(await csv.getAttribute('href')).toBe(`/api/admin/performances/${performanceId}/attendees.csv`);
      await page.getByRole('link', { name: '판매 결과 보고서' }).click();
      await page.getByRole('heading', { name: '판매 결과 보고서' }).waitFor();

      const funnel = page.getByTestId('funnel');
      await expect.poll(() => funnel.textContent()).toContain('구매2');
      // Every figure recorded: the engine counted who joined, left and let a pass run out.
      expect(await funnel.textContent()).toContain('대기 참여2');
      expect(await funnel.textContent()).not.toContain('기록 없음');
      expect(await page.getByTestId('per-minute').locator('rect').count()).toBeGreaterThan(0);
      const money = await page.getByTestId('report-money').textContent();
      expect(money).toContain('3 / 100');
      expect(money).toContain('150,000');
      expect(await page.locator('.report-grades tbody tr').count()).toBe(1);
      await organizer.shot('report-phone-ko');
      expect(await overflowing()).toEqual([]);
      expect(organizer.errors()).toEqual([]);
    } finally {
      await organizer.close();
    }
  }, 60_000);
});
