import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../harness.js';
import { hasChromium, openPage, serverAndBrowser } from './browser.js';

// Under the whole suite's load a test here took over the default 30 s in CI: 60 s each.
describe.skipIf(!hasChromium)('an organizer in the browser (in Korean)', () => {
  const env = serverAndBrowser();

  it('creates a venue with a live preview, an event with prices, a performance, and sees generation finish', async () => {
    const email = uniqueEmail('organizer');
    await env.server.auth.ensureAdmin({ email, password: 'admin-password', name: '주최자' });
    // A Korean browser gets the Korean app without choosing anything.
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, { locale: 'ko-KR' });
    try {
      await page.goto('/login?next=/admin');
      await page.getByLabel('이메일').fill(email);
      await page.getByLabel('비밀번호').fill('admin-password');
      await page.getByRole('button', { name: '로그인' }).click();
      await page.getByRole('heading', { name: '주최자' }).waitFor();

      await page.getByRole('link', { name: '공연장 등록' }).click();
      const venueName = `테스트 홀 ${Date.now()}`;
      await page.getByLabel('공연장 이름').fill(venueName);
      await page.getByLabel('열 수').first().fill('8');
      await page.getByRole('button', { name: '구역 추가' }).click();
      // The preview follows the form: 8×20 + 10×30 + the new section's 10×20.
      await expect.poll(() => page.getByText('660석').isVisible()).toBe(true);
      await page.locator('canvas[data-ready="true"]').waitFor();
      await shot('admin-venue-preview');
      await page.getByRole('button', { name: '공연장 등록' }).click();
      await page.getByText('660석 공연장을 등록했습니다.').waitFor();

      await page.getByRole('link', { name: '공연 등록' }).click();
      await page.getByLabel('공연명').fill('브라우저 테스트 콘서트');
      await page.getByLabel('아티스트').fill('테스터즈');
      await page.getByLabel('공연장').selectOption({ label: `${venueName} (660석)` });
      await page.getByLabel('VIP 가격').fill('165000');
      await page.getByLabel('R 가격').fill('132000');
      await page.getByLabel('S 가격').fill('99000');
      await page.getByRole('button', { name: '공연 등록' }).click();

      await page.getByRole('heading', { name: '회차 등록' }).waitFor();
      await page.getByLabel('초당 입장 인원').fill('20');
      await shot('admin-performance-form');
      await page.getByRole('button', { name: '회차 등록' }).click();
      await page.getByText('티켓 660장이 모두 준비되었습니다.').waitFor({ timeout: 20_000 });
      await shot('admin-generation-done');

      const eventLink = page.locator('main').getByRole('link', { name: '공연' });
      const eventUrl = (await eventLink.getAttribute('href'))!;
      await page.getByRole('link', { name: '판매 현황 열기' }).click();
      await expect.poll(() => page.getByTestId('counts').textContent()).toContain('660');
      await shot('admin-dashboard');

      // Buyers see the sale counting down: the form's default opens it in an hour, the queue 30 min before.
      await page.goto(eventUrl);
      await page.getByText(/대기실 입장까지 \d+분 \d+초/).waitFor();
      await shot('event-countdown');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('turns on two-factor login from the account page, and then logs in with the authenticator code', async () => {
    const email = uniqueEmail('organizer-2fa');
    await env.server.auth.ensureAdmin({ email, password: 'admin-password', name: '주최자' });
    // A wrong code is refused once on purpose (Chromium logs the 403).
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, {
      locale: 'ko-KR',
      allow: ['status of 401', 'status of 403'],
    });
    const codeFor = (secret: string, timestamp: number) =>
      new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp });
    try {
      const logInWith = async (code?: string) => {
        await page.goto('/login');
        await page.getByLabel('이메일').fill(email);
        await page.getByLabel('비밀번호').fill('admin-password');
        await page.getByRole('button', { name: '로그인' }).click();
        if (code === undefined) return;
        await page.getByLabel('인증 코드').fill(code);
        await page.getByRole('button', { name: '로그인' }).click();
      };
      await logInWith();
      await page.getByRole('button', { name: '로그아웃' }).waitFor();
      await page.getByRole('link', { name: '주최자' }).click();
      await page.getByLabel('비밀번호', { exact: true }).last().fill('admin-password');
      await page.getByRole('button', { name: '2단계 인증 설정' }).click();
      const secret = (await page.getByTestId('totp-secret').textContent())!;
      await page.getByRole('img', { name: '인증 앱용 QR 코드' }).waitFor();
      // No waiting for the clock: the confirming code is tried again below (refused, used), and the
      // login takes the next step's code, which the server accepts (a step of drift either way).
      const confirmedAt = Date.now();
      const confirming = codeFor(secret, confirmedAt);
      await page.getByLabel('인증 코드').fill(confirming);
      await page.getByRole('button', { name: '켜기' }).click();
      await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
      await shot('account-two-factor-on');

      await page.getByRole('button', { name: '로그아웃' }).click();
      // The password alone now asks for the code; the code that turned it on was used already.
      await logInWith(confirming);
      await page.getByText('코드가 올바르지 않거나 이미 사용되었습니다').waitFor();
      await page.getByLabel('인증 코드').fill(codeFor(secret, confirmedAt + 30_000));
      await page.getByRole('button', { name: '로그인' }).click();
      await page.getByRole('button', { name: '로그아웃' }).waitFor();
      await shot('login-with-code');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
