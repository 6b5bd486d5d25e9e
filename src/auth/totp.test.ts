import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes, startTestApp, TestClock, uniqueEmail, type TestApp } from '../../test/harness.js';

// Issue 16, defect 11: two-factor login with TOTP, recovery codes, and codes that work once.

const PASSWORD = 'plum-cactus-orbit-42';

describe.each(modes())('two-factor login ($name)', (mode) => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestApp(mode, { clock });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload, headers });
  const refusal = (res: { statusCode: number; json(): { error: { code: string } } }) => [
    res.statusCode,
    res.json().error.code,
  ];
  const codeAt = (secret: string, at = clock.now()) =>
    new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });

  it('when an account turns two-factor login on, then a login needs a code or a recovery code, each accepted once', async () => {
    const email = uniqueEmail('totp');
    const signup = await post('/api/auth/signup', { email, password: PASSWORD, name: 'Two Factor' });
    const headers = { authorization: `Bearer ${signup.json().accessToken}` };

    expect(refusal(await post('/api/me/totp', { password: 'not-my-password' }, headers))).toEqual([
      403,
      'WRONG_PASSWORD',
    ]);
    expect(refusal(await post('/api/me/totp/confirm', { code: '123456' }, headers))).toEqual([
      409,
      'TOTP_NOT_SET_UP',
    ]);
    const setup = (await post('/api/me/totp', { password: PASSWORD }, headers)).json();
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\/Tmomi:/);
    expect(setup.qrSvg).toContain('<svg');
    // Kept sealed: the database alone does not give the secret.
    const { rows } = await t.db.query<{ pending: string }>(
      'SELECT totp_pending AS pending FROM users WHERE email = $1',
      [email],
    );
    expect(rows[0]!.pending).not.toContain(setup.secret);

    const wrong = String((Number(codeAt(setup.secret)) + 1) % 1_000_000).padStart(6, '0');
    expect(refusal(await post('/api/me/totp/confirm', { code: wrong }, headers))).toEqual([
      403,
      'TOTP_INVALID',
    ]);
    const confirmed = await post('/api/me/totp/confirm', { code: codeAt(setup.secret) }, headers);
    expect(confirmed.statusCode).toBe(200);
    const { recoveryCodes } = confirmed.json<{ recoveryCodes: string[] }>();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers })).json().totpEnabled).toBe(true);

    const login = (extra: object) => post('/api/auth/login', { email, password: PASSWORD, ...extra });
    expect(refusal(await login({}))).toEqual([401, 'TOTP_REQUIRED']);
    expect(refusal(await login({ otp: wrong }))).toEqual([403, 'TOTP_INVALID']);
    // The code that confirmed the setup was used: it does not log in.
    expect(refusal(await login({ otp: codeAt(setup.secret) }))).toEqual([403, 'TOTP_INVALID']);
    clock.advance(30_000);
    const code = codeAt(setup.secret);
    expect((await login({ otp: code })).statusCode).toBe(200);
    expect(refusal(await login({ otp: code }))).toEqual([403, 'TOTP_INVALID']);
    expect((await login({ recoveryCode: recoveryCodes[0]!.toUpperCase() })).statusCode).toBe(200);
    expect(refusal(await login({ recoveryCode: recoveryCodes[0] }))).toEqual([403, 'TOTP_INVALID']);
    expect(refusal(await login({ password: 'wrong-password', otp: codeAt(setup.secret) }))).toEqual([
      401,
      'INVALID_CREDENTIALS',
    ]);

    expect((await post('/api/me/totp/disable', { password: PASSWORD }, headers)).statusCode).toBe(204);
    expect((await login({})).statusCode).toBe(200);
  });

  it('when codes are guessed, then the account must wait as after wrong passwords', async () => {
    const email = uniqueEmail('totp-guess');
    const signup = await post('/api/auth/signup', { email, password: PASSWORD, name: 'Guessed' });
    const headers = { authorization: `Bearer ${signup.json().accessToken}` };
    const setup = (await post('/api/me/totp', { password: PASSWORD }, headers)).json();
    clock.advance(30_000);
    await post('/api/me/totp/confirm', { code: codeAt(setup.secret) }, headers);
    const statuses = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await post('/api/auth/login', { email, password: PASSWORD, otp: String(100_000 + i) })).statusCode,
      );
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5)).toContain(429);
  });
});
