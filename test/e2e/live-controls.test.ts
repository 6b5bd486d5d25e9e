import { describe, expect, it } from 'vitest';
import { onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

describe.skipIf(!hasChromium)('live sale controls in the browser', () => {
  const env = serverAndBrowser();

  it('an organizer (in Korean) pauses admission from the dashboard, a waiting buyer is told, and resuming lets them in; a live setting is saved', async () => {
    const { performanceId } = await onSalePerformance(env.server, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 5, maxActive: 100, passTtlSeconds: 600 },
    });
    const adminEmail = uniqueEmail('organizer-live');
    await env.server.auth.ensureAdmin({ email: adminEmail, password: 'admin-password', name: '주최자' });
    const buyerEmail = uniqueEmail('buyer-live');
    await env.server.auth.signup({ email: buyerEmail, password: 'plum-cactus-orbit-42', name: 'Buyer' });
    const organizer = await openPage(env.browser, env.server.url, { locale: 'ko-KR' });
    const buyer = await openPage(env.browser, env.server.url);
    try {
      const { page } = organizer;
      await page.goto(`/login?next=/admin/performances/${performanceId}`);
      await page.getByLabel('이메일').fill(adminEmail);
      await page.getByLabel('비밀번호').fill('admin-password');
      await page.getByRole('button', { name: '로그인' }).click();
      await page.getByRole('heading', { name: '실시간 판매 제어' }).waitFor();
      await expect.poll(() => page.getByTestId('queue-state').textContent()).toBe('입장 진행 중');

      await page.getByRole('button', { name: '입장 일시 정지' }).click();
      await expect.poll(() => page.getByTestId('queue-state').textContent()).toBe('일시 정지됨');
      expect((await env.server.engine.queueStats(performanceId, Date.now())).paused).toBe(true);
      await organizer.shot('admin-live-paused');

      // The buyer joins while paused: their place is kept and they are told why nobody moves.
      await logIn(buyer.page, buyerEmail, 'plum-cactus-orbit-42');
      await buyer.page.goto(`/performances/${performanceId}/queue`);
      await buyer.page.getByTestId('queue-paused').waitFor();
      await expect
        .poll(() => buyer.page.getByTestId('queue-paused').textContent())
        .toContain('number 1 in line');
      await buyer.shot('queue-paused');

      await page.getByRole('button', { name: '입장 재개' }).click();
      await expect.poll(() => page.getByTestId('queue-state').textContent()).toBe('입장 진행 중');
      await buyer.page.waitForURL(`**/performances/${performanceId}/seats`, { timeout: 15_000 });

      // A live setting: the rate, saved and applied.
      await page.getByLabel('초당 입장 인원').fill('7');
      await page.getByRole('button', { name: '변경 저장' }).click();
      await page.getByText('저장했습니다').waitFor();
      const shown = await env.server.app.inject({ method: 'GET', url: `/api/performances/${performanceId}` });
      expect(shown.json().queue.admitPerSecond).toBe(7);
      await organizer.shot('admin-live-saved');
      expect(organizer.errors()).toEqual([]);
      expect(buyer.errors()).toEqual([]);
    } finally {
      await organizer.close();
      await buyer.close();
    }
  }, 60_000);
});
